"""Safe file writing (``autodiff.fileio``, issue 17): every save — ``atomic_write``, ``Module.save``,
``Diagram.save``, ``BackpropPlayer.save`` — leaves the old file or the complete new one, refuses targets it must not
replace, follows symlinks, keeps permission bits, and cleans up after itself and after killed runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import nn
from autodiff import Value, fileio, viz

ROOT = Path(__file__).resolve().parents[2]
OLD = b"the user's good file\n" * 50
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make dot)")


def _neuron() -> Value:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(1.0, "b")
    return (w * x + b).sigmoid()


SAVERS = {
    "atomic_write": lambda path: fileio.atomic_write(path, b"new data\n" * 100),
    "Module.save": lambda path: nn.Linear(3, 2, seed=0).save(path),
    "Diagram.save": lambda path: viz.draw(_neuron()).save(path),  # a .bin name: the DOT source, no dot needed
    "BackpropPlayer.save": lambda path: viz.BackpropPlayer(_neuron()).save(path),
}
EVERY_SAVER = [pytest.param(name, marks=[needs_dot] if name == "BackpropPlayer.save" else [], id=name)
               for name in SAVERS]


def others(directory: Path, *keep: str) -> list[str]:
    """What else is in ``directory``: temporary files left behind, partial outputs."""
    return sorted(name for name in os.listdir(directory) if name not in keep)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- what a save keeps -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("saver", EVERY_SAVER)
def test_a_private_file_stays_private(saver, tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(OLD)
    os.chmod(path, 0o600)
    SAVERS[saver](path)
    assert path.read_bytes() != OLD and mode(path) == 0o600
    assert others(tmp_path, "out.bin") == []


@pytest.mark.parametrize("saver", EVERY_SAVER)
def test_a_symlink_is_followed_and_stays_a_link(saver, tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "out.bin"
    real.write_bytes(OLD)
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    SAVERS[saver](link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != OLD
    assert others(tmp_path / "real", "out.bin") == [] and others(tmp_path, "real", "link.bin") == []


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        fileio.atomic_write(tmp_path / "new.txt", "héllo")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.txt").read_text(encoding="utf-8") == "héllo" and mode(tmp_path / "new.txt") == 0o644


# ---- what a save refuses ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("saver", EVERY_SAVER)
def test_a_write_protected_file_is_refused_even_for_root(saver, tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(OLD)
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match=r"write-protected \(mode 0444\).*chmod u\+w.*out\.bin"):
        SAVERS[saver](path)
    assert path.read_bytes() == OLD and mode(path) == 0o444 and others(tmp_path, "out.bin") == []


def test_a_file_the_user_may_not_write_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "theirs.bin"
    path.write_bytes(OLD)
    monkeypatch.setattr(fileio.os, "access", lambda p, m: os.fspath(p) != str(path))  # as a non-root user
    with pytest.raises(PermissionError, match=r"you may not write this file.*theirs\.bin"):
        fileio.atomic_write(path, b"x")
    assert path.read_bytes() == OLD


def test_a_directory_the_user_may_not_write_in_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(fileio.os, "access", lambda p, m: os.fspath(p) != str(tmp_path))
    with pytest.raises(PermissionError, match=r"cannot create files in the directory .*new\.bin"):
        fileio.atomic_write(tmp_path / "new.bin", b"x")


def _in_a_thread(call) -> BaseException | None:
    """What ``call()`` raised (None if nothing), failing the test instead of hanging if it blocks."""
    outcome = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert outcome, "the call blocked (on a FIFO?)"
    return outcome[0]


def _fifo(directory: Path) -> Path:
    path = directory / "pipe"
    os.mkfifo(path)
    return path


def _device(directory: Path) -> Path:
    path = directory / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return path


@pytest.mark.parametrize("saver", EVERY_SAVER)
@pytest.mark.parametrize("special", [_fifo, _device], ids=["FIFO", "device"])
def test_a_fifo_or_device_is_refused_not_replaced(saver, special, tmp_path):
    path = special(tmp_path)
    kind = os.stat(path).st_mode
    error = _in_a_thread(lambda: SAVERS[saver](path))  # writing into a FIFO nobody reads would block forever
    assert isinstance(error, fileio.NotARegularFileError), error
    assert re.search(r"is a (FIFO \(named pipe\)|character device), not a regular file; saving would replace it",
                     str(error))
    assert os.stat(path).st_mode == kind and others(tmp_path, path.name) == []


def test_the_real_dev_null_and_dev_full_are_refused_before_writing():
    for device in ("/dev/null", "/dev/full"):
        if os.path.exists(device):
            with pytest.raises(fileio.NotARegularFileError, match="character device"):
                fileio.check_target(device)


@pytest.mark.parametrize("saver", EVERY_SAVER)
@pytest.mark.parametrize("given", ["", "sub/", "out.bin/"], ids=["empty", "missing dir/", "file/"])
def test_an_empty_or_trailing_slash_path_is_named_not_a_temporary_file(saver, given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.bin").write_bytes(OLD)
    with pytest.raises(OSError) as error:
        SAVERS[saver](given)
    message = str(error.value)
    assert "errorflow-" not in message and ".tmp" not in message
    assert re.search(r"empty path" if not given else rf"ending in '/' names a directory: '{given}'", message)
    assert others(tmp_path, "out.bin") == [] and (tmp_path / "out.bin").read_bytes() == OLD


def test_a_missing_directory_is_an_error_unless_asked_to_create_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the directory '.*no' does not exist"):
        fileio.atomic_write(tmp_path / "no" / "f.txt", b"x")
    assert not (tmp_path / "no").exists()
    fileio.atomic_write(tmp_path / "no" / "f.txt", b"x", make_parents=True)
    assert (tmp_path / "no" / "f.txt").read_bytes() == b"x"


# ---- failures mid-write ----------------------------------------------------------------------------------------------
_SIZE_LIMIT = """
import json, os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, as on a full disk
from tests.autodiff.test_fileio import SAVERS
saver = SAVERS[sys.argv[1]]
resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))
try:
    saver(sys.argv[2])
except OSError as error:
    print(json.dumps([type(error).__name__, str(error)]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
@pytest.mark.parametrize("saver", EVERY_SAVER)
def test_a_size_limit_or_full_disk_leaves_the_old_file_whole(saver, tmp_path):
    """Issue 17: under a file-size limit a good 14.7 kB SVG became an 8 kB fragment."""
    path = tmp_path / "out.bin"
    path.write_bytes(OLD)
    run = subprocess.run([sys.executable, "-c", _SIZE_LIMIT, saver, str(path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    kind, message = json.loads(run.stdout)
    assert kind == "OSError" and "File too large" in message and "the file is unchanged" in message
    assert str(path) in message and "errorflow-" not in message
    assert path.read_bytes() == OLD and others(tmp_path, "out.bin") == []


def test_a_failure_while_writing_removes_the_temporary_file(tmp_path):
    def failing(file):
        file.write(b"half")
        raise KeyboardInterrupt

    (tmp_path / "f").write_bytes(OLD)
    with pytest.raises(KeyboardInterrupt):
        with fileio.atomic_open(tmp_path / "f") as file:
            failing(file)
    assert (tmp_path / "f").read_bytes() == OLD and others(tmp_path, "f") == []


_KILLED = """
import os, sys, time
import nn
def hang(fd):  # the data is written; the process is killed before it is renamed into place
    print("writing", flush=True)
    time.sleep(120)
os.fsync = hang
nn.Linear(30, 30, seed=0).save(sys.argv[1])
"""


def test_a_killed_save_leaves_a_recognisable_temporary_file_that_the_next_save_removes(tmp_path):
    path = tmp_path / "model.npz"
    nn.Linear(30, 30, seed=1).save(path)
    old = path.read_bytes()
    pids = []
    for _ in range(2):
        child = subprocess.Popen([sys.executable, "-c", _KILLED, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                                 text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            assert child.stdout.readline() == "writing\n"
        finally:
            child.kill()
            child.wait(timeout=60)
            child.stdout.close()
        pids.append(child.pid)
    assert path.read_bytes() == old
    (left,) = others(tmp_path, "model.npz")  # the second run removed the first's: they do not pile up
    assert re.fullmatch(rf"\.model\.npz\.errorflow-{pids[1]}-[0-9a-f]+\.tmp", left), left
    nn.Linear(30, 30, seed=2).save(path)
    assert others(tmp_path, "model.npz") == []


def test_cleanup_spares_live_saves_other_targets_and_other_files(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = f".m.npz.errorflow-{int(dead.stdout)}-0a1b2c3d.tmp"
    live = f".m.npz.errorflow-{os.getpid()}-99999999.tmp"  # perhaps another thread saving right now
    legacy = ".m.npz.0123456789ab.tmp"  # how errorflow named them before
    kept = [live, ".other.npz.errorflow-1-0a.tmp", "m.npz.errorflow-1-0a.tmp.txt", ".m.npz.notes.tmp"]
    for name in [stale, legacy, *kept]:
        (tmp_path / name).write_bytes(b"x")
    fileio.atomic_write(tmp_path / "m.npz", b"data")
    assert others(tmp_path, "m.npz") == sorted(kept)


# ---- several files, all or nothing -----------------------------------------------------------------------------------
def test_write_all_checks_every_target_before_writing_any(tmp_path):
    first = tmp_path / "ok.svg"
    with pytest.raises(fileio.NotARegularFileError, match="pipe"):
        fileio.atomic_write_all([(first, b"new"), (_fifo(tmp_path), b"page")])
    assert not first.exists() and others(tmp_path, "pipe") == []


def test_write_all_leaves_every_file_untouched_when_one_write_fails(tmp_path, monkeypatch):
    first, second = tmp_path / "a.svg", tmp_path / "b.html"
    first.write_bytes(OLD)
    real_fsync, calls = os.fsync, []

    def fsync_fails_second(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(fileio.os, "fsync", fsync_fails_second)
    with pytest.raises(OSError, match=r"No space left on device \(nothing was written\): '.*b\.html'"):
        fileio.atomic_write_all([(first, b"new diagram"), (second, b"new page")])
    assert first.read_bytes() == OLD and not second.exists() and others(tmp_path, "a.svg") == []


def test_write_all_refuses_the_same_file_twice(tmp_path):
    (tmp_path / "f").write_bytes(OLD)
    (tmp_path / "link").symlink_to(tmp_path / "f")
    with pytest.raises(shutil.SameFileError, match=r"'.*f' and '.*link' are the same file"):
        fileio.atomic_write_all([(tmp_path / "f", b"1"), (tmp_path / "link", b"2")])
    assert (tmp_path / "f").read_bytes() == OLD


# ---- reading ---------------------------------------------------------------------------------------------------------
def test_open_regular_refuses_a_fifo_without_blocking(tmp_path):
    pipe = _fifo(tmp_path)
    error = _in_a_thread(lambda: fileio.open_regular(pipe).close())
    assert isinstance(error, fileio.NotARegularFileError)
    assert str(error) == f"'{pipe}' is a FIFO (named pipe), not a regular file; refused before reading it (give a " \
                         "file path)"


def test_open_regular_reads_a_file_and_refuses_a_directory(tmp_path):
    (tmp_path / "f").write_bytes(OLD)
    with fileio.open_regular(tmp_path / "f") as file:
        assert file.read() == OLD
    with pytest.raises(IsADirectoryError):
        fileio.open_regular(tmp_path)

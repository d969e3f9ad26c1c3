"""Safe file writing and reading: the one home for how errorflow puts a file on disk (checkpoints, diagrams, pages).

A save either leaves the previous file exactly as it was or replaces it with the complete new one, never half of
each — also when the disk fills up, a file-size limit is hit, or the process is killed:

* the target is checked first: an empty path, a path ending in ``/``, a directory, a FIFO, a device node or a
  socket is refused, and so is a file the user may not write — a write-protected file (no ``w`` bit) even for
  root, who could write it anyway: the mode bits say the owner wants it kept;
* a symlink is followed: its target is replaced, the link stays a link;
* the data goes to a temporary file beside the target, ``.NAME.errorflow-<pid>-<hex>.tmp``, is flushed to disk,
  gets the old file's permission bits (a private 0600 file stays private) and is ``os.replace``-d over the target;
  on any failure the temporary file is removed and the error names the target, not the temporary file;
* a temporary file left by a killed save (its process is gone) is removed by the next save of the same target.

:func:`atomic_write_all` writes several files so that a failure on one leaves all of them untouched: every target
is checked, then every temporary file is written, and only then are they renamed. :func:`open_regular` opens a file
for reading after refusing what is not a regular file, so reading a FIFO cannot block forever.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO, NoReturn

__all__ = [
    "NotARegularFileError",
    "Target",
    "check_target",
    "check_targets",
    "atomic_open",
    "atomic_write",
    "atomic_write_all",
    "open_regular",
]

PathLike = str | os.PathLike[str]
_TEMP_MARK = ".errorflow-"


class NotARegularFileError(OSError):
    """The path names a FIFO, a device node or a socket: saving and loading use regular files only."""


@dataclass(frozen=True)
class Target:
    path: str  # as the user gave it (for messages)
    real: str  # symlinks resolved: the file that is written
    stat: os.stat_result | None  # of the existing file, or None for a new one


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


def _not_regular(path: str, mode: int, action: str) -> NotARegularFileError:
    return NotARegularFileError(f"{path!r} is a {_kind(mode)}, not a regular file; {action} (give a file path)")


def check_target(path: PathLike, *, make_parents: bool = False, example: str = "out.txt") -> Target:
    """Check that ``path`` can be saved to (see the module docstring); the checked target, or an ``OSError`` naming
    ``path`` and why not. ``make_parents``: a missing directory will be created; otherwise it is an error.
    ``example`` is the kind of file name the messages suggest (``model.npz``)."""
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if path == "":
        raise FileNotFoundError(errno.ENOENT, f"save needs a file path such as {example}, got an empty path", path)
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise IsADirectoryError(
            errno.EISDIR, f"save needs a file path such as {example}; a path ending in {path[-1]!r} names a directory",
            path)
    real = os.path.realpath(path)
    if os.path.isdir(real):
        raise IsADirectoryError(errno.EISDIR, f"save needs a file path such as {example}, not a directory", path)
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as error:  # a symlink loop, a file used as a directory, a directory we may not search
        raise type(error)(error.errno, f"cannot save there: {error.strerror}", path) from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, st.st_mode, "saving would replace it")
        if not st.st_mode & 0o222:
            raise PermissionError(
                errno.EACCES, f"the file is write-protected (mode {stat.S_IMODE(st.st_mode):04o}); make it writable "
                "(chmod u+w) or save elsewhere", path)
        if not os.access(real, os.W_OK):
            raise PermissionError(errno.EACCES, "you may not write this file; save elsewhere", path)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        if not make_parents:
            raise FileNotFoundError(errno.ENOENT, f"cannot save: the directory {directory!r} does not exist", path)
    elif not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"cannot create files in the directory {directory!r}", path)
    return Target(path, real, st)


def check_targets(paths: Iterable[PathLike], *, make_parents: bool = False, example: str = "out.txt") -> list[Target]:
    """:func:`check_target` for each path, and a ``shutil.SameFileError`` if two of them are the same file (the
    second write would silently replace the first)."""
    targets = [check_target(p, make_parents=make_parents, example=example) for p in paths]
    reals = [target.real for target in targets]
    for i, real in enumerate(reals):
        if real in reals[:i]:
            raise shutil.SameFileError(f"{targets[reals.index(real)].path!r} and {targets[i].path!r} are the "
                                       "same file; give each output its own path")
    return targets


def _temp_prefix(real: str) -> str:
    name = os.path.basename(real)
    if len(name) > 180:  # keep the temporary name within NAME_MAX (255)
        name = name[:160] + "~" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f".{name}{_TEMP_MARK}"


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # (os.kill(pid, 0) would terminate the process on Windows)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale(real: str) -> None:
    """Remove temporary files of earlier saves of ``real`` whose process is gone (killed mid-save), and those of
    errorflow's earlier naming, ``.NAME.<12 hex digits>.tmp``."""
    directory = os.path.dirname(real)
    ours = re.compile(re.escape(_temp_prefix(real)) + r"(\d+)-[0-9a-f]+\.tmp")
    legacy = re.compile(re.escape("." + os.path.basename(real)) + r"\.[0-9a-f]{12}\.tmp")
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = ours.fullmatch(name)
        if (match and not _alive(int(match.group(1)))) or legacy.fullmatch(name):
            candidate = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(candidate).st_mode):
                    os.unlink(candidate)


class _Staged:
    """A target's temporary file: written, then either committed (renamed over the target) or discarded."""

    def __init__(self, target: Target) -> None:
        self.target = target
        directory = os.path.dirname(target.real)
        os.makedirs(directory, exist_ok=True)
        self.temp = os.path.join(directory, f"{_temp_prefix(target.real)}{os.getpid()}-{secrets.token_hex(4)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.temp, flags, 0o666)  # 0o666 minus the umask, as open(path, "w") for a new file
        self.file: BinaryIO = os.fdopen(fd, "wb")

    def finish(self) -> None:
        """Flush the data to disk and give it the old file's permission bits (and owner, where allowed)."""
        self.file.flush()
        os.fsync(self.file.fileno())
        old = self.target.stat
        if old is not None:
            os.chmod(self.file.fileno() if os.chmod in os.supports_fd else self.temp, stat.S_IMODE(old.st_mode))
            if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):
                    os.fchown(self.file.fileno(), old.st_uid, old.st_gid)
        self.file.close()

    def commit(self) -> None:
        os.replace(self.temp, self.target.real)
        with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows it
            dir_fd = os.open(os.path.dirname(self.target.real), os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.temp)


def _reraise(error: BaseException, target: Target | None) -> NoReturn:
    """Raise ``error`` again; an ``OSError`` met while writing as one naming the target (not the temporary file)
    and saying that the target is unchanged."""
    if target is None or not isinstance(error, OSError) or error.errno is None:
        raise error
    kept = "the file is unchanged" if target.stat is not None else "nothing was written"
    raise type(error)(error.errno, f"cannot save: {error.strerror} ({kept})", target.path) from error


@contextlib.contextmanager
def atomic_open(path: PathLike, *, make_parents: bool = False, example: str = "out.txt") -> Iterator[IO[bytes]]:
    """``with atomic_open(path) as f: f.write(...)``: a binary file that replaces ``path`` when the block ends
    without an error, and is thrown away (``path`` untouched) when it raises."""
    target = check_target(path, make_parents=make_parents, example=example)
    _remove_stale(target.real)
    staged = None
    try:
        staged = _Staged(target)
        yield staged.file
        staged.finish()
        staged.commit()
    except BaseException as error:
        if staged is not None:
            staged.discard()
        _reraise(error, target)


def atomic_write(path: PathLike, data: bytes | str, *, make_parents: bool = False, encoding: str = "utf-8",
                 example: str = "out.txt") -> str:
    """Write ``data`` (a ``str`` is encoded with ``encoding``) to ``path`` atomically; returns ``path`` as a str."""
    return atomic_write_all([(path, data)], make_parents=make_parents, encoding=encoding, example=example)[0]


def atomic_write_all(files: Iterable[tuple[PathLike, bytes | str]], *, make_parents: bool = False,
                     encoding: str = "utf-8", example: str = "out.txt") -> list[str]:
    """Write several files so that a failure leaves every one of them untouched: all targets are checked, then
    all temporary files written, then all renamed (only an error of the final renames themselves, which do not
    write data, could leave some files replaced). Returns the paths as given."""
    files = list(files)
    targets = check_targets([p for p, _ in files], make_parents=make_parents, example=example)
    items = [(target, d.encode(encoding) if isinstance(d, str) else bytes(d)) for target, (_, d) in zip(targets, files)]
    staged: list[_Staged] = []
    current = items[0][0] if items else None
    try:
        for target, data in items:
            current = target
            _remove_stale(target.real)
            staged.append(_Staged(target))
            staged[-1].file.write(data)
            staged[-1].finish()
        for piece in list(staged):
            current = piece.target
            piece.commit()
            staged.remove(piece)
    except BaseException as error:
        for piece in staged:
            piece.discard()
        _reraise(error, current)
    return [target.path for target, _ in items]


def open_regular(path: PathLike) -> BinaryIO:
    """Open ``path`` for reading in binary mode, refusing a directory, a FIFO, a device node or a socket before
    reading it (a FIFO with no writer would block forever; a device may never end)."""
    path = os.fspath(path)
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "expected a file, got a directory", path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(os.fsdecode(path), st.st_mode, "refused before reading it")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)  # the path may have been swapped for a FIFO since the check above
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(os.fsdecode(path), st.st_mode, "refused before reading it")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise

"""Module.save / Module.load: the .npz round trip, atomic saves, and every way a load can fail (model unchanged)."""

import io
import os
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

import nn.module
from nn.layers import Embedding, Linear, ReLU, Sequential
from nn.module import CheckpointError, Module, StateDictError, read_npz
from nn.scalar import MLP
from nn.window import WindowClassifier


def make_model(seed: int = 0) -> Sequential:
    return Sequential(Embedding(7, 3, seed=seed), Linear(3, 4, seed=seed + 1), ReLU(), Linear(4, 1, seed=seed + 2))


def snapshot(model: Module) -> dict:
    return {name: (id(p), np.array(p.data, copy=True)) for name, p in model.named_parameters()}


def assert_unchanged(model: Module, before: dict) -> None:
    after = snapshot(model)
    assert after.keys() == before.keys()
    for name, (ident, data) in before.items():
        assert after[name][0] == ident, name
        np.testing.assert_array_equal(after[name][1], data, err_msg=name)


def leftovers(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


# ---- round trips ----------------------------------------------------------------------------------------------
def test_round_trip_tensor_model(tmp_path):
    source, target = make_model(0), make_model(10)
    path = tmp_path / "model.npz"
    source.save(path)
    assert target.load(path) == ([], [])
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert leftovers(tmp_path) == []


def test_saved_file_is_a_plain_npz(tmp_path):
    model = make_model()
    path = tmp_path / "plain.npz"
    model.save(str(path))  # str paths work too
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(model.state_dict())
        np.testing.assert_array_equal(archive["1.W"], model[1].W.data)


def test_save_uses_exactly_the_given_path(tmp_path):
    make_model().save(tmp_path / "weights")
    assert os.listdir(tmp_path) == ["weights"]


def test_save_keeps_ordinary_file_permissions(tmp_path):
    path = tmp_path / "m.npz"
    make_model().save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_round_trip_value_model(tmp_path):
    source, target = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=1)
    source.save(tmp_path / "mlp.npz")
    target.load(tmp_path / "mlp.npz")
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    assert all(isinstance(p.data, float) for p in target.parameters())


def test_round_trip_window_classifier_keeps_float32(tmp_path):
    source = WindowClassifier(20, seed=0)
    target = WindowClassifier(20, seed=1)
    for p in target.parameters():
        p.data = p.data.astype(np.float32)
    source.save(tmp_path / "w.npz")
    target.load(tmp_path / "w.npz")
    assert all(p.dtype == np.float32 for p in target.parameters())
    np.testing.assert_allclose(target.W.data, source.W.data, rtol=1e-7)


def test_overwrite_replaces_previous_file(tmp_path):
    path = tmp_path / "m.npz"
    make_model(0).save(path)
    second = make_model(5)
    second.save(path)
    loaded = make_model(9)
    loaded.load(path)
    np.testing.assert_array_equal(loaded[1].W.data, second[1].W.data)
    assert leftovers(tmp_path) == []


# ---- interrupted saves ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_save_leaves_old_file_and_no_temporary(tmp_path, monkeypatch, error):
    path = tmp_path / "m.npz"
    original = make_model(0)
    original.save(path)
    old_bytes = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(fp, array, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # two arrays written, then the "crash"
            fp.write(b"partial")
            raise error
        return real_write(fp, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(type(error)):
        make_model(3).save(path)
    assert path.read_bytes() == old_bytes
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    reloaded = make_model(7)
    reloaded.load(path)
    np.testing.assert_array_equal(reloaded[0].weight.data, original[0].weight.data)


def test_failed_rename_removes_temporary(tmp_path, monkeypatch):
    def no_replace(src, dst):
        raise PermissionError("read-only target")

    monkeypatch.setattr(nn.module.os, "replace", no_replace)
    with pytest.raises(PermissionError):
        make_model().save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_into_missing_directory_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError):
        make_model().save(tmp_path / "no" / "such" / "m.npz")


# ---- failed loads: the model is exactly as it was -------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "good.npz"
    make_model(0).save(path)
    return path


def expect_failure(model: Module, path, error: type, match: str) -> None:
    before = snapshot(model)
    with pytest.raises(error, match=match):
        model.load(path)
    assert_unchanged(model, before)


def write_npz(path, **arrays) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_missing_file(tmp_path):
    expect_failure(make_model(1), tmp_path / "absent.npz", FileNotFoundError, "absent.npz")


def test_directory_instead_of_file(tmp_path):
    expect_failure(make_model(1), tmp_path, OSError, None)


def test_text_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("W = [[1, 2], [3, 4]]\n")
    expect_failure(make_model(1), path, CheckpointError, "not a readable .npz archive.*neither .npz nor .npy")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    expect_failure(make_model(1), path, CheckpointError, "not a readable .npz archive")


def test_single_npy_array(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))
    expect_failure(make_model(1), path, CheckpointError, "single .npy array")


def test_zip_that_is_not_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    expect_failure(make_model(1), path, CheckpointError, "'readme.txt' is not a .npy array")


def test_npy_member_with_garbage(tmp_path):
    path = tmp_path / "garbage.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("0.W.npy", b"\x93NUMPY\x01\x00garbage")
    expect_failure(make_model(1), path, CheckpointError, "entry '0.W' cannot be read")


def test_object_arrays_are_never_unpickled(tmp_path):
    path = tmp_path / "pickled.npz"
    state = make_model(0).state_dict()
    state["1.W"] = np.array([object()] * 12, dtype=object).reshape(4, 3)
    write_npz(path, **state)
    expect_failure(make_model(1), path, CheckpointError, "object arrays.*allow_pickle=False")


def test_string_array_is_rejected_by_name(tmp_path):
    path = tmp_path / "strings.npz"
    state = make_model(0).state_dict()
    state["3.b"] = np.array(["a"])
    write_npz(path, **state)
    expect_failure(make_model(1), path, StateDictError, "'3.b': expected a real-number array")


def test_missing_key_in_file(tmp_path):
    path = tmp_path / "partial.npz"
    state = make_model(0).state_dict()
    del state["3.W"]
    write_npz(path, **state)
    expect_failure(make_model(1), path, StateDictError, r"missing key\(s\) '3.W'")


def test_unexpected_key_in_file(tmp_path):
    path = tmp_path / "extra.npz"
    write_npz(path, **make_model(0).state_dict(), head=np.zeros(2))
    expect_failure(make_model(1), path, StateDictError, r"unexpected key\(s\) 'head'")
    # non-strict loading skips it and reports it
    model = make_model(1)
    assert model.load(path, strict=False).unexpected_keys == ["head"]
    np.testing.assert_array_equal(model[1].W.data, make_model(0)[1].W.data)


def test_shape_mismatch_in_file(tmp_path):
    path = tmp_path / "bigger.npz"
    Sequential(Embedding(7, 3, seed=0), Linear(3, 5, seed=1), ReLU(), Linear(5, 1, seed=2)).save(path)
    expect_failure(make_model(1), path, StateDictError, r"'1.W': shape mismatch: the model has \(4, 3\)")


def test_a_different_model_type(tmp_path):
    path = tmp_path / "mlp.npz"
    MLP(2, [2, 1], seed=0).save(path)
    expect_failure(make_model(1), path, StateDictError, "missing key")


def test_truncated_files_never_half_load(saved):
    data = saved.read_bytes()
    model = make_model(1)
    before = snapshot(model)
    for cut in range(0, len(data), max(1, len(data) // 97)):
        saved.write_bytes(data[:cut])
        with pytest.raises((CheckpointError, StateDictError)):
            model.load(saved)
        assert_unchanged(model, before)


def test_corrupted_bytes_raise_or_load_the_exact_saved_values(saved):
    """A flipped byte either breaks the file (clear error, model untouched) or hits a byte the data does not
    depend on (a timestamp, say) and loads exactly what was saved: never silently different numbers."""
    data = saved.read_bytes()
    expected = make_model(0).state_dict()
    failures = 0
    for offset in range(0, len(data), 3):
        corrupted = bytearray(data)
        corrupted[offset] ^= 0xFF
        saved.write_bytes(bytes(corrupted))
        model = make_model(1)
        before = snapshot(model)
        try:
            model.load(saved)
        except (CheckpointError, StateDictError):
            failures += 1
            assert_unchanged(model, before)
        else:
            for name, array in model.state_dict().items():
                np.testing.assert_array_equal(array, expected[name], err_msg=f"offset {offset}: {name}")
    assert failures > len(range(0, len(data), 3)) // 2


def test_read_npz_reads_what_numpy_wrote():
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(3.0))
    assert buffer.getvalue()[:2] == b"PK"  # sanity: the format read_npz parses


def test_read_npz_returns_arrays(saved):
    state = read_npz(saved)
    assert set(state) == {"0.weight", "1.W", "1.b", "3.W", "3.b"}
    assert all(isinstance(a, np.ndarray) for a in state.values())


# ---- issue 17: entries stored twice, files that are not files -------------------------------------------------
@pytest.mark.parametrize("second", ["3.b.npy", "3.b"], ids=["same name", "without .npy"])
def test_an_entry_stored_twice_is_refused(tmp_path, second):
    """Which copy a reader takes differs (zipfile: the last; others: the first), so neither is trusted."""
    path = tmp_path / "twice.npz"
    state = make_model(0).state_dict()
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.full(1, 99.0), allow_pickle=False)
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in state.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", member.getvalue())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile's "Duplicate name" warning: the point of this file
            archive.writestr(second, buffer.getvalue())
    expect_failure(make_model(1), path, CheckpointError, r"entry '3.b' appears more than once")


def test_loading_a_fifo_is_refused_instead_of_hanging(tmp_path):
    pipe = tmp_path / "model.npz"
    os.mkfifo(pipe)
    script = "import sys, nn\ntry:\n    nn.Linear(3, 2).load(sys.argv[1])\nexcept OSError as e:\n    print(e)"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run = subprocess.run([sys.executable, "-c", script, str(pipe)], capture_output=True, text=True, timeout=60,
                         cwd=root, env={**os.environ, "PYTHONPATH": root})  # before the fix: blocked forever
    assert run.stdout.strip() == f"'{pipe}' is a FIFO (named pipe), not a regular file; refused before reading it " \
                                 "(give a file path)", run.stderr

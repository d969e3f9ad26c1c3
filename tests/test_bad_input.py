"""The bad-input sweep checks itself: ``tests/badinput.check`` must notice every kind of change a failed call could
leave behind, a wrong exception type and a message that does not say what was expected (the tables are in
``tests/{autodiff,nn,optim}/test_bad_input.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.badinput import World, case, check, freeze


def _raise_after(change):
    def call(w: World) -> None:
        change(w)
        raise ValueError("bad value: expected a good one")

    return call


def _replace_parameter(w: World) -> None:
    w.model[0].b = type(w.model[0].b)(w.model[0].b.data.copy())  # same numbers, a different object


def _set(obj, name, value):
    return lambda w: setattr(obj(w), name, value)


CHANGES = {
    "a leaf's grad": lambda w: w.x.grad.__setitem__((0, 0), 7.0),
    "a Value's grad": _set(lambda w: w.v, "grad", 0.0),
    "a parameter in place": lambda w: w.model[0].W.data.__iadd__(1e-12),
    "a parameter's grad": _set(lambda w: w.model[2].b, "grad", None),
    "a parameter replaced by an equal copy": _replace_parameter,
    "optimizer state": lambda w: w.opt.state[w.model[0].W]["exp_avg"].__imul__(2.0),
    "an optimizer hyper-parameter": lambda w: w.opt.param_groups[0].__setitem__("lr", 1.0),
    "scheduler epoch": _set(lambda w: w.sched, "last_epoch", 5),
    "a dropout draw": lambda w: w.dropout(np.ones(3)),
    "a fitted statistic": lambda w: w.scaler.mean_.__setitem__(0, 0.0),
    "training mode": lambda w: w.model.eval(),
    "an input array": lambda w: w.X.__setitem__((0, 0), np.nan),
    "a new file": lambda w: (w.dir / "partial.npz").write_bytes(b"PK"),
    "the checkpoint": lambda w: w.ckpt.write_bytes(w.ckpt.read_bytes()[:-1]),
    "the window data": lambda w: w.windows.train.windows.__setitem__((0, 0), 1),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_sweep_notices_a_change(change, tmp_path):
    row = case("changes", _raise_after(change), ValueError, "expected").values[0]
    with pytest.raises(AssertionError, match="the failed call changed"):
        check(row, World(tmp_path))


def test_the_sweep_wants_the_right_type_and_a_telling_message(tmp_path):
    unchanged = _raise_after(lambda w: None)
    check(case("ok", unchanged, ValueError, r"expected a good one").values[0], World(tmp_path))
    with pytest.raises(ValueError):  # a ValueError where a TypeError is due escapes: the row fails
        check(case("type", unchanged, TypeError, "expected").values[0], World(tmp_path))
    with pytest.raises(AssertionError, match="does not match"):
        check(case("message", unchanged, ValueError, "must be an int").values[0], World(tmp_path))


def test_snapshots_are_stable_and_nan_equals_nan(tmp_path):
    w = World(tmp_path)
    w.x.data[0, 0] = np.nan
    assert freeze(w) == freeze(w)

"""Machinery of the bad-input sweep (issue 8): one fresh :class:`World` of user objects per case, a deep snapshot
of all of it, and the check that a bad call raised the right exception with a message naming what was wrong and
what was expected — and that nothing the user had (arrays, parameters, grads, optimizer and scheduler state,
fitted statistics, random generators, files) changed.

The tables live in ``tests/{autodiff,nn,optim}/test_bad_input.py``; each row is a :func:`case`::

    case("Linear(in_features='2')", lambda w: nn.Linear("2", 3), TypeError, r"in_features.*positive int.*str")

``call`` receives the world, so a row can misuse the world's objects (``w.model.load_state_dict([1])``) and the
sweep verifies they are untouched. ``match`` is a regular expression searched in the message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
import optim
from autodiff import Tensor, Value
from nn import data, preprocessing


class World:
    """What a user typically holds mid-training: data, models with gradients, optimizers with state, a scheduler,
    fitted preprocessing, a seeded dropout, the window dataset and a checkpoint on disk."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.X = np.random.default_rng(0).normal(size=(6, 3))
        self.y = np.array([0, 1, 0, 1, 1, 0])
        self.x = Tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], requires_grad=True, label="x")
        self.x.grad = np.full((2, 3), 0.5)
        self.v = Value(1.5, "v")
        self.v.grad = 0.25
        self.weight = np.zeros((3, 2))
        self.model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.Tanh(), nn.Linear(4, 2, seed=1))
        self.opt = optim.Adam(self.model.parameters(), lr=0.01)
        self._train_step()
        self.sched = optim.lr_scheduler.StepLR(self.opt, step_size=2, gamma=0.5)
        self.mlp = nn.MLP(3, [2, 1], seed=0)
        self.sgd = optim.SGD(self.mlp.parameters(), lr=0.1, momentum=0.9)
        self.mlp(list(self.X[0])).backward()
        self.sgd.step()
        self.emb = nn.Embedding(5, 2, seed=0)
        self.dropout = nn.Dropout(0.5, seed=0)
        self.wc = nn.WindowClassifier(10, seed=0)
        self.model32 = nn.Linear(3, 2, seed=2)  # a float32 model
        self.model32.W = nn.Parameter(self.model32.W.data.astype(np.float32), label="W")
        self.model32.b = nn.Parameter(self.model32.b.data.astype(np.float32), label="b")
        self.scaler = preprocessing.Standardize().fit(self.X)
        self.whiten = preprocessing.Whiten(eps=0).fit(self.X)
        self.windows = data.window_dataset(seed=0)
        self.ckpt = tmp_path / "model.npz"
        self.model.save(self.ckpt)
        self.scratch = str(tmp_path.parent / f"{tmp_path.name}-scratch")  # a str: files here are not watched
        os.makedirs(self.scratch, exist_ok=True)

    def _train_step(self) -> None:
        for step in range(2):  # an optimizer with state, and fresh gradients on every parameter
            self.opt.zero_grad()
            nn.cross_entropy(self.model(self.X), self.y).backward()
            if step == 0:
                self.opt.step()

    def scratch_file(self, name: str, content: bytes) -> Path:
        """A file outside what the sweep watches (for input files a row writes, e.g. a malicious checkpoint)."""
        path = Path(self.scratch) / name
        path.write_bytes(content)
        return path


# ---- snapshots ------------------------------------------------------------------------------------------------
def freeze(obj: Any, seen: dict[int, Any] | None = None) -> Any:
    """A comparable image of everything reachable from ``obj``: array bytes, float bits, object identities,
    generator states, file contents. Two snapshots are equal iff nothing changed (NaN compares equal to NaN)."""
    seen = {} if seen is None else seen  # id → object: keeps temporaries alive so no id is reused
    if obj is None or isinstance(obj, (bool, int, str, bytes)):
        return obj
    if isinstance(obj, float):
        return ("float", obj.hex())
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, obj.tobytes(), obj.flags.writeable)
    if isinstance(obj, np.generic):
        return ("scalar", obj.dtype.str, obj.tobytes())
    if isinstance(obj, np.random.Generator):
        return ("rng", freeze(obj.bit_generator.state))
    if isinstance(obj, Path):
        if obj.is_dir():
            return ("dir", str(obj), tuple(sorted((p.name, freeze(p)) for p in obj.iterdir())))
        return ("file", str(obj), obj.read_bytes() if obj.is_file() else None)
    if id(obj) in seen:
        return ("seen", id(obj))
    seen[id(obj)] = obj
    if isinstance(obj, Mapping):
        return ("mapping", type(obj).__name__, tuple((_key(k), freeze(v, seen)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(freeze(v, seen) for v in obj))
    fields = {}
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot not in ("__weakref__", "__dict__") and hasattr(obj, slot):
                fields[slot] = getattr(obj, slot)
    if hasattr(obj, "__dict__"):
        fields.update(vars(obj))
    if not fields and callable(obj):
        return ("callable", id(obj))
    return ("object", type(obj).__name__, id(obj), tuple((k, freeze(v, seen)) for k, v in fields.items()))


def _key(k: Any) -> Any:
    return k if isinstance(k, (str, int, float, bool, type(None))) else ("id", id(k))


def first_difference(a: Any, b: Any, path: str = "world") -> str | None:
    """Where two snapshots first differ, as an attribute path (for the assertion message)."""
    if a == b:
        return None
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        if len(a) == 2 and isinstance(a[0], (str, int)) and a[0] == b[0] and isinstance(a[1], tuple):
            return first_difference(a[1], b[1], f"{path}.{a[0]}")  # a (field name, value) pair
        for x, y in zip(a, b):
            found = first_difference(x, y, path)
            if found:
                return found
    return f"{path}: {str(a)[:150]} → {str(b)[:150]}"


# ---- the table ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    call: Callable[[World], Any]
    error: type[BaseException]
    match: str
    prepare: Callable[[World], Any] | None = None


def case(
    id: str,
    call: Callable[[World], Any],
    error: type[BaseException],
    match: str,
    *,
    prepare: Callable[[World], Any] | None = None,
    xfail: str | None = None,
) -> Any:
    """One row: ``call(world)`` must raise ``error`` with a message matching ``match`` and change nothing.
    ``prepare(world)`` runs first, before the snapshot (to plant, say, a bad gradient). ``xfail`` (the fix needed)
    marks a gap in a module this sweep may not change: the row must fail until it is fixed."""
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(call, error, match, prepare), id=id, marks=marks)


def check(row: Case, world: World) -> None:
    """Raise, say what, change nothing."""
    if row.prepare is not None:
        row.prepare(world)
    before = freeze(world)
    with pytest.raises(row.error) as info:
        row.call(world)
    message = str(info.value)
    if isinstance(info.value, KeyError) and info.value.args:
        message = str(info.value.args[0])
    assert message.strip(), f"{type(info.value).__name__} with an empty message"
    assert len(message) <= 300, f"message too long to read: {message!r}"
    assert re.search(row.match, message, re.DOTALL), f"message {message!r} does not match {row.match!r}"
    after = freeze(world)
    assert after == before, f"the failed call changed {first_difference(before, after)}"

"""`make fuzz`: throw generated input at the two places that read untrusted text and bytes, for a bounded time.

* ``autodiff.expr.parse_expression`` / ``parse_assignment`` (what ``autodiff graph`` runs on its arguments):
  any failure other than :class:`autodiff.expr.ExpressionError` (or a finished graph) is a bug;
* ``nn.Module.load`` on mutated ``.npz`` files: anything other than ``CheckpointError``, ``StateDictError`` or a
  clean load is a bug, and a failed load must leave the model's parameters exactly as they were.

Hypothesis generates the input (grammar-shaped expressions, raw text, and byte-level mutations of a real
checkpoint); with ``--atheris`` (and atheris installed) the parser also runs under coverage-guided fuzzing.
Not part of the unit suite: it is slow on purpose.

    python scripts/fuzz.py [--seconds 60] [--atheris]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from autodiff.expr import FUNCTIONS, ExpressionError, parse_assignment, parse_expression

NAMES = ["x", "y", "w1", "b", "__import__", "os", "lambda", "sigmoid", "x1"]
VALUES = {"x": 0.5, "y": -1.5, "w1": 2.0, "b": 0.0, "x1": 3.0}

atoms = st.one_of(
    st.sampled_from(NAMES),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["()", "[]", "{}", "''", "...", "x.y", "x[0]", "@", "**", "9**9**9", "\x00", "lambda: 1"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", "%", "//", "@", "and", ","]), children)
    call = st.tuples(st.sampled_from(sorted(FUNCTIONS) + ["eval", "print", "open"]), children)
    return st.one_of(
        binary.map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        call.map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-({c})"),
        children.map(lambda c: f"[{c} for x in y]"),
    )


expressions = st.recursive(atoms, _combine, max_leaves=30)


def check_expression(text: str) -> None:
    try:
        parse_expression(text, VALUES)
    except ExpressionError as error:
        message = str(error)
        assert message and "\n" not in message, f"error message must be one line: {message!r}"


def check_assignment(text: str) -> None:
    try:
        parse_assignment(text)
    except ExpressionError:
        pass


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4, seed=0), nn.Tanh(), nn.Linear(4, 2, seed=1))


def _checkpoint_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        _model().save(path)
        return path.read_bytes()


CHECKPOINT = _checkpoint_bytes()


@st.composite
def mutated_checkpoints(draw: st.DrawFn) -> bytes:
    data = bytearray(CHECKPOINT)
    kind = draw(st.sampled_from(["flip", "truncate", "splice", "rezip", "random"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 20))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == "splice":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(max_size=200))
    elif kind == "rezip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            names = ["0.W.npy", "0.b.npy", "2.W.npy", "x.npy", "evil.pkl", "../up.npy"]
            for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
                archive.writestr(name, draw(st.binary(max_size=300)))
        data = bytearray(buffer.getvalue())
    else:
        data = bytearray(draw(st.binary(max_size=2000)))
    return bytes(data)


def check_load(blob: bytes) -> None:
    model = _model()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.npz"
        path.write_bytes(blob)
        try:
            model.load(path)
            return
        except (nn.CheckpointError, nn.StateDictError):
            pass
    after = model.state_dict()
    assert before.keys() == after.keys() and all(np.array_equal(before[k], after[k]) for k in before), (
        "a failed load changed the model"
    )


def run_hypothesis(seconds: float) -> int:
    deadline = time.monotonic() + seconds
    rounds = 0
    targets = [
        (expressions, check_expression),
        (st.text(max_size=300), check_expression),
        (st.text(max_size=60), check_assignment),
        (mutated_checkpoints(), check_load),
    ]
    while time.monotonic() < deadline:
        for strategy, check in targets:
            fuzz = settings(max_examples=200, deadline=None, database=None,
                            suppress_health_check=list(HealthCheck))(given(strategy)(check))
            fuzz()
        rounds += 1
    print(f"fuzz: {rounds} rounds of 4 × 200 generated inputs in {seconds:.0f} s; no crash")
    return 0


def run_atheris(seconds: float) -> int:
    try:
        import atheris
    except ImportError:
        print("fuzz: atheris is not installed; skipped the coverage-guided run")
        return 0

    def one_input(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(400)
        check_expression(text)

    atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}"], one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--atheris", action="store_true", help="also run atheris on the parser (if installed)")
    args = parser.parse_args()
    status = run_hypothesis(args.seconds)
    if args.atheris:
        status |= run_atheris(args.seconds)
    sys.exit(status)

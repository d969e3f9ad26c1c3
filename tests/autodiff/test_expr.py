"""The expression parser behind ``autodiff graph``: a whitelist over Python's ``ast``, never ``eval``.

Hostile input must be refused with one ``ExpressionError`` (and, on the command line, one line on stderr and
exit code 2) before any of it runs.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value
from autodiff.cli import main
from autodiff.expr import MAX_LENGTH, ExpressionError, parse_assignment, parse_expression, pretty_label

NEURON = "tanh(w1*x1 + w2*x2 + b)"
NEURON_VALUES = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
NEURON_SET = ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
REPO = Path(__file__).resolve().parents[2]


def leaves(root: Value) -> dict[str, Value]:
    found, stack = {}, [root]
    while stack:
        node = stack.pop()
        if not node.parents:
            found[node.label] = node
        stack.extend(node.parents)
    return found


# ---- what is accepted ------------------------------------------------------------------------------------------
def test_the_notes_neuron_evaluates_and_backpropagates():
    out = parse_expression(NEURON, NEURON_VALUES)
    assert out.data == pytest.approx(math.tanh(-6 + 6.8813735870195432))
    out.backward()
    named = leaves(out)
    assert set(named) == {"x₁", "x₂", "w₁", "w₂", "b"}
    local = 1 - out.data**2  # tanh'(n) = 1 − tanh²(n)
    assert named["w₁"].grad == pytest.approx(local * 2.0)
    assert named["x₁"].grad == pytest.approx(local * -3.0)
    assert named["b"].grad == pytest.approx(local)


def test_a_name_used_twice_is_one_leaf_with_two_edges():
    out = parse_expression("x*x + 1", {"x": 3.0})
    out.backward()
    (x,) = leaves(out).values()
    assert x.grad == pytest.approx(6.0)


def test_numbers_are_constants_baked_into_nodes():
    out = parse_expression("2*x", {"x": 3.0})
    assert out.op == "mul" and out.const == (0, 2.0) and len(out.parents) == 1
    assert parse_expression("1 - x", {"x": 3.0}).const == (0, 1.0)
    assert parse_expression("(1 + 2) * 4", {}).data == 12.0  # a constant expression is one Value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sigmoid(0*x)", 0.5),
        ("relu(-x) + abs(-x)", 2.0),
        ("leaky_relu(-x, 0.5)", -1.0),
        ("elu(x, 2)", 2.0),
        ("hardtanh(x) + softsign(x)", 1 + 2 / 3),
        ("sqrt(x**2) + log(exp(x))", 4.0),
        ("x**(1/3)", 2 ** (1 / 3)),
        ("x**-y", 0.5),
        ("-+-x", 2.0),
        ("x / 4", 0.5),
    ],
)
def test_whitelisted_operations(text, expected):
    assert parse_expression(text, {"x": 2.0, "y": 1.0}).data == pytest.approx(expected)


def test_labels_are_prettified_or_kept():
    assert pretty_label("x1") == "x₁" and pretty_label("w12") == "w₁₂" and pretty_label("b") == "b"
    assert pretty_label("7") == "7"
    assert set(leaves(parse_expression("x1 + y", {"x1": 1.0, "y": 2.0}, pretty=False))) == {"x1", "y"}


def test_assignments():
    assert parse_assignment("x1=2.5") == ("x1", 2.5)
    assert parse_assignment(" b = -1e-3 ") == ("b", -0.001)
    for bad in ["x1", "=2", "x=", "1x=2", "x=two", "x=nan", "x=inf", "x-y=1", "exp=1", "x=" + "9" * 200]:
        with pytest.raises(ExpressionError):
            parse_assignment(bad)


# ---- what is refused ---------------------------------------------------------------------------------------------
HOSTILE = [
    "__import__('os')",
    "__import__('os').system('touch pwned')",
    "x.__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "(lambda: x)()",
    "lambda: 1",
    "[x for x in (1, 2)]",
    "{x for x in (1, 2)}",
    "{x: 1 for x in (1, 2)}",
    "sum(x for x in (1, 2))",
    "9**9**9",
    "2**10**10",
    "x**1000",
    "x**(9*9*9)",
    "x**(y*2)",
    "1" * 10**6,
    "(" * 300 + "x" + ")" * 300,
    "-" * 500 + "x",
    "+".join(["x"] * 1200),
    "unknown + 1",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x=1')",
    "globals()",
    "getattr(x, 'data')",
    "exp",
    "exp(x)(1)",
    "exp(x, 2)",
    "exp(x=1)",
    "tanh(*[x])",
    "x[0]",
    "x if x else y",
    "x and y",
    "x < y",
    "(x := 1)",
    "f'{x}'",
    "'text'",
    "b'bytes'",
    "True + x",
    "None",
    "1j * x",
    "...",
    "x // y",
    "x % y",
    "x @ y",
    "x ^ y",
    "~x",
    "not x",
    "(x, y)",
    "[x]",
    "x; y",
    "import os",
    "x = 1",
    "",
    "   ",
    "1e999 * x",
    "1/0 + x",
    "(-8)**(1/3) + x",
    "leaky_relu(x, y)",
    "x\0",
    "missing_value * x",
]


class _Recording(Mapping):
    """A values mapping that notes whether it was read: a refused expression must not read it."""

    def __init__(self, data: dict[str, float]) -> None:
        self.data, self.read = data, False

    def __getitem__(self, key: str) -> float:
        self.read = True
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_input_is_refused_before_anything_runs(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = _Recording({"x": 2.0, "y": 3.0})
    started = time.perf_counter()
    with pytest.raises(ExpressionError) as error:
        parse_expression(text, values)
    assert time.perf_counter() - started < 1.0
    message = str(error.value)
    assert message and "\n" not in message and len(message) < 300
    if text not in {"1/0 + x", "(-8)**(1/3) + x"}:  # refused by the whitelist, before a value is read
        assert not values.read
    assert not list(tmp_path.iterdir())  # nothing was executed


def test_refusals_say_what_is_wrong():
    def message(text: str, values: dict | None = None) -> str:
        with pytest.raises(ExpressionError) as error:
            parse_expression(text, values or {"x": 1.0})
        return str(error.value)

    assert "unknown function '__import__'" in message("__import__('os')")
    assert "attribute access" in message("x.real")
    assert "9**9**9" in message("9**9**9")
    assert "too long" in message("1" * 10**6)
    assert "--set y=" in message("x * y")
    assert "lambda" in message("lambda: 1")
    assert "comprehension" in message("[x for x in (1,)]")


def test_size_limits():
    assert parse_expression("+".join(["x"] * 150), {"x": 1.0}).data == 150.0  # a long sum is fine
    chunk = "(" + "+".join(["x"] * 150) + ")"  # 150 deep
    with pytest.raises(ExpressionError, match="too large"):
        parse_expression("*".join([chunk] * 6), {"x": 1.0})  # 1811 characters, 1799 tree nodes
    with pytest.raises(ExpressionError, match="too deeply"):
        parse_expression("-" * 300 + "x", {"x": 1.0})
    with pytest.raises(ExpressionError, match="too long"):
        parse_expression("x" + " " * MAX_LENGTH, {"x": 1.0})


@given(st.text(alphabet="xy12.+-*/() eoptanhsigmdrlu_,", max_size=40))
def test_fuzz_only_values_or_expression_errors(text):
    """Any text gives a Value or an ExpressionError: never another exception."""
    try:
        out = parse_expression(text, {"x": 0.5, "y": -2.0})
    except ExpressionError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(out, Value)


# ---- the command line -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["graph", "__import__('os').system('touch pwned')", "--set", "x=1"],
        ["graph", "x.__class__", "--set", "x=1"],
        ["graph", "9**9**9"],
        ["graph", "1" * 10**6],
        ["graph", "x * y", "--set", "x=1"],  # missing value
        ["graph", "x", "--set", "x"],  # malformed --set
        ["graph", "x", "--set", "x=1", "x=2"],  # given twice
        ["graph", "x", "--set", "x=abc"],
        ["graph", "x", "--set", "x=1", "-o", "out.exe"],
    ],
    ids=["import", "attribute", "tower", "huge", "missing", "malformed", "twice", "not-a-number", "format"],
)
def test_cli_refuses_with_one_line_and_exit_code_2(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("autodiff graph: error: ")
    assert not list(tmp_path.iterdir())


def test_cli_exit_code_in_a_real_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "autodiff", "graph", "__import__('os').system('touch pwned')"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert not (tmp_path / "pwned").exists()


def test_cli_prints_dot_without_output_file(capsys):
    assert main(["graph", NEURON, "--set", *NEURON_SET]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{NEURON} = 0.707107")
    assert "digraph errorflow" in out and "tanh" in out


def test_demo_subcommand_is_still_there(capsys):
    with pytest.raises(SystemExit) as done:
        main(["demo", "--help"])
    assert done.value.code == 0 and "demo" in capsys.readouterr().out

"""Bad input to the engine (issue 8's sweep, part 1): Value, Tensor and its functions, the graph walk, gradcheck,
viz, the expression parser and the ``autodiff`` command line.

Every row feeds a wrong type, a wrong shape, NaN/inf where a setting must be finite, an empty array or a hostile
string, and checks (``tests/badinput.py``) that the exception has the right type, that its message names what was
wrong and what was expected, and that the user's objects — arrays, tensors, grads, models, optimizers — are
exactly as before. Value/Tensor *data* may hold NaN/inf (as in PyTorch; ``detect_anomaly`` finds where they come
from): that is accepted on purpose (``ACCEPTED``). A gap in a module the sweep's author may not change gets a row
with ``xfail=<the fix needed>`` (strict), removed once fixed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor, Value, gradcheck, numerical_grad, viz
from autodiff.expr import ExpressionError, parse_assignment, parse_expression, pretty_label
from tests.badinput import World, case, check

REPO = Path(__file__).resolve().parents[2]
NAN, INF = float("nan"), float("inf")


def square_sum(t):
    return (t * t).sum()


def y_of(w: World) -> Value:
    """A small scalar graph over the world's Value."""
    return (w.v * 2.0 + 1.0).tanh()



ROWS = [
    # ---- Value and Tensor: wrong types, mixing engines, hyper-parameters of the activations --------------------
    case("Value + Tensor", lambda w: w.v + w.x, TypeError, r"Value and Tensor.*expected a Value or a real number"),
    case("Tensor * Value", lambda w: w.x * w.v, TypeError, r"Tensor and Value.*expected a Tensor, a numpy array"),
    case("Value ** str", lambda w: w.v ** "2", TypeError, r"str.*expected a Value or a real number"),
    case("Value(10**400)", lambda w: Value(10**400), OverflowError, r"Value\(data\).*too large for a float"),
    case("Value + 10**400", lambda w: w.v + 10**400, OverflowError, r"operand of \+.*too large for a float"),
    case("Tensor + 10**400", lambda w: w.x + 10**400, OverflowError, r"operand of \+.*too large for a float"),
    case("Tensor < -10**400", lambda w: w.x < -(10**400), OverflowError, r"operand of <.*too large for a float"),
    case("Tensor(datetime64)", lambda w: Tensor(np.array(["2020-01-01"], dtype="datetime64[D]")), TypeError,
         r"real numbers.*datetime64"),
    case("Tensor(ragged)", lambda w: Tensor([[1.0, 2.0], [3.0]]), TypeError, r"rectangular array of numbers"),
    case("Tensor(requires_grad=1)", lambda w: Tensor(w.X, requires_grad=1), TypeError, r"requires_grad.*True or False"),
    case("Value.leaky_relu(k=str)", lambda w: w.v.leaky_relu("0.1"), TypeError, r"leaky_relu\(k=...\).*real number"),
    case("Tensor.elu(alpha=str)", lambda w: w.x.elu("1"), TypeError, r"elu\(alpha=...\).*real number"),
    case("Value.leaky_relu(k=nan)", lambda w: w.v.leaky_relu(NAN), ValueError, r"k.*finite"),
    case("Tensor.elu(alpha=inf)", lambda w: w.x.elu(INF), ValueError, r"alpha.*finite"),
    case("weighted_sum(3, …)", lambda w: ad.weighted_sum(3, [1.0]), TypeError, r"weights"),
    # ---- Tensor shapes, axes and indices --------------------------------------------------------------------------
    case("x + shape (4,)", lambda w: w.x + Tensor(np.ones(4)), ValueError, r"\(2, 3\) and \(4,\) cannot be broadcast"),
    case("x @ x", lambda w: w.x @ w.x, ValueError, r"\(2, 3\) @ \(2, 3\): inner dimensions 3 and 2 differ"),
    case("sum(axis=5)", lambda w: w.x.sum(axis=5), ValueError, r"axis 5 is out of range for a tensor with 2 dim"),
    case("sum(axis=0.5)", lambda w: w.x.sum(axis=0.5), TypeError, r"axis.*int"),
    case("mean(axis='rows')", lambda w: w.x.mean(axis="rows"), TypeError, r"axis.*int"),
    case("mean() of empty", lambda w: Tensor(np.zeros((0, 3))).mean(), ValueError, r"empty tensor of shape \(0, 3\)"),
    case("max() of empty", lambda w: Tensor(np.zeros(0)).max(), ValueError, r"cannot reduce an empty tensor"),
    case("reshape(5)", lambda w: w.x.reshape(5), ValueError, r"cannot reshape a tensor of shape \(2, 3\) into \(5,\)"),
    case("reshape('a')", lambda w: w.x.reshape("a"), TypeError, r"reshape.*int"),
    case("permute(0, 0)", lambda w: w.x.permute(0, 0), ValueError, r"not a permutation of the 2 axes"),
    case("transpose('a', 'b')", lambda w: w.x.transpose("a", "b"), TypeError, r"transpose.*int"),
    case("squeeze(0)", lambda w: w.x.squeeze(0), ValueError, r"axis 0 of shape \(2, 3\) does not have size 1"),
    case("unsqueeze(9)", lambda w: w.x.unsqueeze(9), ValueError, r"axis 9 is out of range"),
    case("x[5]", lambda w: w.x[5], IndexError, r"index 5 into a tensor of shape \(2, 3\)"),
    case("x[1.5]", lambda w: w.x[1.5], IndexError, r"index 1.5 into a tensor of shape \(2, 3\): only integers"),
    case("item() of (2, 3)", lambda w: w.x.item(), ValueError, r"one-element tensor.*\(2, 3\)"),
    # ---- backward: a failed call leaves every .grad as it was ---------------------------------------------------
    case("backward() of non-scalar", lambda w: (w.x * 2).backward(), RuntimeError, r"non-scalar output.*\(2, 3"),
    case("backward(grad (3,))", lambda w: (w.x * 2).backward(np.ones(3)), ValueError,
         r"grad has shape \(3,\) but the output has shape \(2, 3\)"),
    case("backward(grad=str)", lambda w: w.x.sum().backward("1"), TypeError, r"backward\(grad\) needs numbers"),
    # ---- the functions ------------------------------------------------------------------------------------------
    case("matmul(x, str)", lambda w: ad.matmul(w.x, "W"), TypeError, r"unsupported operand for @.*str"),
    case("linear(W (4, 2))", lambda w: ad.linear(w.x, Tensor(np.ones((4, 2)))), ValueError,
         r"input of shape \(2, 3\) and weight of shape \(4, 2\): need x \(..., in\) and W \(out, in\)"),
    case("linear(W list)", lambda w: ad.linear(w.x, [[1.0] * 3]), TypeError, r"W.*Tensor"),
    case("linear(b list)", lambda w: ad.linear(w.x, Tensor(np.ones((2, 3))), [0.0, 0.0]), TypeError, r"b.*Tensor"),
    case("concat([])", lambda w: ad.concat([]), TypeError, r"concat needs a non-empty list of tensors"),
    case("concat(Tensor)", lambda w: ad.concat(w.x), TypeError, r"needs a non-empty list of tensors, got Tensor"),
    case("concat(shapes)", lambda w: ad.concat([w.x, Tensor(np.ones((2, 2)))], axis=0), ValueError,
         r"concat: shapes \[\(2, 3\), \(2, 2\)\] along axis 0"),
    case("concat(axis=str)", lambda w: ad.concat([w.x, w.x], axis="0"), TypeError, r"axis"),
    case("stack(shapes)", lambda w: ad.stack([w.x, w.x[0]]), ValueError, r"stack: shapes \[\(2, 3\), \(3,\)\]"),
    case("stack(axis=str)", lambda w: ad.stack([w.x, w.x], axis="0"), TypeError, r"axis"),
    case("maximum(x, str)", lambda w: ad.maximum(w.x, "0"), TypeError, r"unsupported operand for maximum.*str"),
    case("minimum(shapes)", lambda w: ad.minimum(w.x, np.ones(4)), ValueError, r"\(2, 3\) and \(4,\) cannot be broad"),
    case("where(mask (4,))", lambda w: ad.where(np.ones(4, bool), w.x, 0.0), ValueError,
         r"where: shapes \(4,\), \(2, 3\), \(\) cannot be broadcast"),
    case("where('abc', …)", lambda w: ad.where("abc", w.x, 0.0), TypeError, r"condition"),
    case("where(None, …)", lambda w: ad.where(None, w.x, 0.0), TypeError, r"condition"),
    case("clip()", lambda w: ad.clip(w.x), ValueError, r"clip needs low, high or both"),
    case("clip(2, 1)", lambda w: ad.clip(w.x, 2, 1), ValueError, r"low 2.0 is greater than high 1.0"),
    case("clip(low=str)", lambda w: ad.clip(w.x, "0"), TypeError, r"clip\(low\) needs a real number"),
    case("clip(low=nan)", lambda w: ad.clip(w.x, NAN), ValueError, r"low.*NaN|nan"),
    case("clip(list)", lambda w: ad.clip([1.0, 2.0], 0, 1), TypeError, r"Tensor"),
    case("softmax(axis=2)", lambda w: ad.softmax(w.x, axis=2), ValueError, r"softmax: axis 2 is out of range"),
    case("softmax(list)", lambda w: ad.softmax([1.0, 2.0]), TypeError, r"Tensor"),
    case("log_softmax(list)", lambda w: ad.log_softmax([1.0, 2.0]), TypeError, r"Tensor"),
    case("logsumexp(list)", lambda w: ad.logsumexp([1.0, 2.0]), TypeError, r"Tensor"),
    case("logsumexp(empty)", lambda w: ad.logsumexp(Tensor(np.zeros((2, 0)))), ValueError, r"logsumexp.*empty"),
    case("softmax(empty)", lambda w: ad.softmax(Tensor(np.zeros((2, 0)))), ValueError, r"softmax.*empty"),
    case("unbroadcast((2,3)→(4,))", lambda w: ad.unbroadcast(np.ones((2, 3)), (4,)), ValueError, r"\(2, 3\).*\(4,\)"),
    # ---- the graph walk ---------------------------------------------------------------------------------------
    case("backward(3, 1.0)", lambda w: ad.backward(3, 1.0), TypeError, r"Value or .*Tensor"),
    case("topological_order(None)", lambda w: ad.topological_order(None), TypeError, r"Value or .*Tensor"),
    case("backprop_steps('y', 1.0)", lambda w: list(ad.backprop_steps("y", 1.0)), TypeError, r"Value or .*Tensor"),
    case("no_grad()(3)", lambda w: ad.no_grad()(3), TypeError, r"callable|function"),
    # ---- gradcheck / numerical_grad: settings must be finite; inputs, f and its result are checked ----------------
    case("gradcheck(f=3)", lambda w: gradcheck(3, w.x), TypeError, r"f must be a function of the inputs.*int"),
    case("gradcheck(eps=nan)", lambda w: gradcheck(square_sum, w.x, eps=NAN), ValueError, r"finite eps > 0.*nan"),
    case("gradcheck(eps=inf)", lambda w: gradcheck(square_sum, w.x, eps=INF), ValueError, r"finite eps > 0.*inf"),
    case("gradcheck(atol=inf)", lambda w: gradcheck(square_sum, w.x, atol=INF), ValueError, r"finite atol ≥ 0"),
    case("gradcheck(rtol=nan)", lambda w: gradcheck(square_sum, w.x, rtol=NAN), ValueError, r"finite rtol ≥ 0"),
    case("gradcheck(eps=str)", lambda w: gradcheck(square_sum, w.x, eps="1e-6"), TypeError,
         r"real number for eps, got str"),
    case("gradcheck(atol=None)", lambda w: gradcheck(square_sum, w.x, atol=None), TypeError,
         r"real number for atol, got NoneType"),
    case("gradcheck(fast='yes')", lambda w: gradcheck(square_sum, w.x, fast="yes"), TypeError, r"fast.*True or False"),
    case("gradcheck(n_directions=0)", lambda w: gradcheck(square_sum, w.x, fast=True, n_directions=0), ValueError,
         r"n_directions ≥ 1.*n_directions=0"),
    case("gradcheck(n_directions=2.5)", lambda w: gradcheck(square_sum, w.x, fast=True, n_directions=2.5), TypeError,
         r"n_directions=...\) must be an int, got float"),
    case("gradcheck(seed=str)", lambda w: gradcheck(square_sum, w.x, fast=True, seed="0"), TypeError,
         r"seed=...\) must be an int, got str"),
    case("gradcheck(inputs=3)", lambda w: gradcheck(square_sum, 3), TypeError,
         r"inputs must be a Value or Tensor, a list of them.*got int"),
    case("gradcheck(inputs=None)", lambda w: gradcheck(square_sum, None), TypeError, r"inputs must be.*NoneType"),
    case("gradcheck(triple)", lambda w: gradcheck(square_sum, [("x", w.x, 1)]), TypeError,
         r"input 0 must be a \(name, node\) pair"),
    case("gradcheck({1: x})", lambda w: gradcheck(square_sum, {1: w.x}), TypeError, r"\(name, node\) pair, name a str"),
    case("gradcheck(f → str)", lambda w: gradcheck(lambda t: "J", w.x), TypeError,
         r"f must return a scalar \(a Value or one-element Tensor\); got str"),
    case("gradcheck(f → None)", lambda w: gradcheck(lambda t: None, w.x), TypeError, r"must return a scalar.*NoneType"),
    case("gradcheck(f → float)", lambda w: gradcheck(lambda t: 1.0, w.x), TypeError,
         r"f must return a Value or Tensor computed from the inputs, got float"),
    case("numerical_grad(eps=0)", lambda w: numerical_grad(square_sum, w.x, eps=0), ValueError, r"finite eps > 0"),
    case("numerical_grad(eps=-1e-6)", lambda w: numerical_grad(square_sum, w.x, eps=-1e-6), ValueError,
         r"eps > 0, got eps=-1e-06"),
    case("numerical_grad(eps=nan)", lambda w: numerical_grad(square_sum, w.x, eps=NAN), ValueError, r"finite eps"),
    case("numerical_grad(eps=str)", lambda w: numerical_grad(square_sum, w.x, eps="a"), TypeError, r"real number"),
    case("numerical_grad(None)", lambda w: numerical_grad(square_sum, None), TypeError, r"inputs must be"),
    case("gradcheck(Value model f → str)", lambda w: gradcheck(lambda v: str(v), w.v), TypeError, r"got str"),
    # ---- viz ----------------------------------------------------------------------------------------------------
    case("draw(3)", lambda w: viz.draw(3), TypeError, r"draw\(\) needs a graph node \(a Value or a Tensor\), got int"),
    case("draw(max_nodes=inf)", lambda w: viz.draw(y_of(w), max_nodes=INF), ValueError, r"max_nodes must be a pos"),
    case("draw(params=3)", lambda w: viz.draw(y_of(w), params=3), TypeError,
         r"params must be a Value or Tensor, a list of them, or None; got int"),
    case("draw(params=[3])", lambda w: viz.draw(y_of(w), params=[3]), TypeError, r"params must hold Values or Tens"),
    case("draw(model=3)", lambda w: viz.draw(y_of(w), model=3), TypeError, r"model must be an nn.Module"),
    case("draw(highlight=str)", lambda w: viz.draw(y_of(w), highlight="v"), TypeError, r"highlight must be.*got str"),
    case("draw(title=3)", lambda w: viz.draw(y_of(w), title=3), TypeError, r"title must be a str or None, got int"),
    case("steps(rankdir=nan)", lambda w: viz.steps(y_of(w), rankdir=NAN), ValueError, r"rankdir must be one of"),
    case("BackpropPlayer(model=str)", lambda w: viz.BackpropPlayer(y_of(w), model="mlp"), TypeError, r"nn.Module"),
    case("error_flow(None)", lambda w: viz.error_flow(None), TypeError, r"error_flow\(\) needs a graph node"),
    # ---- the expression parser (the CLI's input) ------------------------------------------------------------------
    case("parse_expression(values=None)", lambda w: parse_expression("x", None), TypeError,
         r"values must be a mapping \{name: number\}, got NoneType"),
    case("parse_expression(values=list)", lambda w: parse_expression("x", ["x"]), TypeError, r"mapping.*list"),
    case("parse_expression(value str)", lambda w: parse_expression("x", {"x": "1"}), ExpressionError,
         r"value of 'x' must be a real number, got '1'"),
    case("parse_expression(leaky_relu(x, 1e999))", lambda w: parse_expression("leaky_relu(x, 1e999)", {"x": 1.0}),
         ExpressionError, r"too large"),
    case("parse_expression(elu(x, nan))", lambda w: parse_expression("elu(x, nan)", {"x": 1.0, "nan": 1.0}),
         ExpressionError, r"second argument of elu\(\) must be a number"),
    case("parse_expression(bytes)", lambda w: parse_expression(b"x", {"x": 1.0}), ExpressionError,
         r"must be a string, got bytes"),
    case("parse_assignment(None)", lambda w: parse_assignment(None), ExpressionError, r"NAME=NUMBER.*NoneType"),
    case("parse_assignment(b'x=1')", lambda w: parse_assignment(b"x=1"), ExpressionError, r"NAME=NUMBER.*bytes"),
    case("parse_assignment('x=-inf')", lambda w: parse_assignment("x=-inf"), ExpressionError, r"must be finite"),
    case("pretty_label(3)", lambda w: pretty_label(3), TypeError, r"pretty_label needs a name \(str\), got int"),
]


@pytest.mark.parametrize("row", ROWS)
def test_bad_input_is_refused_clearly_and_changes_nothing(row, tmp_path):
    check(row, World(tmp_path))


# ---- accepted on purpose ----------------------------------------------------------------------------------------
def _nan_data(w: World) -> None:
    assert np.isnan(Value(NAN).tanh().data)
    t = Tensor([NAN, INF, -INF, 1.0], requires_grad=True)
    (t * 2).sum().backward()  # PyTorch's policy: data may be non-finite; detect_anomaly() says where it came from
    np.testing.assert_array_equal(t.grad, 2.0)


def _int_and_float32(w: World) -> None:
    assert Tensor(np.arange(3)).dtype == np.float64  # ints (and bools) become float64
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32  # float32 is kept
    assert (Value(np.int64(2)) * np.float32(1.5)).data == 3.0


def _empty_tensors(w: World) -> None:
    assert Tensor(np.zeros((0, 3))).sum().item() == 0.0  # an empty sum is 0, as in numpy and PyTorch
    assert (Tensor(np.zeros((0, 3))) @ Tensor(np.ones((3, 2)))).shape == (0, 2)


ACCEPTED = {
    "NaN/inf data": _nan_data,
    "int and float32 data": _int_and_float32,
    "empty tensors": _empty_tensors,
    "Python bools are numbers (True is 1) on both engines": lambda w: ((w.v + True).data, (w.x * True).data),
    "gradcheck tolerances of 0": lambda w: gradcheck(square_sum, w.x, atol=0.0, rtol=0.0),
    "numpy scalar settings": lambda w: gradcheck(square_sum, w.x, eps=np.float64(1e-6), n_directions=np.int64(2),
                                                 fast=True),
}


@pytest.mark.parametrize("call", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_valid_edge_input_is_accepted(call, tmp_path):
    call(World(tmp_path))


# ---- the command line: one line on stderr, exit code 2, nothing written ----------------------------------------
CLI = {
    "no expression": (["graph"], "the following arguments are required: expression"),
    "expression starting with -": (["graph", "-x", "--set", "x=1"], r"goes after '--'"),
    "--set without values": (["graph", "x", "--set"], "argument --set: expected at least one argument"),
    "--set x=nan": (["graph", "x", "--set", "x=nan"], "the value of 'x' must be finite"),
    "--set x=1e999": (["graph", "x", "--set", "x=1e999"], "the value of 'x' must be finite"),
    "--set 1x=2": (["graph", "x", "--set", "1x=2"], "expected NAME=NUMBER"),
    "--max-nodes 0": (["graph", "x", "--set", "x=1", "--max-nodes", "0"], "expected a positive integer, got '0'"),
    "--max-nodes inf": (["graph", "x", "--set", "x=1", "--max-nodes", "inf"], "expected a positive integer"),
    "--rankdir XX": (["graph", "x", "--set", "x=1", "--rankdir", "XX"], "invalid choice: 'XX'"),
    "--steps into a directory": (["graph", "x", "--set", "x=1", "--steps", "."], "--steps: '.' is a directory"),
    "-o a directory with a suffix": (["graph", "x", "--set", "x=1", "-o", "dir.svg"], "-o: 'dir.svg' is a directory"),
    "unknown option": (["graph", "x", "--set", "x=1", "--eval"], "unrecognized arguments: --eval"),
    "unknown command": (["shell"], "invalid choice: 'shell'"),
    "demo --seed -1": (["demo", "--seed", "-1"], "expected an integer ≥ 0, got '-1'"),
    "builtins": (["graph", "__builtins__", "--set", "x=1"], "no value for '__builtins__'"),
    "dunder call": (["graph", "().__class__.__base__", "--set", "x=1"], "attribute access is not allowed"),
    "type()": (["graph", "type(x)", "--set", "x=1"], "unknown function 'type'"),
    "breakpoint()": (["graph", "breakpoint()", "--set", "x=1"], "unknown function 'breakpoint'"),
    "newline statement": (["graph", "x\nimport os", "--set", "x=1"], "not a valid expression"),
    "right-to-left override": (["graph", "x\u202e+1", "--set", "x=1"], "not a valid expression"),
    "exponent tower by names": (["graph", "x**x**(9*9)", "--set", "x=2"], "exponent must be a name or a number"),
    "--steps too costly": (["graph", "+".join(["tanh(x)"] * 150), "--set", "x=1", "--steps", "s.html",
                            "--max-nodes", "5"],
                           r"too much work: drawing 301 step frames and a diagram would take about [\d,]+ s"),
    "--steps page too large": (["graph", "--set", "x=1", "--steps", "s.html", "--", "-" * 60 + "x"],
                               r"too much output: 62 step frames and a diagram would be about 9.8 MB \(the bound"),
    "diagram too costly": (["graph", "+".join(["x"] * 150), "--set", "x=1", "--flow", "-o", "g.svg"],
                           r"too much work: drawing the diagram would take about \S+ s \(the bound is 4 s"),
}


def _run_cli(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autodiff", *argv], capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    """All CLI rows run at once, each in its own empty directory (``dir.svg`` is a directory there)."""
    dirs = {}
    for name in CLI:
        dirs[name] = tmp_path_factory.mktemp("cli")
        (dirs[name] / "dir.svg").mkdir()
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {name: pool.submit(_run_cli, argv, dirs[name]) for name, (argv, _) in CLI.items()}
        return {name: (future.result(), dirs[name]) for name, future in futures.items()}


@pytest.mark.parametrize("name", CLI)
def test_cli_refuses_with_one_line_and_exit_code_2(name, cli_results):
    result, cwd = cli_results[name]
    fragment = CLI[name][1]
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("autodiff"), result.stderr
    assert fragment in result.stderr or re.search(fragment, result.stderr), result.stderr
    assert sorted(p.name for p in cwd.iterdir()) == ["dir.svg"] and not any((cwd / "dir.svg").iterdir())

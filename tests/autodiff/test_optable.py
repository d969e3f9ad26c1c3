"""The op-table sweep: every differentiable operation × sample, on both engines where it exists."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from autograd import make_vjp

import autodiff as ad
from autodiff import Tensor, Value, gradcheck
from tests.optable import NOT_OPS, OPS, covered_names

CASES = [(op, shapes) for op in OPS for shapes in op.shapes]
IDS = [f"{op.name}-{'x'.join(str(s) for s in shapes)}" for op, shapes in CASES]
TENSOR_CASES = [(op, shapes) for op, shapes in CASES if op.tensor is not None]
TENSOR_IDS = [i for i, (op, _) in zip(IDS, CASES) if op.tensor is not None]


def _inputs(op, shapes, seed=0, dtype=np.float64):
    arrays = op.sample(shapes, np.random.default_rng(seed))
    return [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def _upstream(out, seed=1):
    return np.random.default_rng(seed).normal(size=out.shape)


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_gradcheck_float64(op, shapes):
    inputs = _inputs(op, shapes)
    g = _upstream(op.tensor(*inputs))
    report = gradcheck(lambda *xs: (op.tensor(*xs) * g).sum(), inputs, atol=1e-6, rtol=1e-5)
    assert report, str(report)


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_agrees_with_autograd_oracle(op, shapes):
    inputs = _inputs(op, shapes)
    out = op.tensor(*inputs)
    g = _upstream(out)
    out.backward(g)
    arrays = [x.data for x in inputs]
    for i, x in enumerate(inputs):

        def f(xi, i=i):
            return op.oracle(*[xi if j == i else a for j, a in enumerate(arrays)])

        vjp, expected_out = make_vjp(f)(arrays[i])
        np.testing.assert_allclose(out.data, expected_out, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(x.grad, vjp(g), rtol=1e-10, atol=1e-12, err_msg=f"{op.name} input {i}")


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_zero_upstream_gives_exactly_zero(op, shapes):
    inputs = _inputs(op, shapes)
    out = op.tensor(*inputs)
    out.backward(np.zeros(out.shape))
    for x in inputs:
        assert x.grad is None or np.array_equal(x.grad, np.zeros(x.shape)), op.name


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_two_backward_passes_agree(op, shapes):
    inputs = _inputs(op, shapes)
    out = op.tensor(*inputs)
    g = _upstream(out)
    out.backward(g)
    first = [x.grad.copy() for x in inputs]
    for x in inputs:
        x.zero_grad()
    out.backward(g)
    for a, b in zip(first, (x.grad for x in inputs)):
        assert np.array_equal(a, b), op.name


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_float32_stays_float32(op, shapes):
    inputs = _inputs(op, shapes, dtype=np.float32)
    out = op.tensor(*inputs)
    assert out.dtype == np.float32, op.name
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert all(x.grad.dtype == np.float32 for x in inputs if x.grad is not None)
    # not only at the leaves (which cast what they receive): every share on the way is float32, so a float32
    # network never falls into float64 (or mixed-precision matmuls) below a relu
    for step in op.tensor(*inputs).backward_steps(np.ones(out.shape, dtype=np.float32)):
        for share in step.shares:
            assert share is None or np.asarray(share).dtype == np.float32, (op.name, step.node.op)


SCALAR_CASES = [(op, shapes) for op, shapes in CASES if op.value is not None and all(s == () for s in shapes)]


@pytest.mark.parametrize(("op", "shapes"), SCALAR_CASES, ids=[f"{op.name}" for op, _ in SCALAR_CASES])
def test_value_engine_gradcheck_oracle_and_reentrancy(op, shapes):
    arrays = [np.asarray(a) for a in op.sample(shapes, np.random.default_rng(0))]
    values = [Value(float(a)) for a in arrays]
    assert gradcheck(op.value, values, atol=1e-6, rtol=1e-5)
    out = op.value(*values)
    out.backward()
    first = [v.grad for v in values]
    for i, v in enumerate(values):
        vjp, expected = make_vjp(lambda xi, i=i: op.oracle(*[xi if j == i else a for j, a in enumerate(arrays)]))(
            arrays[i]
        )
        assert out.data == pytest.approx(float(expected), rel=1e-12, abs=1e-12)
        assert v.grad == pytest.approx(float(vjp(np.ones(()))), rel=1e-10, abs=1e-12)
        v.zero_grad()
    out.backward()
    assert [v.grad for v in values] == first
    for v in values:
        v.zero_grad()
    ad.backward(out, 0.0)
    assert all(v.grad == 0.0 for v in values)


def _public_ops(cls) -> set[str]:
    names = set()
    for name, member in inspect.getmembers(cls):
        if name in NOT_OPS or (name.startswith("_") and not name.startswith("__")):
            continue
        if name.startswith("__") and name not in {
            "__add__",
            "__radd__",
            "__sub__",
            "__rsub__",
            "__mul__",
            "__rmul__",
            "__truediv__",
            "__rtruediv__",
            "__pow__",
            "__rpow__",
            "__neg__",
            "__abs__",
            "__matmul__",
            "__rmatmul__",
            "__getitem__",
        }:
            continue
        if callable(member) or isinstance(member, property):
            names.add(name)
    return names


CONSTRUCTORS = {
    "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm",
    "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "multinomial", "Generator", "manual_seed",
    "seed", "initial_seed", "float32", "float64", "int64", "long",
}  # fmt: skip


def test_every_public_operation_has_a_table_entry():
    functions = {
        "matmul",
        "linear",
        "concat",
        "stack",
        "maximum",
        "minimum",
        "where",
        "clip",
        "logsumexp",
        "softmax",
        "log_softmax",
        "weighted_sum",
        "softmax_cross_entropy",
    }
    exported = {name for name in ad.__all__ if callable(getattr(ad, name))}
    missing_functions = (exported & functions) - covered_names()
    public = (_public_ops(Tensor) | _public_ops(Value)) - {"__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"}
    missing = public - covered_names()
    assert not missing and not missing_functions, f"add op-table entries for {sorted(missing | missing_functions)}"
    unknown_functions = (
        exported
        - functions
        - {
            "Value",
            "Tensor",
            "ValuesIndices",
            "Step",
            "backprop_steps",
            "backward",
            "topological_order",
            "no_grad",
            "enable_grad",
            "is_grad_enabled",
            "numerical_grad",
            "grad",  # second-order tools: tests/autodiff/test_higher.py runs them over this table
            "gradgradcheck",
            "hvp",
            "hessian",
            "cmp",  # compares a hand-derived gradient with .grad (tests/autodiff/test_gradcheck.py)
            "Comparison",
            "gradcheck",
            "GradcheckReport",
            "GradcheckRow",
            "unbroadcast",
            "detect_anomaly",
            "AnomalyError",
            "is_anomaly_enabled",
            *CONSTRUCTORS,  # make leaves, record no operation (tests/autodiff/test_creation.py)
            "Function",  # custom ops: each user's Function is gradchecked by its author (test_function.py)
            "FunctionCtx",
        }
    )
    assert not unknown_functions, (
        f"new public functions need an op-table entry or a NOT_OPS listing: {unknown_functions}"
    )


def _recorded_nodes(out):
    return [n for n in ad.topological_order(out) if n._parents]


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_every_tensor_op_carries_the_formula_of_each_share(op, shapes):
    """A VJP without its formula would draw as a bare shape in the error-flow view (issue: vectorized flow)."""
    out = op.tensor(*_inputs(op, shapes))
    for node in _recorded_nodes(out):
        formulas = node.share_formulas
        assert len(formulas) == len(node._parents), f"{node.op}: {formulas} for {len(node._parents)} parents"
        assert all(isinstance(f, str) and f for f in formulas), f"{node.op} has an empty share formula"


@pytest.mark.parametrize(("op", "shapes"), SCALAR_CASES, ids=[f"{op.name}" for op, _ in SCALAR_CASES])
def test_every_scalar_op_has_a_local_derivative_template(op, shapes):
    from autodiff.rules import BINARY, UNARY

    values = [Value(float(a)) for a in op.sample(shapes, np.random.default_rng(0))]
    for node in _recorded_nodes(op.value(*values)):
        if node.op == "weighted_sum":
            assert node.partners is not None and len(node.partners) == len(node._parents)
        elif node.op in BINARY:
            assert BINARY[node.op].local_a and BINARY[node.op].local_b
        else:
            assert UNARY[node.op].local, f"rule {node.op} has no local-derivative template"

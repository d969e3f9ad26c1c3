"""Gradients of gradients (issue 15): create_graph, autodiff.grad, gradgradcheck, hvp, hessian.

The op-table sweep runs gradgradcheck on every op × sample with a second-order rule, on both engines, and
compares Hessian-vector products with HIPS autograd; the ops without one yet must say so by name.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from autograd import grad as agrad
from autograd import numpy as anp
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Tensor, Value
from autodiff.higher import second_order_ops
from tests.autodiff.test_optable import SCALAR_CASES, TENSOR_CASES, TENSOR_IDS, _inputs, _upstream

# ops whose backward cannot be recorded yet: each raises NotImplementedError naming itself
NO_SECOND_ORDER: set[str] = set()


def _hvp_oracle(op, arrays, g, directions):
    """(H·v)ⱼ of F = Σ oracle(inputs)·g by HIPS autograd, differentiating its own gradient."""
    def F(*xs):
        return anp.sum(op.oracle(*xs) * g)

    def dot(*xs):
        return sum(anp.sum(agrad(F, i)(*xs) * v) for i, v in enumerate(directions))

    with warnings.catch_warnings():  # "Output seems independent of input": a linear op's second derivative is 0
        warnings.simplefilter("ignore", UserWarning)
        return [agrad(dot, j)(*arrays) for j in range(len(arrays))]


@pytest.mark.parametrize(("op", "shapes"), TENSOR_CASES, ids=TENSOR_IDS)
def test_second_derivatives_of_every_tensor_op(op, shapes):
    inputs = _inputs(op, shapes)
    g = _upstream(op.tensor(*inputs))

    def f(*xs):
        return (op.tensor(*xs) * g).sum()

    try:
        first = ad.grad(f(*inputs), inputs, create_graph=True, allow_unused=True)
    except NotImplementedError as error:
        missing = re.search(r"the op '(\w+)' has no second-order rule yet", str(error))
        assert missing and missing.group(1) in NO_SECOND_ORDER, f"{op.name}: {error}"
        return
    report = ad.gradgradcheck(f, inputs, atol=1e-5, rtol=1e-4)
    assert report, str(report)
    directions = [np.random.default_rng(7 + i).standard_normal(x.shape) for i, x in enumerate(inputs)]
    dot = sum(((d * v).sum() for d, v in zip(first, directions) if d is not None), Tensor(0.0))
    ours = ad.grad(dot, inputs, allow_unused=True) if dot.requires_grad else [None] * len(inputs)
    expected = _hvp_oracle(op, [x.data for x in inputs], g, directions)
    for j, (mine, theirs) in enumerate(zip(ours, expected)):
        mine = np.zeros_like(inputs[j].data) if mine is None else mine.data
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-11, err_msg=f"{op.name} input {j}")


@pytest.mark.parametrize(("op", "shapes"), SCALAR_CASES, ids=[f"{op.name}" for op, _ in SCALAR_CASES])
def test_second_derivatives_of_every_value_op(op, shapes):
    arrays = [np.asarray(a) for a in op.sample(shapes, np.random.default_rng(0))]
    values = [Value(float(a)) for a in arrays]
    try:
        first = ad.grad(op.value(*values), values, create_graph=True, allow_unused=True)
    except NotImplementedError as error:
        missing = re.search(r"the op '(\w+)' has no second-order rule yet", str(error))
        assert missing and missing.group(1) in NO_SECOND_ORDER, f"{op.name}: {error}"
        return
    assert ad.gradgradcheck(op.value, values, atol=1e-5, rtol=1e-4)
    for i in range(len(values)):
        for j in range(len(values)):
            (second,) = ad.grad(first[i], [values[j]], allow_unused=True) if first[i]._parents else (None,)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                expected = agrad(agrad(lambda *xs: op.oracle(*xs), i), j)(*[float(a) for a in arrays])
            got = 0.0 if second is None else second.data
            assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-11), (op.name, i, j)


def test_every_op_of_both_engines_has_a_second_order_rule():
    assert not NO_SECOND_ORDER & second_order_ops()
    with pytest.raises(NotImplementedError, match="the op 'made_up' has no second-order rule yet"):
        from autodiff.higher import shares

        node = Tensor([1.0], requires_grad=True) * 2.0
        node.op = "made_up"
        shares(node, Tensor([1.0]))


# ---- the closed forms a learner checks --------------------------------------------------------------------------
@pytest.mark.parametrize("z", [-2.0, -0.3, 0.0, 0.7, 3.0])
def test_sigmoid_and_tanh_second_derivatives_are_the_textbook_ones(z):
    s, t = 1 / (1 + math.exp(-z)), math.tanh(z)
    for engine in (lambda v: Value(v), lambda v: Tensor(v, requires_grad=True)):
        x = engine(z)
        (d1,) = ad.grad(x.sigmoid(), [x], create_graph=True)
        (d2,) = ad.grad(d1, [x])
        assert float(d2.data) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12, abs=1e-15)  # σ'' = σ'(1 − 2σ)
        x = engine(z)
        (d1,) = ad.grad(x.tanh(), [x], create_graph=True)
        (d2,) = ad.grad(d1, [x])
        assert float(d2.data) == pytest.approx(-2 * t * (1 - t * t), rel=1e-12, abs=1e-15)  # tanh'' = −2 tanh·tanh'


@pytest.mark.parametrize(("name", "f", "f_np"), [
    ("tanh", lambda x: x.tanh(), anp.tanh),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + anp.exp(-x))),
    ("exp", lambda x: (x * 0.5).exp(), lambda x: anp.exp(x * 0.5)),
    ("pow", lambda x: x**3.5, lambda x: x**3.5),
])  # fmt: skip
def test_third_derivatives_nest(name, f, f_np):
    z = 1.3
    expected = agrad(agrad(agrad(f_np)))(z)
    for x in (Value(z), Tensor(z, requires_grad=True)):
        (d1,) = ad.grad(f(x), [x], create_graph=True)
        (d2,) = ad.grad(d1, [x], create_graph=True)
        (d3,) = ad.grad(d2, [x])
        assert float(d3.data) == pytest.approx(expected, rel=1e-10), name


def test_relu_second_derivative_is_zero_as_pytorch():
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    (d1,) = ad.grad((x.relu() ** 2).sum(), [x], create_graph=True)
    (d2,) = ad.grad(d1.sum(), [x])
    np.testing.assert_array_equal(d2.data, [0.0, 2.0, 2.0])  # (relu²)'' = 2·relu'² + 2·relu·relu'' with relu'' = 0


# ---- random graphs ------------------------------------------------------------------------------------------------
_UNARY = [lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: (v * 0.3).exp(), lambda v: v * v, lambda v: -v]
_BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / (1.5 + b * b)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 10), st.integers(0, 10)),
                min_size=1, max_size=12),
       st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))  # fmt: skip
def test_grad_of_grad_matches_numeric_slopes_of_the_gradient_on_random_graphs(program, start):
    def build(xs):
        nodes = list(xs)
        for u, b, i, j in program:
            a = _UNARY[u](nodes[i % len(nodes)])
            nodes.append(_BINARY[b](a, nodes[j % len(nodes)]))
        return nodes[-1]

    xs = [Value(v) for v in start]
    first = ad.grad(build(xs), xs, create_graph=True, allow_unused=True)
    eps = 1e-5
    for i, gi in enumerate(first):
        if gi is None or not gi._parents:
            continue
        second = ad.grad(gi, xs, allow_unused=True)
        for j in range(3):
            def gradient_i(shift, i=i, j=j):
                ys = [Value(v + (shift if k == j else 0.0)) for k, v in enumerate(start)]
                (g,) = ad.grad(build(ys), [ys[i]], allow_unused=True)
                return 0.0 if g is None else g.data
            numeric = (gradient_i(eps) - gradient_i(-eps)) / (2 * eps)
            got = 0.0 if second[j] is None else second[j].data
            assert got == pytest.approx(numeric, rel=1e-5, abs=1e-6)


# ---- the API ----------------------------------------------------------------------------------------------------
def test_grad_leaves_every_grad_alone_and_returns_constants_by_default():
    w = Tensor([1.0, -2.0], requires_grad=True, label="w")
    h = (w * w).sum()
    (g,) = ad.grad(h, [w])
    np.testing.assert_array_equal(g.data, [2.0, -4.0])
    assert w.grad is None and h.grad is None and not g.requires_grad
    v = Value(3.0)
    (gv,) = ad.grad(v * v, [v])
    assert gv.data == 6.0 and v.grad == 0.0 and not gv._parents


def test_grad_of_an_interior_node_several_outputs_and_grad_outputs():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()
    (gh,) = ad.grad(y, [h])
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    (gx,) = ad.grad([y, x.sum()], [x])  # the sum over outputs
    np.testing.assert_array_equal(gx.data, 8 * x.data + 1)
    (gz,) = ad.grad(h, [x], grad_outputs=[np.array([1.0, 0.0, -1.0])])
    np.testing.assert_array_equal(gz.data, [2.0, 0.0, -2.0])
    with pytest.raises(ValueError, match="one-element output: give grad_outputs"):
        ad.grad(h, [x])
    with pytest.raises(ValueError, match=r"shape \(2,\) for an output of shape \(3,\)"):
        ad.grad(h, [x], grad_outputs=[np.ones(2)])


def test_an_unused_input_is_named_or_none_when_allowed():
    x, unused = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True, label="b")
    with pytest.raises(ValueError, match=r"inputs\[1\] \('b'\) is not used"):
        ad.grad((x * 3).sum(), [x, unused])
    assert ad.grad((x * 3).sum(), [x, unused], allow_unused=True)[1] is None


def test_create_graph_inside_no_grad_is_an_error_that_says_so():
    x = Value(1.0)
    y = x * x
    with ad.no_grad():
        with pytest.raises(RuntimeError, match="inside no_grad"):
            ad.grad(y, [x], create_graph=True)
        with pytest.raises(RuntimeError, match="inside no_grad"):
            y.backward(create_graph=True)
    with pytest.raises(TypeError, match="True or False"):
        Tensor([1.0], requires_grad=True).sum().backward(create_graph="yes")


def test_backward_with_create_graph_makes_grads_nodes_and_leaves_accumulate():
    x = Tensor([0.5, -1.0], requires_grad=True)
    loss = (x**3).sum()
    loss.backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2)
    x.grad.sum().backward()  # d/dx Σ 3x² = 6x, added to the node already held in x.grad
    assert isinstance(x.grad, Tensor)
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2 + 6 * x.data)
    v = Value(2.0)
    (v * v * v).backward(create_graph=True)
    assert isinstance(v.grad, Value) and v.grad.data == 12.0


def test_hvp_and_hessian_agree_with_finite_differences():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    x0 = rng.standard_normal(3)

    def f(x):
        return ((x @ A).tanh() * x).sum() + (x**4).sum()

    x = Tensor(x0, requires_grad=True)
    H = ad.hessian(f, x).data
    eps = 1e-5

    def gradient(at):
        t = Tensor(at, requires_grad=True)
        (g,) = ad.grad(f(t), [t])
        return g.data

    numeric = np.stack([(gradient(x0 + eps * e) - gradient(x0 - eps * e)) / (2 * eps) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    v = rng.standard_normal(3)
    value, hv = ad.hvp(f, x, v)
    np.testing.assert_allclose(hv.data, H @ v, rtol=1e-12, atol=1e-12)
    assert value.data == pytest.approx(f(Tensor(x0)).data) and not value.requires_grad
    a, b = Value(0.4), Value(-0.7)
    blocks = ad.hessian(lambda a, b: a * a * b + (a * b).tanh(), (a, b))
    t = math.tanh(a.data * b.data)
    sech2 = 1 - t * t
    assert blocks[0][1].data == pytest.approx(2 * a.data + sech2 - 2 * t * sech2 * a.data * b.data)
    assert blocks[0][1].data == pytest.approx(blocks[1][0].data)


def test_a_gradient_penalty_trains_through_the_recorded_backward():
    rng = np.random.default_rng(1)
    W = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x = Tensor(rng.standard_normal((8, 3)), requires_grad=True)
    penalties = []
    for _ in range(30):
        s = (ad.linear(x, W).tanh()).sum()
        (gx,) = ad.grad(s, [x], create_graph=True)
        penalty = (gx * gx).sum()
        W.zero_grad()
        penalty.backward()
        W.data -= 0.05 * W.grad
        penalties.append(penalty.item())
    assert penalties[-1] < 0.5 * penalties[0]


def test_the_recorded_backward_pass_draws_as_a_graph_with_the_signals_named():
    from autodiff import viz

    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
    z = w * x + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    (gw,) = ad.grad(a, [w], create_graph=True)
    assert gw.label == "∂a/∂w" and gw.data == pytest.approx((1 - a.data**2) * x.data)
    source = viz.draw(gw).source
    for text in ("∂a/∂w", "∂a/∂z", "∂a/∂a", "tanh", "1 −"):
        assert text in source, text
    (again,) = ad.grad(gw, [w])  # and it is differentiable like any graph: ∂²a/∂w² = tanh''(z)·x²
    t = a.data
    assert again.data == pytest.approx(-2 * t * (1 - t * t) * x.data**2)


def test_a_constant_input_and_a_changed_data_are_refused_by_name():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    with pytest.raises(ValueError, match=r"inputs\[1\] does not require grad"):
        ad.grad((x * c).sum(), [x, c])
    y = (x * x).sum()
    x.data = x.data + 1.0  # after the forward pass: the recorded backward would differentiate at the wrong point
    with pytest.raises(RuntimeError, match="version"):
        ad.grad(y, [x], create_graph=True)

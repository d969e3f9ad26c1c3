"""Every ``Value`` operation: forward value, local derivative, edge cases and operand checking.

Gradients are checked two ways: against ``numerical_grad`` (centered differences, float64) on Hypothesis-drawn
inputs from each operation's safe domain (away from kinks and singularities), and against formulas derived by
hand, with exact equality where the engine must compute exactly the same floating-point expression.
"""

import gc
import math
import operator
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, numerical_grad, topological_order, weighted_sum

ATOL, RTOL = 1e-6, 1e-5


# ---- helpers -------------------------------------------------------------------------------------------------


def reals(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from(points, lo, hi, gap=1e-3):
    """Reals in [lo, hi] at least ``gap`` from every kink in ``points`` (centered differences straddle kinks)."""
    return reals(lo, hi).filter(lambda x: all(abs(x - p) >= gap for p in points))


def nonzero(lo, hi):
    """Reals with lo ≤ |x| ≤ hi, either sign."""
    return st.tuples(st.sampled_from([-1.0, 1.0]), reals(lo, hi)).map(lambda t: t[0] * t[1])


def assert_close(analytic, numeric, what=""):
    assert isinstance(analytic, float), f"{what}: grad is {type(analytic).__name__}, not float"
    assert abs(analytic - numeric) <= ATOL + RTOL * abs(numeric), f"{what}: analytic {analytic!r} numeric {numeric!r}"


def check_against_numeric(f, *data):
    """Backprop's gradient of f at ``data`` equals the centered difference, for every input. Returns the output."""
    leaves = [Value(d) for d in data]
    out = f(*leaves)
    assert isinstance(out, Value) and isinstance(out.data, float)
    out.backward()
    analytic = [x.grad for x in leaves]
    numeric = numerical_grad(f, leaves)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        assert_close(a, n, f"input {i} at {data}")
    assert [x.data for x in leaves] == list(data), "numerical_grad must restore the inputs"
    return out


def grad_of(f, x):
    """(f(x).data, ∂f/∂x) by backprop."""
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, v.grad


def sigmoid_ref(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def live_values():
    return sum(1 for o in gc.get_objects() if type(o) is Value)


# ---- unary operations against numeric gradients and reference forward values -------------------------------

UNARY_CASES = {
    "neg": (lambda x: -x, lambda x: -x, reals(-10, 10)),
    "abs()": (lambda x: abs(x), abs, away_from([0.0], -10, 10)),
    "abs method": (lambda x: x.abs(), abs, away_from([0.0], -10, 10)),
    "exp": (lambda x: x.exp(), math.exp, reals(-10, 10)),
    "log": (lambda x: x.log(), math.log, reals(0.05, 100)),
    "sqrt": (lambda x: x.sqrt(), math.sqrt, reals(0.05, 100)),
    "tanh": (lambda x: x.tanh(), math.tanh, reals(-20, 20)),
    "sigmoid": (lambda x: x.sigmoid(), sigmoid_ref, reals(-20, 20)),
    "relu": (lambda x: x.relu(), lambda x: max(x, 0.0), away_from([0.0], -10, 10)),
    "leaky_relu default": (lambda x: x.leaky_relu(), lambda x: x if x > 0 else 0.01 * x, away_from([0.0], -10, 10)),
    "elu default": (lambda x: x.elu(), lambda x: x if x > 0 else math.expm1(x), reals(-10, 10)),
    "hardtanh": (lambda x: x.hardtanh(), lambda x: min(max(x, -1.0), 1.0), away_from([-1.0, 1.0], -3, 3)),
    "softsign": (lambda x: x.softsign(), lambda x: x / (1 + abs(x)), reals(-10, 10)),
    "x ** 2": (lambda x: x**2, lambda x: x * x, reals(-10, 10)),
    "x ** 3": (lambda x: x**3, lambda x: x * x * x, reals(-5, 5)),
    "x ** 0": (lambda x: x**0, lambda x: 1.0, reals(-5, 5)),
    "x ** 1": (lambda x: x**1, lambda x: x, reals(-5, 5)),
    "x ** -1": (lambda x: x**-1, lambda x: 1 / x, nonzero(0.2, 5)),
    "x ** -2": (lambda x: x**-2, lambda x: 1 / (x * x), nonzero(0.2, 5)),
    "x ** 0.5": (lambda x: x**0.5, math.sqrt, reals(0.05, 50)),
    "x ** 1.5": (lambda x: x**1.5, lambda x: x * math.sqrt(x), reals(0.05, 50)),
    "x ** -2.5": (lambda x: x**-2.5, lambda x: x**-2.5, reals(0.2, 5)),
    "2 ** x": (lambda x: 2**x, lambda x: 2.0**x, reals(-10, 10)),
    "x + 3": (lambda x: x + 3, lambda x: x + 3, reals(-10, 10)),
    "3 + x": (lambda x: 3 + x, lambda x: 3 + x, reals(-10, 10)),
    "x - 2.5": (lambda x: x - 2.5, lambda x: x - 2.5, reals(-10, 10)),
    "2.5 - x": (lambda x: 2.5 - x, lambda x: 2.5 - x, reals(-10, 10)),
    "x * -1.5": (lambda x: x * -1.5, lambda x: x * -1.5, reals(-10, 10)),
    "-1.5 * x": (lambda x: -1.5 * x, lambda x: -1.5 * x, reals(-10, 10)),
    "x / 4": (lambda x: x / 4, lambda x: x / 4, reals(-10, 10)),
    "4 / x": (lambda x: 4 / x, lambda x: 4 / x, nonzero(0.2, 10)),
    "x + x": (lambda x: x + x, lambda x: 2 * x, reals(-10, 10)),
    "x - x": (lambda x: x - x, lambda x: 0.0, reals(-10, 10)),
    "x * x": (lambda x: x * x, lambda x: x * x, reals(-10, 10)),
    "x / x": (lambda x: x / x, lambda x: 1.0, nonzero(0.2, 10)),
    "x ** x": (lambda x: x**x, lambda x: x**x, reals(0.2, 3)),
}


@pytest.mark.parametrize("name", list(UNARY_CASES))
@given(data=st.data())
def test_unary_op_matches_numeric_gradient(name, data):
    f, reference, domain = UNARY_CASES[name]
    x = data.draw(domain, label="x")
    out = check_against_numeric(f, x)
    assert out.data == pytest.approx(reference(x), rel=1e-12, abs=1e-300)


BINARY_CASES = {
    "x + y": (operator.add, operator.add, reals(-10, 10), reals(-10, 10)),
    "x - y": (operator.sub, operator.sub, reals(-10, 10), reals(-10, 10)),
    "x * y": (operator.mul, operator.mul, reals(-10, 10), reals(-10, 10)),
    "x / y": (operator.truediv, operator.truediv, reals(-10, 10), nonzero(0.25, 10)),
    "x ** y": (operator.pow, math.pow, reals(0.2, 4), reals(-3, 3)),
    "weighted_sum": (
        lambda x, y: weighted_sum([x, y], [y, 2.0], bias=x),
        lambda x, y: x * y + y * 2.0 + x,
        reals(-10, 10),
        reals(-10, 10),
    ),
}


@pytest.mark.parametrize("name", list(BINARY_CASES))
@given(data=st.data())
def test_binary_op_matches_numeric_gradient(name, data):
    f, reference, dom_x, dom_y = BINARY_CASES[name]
    x, y = data.draw(dom_x, label="x"), data.draw(dom_y, label="y")
    out = check_against_numeric(f, x, y)
    assert out.data == pytest.approx(reference(x, y), rel=1e-12, abs=1e-300)


# Operations with a drawn constant: the constant may sit on either side of the operator.
CONSTANT_CASES = {
    "x + c": (lambda x, c: x + c, reals(-10, 10), reals(-10, 10)),
    "c + x": (lambda x, c: c + x, reals(-10, 10), reals(-10, 10)),
    "x - c": (lambda x, c: x - c, reals(-10, 10), reals(-10, 10)),
    "c - x": (lambda x, c: c - x, reals(-10, 10), reals(-10, 10)),
    "x * c": (lambda x, c: x * c, reals(-10, 10), reals(-10, 10)),
    "c * x": (lambda x, c: c * x, reals(-10, 10), reals(-10, 10)),
    "x / c": (lambda x, c: x / c, reals(-10, 10), nonzero(0.25, 10)),
    "c / x": (lambda x, c: c / x, nonzero(0.25, 10), reals(-10, 10)),
    "c ** x": (lambda x, c: c**x, reals(-4, 4), reals(0.1, 5)),
    "x ** c": (lambda x, c: x**c, reals(0.2, 4), reals(-3, 3)),
    "leaky_relu(k)": (lambda x, k: x.leaky_relu(k), away_from([0.0], -10, 10), reals(0.0, 0.99)),
    "elu(alpha)": (lambda x, alpha: x.elu(alpha), away_from([0.0], -10, 10), reals(0.1, 3)),
}


@pytest.mark.parametrize("name", list(CONSTANT_CASES))
@given(data=st.data())
def test_op_with_constant_matches_numeric_gradient(name, data):
    f, dom_x, dom_c = CONSTANT_CASES[name]
    x, c = data.draw(dom_x, label="x"), data.draw(dom_c, label="c")
    out = check_against_numeric(lambda v: f(v, c), x)
    assert out.parents and len(out.parents) == 1, "a number operand is a constant, not a node"


@given(
    n=st.integers(1, 6),
    data=st.data(),
)
def test_weighted_sum_matches_numeric_and_hand_gradients(n, data):
    ws = data.draw(st.lists(reals(-5, 5), min_size=n, max_size=n), label="w")
    xs = data.draw(st.lists(reals(-5, 5), min_size=n, max_size=n), label="x")
    x_is_value = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="x is a Value")
    has_bias = data.draw(st.booleans(), label="bias")
    b = data.draw(reals(-5, 5), label="b")
    n_x = sum(x_is_value)

    def f(*leaves):
        w_nodes, x_nodes = leaves[:n], iter(leaves[n : n + n_x])
        inputs = [next(x_nodes) if is_value else x for x, is_value in zip(xs, x_is_value)]
        return weighted_sum(w_nodes, inputs, leaves[-1] if has_bias else None)

    data_in = [*ws, *(x for x, v in zip(xs, x_is_value) if v), *([b] if has_bias else [])]
    out = check_against_numeric(f, *data_in)
    expected = sum(w * x for w, x in zip(ws, xs)) + (b if has_bias else 0.0)
    assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert out.op == "weighted_sum" and len(out.parents) == n + n_x + has_bias, "one node, one edge per Value"

    # By hand: ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1 — exactly.
    leaves = [Value(d) for d in data_in]
    f(*leaves).backward()
    assert [w.grad for w in leaves[:n]] == xs
    assert [x.grad for x in leaves[n : n + n_x]] == [w for w, v in zip(ws, x_is_value) if v]
    if has_bias:
        assert leaves[-1].grad == 1.0


def test_weighted_sum_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        weighted_sum([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_integer_and_numpy_operands_are_constants():
    x = Value(3.0)
    for out, expected in [
        (x + 1, 4.0),
        (2 * x, 6.0),
        (np.float64(2.0) * x, 6.0),
        (x * np.int64(2), 6.0),
        (np.float32(0.5) + x, 3.5),
        (x ** np.int64(2), 9.0),
        (np.float64(2.0) ** x, 8.0),
    ]:
        assert isinstance(out, Value) and type(out.data) is float and out.data == expected
        assert out.parents == (x,)
    assert Value(1).data == 1.0 and type(Value(1).data) is float


def test_local_grads_are_stored_on_the_edges():
    x, y = Value(2.0), Value(-3.0)
    z = x * y
    assert z.op == "mul" and z.parents == (x, y) and z.local_grads == (-3.0, 2.0)
    s = x.sigmoid()
    assert s.local_grads == (s.data * (1 - s.data),)
    c = 5.0 - x
    assert c.parents == (x,) and c.local_grads == (-1.0,) and c.const == (0, 5.0)
    assert x.is_leaf and x.op == "" and not z.is_leaf


# ---- hand-derived values ---------------------------------------------------------------------------------------


@given(z=reals(-30, 30))
def test_sigmoid_derivative_is_sigma_times_one_minus_sigma(z):
    s, ds = grad_of(lambda v: v.sigmoid(), z)
    assert 0.0 < s < 1.0
    assert s == pytest.approx(sigmoid_ref(z), rel=1e-14)
    assert ds == s * (1 - s)  # σ'(z) = σ(z)(1 − σ(z)), the same floating-point expression


@given(z=reals(-20, 20))
def test_tanh_is_two_sigmoid_two_z_minus_one(z):
    t, dt = grad_of(lambda v: v.tanh(), z)
    u, du = grad_of(lambda v: 2 * (2 * v).sigmoid() - 1, z)
    assert t == pytest.approx(u, rel=1e-12, abs=1e-15)
    assert dt == pytest.approx(du, rel=1e-12, abs=1e-15)
    assert dt == 1 - t * t  # tanh'(z) = 1 − tanh²(z)
    s2 = sigmoid_ref(2 * z)
    assert du == pytest.approx(4 * s2 * (1 - s2), rel=1e-12, abs=1e-15)  # d/dz [2σ(2z) − 1] = 4σ'(2z)


def _neuron_by_hand():
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    z = w1 * x1 + w2 * x2 + b
    s = 1.0 / (1.0 + math.exp(-z))
    ds = s * (1 - s)
    grads = {"x1": ds * w1, "x2": ds * w2, "w1": ds * x1, "w2": ds * x2, "b": ds}
    return (x1, x2, w1, w2, b), s, grads


@pytest.mark.parametrize("form", ["operators", "weighted_sum"])
def test_one_sigmoid_neuron_by_hand(form):
    """The notes' §1 unit a = σ(w₁x₁ + w₂x₂ + b): ∂a/∂wᵢ = σ'(z)·xᵢ, ∂a/∂xᵢ = σ'(z)·wᵢ, ∂a/∂b = σ'(z)."""
    (x1, x2, w1, w2, b), a_expected, expected = _neuron_by_hand()
    v = {k: Value(d, k) for k, d in zip(["x1", "x2", "w1", "w2", "b"], [x1, x2, w1, w2, b])}
    if form == "operators":
        a = (v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"]).sigmoid()
    else:
        a = weighted_sum([v["w1"], v["w2"]], [v["x1"], v["x2"]], v["b"]).sigmoid()
    a.backward()
    assert a.data == a_expected
    assert a.data == pytest.approx(1 / (1 + math.exp(-0.8813735870195432)), rel=1e-15)
    assert {k: node.grad for k, node in v.items()} == expected
    # z = 0.88137…: σ(z) = 0.7071…, so ∂a/∂w₁ = 2·σ'(z) = 0.41421…
    assert v["w1"].grad == pytest.approx(2 * a_expected * (1 - a_expected))
    assert v["w1"].grad == pytest.approx(0.41421356, abs=1e-8)


def test_docstring_neuron():
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(1.0, "b")
    a = (w * x + b).sigmoid()
    a.backward()
    s = sigmoid_ref(-5.0)
    assert w.grad == s * (1 - s) * 2.0 and b.grad == s * (1 - s) and x.grad == s * (1 - s) * -3.0


@given(base=reals(0.05, 10), exponent=reals(-4, 4))
def test_pow_gradient_wrt_exponent_is_out_times_log_base(base, exponent):
    v, w = Value(base), Value(exponent)
    out = v**w
    out.backward()
    assert out.data == math.pow(base, exponent)
    assert w.grad == out.data * math.log(base)
    assert v.grad == exponent * math.pow(base, exponent - 1)


@given(x=reals(-20, 20))
def test_two_to_the_x(x):
    v = Value(x)
    out = 2**v
    out.backward()
    assert out.data == 2.0**x
    assert v.grad == out.data * math.log(2.0)
    assert out.parents == (v,) and out.const == (0, 2.0)


def test_pow_with_negative_base():
    v, w = Value(-2.0), Value(3.0)
    out = v**w
    out.backward()
    assert out.data == -8.0
    assert v.grad == 12.0  # b·aᵇ⁻¹ is fine for a < 0
    assert math.isnan(w.grad)  # aᵇ·ln a: nan for a negative base, as PyTorch
    frac = Value(-8.0) ** Value(1 / 3)
    assert math.isnan(frac.data)
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)


def test_pow_with_zero_base_has_zero_exponent_gradient():
    v, w = Value(0.0), Value(2.0)
    out = v**w
    out.backward()
    assert out.data == 0.0 and v.grad == 0.0 and w.grad == 0.0


def test_pow_zero_exponent():
    x = Value(0.0)
    out = x**0
    out.backward()
    assert out.data == 1.0 and x.grad == 0.0


# ---- PyTorch's conventions at the kinks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, x, value, grad",
    [
        (lambda v: v.relu(), 0.0, 0.0, 0.0),
        (lambda v: v.relu(), -0.0, 0.0, 0.0),
        (lambda v: abs(v), 0.0, 0.0, 0.0),
        (lambda v: abs(v), -0.0, 0.0, 0.0),
        (lambda v: v.abs(), 0.0, 0.0, 0.0),
        (lambda v: v.hardtanh(), 1.0, 1.0, 0.0),
        (lambda v: v.hardtanh(), -1.0, -1.0, 0.0),
        (lambda v: v.leaky_relu(), 0.0, 0.0, 0.01),
        (lambda v: v.leaky_relu(0.2), 0.0, 0.0, 0.2),
        (lambda v: v.elu(), 0.0, 0.0, 1.0),
        (lambda v: v.elu(2.0), 0.0, 0.0, 2.0),
        (lambda v: v.softsign(), 0.0, 0.0, 1.0),
    ],
    ids=[
        "relu(0)",
        "relu(-0)",
        "abs(0)",
        "abs(-0)",
        "abs method(0)",
        "hardtanh(1)",
        "hardtanh(-1)",
        "leaky(0)",
        "leaky0.2(0)",
        "elu(0)",
        "elu2(0)",
        "softsign(0)",
    ],
)
def test_value_and_gradient_at_kinks(f, x, value, grad):
    out, g = grad_of(f, x)
    assert out == value and g == grad


@given(x=away_from([0.0], -50, 50, gap=1e-9), k=reals(0.0, 0.99))
def test_piecewise_derivatives_by_hand(x, k):
    assert grad_of(lambda v: v.relu(), x)[1] == (1.0 if x > 0 else 0.0)
    assert grad_of(lambda v: abs(v), x)[1] == (1.0 if x > 0 else -1.0)
    assert grad_of(lambda v: v.leaky_relu(k), x) == ((x, 1.0) if x > 0 else (k * x, k))
    assert grad_of(lambda v: v.hardtanh(), x)[1] == (1.0 if -1 < x < 1 else 0.0)
    assert grad_of(lambda v: v.softsign(), x)[1] == pytest.approx(1 / (1 + abs(x)) ** 2, rel=1e-14)
    y, dy = grad_of(lambda v: v.elu(1.5), x)
    if x > 0:
        assert (y, dy) == (x, 1.0)
    else:
        assert y == pytest.approx(1.5 * math.expm1(x), rel=1e-14)
        assert dy == pytest.approx(1.5 * math.exp(x), rel=1e-12)  # ELU'(z) = α·eᶻ = ELU(z) + α


# ---- numerical stability and IEEE edge cases -----------------------------------------------------------------

STABLE = {
    "sigmoid": (lambda v: v.sigmoid(), 0.0, 1.0),
    "tanh": (lambda v: v.tanh(), -1.0, 1.0),
    "elu": (lambda v: v.elu(), -1.0, math.inf),
    "elu(2)": (lambda v: v.elu(2.0), -2.0, math.inf),
    "softsign": (lambda v: v.softsign(), -1.0, 1.0),
}
EXTREMES = [-1e3, -746.0, -745.0, -710.0, -709.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 709.0, 710.0, 745.0, 1e3]


def _checked(f, z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, dy = grad_of(f, z)
    assert not math.isnan(y) and not math.isnan(dy), (y, dy)
    assert math.isfinite(y) and math.isfinite(dy), (y, dy)
    return y, dy


@pytest.mark.parametrize("name", list(STABLE))
@pytest.mark.parametrize("z", EXTREMES)
def test_activations_are_stable_at_extremes(name, z):
    f, lo, hi = STABLE[name]
    y, dy = _checked(f, z)
    assert lo <= y <= hi and dy >= 0.0


@pytest.mark.parametrize("name", list(STABLE))
@given(z=reals(-1e3, 1e3))
def test_activations_are_stable_everywhere_up_to_1e3(name, z):
    f, lo, hi = STABLE[name]
    y, dy = _checked(f, z)
    assert lo <= y <= hi and dy >= 0.0


def test_sigmoid_tails_are_accurate_not_just_finite():
    for z in (-700.0, -100.0, -40.0):
        assert Value(z).sigmoid().data == pytest.approx(math.exp(z), rel=1e-12)
        assert Value(-z).sigmoid().data == 1.0
    assert Value(-1e3).sigmoid().data == 0.0
    assert grad_of(lambda v: v.sigmoid(), 1e3)[1] == 0.0
    assert grad_of(lambda v: v.sigmoid(), -1e3)[1] == 0.0


def _no_warnings(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return grad_of(f, x)


def test_exp_overflows_to_inf_without_warning():
    assert _no_warnings(lambda v: v.exp(), 1000.0) == (math.inf, math.inf)
    assert _no_warnings(lambda v: v.exp(), -1000.0) == (0.0, 0.0)


def test_log_of_zero_is_minus_inf_and_log_of_negative_is_nan():
    assert _no_warnings(lambda v: v.log(), 0.0) == (-math.inf, math.inf)
    y, dy = _no_warnings(lambda v: v.log(), -1.0)
    assert math.isnan(y) and dy == -1.0


def test_ieee_results_instead_of_exceptions():
    assert _no_warnings(lambda v: v.sqrt(), 0.0) == (0.0, math.inf)
    assert math.isnan(_no_warnings(lambda v: v.sqrt(), -1.0)[0])
    assert _no_warnings(lambda v: 1 / v, 0.0)[0] == math.inf
    assert _no_warnings(lambda v: v / 0, 1.0)[0] == math.inf
    assert _no_warnings(lambda v: v**-1, 0.0)[0] == math.inf
    assert _no_warnings(lambda v: v**400, 10.0) == (math.inf, math.inf)
    assert _no_warnings(lambda v: v**0.5, 0.0) == (0.0, math.inf)


# ---- bad operands ---------------------------------------------------------------------------------------------

BAD_OPERANDS = ["a", None, [1.0]]
OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "+=": operator.iadd,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _snapshot(v):
    return (v.op, v.parents, v.local_grads, v.const, v.data, v.grad, v.label, [id(n) for n in topological_order(v)])


def _assert_rejected(call, bad, v):
    before, count = _snapshot(v), live_values()
    with pytest.raises(TypeError, match=re.escape(type(bad).__name__)):
        call()
    assert _snapshot(v) == before, "a rejected operation must not touch its operand's graph"
    assert live_values() == count, "a rejected operation must not create a node"


@pytest.fixture
def operand():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    return a, b, a * b + 1


@pytest.mark.parametrize("bad", BAD_OPERANDS, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("op", list(OPERATORS))
@pytest.mark.parametrize("side", ["left", "right"])
def test_bad_operand_raises_type_error_naming_the_type(op, side, bad, operand):
    a, b, v = operand
    fn = OPERATORS[op]
    _assert_rejected((lambda: fn(v, bad)) if side == "left" else (lambda: fn(bad, v)), bad, v)
    v.backward()  # the graph still works and is unchanged
    assert (a.grad, b.grad) == (-3.0, 2.0)


@pytest.mark.parametrize("bad", BAD_OPERANDS, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize(
    "call",
    [
        lambda v, bad: v.leaky_relu(bad),
        lambda v, bad: v.elu(bad),
        lambda v, bad: weighted_sum([v], [bad]),
        lambda v, bad: weighted_sum([bad], [v]),
        lambda v, bad: weighted_sum([v, bad], [1.0, 2.0]),
        lambda v, bad: Value(bad),
    ],
    ids=["leaky_relu(k)", "elu(alpha)", "weighted_sum input", "weighted_sum weight", "weighted_sum 2nd", "Value()"],
)
def test_bad_argument_raises_type_error(call, bad, operand):
    _, _, v = operand
    _assert_rejected(lambda: call(v, bad), bad, v)


def test_bad_bias_raises_type_error(operand):
    _, _, v = operand
    _assert_rejected(lambda: weighted_sum([v], [1.0], bias="b"), "b", v)


def test_value_rejects_a_value_and_a_bad_label():
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)


# ---- comparisons keep Value hashable and nodes distinct -------------------------------------------------------


def test_comparisons_compare_data():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a <= 1.0 and a >= 1 and a < 1.5 and 3 > a
    assert not (a > b) and not (b < a)
    assert isinstance(a < b, bool)
    assert sorted([b, a]) == [a, b] and max([a, b]) is b


def test_comparisons_keep_value_hashable_and_identity_equal():
    a, twin = Value(1.0), Value(1.0)
    assert isinstance(hash(a), int) and hash(a) == hash(a)
    assert len({a, twin}) == 2, "equal data, distinct nodes"
    assert {a: "a", twin: "twin"}[twin] == "twin"
    assert a == a and a != twin
    assert not (a == 1.0)
    out = a * twin
    out.backward()
    assert len(topological_order(out)) == 3
    assert (a.grad, twin.grad) == (1.0, 1.0)


def test_repr_label_and_float():
    x = Value(2.5, "x")
    assert x.label == "x" and float(x) == 2.5 and x.item() == 2.5
    assert "2.5" in repr(x) and "'x'" in repr(x)


@pytest.mark.parametrize(
    "make, what",
    [
        (lambda: Value(10**400), r"Value\(data\)"),
        (lambda: Value(1.0) + 10**400, r"operand of \+"),
        (lambda: 10**400 * Value(1.0), r"operand of ×"),
    ],
    ids=["Value(10**400)", "Value + 10**400", "10**400 * Value"],
)
def test_an_int_beyond_a_float_is_an_overflow_naming_the_argument(make, what):
    with pytest.raises(OverflowError, match=what + r".*401 digits.*too large for a float"):
        make()


def test_a_python_bool_is_a_number_on_both_engines():
    # PyTorch's rule, for Value and Tensor alike: True is 1 and False is 0 in arithmetic
    from autodiff import Tensor

    assert (Value(2.0) + True).data == 3.0 and (Value(2.0) * False).data == 0.0
    assert (Tensor([2.0]) + True).data.tolist() == [3.0]
    assert (True - Tensor([2.0])).data.tolist() == [-1.0]
    assert (Tensor(np.ones(2, np.float32)) * True).dtype == np.float32


def test_nodes_baking_in_the_same_number_share_its_pair_but_keep_zero_signs_and_nan():
    x = Value(3.0)
    a, b = x * 1.0001, (x + 1.0) * 1.0001
    assert a.const == (1, 1.0001) and a._const is b._const  # one tuple for every `* 1.0001` node
    assert (2.0 - x).const == (0, 2.0) and (x - 2.0).const == (1, 2.0)  # the position is part of the pair
    plus, minus = x * 0.0, x * -0.0
    assert math.copysign(1, plus.const[1]) == 1 and math.copysign(1, minus.const[1]) == -1
    assert math.copysign(1, minus._g0) == -1
    assert math.isnan((x * math.nan).const[1])

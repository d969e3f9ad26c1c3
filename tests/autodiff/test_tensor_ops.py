"""Every ``Tensor`` operation and broadcasting pattern, checked against two independent oracles.

For each op, on Hypothesis-drawn shapes (0-D to 4-D) and broadcasting pairs, with values from the op's safe
domain (away from kinks, ties and singularities), the forward value is compared with numpy and the gradient of
``out.backward(G)`` for a random upstream gradient ``G`` is compared with

* ``autodiff.numerical_grad`` of ``sum(op(x) * G)`` (centered differences, float64), and
* HIPS ``autograd``'s vector-Jacobian product of the same function written with ``autograd.numpy``.

Every check also asserts that neither the op nor its backward pass modified the inputs' arrays. Dedicated tests
pin the tie rules (max/min share evenly among ties; maximum/minimum split evenly on equal inputs).
"""

import operator

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff
from autodiff import Tensor

FEW = settings(max_examples=25)
FEWER = settings(max_examples=10)

AUTOGRAD_RTOL, AUTOGRAD_ATOL = 1e-10, 1e-12  # two analytic gradients: agree to round-off
NUMERIC_RTOL, NUMERIC_ATOL = 1e-5, 1e-6  # centered differences with eps = 1e-6

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)
nonempty_dims = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=3)
seeds = st.integers(0, 2**32 - 1)

# the named broadcasting patterns, in both orders
NAMED_PAIRS = [((3, 1), (4,)), ((), (2, 3)), ((2, 1, 4), (3, 1)), ((4,), (3, 1)), ((2, 3), ()), ((3, 1), (2, 1, 4))]


# ---- values in safe domains ----------------------------------------------------------------------------------


def values(domain, rng, shape):
    """float64 values of ``shape`` in the named domain."""
    shape = tuple(shape)
    if domain == "smooth":
        x = rng.uniform(-2.0, 2.0, shape)
    elif domain == "positive":  # log, sqrt, base of a real power, denominators
        x = rng.uniform(0.5, 2.0, shape)
    elif domain == "nonzero":  # denominators of either sign
        x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)
    elif domain == "away0":  # relu, abs, leaky_relu, elu: kink at 0
        x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)
    elif domain == "away_pm1":  # hardtanh: kinks at ±1 (and 0 is harmless)
        x = rng.choice([-1.0, 1.0], shape) * (rng.choice([0.5, 1.5], shape) + rng.uniform(-0.4, 0.4, shape))
    elif domain == "distinct":  # max/min: no ties anywhere, gaps ≥ 0.3
        n = int(np.prod(shape))
        x = ((rng.permutation(n) - n / 2) * 0.5 + rng.uniform(-0.1, 0.1, n)).reshape(shape)
    else:
        raise ValueError(domain)
    return np.asarray(x, dtype=np.float64)


# ---- the two-oracle check ------------------------------------------------------------------------------------


def check(op, ref, inputs, rng, *, forward_rtol=1e-12, numeric=True):
    """``op`` on Tensors and ``ref`` on autograd arrays are the same function of ``inputs`` (float64 arrays).

    Checks the forward value, then the backward pass with a random upstream gradient against autograd's VJP and
    against centered differences; and that the inputs' arrays are untouched. Returns the engine's gradients.
    """
    originals = [np.array(a, copy=True) for a in inputs]
    leaves = [Tensor(a, requires_grad=True) for a in inputs]
    out = op(*leaves)
    assert isinstance(out, Tensor)
    expected = np.asarray(ref(*inputs))
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=forward_rtol, atol=1e-12)
    assert out.requires_grad

    g = rng.standard_normal(out.shape)
    g_copy = g.copy()
    out.backward(g)
    assert np.array_equal(g, g_copy), "backward(g) modified g"
    grads = [leaf.grad for leaf in leaves]
    for leaf, grad in zip(leaves, grads):
        assert isinstance(grad, np.ndarray), "a leaf the pass reached has no .grad"
        assert grad.shape == leaf.shape and grad.dtype == np.float64

    for i, grad in enumerate(grads):
        vjp, _ = autograd.make_vjp(ref, argnum=i)(*inputs)
        oracle = vjp(g)
        np.testing.assert_allclose(grad, oracle, rtol=AUTOGRAD_RTOL, atol=AUTOGRAD_ATOL, err_msg=f"input {i}: autograd")

    if numeric:  # (not at ties: there the function has no derivative, only a convention)
        nums = autodiff.numerical_grad(lambda *ts: (op(*ts) * Tensor(g)).sum(), leaves)
        for i, (grad, num) in enumerate(zip(grads, nums)):
            np.testing.assert_allclose(grad, num, rtol=NUMERIC_RTOL, atol=NUMERIC_ATOL, err_msg=f"input {i}: numeric")

    for i, (leaf, a, original) in enumerate(zip(leaves, inputs, originals)):
        assert np.array_equal(leaf.data, original), f"input {i}: the op or its backward changed the tensor's data"
        assert np.array_equal(a, original), f"input {i}: the array given to Tensor() was changed"
    return grads


# ---- + - * / ** between two tensors, with broadcasting --------------------------------------------------------

BINARY = {
    "add": (operator.add, "smooth", "smooth"),
    "sub": (operator.sub, "smooth", "smooth"),
    "mul": (operator.mul, "smooth", "smooth"),
    "div": (operator.truediv, "smooth", "nonzero"),
    "pow": (operator.pow, "positive", "smooth"),  # Tensor ** Tensor with a positive base
}


@pytest.mark.parametrize("name", BINARY)
@FEW
@given(shapes=pairs, seed=seeds)
def test_binary_tensor_tensor_broadcasting(name, shapes, seed):
    fn, dom_a, dom_b = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = values(dom_a, rng, shapes.input_shapes[0]), values(dom_b, rng, shapes.input_shapes[1])
    check(fn, fn, [a, b], rng)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shape_a, shape_b", NAMED_PAIRS)
def test_binary_named_broadcasting_patterns(name, shape_a, shape_b):
    fn, dom_a, dom_b = BINARY[name]
    rng = np.random.default_rng(7)
    a, b = values(dom_a, rng, shape_a), values(dom_b, rng, shape_b)
    grad_a, grad_b = check(fn, fn, [a, b], rng)
    assert grad_a.shape == shape_a and grad_b.shape == shape_b


def test_broadcast_gradient_is_summed_back_exactly():
    """(3,1) * (4,): ∂/∂a is Σ over the stretched axis of g·b, ∂/∂b is Σ over the added/stretched axis of g·a."""
    a = Tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    b = Tensor([1.0, 10.0, 100.0, 1000.0], requires_grad=True)
    g = np.arange(12.0).reshape(3, 4)
    (a * b).backward(g)
    np.testing.assert_array_equal(a.grad, (g * b.data).sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(b.grad, (g * a.data).sum(axis=0))
    s = Tensor(2.0, requires_grad=True)
    m = Tensor(np.ones((2, 3)), requires_grad=True)
    (s * m).backward(np.full((2, 3), 0.5))
    assert s.grad.shape == () and s.grad == 3.0
    np.testing.assert_array_equal(m.grad, np.full((2, 3), 1.0))


# ---- a constant (Python number, numpy scalar, numpy array) on either side ---------------------------------------


def _constant(kind, domain, rng, shape):
    data = values(domain, rng, shape)
    if kind == "python":
        return float(data.reshape(-1)[0])
    if kind == "numpy_scalar":
        return np.float64(data.reshape(-1)[0])
    if kind == "numpy_float32":
        return np.float32(data.reshape(-1)[0])
    if kind == "int":
        return int(np.ceil(abs(data.reshape(-1)[0])))  # a positive Python int
    if kind == "numpy_int":
        return np.int64(np.ceil(abs(data.reshape(-1)[0])))
    return data  # "ndarray": a constant array, broadcast against the tensor


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("kind", ["python", "numpy_scalar", "int", "numpy_int", "ndarray"])
@pytest.mark.parametrize("side", ["tensor_left", "tensor_right"])
@FEWER
@given(shapes=pairs, seed=seeds)
def test_binary_with_constant_operand(name, kind, side, shapes, seed):
    fn, dom_a, dom_b = BINARY[name]
    rng = np.random.default_rng(seed)
    shape_t, shape_c = shapes.input_shapes
    if side == "tensor_left":
        x = values(dom_a, rng, shape_t)
        c = _constant(kind, dom_b, rng, shape_c)
        grads = check(lambda t: fn(t, c), lambda t: fn(t, c), [x], rng)
    else:
        x = values(dom_b, rng, shape_t)
        c = _constant(kind, dom_a, rng, shape_c)
        grads = check(lambda t: fn(c, t), lambda t: fn(c, t), [x], rng)
    assert grads[0].shape == shape_t


@pytest.mark.parametrize(
    "expr",
    [
        "t + c",
        "c + t",
        "t - c",
        "c - t",
        "t * c",
        "c * t",
        "c / t",
        "t ** c",
        "t / c",
        "c ** t",
    ],
)
def test_numpy_float32_scalar_constant_in_a_float64_graph(expr):
    """The constant c = np.float32(0.7) is exactly the float64 number float(c); the float64 tensor's output and
    gradient must be those of float(c), to float64 precision (autograd's own VJPs round some of these to float32,
    so the oracle here is autograd with the Python float)."""
    c = np.float32(0.7)
    x = np.array([1.3, 0.6, 1.9])
    g = np.array([1.0, -2.0, 0.5])
    t = Tensor(x, requires_grad=True)
    out = eval(expr, {"t": t, "c": c})
    out.backward(g)
    assert out.dtype == np.float64

    def ref(a):
        return eval(expr, {"t": a, "c": float(c)})

    np.testing.assert_allclose(out.data, ref(x), rtol=1e-15, atol=0)
    vjp, _ = autograd.make_vjp(ref)(x)
    np.testing.assert_allclose(t.grad, vjp(g), rtol=1e-14, atol=0)


@pytest.mark.parametrize("p", [0, 1, 2, 3, -1, 0.5, -1.5, 2.5, np.float64(1.5), np.int64(2)])
@FEWER
@given(shape=shapes, seed=seeds)
def test_pow_constant_exponent_positive_base(p, shape, seed):
    rng = np.random.default_rng(seed)
    check(lambda t: t**p, lambda t: t**p, [values("positive", rng, shape)], rng)


@pytest.mark.parametrize("p", [2, 3, -1])
@FEWER
@given(shape=shapes, seed=seeds)
def test_pow_integer_exponent_any_sign_base(p, shape, seed):
    rng = np.random.default_rng(seed)
    check(lambda t: t**p, lambda t: t**p, [values("nonzero", rng, shape)], rng)


def test_pow_zero_exponent_has_zero_gradient():
    x = Tensor([0.5, 2.0, -3.0], requires_grad=True)
    y = x**0
    np.testing.assert_array_equal(y.data, [1.0, 1.0, 1.0])
    y.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


# ---- unary minus, abs and the elementwise functions shared with Value ------------------------------------------


def _sigmoid(a):
    return 1.0 / (1.0 + anp.exp(-a))


UNARY = {
    "neg": (lambda t: -t, lambda a: -a, "smooth"),
    "abs()": (abs, anp.abs, "away0"),
    "abs": (lambda t: t.abs(), anp.abs, "away0"),
    "exp": (lambda t: t.exp(), anp.exp, "smooth"),
    "log": (lambda t: t.log(), anp.log, "positive"),
    "sqrt": (lambda t: t.sqrt(), anp.sqrt, "positive"),
    "tanh": (lambda t: t.tanh(), anp.tanh, "smooth"),
    "sigmoid": (lambda t: t.sigmoid(), _sigmoid, "smooth"),
    "relu": (lambda t: t.relu(), lambda a: anp.where(a > 0, a, 0.0), "away0"),
    "leaky_relu": (lambda t: t.leaky_relu(), lambda a: anp.where(a > 0, a, 0.01 * a), "away0"),
    "leaky_relu(0.2)": (lambda t: t.leaky_relu(0.2), lambda a: anp.where(a > 0, a, 0.2 * a), "away0"),
    "elu": (lambda t: t.elu(), lambda a: anp.where(a > 0, a, anp.exp(a) - 1.0), "away0"),
    "elu(0.5)": (lambda t: t.elu(0.5), lambda a: anp.where(a > 0, a, 0.5 * (anp.exp(a) - 1.0)), "away0"),
    "hardtanh": (lambda t: t.hardtanh(), lambda a: anp.clip(a, -1.0, 1.0), "away_pm1"),
    "softsign": (lambda t: t.softsign(), lambda a: a / (1.0 + anp.abs(a)), "smooth"),
}


@pytest.mark.parametrize("name", UNARY)
@FEW
@given(shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    op, ref, domain = UNARY[name]
    rng = np.random.default_rng(seed)
    check(op, ref, [values(domain, rng, shape)], rng)


@pytest.mark.parametrize(
    "name, x, expected",
    [
        ("relu", [-2.0, 0.0, 3.0], [0.0, 0.0, 1.0]),  # relu'(0) = 0
        ("abs", [-2.0, 0.0, 3.0], [-1.0, 0.0, 1.0]),  # |x|'(0) = 0
        ("leaky_relu", [-2.0, 0.0, 3.0], [0.01, 0.01, 1.0]),  # leaky'(0) = k
        ("hardtanh", [-1.0, -0.5, 1.0, 2.0], [0.0, 1.0, 0.0, 0.0]),  # hardtanh'(±1) = 0
    ],
)
def test_derivative_at_kinks_follows_pytorch(name, x, expected):
    t = Tensor(x, requires_grad=True)
    getattr(t, name)().backward(np.ones(len(x)))
    np.testing.assert_array_equal(t.grad, expected)


# ---- matmul in all its forms ------------------------------------------------------------------------------------


@st.composite
def matmul_shapes(draw, form):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, min_side=1, max_side=3))
    batch_a, batch_b = batch.input_shapes
    return {
        "1d@1d": ((k,), (k,)),
        "2d@1d": ((n, k), (k,)),
        "1d@2d": ((k,), (k, m)),
        "2d@2d": ((n, k), (k, m)),
        "nd@nd": ((*batch_a, n, k), (*batch_b, k, m)),  # batched, batch dims broadcast
        "nd@2d": ((*batch_a, n, k), (k, m)),
        "2d@nd": ((n, k), (*batch_b, k, m)),
        "nd@1d": ((*batch_a, n, k), (k,)),
        "1d@nd": ((k,), (*batch_b, k, m)),
    }[form]


MATMUL_FORMS = ["1d@1d", "2d@1d", "1d@2d", "2d@2d", "nd@nd", "nd@2d", "2d@nd", "nd@1d", "1d@nd"]


@pytest.mark.parametrize("form", MATMUL_FORMS)
@FEW
@given(data=st.data(), seed=seeds)
def test_matmul_forms(form, data, seed):
    shape_a, shape_b = data.draw(matmul_shapes(form))
    rng = np.random.default_rng(seed)
    a, b = values("smooth", rng, shape_a), values("smooth", rng, shape_b)
    grad_a, grad_b = check(operator.matmul, anp.matmul, [a, b], rng)
    assert grad_a.shape == shape_a and grad_b.shape == shape_b


@pytest.mark.parametrize("form", ["2d@2d", "nd@nd", "1d@2d", "2d@1d"])
@FEWER
@given(data=st.data(), seed=seeds)
def test_matmul_with_constant_array_and_function_form(form, data, seed):
    shape_a, shape_b = data.draw(matmul_shapes(form))
    rng = np.random.default_rng(seed)
    a, b = values("smooth", rng, shape_a), values("smooth", rng, shape_b)
    check(lambda t: t @ b, lambda t: anp.matmul(t, b), [a], rng)  # Tensor @ ndarray
    check(lambda t: a @ t, lambda t: anp.matmul(a, t), [b], rng)  # ndarray @ Tensor (__rmatmul__)
    check(autodiff.matmul, anp.matmul, [a, b], rng)


def test_matmul_is_the_outer_product_rule():
    """z = W x: ∇_W = δ xᵀ and ∇_x = Wᵀ δ, exactly as the notes write them."""
    rng = np.random.default_rng(0)
    W, x, delta = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(3)
    Wt, xt = Tensor(W, requires_grad=True), Tensor(x, requires_grad=True)
    (Wt @ xt).backward(delta)
    np.testing.assert_allclose(Wt.grad, np.outer(delta, x), rtol=0, atol=1e-15)
    np.testing.assert_allclose(xt.grad, W.T @ delta, rtol=0, atol=1e-15)


# ---- reductions -------------------------------------------------------------------------------------------------


@st.composite
def axis_specs(draw, ndim, allow_none=True):
    """None, an int (possibly negative) or a tuple of distinct axes (possibly negative)."""
    options = [st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1)]
    if allow_none:
        options.append(st.none())
    return draw(st.one_of(*options))


REDUCTIONS = {
    "sum": (lambda t, axis, keepdims: t.sum(axis=axis, keepdims=keepdims), anp.sum, "smooth"),
    "mean": (lambda t, axis, keepdims: t.mean(axis=axis, keepdims=keepdims), anp.mean, "smooth"),
    "amax": (lambda t, axis, keepdims: t.amax(axis=axis, keepdims=keepdims), anp.max, "distinct"),
    "amin": (lambda t, axis, keepdims: t.amin(dim=axis, keepdim=keepdims), anp.min, "distinct"),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("keepdims", [False, True])
@FEW
@given(data=st.data(), seed=seeds)
def test_reductions(name, keepdims, data, seed):
    op, ref, domain = REDUCTIONS[name]
    shape = data.draw(nonempty_dims)
    axis = data.draw(axis_specs(len(shape)))
    rng = np.random.default_rng(seed)
    check(
        lambda t: op(t, axis, keepdims),
        lambda a: ref(a, axis=axis, keepdims=keepdims),
        [values(domain, rng, shape)],
        rng,
    )


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_of_a_0d_tensor(name):
    op, ref, _ = REDUCTIONS[name]
    rng = np.random.default_rng(1)
    check(lambda t: op(t, None, False), lambda a: ref(a), [np.asarray(1.5)], rng)


def test_max_min_share_gradient_evenly_among_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, 0.0, -1.0]])
    for method, ref in (("amax", anp.max), ("amin", anp.min)):
        t = Tensor(x if method == "amax" else -x, requires_grad=True)
        getattr(t, method)(axis=1).backward(np.array([6.0, 6.0, 6.0]))
        expected = np.array([[0.0, 3.0, 3.0], [2.0, 2.0, 2.0], [6.0, 0.0, 0.0]])
        np.testing.assert_array_equal(t.grad, expected)
        vjp, _ = autograd.make_vjp(lambda a, ref=ref: ref(a, axis=1))(t.data)
        np.testing.assert_allclose(vjp(np.array([6.0, 6.0, 6.0])), expected, rtol=0, atol=1e-15)
    # over everything: the two tied maxima get half each
    t = Tensor(x, requires_grad=True)
    t.max().backward()
    np.testing.assert_array_equal(t.grad, np.where(x == 5.0, 1.0, 0.0))
    t = Tensor(np.array([[4.0, 1.0], [4.0, 4.0]]), requires_grad=True)
    t.amax(axis=(0, 1), keepdims=True).backward(np.array([[3.0]]))
    np.testing.assert_array_equal(t.grad, [[1.0, 0.0], [1.0, 1.0]])


def test_max_along_a_dim_sends_the_signal_to_the_index_it_picked():
    """PyTorch's max(dim)/min(dim): (values, indices); the first extreme is picked and alone gets the signal."""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, 0.0, -1.0]])
    t = Tensor(x, requires_grad=True)
    values, indices = t.max(1)
    assert values.requires_grad and not indices.requires_grad and indices.dtype == np.int64
    np.testing.assert_array_equal(values.data, [3.0, 2.0, 5.0])
    np.testing.assert_array_equal(indices.data, [1, 0, 0])  # torch.tensor(x).max(1).indices
    values.backward(np.array([6.0, 7.0, 8.0]))
    np.testing.assert_array_equal(t.grad, [[0.0, 6.0, 0.0], [7.0, 0.0, 0.0], [8.0, 0.0, 0.0]])
    lows = t.min(dim=0, keepdim=True)
    assert lows.values.shape == (1, 3) and lows.indices.shape == (1, 3)
    np.testing.assert_array_equal(lows.indices.data, [[0, 2, 2]])
    np.testing.assert_array_equal(t.argmax(1).data, [1, 0, 0])
    np.testing.assert_array_equal(t.argmin(dim=1, keepdim=True).data, [[0], [0], [2]])
    assert t.argmax().item() == 6 and t.argmin().item() == 8  # flattened, as torch


def test_maximum_minimum_split_evenly_on_equal_inputs():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([1.0, 5.0, 3.0, 0.0])
    g = np.array([2.0, 2.0, 4.0, 2.0])
    for fn, ref, winner_a in (
        (autodiff.maximum, anp.maximum, [1.0, 0.0, 1.0, 1.0]),
        (autodiff.minimum, anp.minimum, [1.0, 1.0, 1.0, 0.0]),
    ):
        ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        fn(ta, tb).backward(g)
        share_a = np.where(a == b, 0.5, winner_a)
        np.testing.assert_array_equal(ta.grad, g * share_a)
        np.testing.assert_array_equal(tb.grad, g * (1 - share_a))
        for argnum, mine in ((0, ta.grad), (1, tb.grad)):
            vjp, _ = autograd.make_vjp(ref, argnum=argnum)(a, b)
            np.testing.assert_allclose(mine, vjp(g), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("keepdims", [False, True])
@FEW
@given(data=st.data(), seed=seeds)
def test_max_min_with_many_ties_match_autograd(name, keepdims, data, seed):
    """Values from {−1, 0, 1}: ties everywhere. autograd shares among ties evenly too (PyTorch's rule)."""
    op, ref, _ = REDUCTIONS[name]
    shape = data.draw(nonempty_dims)
    axis = data.draw(axis_specs(len(shape)))
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, shape).astype(np.float64)
    grads = check(
        lambda t: op(t, axis, keepdims), lambda a: ref(a, axis=axis, keepdims=keepdims), [x], rng, numeric=False
    )
    out = op(Tensor(x), axis, keepdims)  # each reduced group's shares sum to its upstream signal
    ones = Tensor(x, requires_grad=True)
    op(ones, axis, keepdims).backward(np.ones(out.shape))
    np.testing.assert_allclose(ones.grad.sum(), out.data.size, rtol=1e-12)
    assert grads[0].shape == x.shape


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@FEW
@given(shapes=pairs, seed=seeds)
def test_maximum_minimum_with_many_ties_match_autograd(name, shapes, seed):
    fn, ref = getattr(autodiff, name), getattr(anp, name)
    rng = np.random.default_rng(seed)
    a, b = (rng.integers(-1, 2, s).astype(np.float64) for s in shapes.input_shapes)
    check(fn, ref, [a, b], rng, numeric=False)


# ---- shape operations -------------------------------------------------------------------------------------------


@FEW
@given(data=st.data(), seed=seeds)
def test_reshape(data, seed):
    shape = data.draw(shapes)
    size = int(np.prod(shape))
    target = data.draw(st.sampled_from([(size,), (-1,), (1, size), (size, 1), tuple(reversed(shape)), (1, *shape, 1)]))
    rng = np.random.default_rng(seed)
    as_tuple = data.draw(st.booleans())
    op = (lambda t: t.reshape(target)) if as_tuple else (lambda t: t.reshape(*target))
    check(op, lambda a: anp.reshape(a, target), [values("smooth", rng, shape)], rng)


@FEW
@given(data=st.data(), seed=seeds)
def test_transpose_and_permute(data, seed):
    shape = data.draw(shapes)
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    negative = tuple(p - len(shape) for p in perm)  # the same permutation written with negative axes
    rng = np.random.default_rng(seed)
    x = values("smooth", rng, shape)
    check(lambda t: t.permute(*perm), lambda a: anp.transpose(a, perm), [x], rng)
    check(lambda t: t.permute(perm), lambda a: anp.transpose(a, perm), [x], rng)
    check(lambda t: t.permute(*negative), lambda a: anp.transpose(a, perm), [x], rng)
    check(lambda t: t.T, lambda a: anp.transpose(a), [x], rng)
    if len(shape) >= 2:  # PyTorch's transpose(dim0, dim1) swaps two axes (numpy's swapaxes)
        i, j = data.draw(st.integers(0, len(shape) - 1)), data.draw(st.integers(-len(shape), -1))
        check(lambda t: t.transpose(i, j), lambda a: anp.swapaxes(a, i, j), [x], rng)


def test_transpose_of_a_matrix_swaps_its_axes_as_pytorch():
    """Regression: transpose(0, 1) on a 2-D tensor used to return it unchanged (numpy's axes semantics)."""
    W = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    for swapped in (W.transpose(0, 1), W.transpose(1, 0), W.transpose(-1, 0), W.t(), W.T):
        np.testing.assert_array_equal(swapped.data, [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    W.transpose(0, 1).backward(np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(W.grad, [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]])
    np.testing.assert_array_equal(W.transpose(0, 0).data, W.data)
    with pytest.raises(TypeError, match="use permute"):
        W.transpose((1, 0))
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        Tensor(np.ones((2, 2, 2))).t()


@FEW
@given(data=st.data(), seed=seeds)
def test_squeeze_unsqueeze_flatten(data, seed):
    base = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    ones_at = data.draw(st.lists(st.integers(0, len(base)), max_size=2))
    shape = list(base)
    for i in sorted(ones_at, reverse=True):
        shape.insert(i, 1)
    shape = tuple(shape)
    rng = np.random.default_rng(seed)
    x = values("smooth", rng, shape)
    check(lambda t: t.squeeze(), lambda a: anp.squeeze(a), [x], rng)
    unit_axes = [i for i, n in enumerate(shape) if n == 1]
    if unit_axes:
        axis = data.draw(st.sampled_from(unit_axes))
        axis = axis - len(shape) if data.draw(st.booleans()) else axis
        check(lambda t: t.squeeze(axis), lambda a: anp.squeeze(a, axis=axis), [x], rng)
        check(lambda t: t.squeeze(tuple(unit_axes)), lambda a: anp.squeeze(a, axis=tuple(unit_axes)), [x], rng)
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(lambda t: t.unsqueeze(new_axis), lambda a: anp.expand_dims(a, new_axis), [x], rng)
    check(lambda t: t.flatten(), lambda a: anp.reshape(a, -1), [x], rng)
    if len(shape) >= 2:
        start = data.draw(st.integers(0, len(shape) - 1))
        end = data.draw(st.integers(start, len(shape) - 1))
        flat = (*shape[:start], int(np.prod(shape[start : end + 1])), *shape[end + 1 :])
        check(lambda t: t.flatten(start, end), lambda a: anp.reshape(a, flat), [x], rng)
        check(lambda t: t.flatten(start, end - len(shape)), lambda a: anp.reshape(a, flat), [x], rng)


# ---- indexing ---------------------------------------------------------------------------------------------------


@FEW
@given(data=st.data(), seed=seeds)
def test_basic_indexing(data, seed):
    shape = data.draw(nonempty_dims)
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    rng = np.random.default_rng(seed)
    check(lambda t: t[index], lambda a: a[index], [values("smooth", rng, shape)], rng)


@FEW
@given(data=st.data(), seed=seeds)
def test_integer_array_indexing_with_repeats(data, seed):
    shape = data.draw(nonempty_dims)
    index = data.draw(
        hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))
    )
    rng = np.random.default_rng(seed)
    check(lambda t: t[index], lambda a: a[index], [values("smooth", rng, shape)], rng)


@FEW
@given(rows=st.lists(st.integers(-5, 4), min_size=1, max_size=12), seed=seeds)
def test_word_vector_lookup_accumulates_repeated_rows(rows, seed):
    """E[idx] with repeated idx: each row's gradient is the sum of the signals of every lookup of it."""
    rng = np.random.default_rng(seed)
    E = values("smooth", rng, (5, 3))
    for index in (rows, np.array(rows), Tensor(np.array(rows))):
        grad = check(lambda t, index=index: t[index], lambda a: a[np.array(rows)], [E], rng)[0]
        assert grad.shape == E.shape
    t = Tensor(E, requires_grad=True)
    g = rng.standard_normal((len(rows), 3))
    t[rows].backward(g)
    expected = np.zeros_like(E)
    for r, gr in zip(rows, g):
        expected[r] += gr
    np.testing.assert_allclose(t.grad, expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    "index",
    [
        ([0, 0, 2], slice(1, None)),  # integer array then a slice
        (slice(None), [1, 1, 0, 1]),  # slice then integer array
        (Ellipsis, [0, 0]),
        (np.array([[0, 1], [1, 1]]), np.array([[2, 2], [0, 2]])),  # 2-D index arrays, repeated pairs
        np.array([[True, False, True], [False, False, True], [True, True, True]]),  # boolean mask
        (1, [2, 2, 2]),
        (-1, -1),  # a single element
    ],
)
def test_mixed_indexing(index):
    rng = np.random.default_rng(3)
    x = values("smooth", rng, (3, 3))
    check(lambda t: t[index], lambda a: a[index], [x], rng)


# ---- concat and stack -------------------------------------------------------------------------------------------


@FEW
@given(data=st.data(), seed=seeds)
def test_concat(data, seed):
    base = data.draw(nonempty_dims)
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    rng = np.random.default_rng(seed)
    parts = []
    for n in sizes:
        shape = list(base)
        shape[axis] = n
        parts.append(values("smooth", rng, shape))
    grads = check(
        lambda *ts: autodiff.concat(list(ts), axis=axis), lambda *a: anp.concatenate(list(a), axis=axis), parts, rng
    )
    assert [g.shape for g in grads] == [p.shape for p in parts]


@FEW
@given(data=st.data(), seed=seeds)
def test_stack(data, seed):
    shape = data.draw(shapes)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    count = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(seed)
    parts = [values("smooth", rng, shape) for _ in range(count)]
    check(lambda *ts: autodiff.stack(ts, axis=axis), lambda *a: anp.stack(list(a), axis=axis), parts, rng)


def test_concat_and_stack_with_constant_parts():
    """numpy arrays and tensors without grad in the list are constants; the others get their slice."""
    rng = np.random.default_rng(12)
    a, c = values("smooth", rng, (2, 3)), values("smooth", rng, (2, 1))
    check(
        lambda t: autodiff.concat([c, t, Tensor(c)], axis=1),
        lambda x: anp.concatenate([c, x, c], axis=1),
        [a],
        rng,
    )
    check(lambda t: autodiff.stack([a, t], axis=-1), lambda x: anp.stack([a, x], axis=-1), [a], rng)


def test_concat_and_stack_with_the_same_tensor_twice_accumulate():
    x = Tensor([1.0, 2.0], requires_grad=True)
    autodiff.concat([x, x, x], axis=0).backward(np.arange(6.0))
    np.testing.assert_array_equal(x.grad, [0 + 2 + 4, 1 + 3 + 5])
    y = Tensor([1.0, 2.0], requires_grad=True)
    autodiff.stack([y, y], axis=1).backward(np.array([[1.0, 10.0], [100.0, 1000.0]]))
    np.testing.assert_array_equal(y.grad, [11.0, 1100.0])


# ---- maximum, minimum, where, clip ------------------------------------------------------------------------------


def _separated(rng, shape_a, shape_b):
    """a near ±0.5, ±1.5 and b near −1, 0, 1: |a − b| ≥ 0.1 under any broadcasting, both orders present."""
    a = rng.choice([-1.5, -0.5, 0.5, 1.5], shape_a) + rng.uniform(-0.2, 0.2, shape_a)
    b = rng.choice([-1.0, 0.0, 1.0], shape_b) + rng.uniform(-0.2, 0.2, shape_b)
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@FEW
@given(shapes=pairs, seed=seeds)
def test_maximum_minimum(name, shapes, seed):
    fn, ref = getattr(autodiff, name), getattr(anp, name)
    rng = np.random.default_rng(seed)
    a, b = _separated(rng, *shapes.input_shapes)
    check(fn, ref, [a, b], rng)
    check(lambda t: fn(t, 0.25), lambda x: ref(x, 0.25), [a], rng)  # a Python number on either side
    check(lambda t: fn(0.25, t), lambda x: ref(0.25, x), [b], rng)
    check(lambda t: fn(b, t), lambda x: ref(b, x), [a], rng)  # a constant array


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3), seed=seeds)
def test_where(shapes, seed):
    shape_c, shape_a, shape_b = shapes.input_shapes
    rng = np.random.default_rng(seed)
    cond = rng.random(shape_c) < 0.5
    a, b = values("smooth", rng, shape_a), values("smooth", rng, shape_b)
    # autograd's own `where` does not sum its gradient back over broadcast axes, so the oracle selects with
    # arithmetic instead: c·x + (1 − c)·y is exactly x or y for finite values, and autograd unbroadcasts it.
    c = cond.astype(np.float64)

    def select(x, y):
        return c * x + (1.0 - c) * y

    check(lambda x, y: autodiff.where(cond, x, y), select, [a, b], rng)
    check(lambda x: autodiff.where(Tensor(cond), x, 0.5), lambda x: select(x, 0.5), [a], rng)
    check(lambda y: autodiff.where(cond, -1.0, y), lambda y: select(-1.0, y), [b], rng)


@pytest.mark.parametrize("low, high", [(-0.5, 0.5), (-0.5, None), (None, 0.5), (0.0, 0.0)])
@FEW
@given(shape=shapes, seed=seeds)
def test_clip(low, high, shape, seed):
    rng = np.random.default_rng(seed)
    # values away from the bounds ±0.5 and 0
    x = rng.choice([-1.0, 1.0], shape) * (rng.choice([0.25, 1.0], shape) + rng.uniform(-0.15, 0.15, shape))
    lo = -np.inf if low is None else low
    hi = np.inf if high is None else high
    check(lambda t: autodiff.clip(t, low, high), lambda a: anp.clip(a, lo, hi), [x], rng)
    check(lambda t: t.clip(low, high), lambda a: anp.clip(a, lo, hi), [x], rng)


# ---- logsumexp, softmax, log_softmax ----------------------------------------------------------------------------


def _lse(a, axis, keepdims=False):
    return anp.log(anp.sum(anp.exp(a), axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("keepdims", [False, True])
@FEW
@given(data=st.data(), seed=seeds)
def test_logsumexp(keepdims, data, seed):
    shape = data.draw(nonempty_dims)
    axis = data.draw(axis_specs(len(shape)))
    rng = np.random.default_rng(seed)
    x = values("smooth", rng, shape) * 3
    check(lambda t: autodiff.logsumexp(t, axis, keepdims), lambda a: _lse(a, axis, keepdims), [x], rng)
    check(lambda t: t.logsumexp(axis, keepdims=keepdims), lambda a: _lse(a, axis, keepdims), [x], rng)


@FEW
@given(data=st.data(), seed=seeds)
def test_softmax_and_log_softmax(data, seed):
    shape = data.draw(nonempty_dims)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(seed)
    x = values("smooth", rng, shape) * 3

    def softmax_ref(a):
        e = anp.exp(a)
        return e / anp.sum(e, axis=axis, keepdims=True)

    def log_softmax_ref(a):
        return a - _lse(a, axis, keepdims=True)

    check(lambda t: autodiff.softmax(t, axis), softmax_ref, [x], rng)
    check(lambda t: t.softmax(axis), softmax_ref, [x], rng)
    check(lambda t: autodiff.log_softmax(t, axis), log_softmax_ref, [x], rng)
    check(lambda t: t.log_softmax(axis), log_softmax_ref, [x], rng)


def test_softmax_default_axis_is_last():
    rng = np.random.default_rng(5)
    x = values("smooth", rng, (2, 3, 4))
    np.testing.assert_allclose(autodiff.softmax(Tensor(x)).data.sum(axis=-1), np.ones((2, 3)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(autodiff.logsumexp(Tensor(x)).data, _lse(x, -1), rtol=1e-14)


# ---- composites: several ops sharing inputs -------------------------------------------------------------------


@FEW
@given(seed=seeds)
def test_composite_network_like_expression(seed):
    """A softmax cross-entropy over a two-layer net with shared inputs and fan-out, against both oracles."""
    rng = np.random.default_rng(seed)
    X, W1, b1, W2 = (values("smooth", rng, s) for s in [(4, 3), (3, 5), (5,), (5, 2)])
    labels = rng.integers(0, 2, 4)

    def net(x, w1, c1, w2, lib):
        h = lib.tanh(x @ w1 + c1) if lib is anp else (x @ w1 + c1).tanh()
        z = h @ w2 + h[:, :2] * 0.5  # h is used twice: its gradient is the sum of both paths
        if lib is anp:
            logp = z - _lse(z, 1, keepdims=True)
        else:
            logp = autodiff.log_softmax(z, axis=1)
        picked = logp[np.arange(4), labels]
        return -anp.mean(picked) if lib is anp else -picked.mean()

    check(lambda *ts: net(*ts, None), lambda *a: net(*a, anp), [X, W1, b1, W2], rng)

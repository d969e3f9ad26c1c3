"""The ``Tensor`` API: construction and dtypes, attributes, ``backward`` and its errors, shape errors,
``requires_grad`` propagation, ``no_grad``, the repeated-backward policy, inputs never modified, and numerically
stable functions at extreme inputs (no warnings, no nan)."""

import re
import warnings

import numpy as np
import pytest

import autodiff
from autodiff import Tensor, no_grad


def leaf(data, dtype=np.float64):
    return Tensor(np.asarray(data, dtype=dtype), requires_grad=True)


# ---- construction and dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        1.5,
        2,
        [1.0, 2.0],
        [[1, 2], [3, 4]],
        np.arange(6).reshape(2, 3),
        np.array([1, 2], dtype=np.int8),
        np.array([3], dtype=np.uint16),
        np.array([1.0, 2.0]),
    ],
)
def test_default_dtype_is_float64_and_ints_are_converted(data):
    t = Tensor(data)
    assert t.dtype == np.float64 and t.data.dtype == np.float64
    assert isinstance(t.data, np.ndarray)
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))
    assert t.shape == np.shape(data)


@pytest.mark.parametrize("data", [True, [True, False], np.array([True, False])])
def test_bools_stay_bool_masks_as_pytorch(data):
    t = Tensor(data)
    assert t.dtype == np.bool_ and t.shape == np.shape(data)
    np.testing.assert_array_equal(t.data, np.asarray(data))
    with pytest.raises(TypeError, match="only floating-point tensors can require grad, got dtype bool"):
        Tensor(data, requires_grad=True)


def test_float32_is_kept():
    t = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    assert t.dtype == np.float32
    assert Tensor(np.float32(1.5)).dtype == np.float32


@pytest.mark.parametrize(
    "data", ["1.0", b"1", None, np.array(["a", "b"]), np.array([object(), 1.0], dtype=object), [[1.0, 2.0], [3.0]]]
)
def test_non_numeric_data_is_a_type_error(data):
    with pytest.raises(TypeError):
        Tensor(data)


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0, 3.0])
    t = Tensor(a)
    a[0] = 100.0
    assert t.data[0] == 1.0
    out = t.numpy()
    out[1] = -5.0
    assert t.data[1] == 2.0, ".numpy() must return a copy"


def test_attributes():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(x)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dtype == np.float64
    assert t.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(t.T.data, x.T)
    np.testing.assert_array_equal(t.numpy(), x)
    assert isinstance(t.numpy(), np.ndarray)
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor([[2.5]]).item(), float)
    assert Tensor(3).item() == 3.0
    with pytest.raises(ValueError):
        Tensor([1.0, 2.0]).item()
    assert Tensor(1.0).shape == () and Tensor(1.0).ndim == 0
    assert Tensor([1.0, 2.0]).T.shape == (2,)


def test_detach_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad is None
    np.testing.assert_array_equal(d.data, [3.0, 6.0])
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])  # d is a constant: no path back through y
    assert y.grad is None


# ---- requires_grad and .grad ------------------------------------------------------------------------------------


def test_requires_grad_propagates_as_in_pytorch():
    a, b = Tensor([1.0, 2.0]), leaf([3.0, 4.0])
    assert not a.requires_grad and b.requires_grad
    assert not (a * 2).requires_grad and not (a + a).exp().requires_grad
    assert (a * b).requires_grad and (b * a).requires_grad and (2 * b).requires_grad
    assert (a @ b).requires_grad and autodiff.stack([a, b]).requires_grad and autodiff.concat([a, b]).requires_grad
    assert autodiff.maximum(a, b).requires_grad and autodiff.where(a > 1, a, b).requires_grad
    assert (a[0] + b.sum()).requires_grad
    assert not (a + np.ones(2)).requires_grad  # a numpy array operand is a constant


def test_grad_is_none_until_backward_reaches_it():
    x, unused, const = leaf(np.ones((2, 3))), leaf([1.0]), Tensor(np.full((2, 3), 2.0))
    y = x * const
    z = y.sum()
    assert x.grad is None and y.grad is None and z.grad is None
    z.backward()
    assert x.grad.shape == (2, 3) and y.grad.shape == (2, 3) and z.grad.shape == ()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert unused.grad is None, "a leaf the pass did not reach keeps grad None"
    assert const.grad is None, "a constant gets no gradient"


def test_fan_out_gradients_add_up():
    x = leaf([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 1)


def test_repeated_backward_interior_recomputed_leaves_accumulate():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    z = y.sum()
    z.backward()
    first_x, first_y = x.grad.copy(), y.grad.copy()
    z.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_x)  # leaf: accumulated
    np.testing.assert_array_equal(y.grad, first_y)  # interior: recomputed from zero
    np.testing.assert_array_equal(first_y, np.ones(3))
    x.zero_grad()
    assert x.grad is None
    z.backward()
    np.testing.assert_array_equal(x.grad, first_x)


# ---- backward() and its errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (1, 1, 1)])
def test_backward_without_gradient_on_one_element_tensor(shape):
    x = leaf(np.full(shape, 3.0))
    y = x * x
    y.backward()
    np.testing.assert_array_equal(x.grad, np.full(shape, 6.0))
    assert x.grad.shape == shape


def test_backward_needs_gradient_for_non_scalar_output():
    x = leaf(np.ones((3, 4)))
    y = x * 2
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value) == "backward() needs a gradient for a non-scalar output of shape (3, 4)"
    assert x.grad is None
    g = np.arange(12.0).reshape(3, 4)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, 2 * g)


def test_backward_gradient_given_as_list_or_scalar():
    x = leaf([1.0, 2.0])
    (x * 3).backward([1.0, 10.0])
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    s = leaf(2.0)
    (s * s).backward(0.5)
    assert s.grad == 2.0


def test_backward_gradient_of_wrong_shape_is_an_error():
    y = leaf(np.ones((3, 4))) * 2
    with pytest.raises(ValueError, match=re.escape("(3, 4)")):
        y.backward(np.ones((4, 3)))


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor([1.0]) * 2).backward()


def test_backward_equals_sum_of_product_with_upstream():
    rng = np.random.default_rng(0)
    x_data, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    a, b = leaf(x_data), leaf(x_data)
    a.tanh().backward(g)
    (b.tanh() * Tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad, b.grad, rtol=0, atol=1e-15)


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = leaf(np.ones(2))
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(2))


# ---- shape errors -----------------------------------------------------------------------------------------------


def test_matmul_inner_dimension_error_text():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError) as info:
        a @ b
    assert str(info.value) == "matmul: (3, 4) @ (5, 2): inner dimensions 4 and 5 differ"
    with pytest.raises(ValueError, match=re.escape("matmul: (3, 4) @ (5, 2)")):
        autodiff.matmul(a, b)


@pytest.mark.parametrize(
    "shape_a, shape_b", [((3,), (4,)), ((2, 3), (2,)), ((3,), (2, 3)), ((2, 3, 4), (2, 5, 4)), ((2, 2, 3), (3, 3, 2))]
)
def test_matmul_shape_errors_name_both_shapes(shape_a, shape_b):
    with pytest.raises(ValueError) as info:
        Tensor(np.ones(shape_a)) @ Tensor(np.ones(shape_b))
    message = str(info.value)
    assert "matmul" in message and str(shape_a) in message and str(shape_b) in message


def test_matmul_with_a_0d_operand_is_an_error():
    with pytest.raises(ValueError, match="matmul"):
        Tensor(2.0) @ Tensor(np.ones(3))


BROADCAST_OPS = {
    "+": (lambda a, b: a + b, ("add", "+")),
    "-": (lambda a, b: a - b, ("sub", "-", "−")),
    "*": (lambda a, b: a * b, ("mul", "*", "×")),
    "/": (lambda a, b: a / b, ("div", "/", "÷")),
    "**": (lambda a, b: a**b, ("pow", "**", "^")),
    "maximum": (autodiff.maximum, ("maximum",)),
    "minimum": (autodiff.minimum, ("minimum",)),
    "where": (lambda a, b: autodiff.where(np.ones((3, 4), bool), a, b), ("where",)),
}


@pytest.mark.parametrize("name", BROADCAST_OPS)
@pytest.mark.parametrize("right_is_array", [False, True])
def test_broadcasting_errors_name_the_op_and_both_shapes(name, right_is_array):
    fn, names = BROADCAST_OPS[name]
    a = Tensor(np.ones((3, 4)))
    b = np.ones(5) if right_is_array else Tensor(np.ones(5))
    with pytest.raises(ValueError) as info:
        fn(a, b)
    message = str(info.value)
    assert "(3, 4)" in message and "(5,)" in message, message
    assert any(n in message for n in names), message


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda t: t.reshape(5, 5), "reshape"),
        (lambda t: t.transpose(0, 2), "transpose"),
        (lambda t: t.permute(0, 0), "permute"),
        (lambda t: t.squeeze(0), "squeeze"),
        (lambda t: t.sum(axis=2), "sum"),
        (lambda t: t.max(axis=-3), "max"),
        (lambda t: autodiff.concat([t, Tensor(np.ones((2, 2)))], axis=0), "concat"),
        (lambda t: autodiff.stack([t, Tensor(np.ones((2, 2)))]), "stack"),
    ],
)
def test_other_shape_errors_name_the_op(make, name):
    with pytest.raises(ValueError, match=name):
        make(Tensor(np.ones((2, 3))))


def test_unsupported_operands_are_type_errors():
    t = Tensor([1.0, 2.0])
    for bad in ("a", None, [1.0, 2.0], object()):
        with pytest.raises(TypeError):
            t + bad
        with pytest.raises(TypeError):
            bad * t


# ---- no op modifies its inputs' arrays --------------------------------------------------------------------------

rng = np.random.default_rng(11)
_P = rng.uniform(0.5, 2.0, (3, 4))  # positive: safe for log/sqrt/pow
_Q = rng.uniform(-2.0, 2.0, (3, 4))
_V = rng.uniform(-2.0, 2.0, (4,))

ALL_OPS = {
    "add": lambda p, q: p + q,
    "radd_array": lambda p, q: _V + q,
    "sub": lambda p, q: p - q,
    "rsub": lambda p, q: 1.0 - q,
    "mul": lambda p, q: p * q,
    "div": lambda p, q: q / p,
    "rdiv": lambda p, q: 2.0 / p,
    "pow_tensor": lambda p, q: p**q,
    "pow_const": lambda p, q: p**1.5,
    "rpow": lambda p, q: 2.0**q,
    "neg": lambda p, q: -q,
    "abs": lambda p, q: abs(q),
    "matmul": lambda p, q: p @ q.T,
    "matmul_vec": lambda p, q: q @ _V,
    "exp": lambda p, q: q.exp(),
    "log": lambda p, q: p.log(),
    "sqrt": lambda p, q: p.sqrt(),
    "tanh": lambda p, q: q.tanh(),
    "sigmoid": lambda p, q: q.sigmoid(),
    "relu": lambda p, q: q.relu(),
    "leaky_relu": lambda p, q: q.leaky_relu(0.1),
    "elu": lambda p, q: q.elu(),
    "hardtanh": lambda p, q: q.hardtanh(),
    "softsign": lambda p, q: q.softsign(),
    "sum": lambda p, q: q.sum(axis=0),
    "sum_all": lambda p, q: q.sum(),
    "mean": lambda p, q: q.mean(axis=(0, 1), keepdims=True),
    "max": lambda p, q: q.max(axis=1).values,
    "amax": lambda p, q: q.amax(axis=1),
    "min": lambda p, q: q.min(),
    "reshape": lambda p, q: q.reshape(2, 6),
    "transpose": lambda p, q: q.transpose(1, 0),
    "permute": lambda p, q: q.permute(1, 0),
    "T": lambda p, q: q.T,
    "squeeze": lambda p, q: q.reshape(1, 3, 4).squeeze(),
    "unsqueeze": lambda p, q: q.unsqueeze(1),
    "flatten": lambda p, q: q.flatten(),
    "basic_index": lambda p, q: q[1:, ::2],
    "array_index": lambda p, q: q[[0, 0, 2]],
    "concat": lambda p, q: autodiff.concat([p, q], axis=1),
    "stack": lambda p, q: autodiff.stack([p, q]),
    "maximum": lambda p, q: autodiff.maximum(p, q),
    "minimum": lambda p, q: autodiff.minimum(p, q),
    "where": lambda p, q: autodiff.where(_Q > 0, p, q),
    "clip": lambda p, q: autodiff.clip(q, -0.5, 0.5),
    "logsumexp": lambda p, q: autodiff.logsumexp(q, axis=1),
    "softmax": lambda p, q: autodiff.softmax(q, axis=0),
    "log_softmax": lambda p, q: autodiff.log_softmax(q),
}


@pytest.mark.parametrize("name", ALL_OPS)
def test_no_op_modifies_its_inputs_arrays(name):
    p_in, q_in, v_before = _P.copy(), _Q.copy(), _V.copy()
    p, q = Tensor(p_in, requires_grad=True), Tensor(q_in, requires_grad=True)
    p_data, q_data = p.data, q.data
    out = ALL_OPS[name](p, q)
    g = np.random.default_rng(1).standard_normal(out.shape)
    g_before = g.copy()
    out.backward(g)
    out.backward(g)  # a second pass too (leaf accumulation must not write into anything shared)
    assert p.data is p_data and q.data is q_data
    np.testing.assert_array_equal(p.data, _P)
    np.testing.assert_array_equal(q.data, _Q)
    np.testing.assert_array_equal(p_in, _P)
    np.testing.assert_array_equal(q_in, _Q)
    np.testing.assert_array_equal(_V, v_before)
    np.testing.assert_array_equal(g, g_before)


def test_gradients_do_not_alias_the_upstream_gradient_or_the_data():
    x = leaf([1.0, 2.0, 3.0])
    g = np.array([1.0, 1.0, 1.0])
    x.backward(g)  # backward straight into a leaf
    x.grad[0] = 99.0
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])
    y = leaf([1.0, 2.0])
    (y + 0.0).backward(g[:2])
    assert not np.shares_memory(y.grad, g) and not np.shares_memory(y.grad, y.data)


@pytest.mark.parametrize("name", ALL_OPS)
def test_leaf_grads_are_their_own_arrays(name):
    """After a pass, a leaf's ``.grad`` shares memory with no other node's ``.grad``, no data and not the caller's
    upstream gradient, so updating it in place (an optimizer, gradient clipping) cannot change anything else.
    ``+ 0.0`` and ``* 1.0`` around the op put pass-through edges next to the leaves and fresh signals above them."""
    p, q = Tensor(_P, requires_grad=True), Tensor(_Q, requires_grad=True)
    out = ALL_OPS[name](p + 0.0, q * 1.0) * 2.0 + 0.5
    g = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(g)
    nodes = autodiff.topological_order(out)
    arrays = [(n, n.grad) for n in nodes if n.grad is not None] + [(None, g)] + [(n, n.data) for n in nodes]
    reached = [x for x in (p, q) if x.grad is not None]
    assert reached
    for x in reached:
        for owner, other in arrays:
            if owner is not x or other is not x.grad:
                assert not np.shares_memory(x.grad, other), f"{x.label or 'leaf'}.grad aliases {owner!r:.60}"
    x = reached[0]
    before = {id(n): None if n.grad is None else n.grad.copy() for n in nodes if n is not x}
    x.grad *= 0.0  # an in-place update of one leaf's gradient leaves every other gradient alone
    for n in nodes:
        if n is not x and n.grad is not None:
            np.testing.assert_array_equal(n.grad, before[id(n)])


# ---- no_grad ----------------------------------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with no_grad():
        assert not autodiff.is_grad_enabled()
        y = (x * 2).exp().sum()
        z = x @ x
        w = autodiff.softmax(x, axis=0)
    assert autodiff.is_grad_enabled()
    for t in (y, z, w):
        assert not t.requires_grad and t.parents == () and t.is_leaf
    with pytest.raises(RuntimeError):
        y.backward()
    assert x.grad is None
    v = (x * 2).sum()  # recording is back on
    assert v.requires_grad and v.parents


def test_no_grad_as_decorator_and_enable_grad_inside():
    x = leaf([1.0])

    @no_grad()
    def evaluate(t):
        return t * 3

    assert not evaluate(x).requires_grad
    with no_grad():
        with autodiff.enable_grad():
            y = x * 3
        z = x * 3
    assert y.requires_grad and not z.requires_grad


# ---- numerically stable functions at extreme inputs -------------------------------------------------------------


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", divide="warn", invalid="warn"):  # numpy's defaults, made explicit
            yield


@pytest.mark.usefixtures("no_warnings")
def test_softmax_logsumexp_stable_for_large_inputs():
    x_data = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -999.0, -1001.0]])
    x = leaf(x_data)
    lse = autodiff.logsumexp(x, axis=1)
    expected = [1000.0 + np.log1p(np.exp(-1.0)), -999.0 + np.log1p(np.exp(-1.0) + np.exp(-2.0))]
    np.testing.assert_allclose(lse.data, expected, rtol=1e-15)
    lse.backward(np.ones(2))
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad.sum(axis=1), [1.0, 1.0], rtol=1e-12)  # x − lse at 1e3: ulp ~1e-13

    y = leaf(x_data)
    sm = autodiff.softmax(y, axis=1)
    assert np.all(np.isfinite(sm.data))
    np.testing.assert_allclose(sm.data.sum(axis=1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(sm.data[0], [1 / (1 + np.exp(-1.0)), np.exp(-1.0) / (1 + np.exp(-1.0)), 0.0])
    sm.backward(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert np.all(np.isfinite(y.grad))

    w = leaf(x_data)
    ls = autodiff.log_softmax(w, axis=1)
    assert np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(ls.data[0, 2], -2000.0 - np.log1p(np.exp(-1.0)), rtol=1e-15)
    ls.backward(np.ones((2, 3)))
    assert np.all(np.isfinite(w.grad))
    np.testing.assert_allclose(w.grad.sum(axis=1), [0.0, 0.0], atol=1e-12)

    big = leaf([1e3, 1e3, 1e3])  # all equal and huge: log 3 above, uniform softmax
    np.testing.assert_allclose(autodiff.logsumexp(big, axis=0).data, 1e3 + np.log(3.0), rtol=1e-15)
    np.testing.assert_allclose(autodiff.softmax(big, axis=0).data, [1 / 3] * 3, rtol=1e-15)


@pytest.mark.usefixtures("no_warnings")
def test_sigmoid_stable_for_large_magnitudes():
    z = leaf([-1000.0, -700.0, -50.0, 0.0, 50.0, 700.0, 1000.0])
    s = z.sigmoid()
    assert np.all(np.isfinite(s.data))
    np.testing.assert_array_equal(s.data[[0, 1, -2, -1]], [0.0, np.exp(-700.0), 1.0, 1.0])
    assert s.data[3] == 0.5
    s.backward(np.ones(7))
    assert np.all(np.isfinite(z.grad))
    assert z.grad[3] == 0.25 and z.grad[0] == 0.0 and z.grad[-1] == 0.0


@pytest.mark.usefixtures("no_warnings")
def test_exp_overflow_is_inf_without_warning():
    x = leaf([1000.0, 0.0])
    y = x.exp()
    assert y.data[0] == np.inf and y.data[1] == 1.0
    y.backward(np.ones(2))
    assert x.grad[0] == np.inf and x.grad[1] == 1.0


# ---- float32 stays float32 --------------------------------------------------------------------------------------


def test_float32_computation_stays_float32():
    rng = np.random.default_rng(2)
    W = leaf(rng.standard_normal((3, 4)), np.float32)
    x = leaf(rng.standard_normal(4), np.float32)
    out = (W @ x * 2.0 + 1.0).tanh().sigmoid().relu().abs().sum()
    assert out.dtype == np.float32
    assert autodiff.log_softmax(W, axis=1).dtype == np.float32
    for c in (2, 0.5, np.float64(0.5), np.int64(3)):  # numbers, numpy scalars too, are weak constants
        assert (W * c).dtype == np.float32 and (c - W).dtype == np.float32 and (W**c).dtype == np.float32
    out.backward()
    assert W.grad.dtype == np.float32 and x.grad.dtype == np.float32


# ---- small conveniences -----------------------------------------------------------------------------------------


def test_tensors_are_hashable_and_comparisons_give_masks():
    a, b = Tensor([1.0, 3.0]), Tensor([2.0, 2.0])
    assert len({a, b, a}) == 2
    np.testing.assert_array_equal(a < b, [True, False])
    np.testing.assert_array_equal(a >= 2.0, [False, True])
    assert len(Tensor(np.ones((4, 2)))) == 4


def test_max_of_a_nan_sends_the_signal_to_the_nan_as_pytorch():
    import warnings

    t = Tensor([1.0, np.nan, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.max().backward()
    assert np.array_equal(t.grad, [0.0, 1.0, 0.0])


def test_a_fractional_tensor_index_is_refused():
    with pytest.raises(IndexError, match="whole numbers"):
        Tensor([1.0, 2.0])[Tensor([0.5])]


def test_gradcheck_refuses_an_input_that_does_not_require_grad():
    from autodiff import gradcheck

    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda t: t.sum(), Tensor([1.0, 2.0]))

"""Gradient checking on ``Tensor``s (notes §7.1): ``numerical_grad`` element by element (snippet 2.1), and
``gradcheck`` in every-element and ``fast=True`` random-direction modes — passing on correct functions, failing on a
cut graph, warning for float32, and leaving every input and every ``.grad`` exactly as it found them."""

import warnings

import numpy as np
import pytest

import autodiff
from autodiff import Tensor, gradcheck, numerical_grad


def leaf(data, dtype=np.float64, label=None):
    return Tensor(np.asarray(data, dtype=dtype), requires_grad=True, label=label)


def bits(a):
    """The exact bit pattern of an array (so −0.0 ≠ 0.0 and nan == nan)."""
    a = np.ascontiguousarray(a)
    return a.view(np.uint64 if a.dtype == np.float64 else np.uint32).copy()


def cut(x):
    """The brief's silently cut graph: the second factor is re-created from .data, so backprop misses it."""
    return (x * Tensor(x.data)).sum()


rng = np.random.default_rng(2024)
X34 = rng.standard_normal((3, 4))


def net(W, b, x):
    """A small scalar function of several tensors: logsumexp of a tanh layer."""
    return autodiff.logsumexp((W @ x + b).tanh() * 3.0, axis=0)


def net_inputs():
    r = np.random.default_rng(5)
    return leaf(r.standard_normal((3, 4)), label="W"), leaf(r.standard_normal(3), label="b"), leaf(r.standard_normal(4))


# ---- numerical_grad ---------------------------------------------------------------------------------------------


def test_numerical_grad_on_a_tensor_is_the_elementwise_centered_difference():
    x = leaf(X34)
    num = numerical_grad(lambda t: (t**3).sum(), x)
    assert isinstance(num, np.ndarray) and num.shape == (3, 4) and num.dtype == np.float64
    np.testing.assert_allclose(num, 3 * X34**2, rtol=1e-8, atol=1e-9)
    # snippet 2.1 by hand: centered, (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, one element at a time
    h = 1e-6
    by_hand = np.zeros_like(X34)
    for i in np.ndindex(X34.shape):
        plus, minus = X34.copy(), X34.copy()
        plus[i] += h
        minus[i] -= h
        by_hand[i] = ((plus**3).sum() - (minus**3).sum()) / (2 * h)
    np.testing.assert_allclose(num, by_hand, rtol=0, atol=1e-8)  # a one-sided difference is ~3e-6 off


def test_numerical_grad_several_inputs_and_0d():
    W, b, x = net_inputs()
    grads = numerical_grad(net, [W, b, x])
    assert isinstance(grads, list) and [g.shape for g in grads] == [(3, 4), (3,), (4,)]
    net(W, b, x).backward()
    for t, g in zip((W, b, x), grads):
        np.testing.assert_allclose(t.grad, g, rtol=1e-6, atol=1e-8)
    s = leaf(0.7)
    g = numerical_grad(lambda t: (t * t).exp(), s)
    assert np.shape(g) == ()
    np.testing.assert_allclose(g, 2 * 0.7 * np.exp(0.49), rtol=1e-8)


def test_numerical_grad_records_no_graph_and_touches_no_grad():
    x = leaf([1.0, 2.0])
    x.grad = np.array([5.0, 6.0])
    seen = []

    def f(t):
        out = (t * t).sum()
        seen.append(out.requires_grad)
        return out

    numerical_grad(f, x)
    assert seen and not any(seen), "numerical_grad should evaluate f under no_grad"
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])


def test_numerical_grad_restores_every_element_exactly_even_when_f_raises():
    awkward = np.array([[0.1, -0.0, 1e-300], [3.0000000000000004, np.pi, -7.25]])
    x = leaf(awkward)
    data = x.data
    numerical_grad(lambda t: (t * t).sum(), x)
    assert x.data is data and np.array_equal(bits(x.data), bits(awkward))

    calls = []

    def flaky(t):
        calls.append(1)
        if len(calls) == 4:  # in the middle of the second element, while it is perturbed
            raise ArithmeticError("boom")
        return (t * t).sum()

    with pytest.raises(ArithmeticError):
        numerical_grad(flaky, x)
    assert np.array_equal(bits(x.data), bits(awkward))


def test_numerical_grad_restores_float32_exactly():
    data = np.array([0.1, 1.0 / 3.0, -2.5], dtype=np.float32)
    x = leaf(data, np.float32)
    numerical_grad(lambda t: (t * t).sum(), x, eps=1e-3)
    assert x.dtype == np.float32 and np.array_equal(bits(x.data), bits(data))


# ---- gradcheck: every-element mode ------------------------------------------------------------------------------


def test_gradcheck_passes_on_correct_functions():
    W, b, x = net_inputs()
    report = gradcheck(net, [W, b, x])
    assert report and report.passed and not report.failures
    assert [row.shape for row in report.rows] == [(3, 4), (3,), (4,)]
    assert [row.name for row in report.rows][:2] == ["W", "b"]
    assert all(row.close and row.rel_error < 1e-6 for row in report.rows)
    assert "PASSED" in str(report)

    named = gradcheck(lambda W, b: (W @ Tensor(np.ones(4)) + b).sigmoid().sum(), {"weight": W, "bias": b})
    assert named.passed and [row.name for row in named.rows] == ["weight", "bias"]
    assert gradcheck(lambda t: autodiff.softmax(t, axis=1)[:, 0].sum(), leaf(X34)).passed
    assert gradcheck(lambda t: t[[0, 0, 2]].amax(axis=1).sum(), leaf(X34)).passed
    assert gradcheck(lambda t: (t.T @ t).sqrt().mean(), leaf(np.abs(X34) + 0.5)).passed


def test_gradcheck_fails_on_a_cut_graph():
    x = leaf(X34)
    report = gradcheck(cut, x)
    assert not report and not report.passed
    (row,) = report.failures
    assert row.shape == (3, 4) and not row.close
    np.testing.assert_allclose(row.numeric, 2 * row.analytic, rtol=1e-6)  # backprop sees x·c: half the slope
    assert "FAILED" in str(report)


def test_gradcheck_warns_for_float32_inputs():
    x = leaf(X34, np.float32)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda t: (t * t).sum(), x, eps=1e-2, atol=1e-2, rtol=1e-2)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda t: (t * t).sum(), x, eps=1e-2, atol=1e-2, rtol=1e-2, fast=True)
    y = leaf(X34)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda t: (t * t).sum(), y)  # float64: no warning
        gradcheck(lambda t: (t * t).sum(), y, fast=True)


@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_restores_inputs_and_grads_exactly(fast):
    awkward = np.array([[0.1, -0.0, 1e-300], [3.0000000000000004, np.pi, -7.25]])
    x = leaf(awkward)
    data = x.data
    closure_param = leaf([2.0, 3.0, 4.0])  # a leaf f uses that is not among the inputs
    closure_grad = np.array([1.0, 1.0, 1.0])
    closure_param.grad = closure_grad
    x.grad = None

    def f(t):
        return ((t * t).sum(axis=0) * closure_param).sum()

    assert gradcheck(f, x, fast=fast).passed
    assert x.data is data, "the input's array must be restored in place, not replaced"
    assert np.array_equal(bits(x.data), bits(awkward))
    assert x.grad is None
    assert closure_param.grad is closure_grad and np.array_equal(closure_grad, [1.0, 1.0, 1.0])

    x.grad = np.full((2, 3), 9.0)
    gradcheck(f, x, fast=fast)
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 9.0))


@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_restores_even_unperturbable_values(fast):
    """1e16 + 1e-6 == 1e16: the check cannot see that element (and may fail), but the value comes back bit-exact."""
    values = np.array([1e16, 0.1, -3.0])
    x = leaf(values)
    gradcheck(lambda t: (t * t).sum(), x, fast=fast)
    assert np.array_equal(bits(x.data), bits(values))


def test_gradcheck_input_errors():
    W, b, x = net_inputs()
    with pytest.raises(ValueError):
        gradcheck(lambda t: t.sum(), W * 2)  # not a leaf
    with pytest.raises(ValueError):
        gradcheck(lambda t: t * 2, W)  # f must return a scalar
    with pytest.raises(ValueError):
        gradcheck(lambda t: t.sum(), [])


# ---- gradcheck: fast=True directional mode ----------------------------------------------------------------------


def test_fast_mode_passes_on_correct_functions_with_large_inputs():
    r = np.random.default_rng(9)
    W = leaf(r.standard_normal((64, 100)) * 0.1, label="W")
    b = leaf(r.standard_normal(64) * 0.1, label="b")
    X = Tensor(r.standard_normal((100, 8)))
    labels = r.integers(0, 64, 8)

    def loss(W, b):
        logp = autodiff.log_softmax((W @ X).T + b, axis=1)
        return -logp[np.arange(8), labels].mean()

    report = gradcheck(loss, [W, b], fast=True, n_directions=6)
    assert report.passed
    assert "random directions" in report.mode
    assert [row.shape for row in report.rows] == [(6,), (6,)], "rows index the directions"


def test_fast_mode_fails_on_a_cut_graph():
    x = leaf(np.random.default_rng(3).standard_normal((40, 50)))
    report = gradcheck(cut, x, fast=True)
    assert not report.passed
    np.testing.assert_allclose(report.rows[0].numeric, 2 * report.rows[0].analytic, rtol=1e-6)


def test_fast_mode_catches_a_partly_wrong_gradient():
    """Only one element of a large input has a wrong gradient: random directions still see it."""
    x = leaf(np.random.default_rng(4).standard_normal(500))

    def f(t):
        return (t * t).sum() + (t[7] * Tensor(t.data[7])) * 50.0  # the second term's gradient is half right

    assert not gradcheck(f, x, fast=True, n_directions=4).passed
    assert not gradcheck(f, x).passed


def test_fast_mode_is_deterministic_given_a_seed():
    W, b, x = net_inputs()
    first = gradcheck(net, [W, b, x], fast=True, seed=1)
    second = gradcheck(net, [W, b, x], fast=True, seed=1)
    assert first.rows == second.rows
    other = gradcheck(net, [W, b, x], fast=True, seed=2)
    assert other.passed and other.rows != first.rows


def test_fast_mode_on_a_0d_input():
    s = leaf(0.3)
    assert gradcheck(lambda t: (t * t).exp() * t, s, fast=True).passed


# ---- a graph cut in its entirety --------------------------------------------------------------------------------


@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_reports_a_fully_cut_graph_as_a_failure(fast):
    x = leaf([1.0, 2.0, 3.0])
    report = gradcheck(lambda t: (Tensor(t.data) * 2.0).sum(), x, fast=fast)
    assert not report.passed

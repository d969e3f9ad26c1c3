"""The PyTorch spellings a learner arrives with, each doing what it does in PyTorch (values read off torch 2.13).

Gradients of the differentiable ones are checked by the op table (``tests/optable.py``: gradcheck and the HIPS
autograd oracle); here: values, shapes, dtypes and the non-differentiable conveniences.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Tensor

X = np.arange(12.0).reshape(3, 4) - 5.0


def test_size_numel_dim_float_int():
    t = Tensor(X)
    assert t.size() == (3, 4) and t.size(0) == 3 and t.size(-1) == 4 and t.numel() == 12 and t.dim() == 2
    with pytest.raises(IndexError, match="out of range"):
        t.size(2)
    assert float(Tensor([[2.5]])) == 2.5 and int(Tensor(-3.7)) == -3  # torch: int() truncates
    assert isinstance(Tensor(3.0).item(), float) and Tensor(3.0).argmax().item() == 0


def test_dim_keepdim_are_axis_keepdims():
    t = Tensor(X)
    for name in ("sum", "mean", "amax", "amin", "var", "std"):
        a = getattr(t, name)(dim=1, keepdim=True)
        b = getattr(t, name)(axis=1, keepdims=True)
        assert a.shape == (3, 1)
        np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(t.var(1).data, np.var(X, axis=1, ddof=1))  # torch.var: unbiased by default
    np.testing.assert_allclose(t.std(unbiased=False).data, np.std(X))
    np.testing.assert_allclose(t.var(correction=0).data, np.var(X))
    np.testing.assert_allclose(t.softmax(dim=0).data.sum(axis=0), np.ones(4))
    np.testing.assert_allclose(t.logsumexp(dim=1).data, np.log(np.exp(X).sum(axis=1)))


def test_requires_grad_retain_grad_retain_graph_grad_fn():
    w = Tensor([1.0, 2.0]).requires_grad_()
    assert w.requires_grad and w.grad_fn is None
    y = (w * w).sum()
    assert y.grad_fn == "sum"
    y.retain_grad()  # a documented no-op: interior grads are always kept
    y.backward(retain_graph=True)
    y.backward()  # the graph is always retained; leaf grads add up, as in PyTorch
    np.testing.assert_array_equal(w.grad, [4.0, 8.0])
    assert y.grad == 1.0
    with pytest.raises(TypeError, match="only floating-point"):
        Tensor([True]).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_clamp_masked_fill_tril_triu_values():
    t = Tensor(X)
    np.testing.assert_array_equal(t.clamp(min=0).data, np.maximum(X, 0))
    np.testing.assert_array_equal(t.clamp(-1, 1).data, np.clip(X, -1, 1))
    np.testing.assert_array_equal(t.masked_fill(t < 0, -np.inf).data, np.where(X < 0, -np.inf, X))
    attention = Tensor(np.ones((3, 3))).tril()  # the makemore / GPT causal mask
    np.testing.assert_array_equal(attention.data, [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(t.triu(1).data, np.triu(X, 1))
    with pytest.raises(TypeError, match="bool mask"):
        t.masked_fill(Tensor(X), 0.0)


def test_view_expand_repeat_flip_gather_cumsum_values():
    t = Tensor(X)
    assert t.view(4, 3).shape == (4, 3) and t.view(-1).shape == (12,)
    assert Tensor([[1.0], [2.0]]).expand(2, 3).data.tolist() == [[1, 1, 1], [2, 2, 2]]
    assert Tensor([[1.0], [2.0]]).expand(-1, 2).shape == (2, 2)
    assert Tensor([1.0, 2.0]).repeat(2, 2).data.tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]  # torch.repeat
    np.testing.assert_array_equal(t.flip(0).data, X[::-1])
    picked = t.gather(1, np.array([[0], [3], [1]]))
    np.testing.assert_array_equal(picked.data, [[X[0, 0]], [X[1, 3]], [X[2, 1]]])
    np.testing.assert_array_equal(t.cumsum(dim=0).data, np.cumsum(X, axis=0))
    with pytest.raises(ValueError, match="cannot be expanded"):
        Tensor([1.0, 2.0]).expand(3)


def test_gather_scatter_adds_repeated_indices():
    t = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    t.gather(1, np.array([[2, 2, 0]])).sum().backward()  # torch: grad [[1, 0, 2]]
    np.testing.assert_array_equal(t.grad, [[1.0, 0.0, 2.0]])


def test_numpy_functions_call_the_tensor_method_or_are_refused():
    t = Tensor(X, requires_grad=True)
    total = np.sum(t)
    assert isinstance(total, Tensor) and total.item() == X.sum() and total.requires_grad
    np.testing.assert_array_equal(np.mean(t, axis=0).data, X.mean(axis=0))
    assert np.max(t).item() == X.max() and np.var(t).item() == pytest.approx(np.var(X))  # numpy's ddof=0
    with pytest.raises(TypeError, match=r"np\.norm does not work on an errorflow Tensor"):
        np.linalg.norm(t)
    with pytest.raises(TypeError, match="axis= and keepdims= only"):
        np.sum(t, dtype=np.float32)


def test_new_activations_match_pytorch_values():
    z = Tensor([-3.0, -0.5, 0.0, 0.5, 3.0, 25.0])
    # torch.nn.functional.softplus / silu / gelu on the same inputs
    torch_values = {
        "softplus": [0.04858735157374206, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067,
                     3.048587351573742, 25.0],
        "silu": [-0.14227761953270035, -0.1887703343990727, 0.0, 0.3112296656009273, 2.8577223804672998,
                 24.9999999996528],
        "gelu": [-0.00404969409489031, -0.15426876936299344, 0.0, 0.34573123063700656, 2.99595030590511, 25.0],
    }  # fmt: skip
    for name, expected in torch_values.items():
        np.testing.assert_allclose(getattr(z, name)().data, expected, rtol=1e-14, atol=1e-17, err_msg=name)
    np.testing.assert_allclose(Tensor([8.0]).log2().data, [3.0], rtol=0)
    np.testing.assert_allclose(Tensor([1000.0]).log10().data, [3.0], rtol=0)
    with pytest.raises(ValueError, match="only 'none'"):
        z.gelu(approximate="tanh")


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 4), cols=st.integers(1, 4), reps=st.tuples(st.integers(0, 3), st.integers(1, 3)))
def test_repeat_is_numpy_tile_and_its_gradient_counts_copies(rows, cols, reps):
    x = np.arange(rows * cols, dtype=float).reshape(rows, cols)
    t = Tensor(x, requires_grad=True)
    out = t.repeat(*reps)
    np.testing.assert_array_equal(out.data, np.tile(x, reps))
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.full(x.shape, reps[0] * reps[1], dtype=float))


def test_maximum_accepts_a_tensor_through_max():
    assert ad.maximum(Tensor([1.0]), 2.0).item() == Tensor([1.0]).max(Tensor([2.0])).item() == 2.0


# ---- precision casts: t.to(dtype), float(), double(), long(), bool(), tolist() -------------------------------------
# torch 2.13, float64: x = tensor([0.5, -1.5, 2.0], dtype=float64, requires_grad=True); y = x.float();
# (y ** 3).sum().backward() → y.dtype float32, x.grad dtype float64 = 3·x² = [0.75, 6.75, 12.0]
def test_a_float_cast_passes_the_gradient_back_in_the_source_precision():
    x = Tensor([0.5, -1.5, 2.0], requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32 and y.requires_grad and y.grad_fn == "to"
    (y**3).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [0.75, 6.75, 12.0])
    x32 = Tensor(np.array([0.25, 3.0], dtype=np.float32), requires_grad=True)
    (x32.double() * Tensor([2.0, -1.0])).sum().backward()
    assert x32.grad.dtype == np.float32 and x32.grad.tolist() == [2.0, -1.0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=6))
def test_the_cast_gradient_agrees_with_numeric_differences(values):
    x0 = np.array(values)
    analytic = ad.Tensor(x0, requires_grad=True)
    (analytic.float().tanh().double() * 3.0).sum().backward()
    numeric = ad.numerical_grad(lambda t: (t.float().tanh().double() * 3.0).sum(), [Tensor(x0)], eps=1e-2)[0]
    np.testing.assert_allclose(analytic.grad, numeric, rtol=2e-3, atol=2e-3)


def test_casts_to_integers_and_bools_leave_the_graph_and_same_dtype_is_the_tensor_itself():
    x = Tensor([0.7, -1.2, 2.0], requires_grad=True)
    assert x.to(ad.float64) is x and x.double() is x
    i, b = x.long(), (x > 0).to(ad.float64)
    assert i.dtype == np.int64 and i.tolist() == [0, -1, 2] and not i.requires_grad  # truncation, as PyTorch
    assert b.dtype == np.float64 and b.tolist() == [1.0, 0.0, 1.0]
    assert x.bool().tolist() == [True, True, True] and not x.bool().requires_grad
    with pytest.raises(TypeError, match="not supported"):
        x.to(np.complex128)
    with pytest.raises(TypeError, match="give a dtype"):
        x.to(None)

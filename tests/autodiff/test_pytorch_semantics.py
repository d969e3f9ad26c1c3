"""Regression tests for results that used to be silently wrong, each pinned to what PyTorch 2.13 gives.

The expected numbers were read off ``torch`` (float64) when these tests were written; the comment beside each says
which torch call produced them, so they can be re-checked with torch installed (``make bench`` installs it).
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Tensor, Value

nan, inf = float("nan"), float("inf")


# ---- transpose / permute ---------------------------------------------------------------------------------------
def test_transpose_swaps_two_axes_and_permute_reorders_all():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x.transpose(0, 2).shape == (4, 3, 2)  # torch: x.transpose(0, 2)
    assert x.transpose(1, -1).shape == (2, 4, 3)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    np.testing.assert_array_equal(x.transpose(0, 2).data, np.swapaxes(x.data, 0, 2))
    x.transpose(1, 2).sum(dim=0).backward(np.ones((4, 3)))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3, 4)))


# ---- max(dim) / min(dim) ---------------------------------------------------------------------------------------
def test_max_dim_unpacks_into_values_and_indices_for_any_batch_size():
    for rows in (1, 2, 5):
        logits = Tensor(np.random.default_rng(rows).standard_normal((rows, 4)))
        vals, idx = logits.max(1)  # used to unpack rows of the values (silently, for a batch of 2)
        assert vals.shape == (rows,) and idx.shape == (rows,) and idx.dtype == np.int64
        np.testing.assert_array_equal(vals.data, logits.data.max(axis=1))
        np.testing.assert_array_equal(idx.data, logits.data.argmax(axis=1))
        assert logits.max(dim=1).values is not None and isinstance(logits.max(1), ad.ValuesIndices)
    assert isinstance(Tensor([1.0, 3.0]).max(), Tensor) and Tensor([1.0, 3.0]).max().item() == 3.0


def test_max_dim_of_a_nan_picks_the_nan_as_pytorch():
    t = Tensor([[1.0, nan, 3.0]], requires_grad=True)
    vals, idx = t.max(1)  # torch: values [nan], indices [1]
    assert np.isnan(vals.data[0]) and idx.data[0] == 1
    vals.sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 1.0, 0.0]])


def test_max_with_a_tensor_argument_is_maximum():
    a, b = Tensor([1.0, 5.0]), Tensor([3.0, 2.0])
    np.testing.assert_array_equal(a.max(b).data, [3.0, 5.0])
    np.testing.assert_array_equal(a.min(b).data, [1.0, 2.0])


def test_max_dim_refuses_several_axes_and_points_to_amax():
    with pytest.raises(TypeError, match=r"amax\(dim=\(0, 1\)\)"):
        Tensor(np.ones((2, 2))).max(dim=(0, 1))
    with pytest.raises(TypeError, match="dim= or axis="):
        Tensor(np.ones((2, 2))).sum(dim=0, axis=1)


# ---- .data version counter -------------------------------------------------------------------------------------
def test_editing_data_between_forward_and_backward_is_refused():
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    loss = (w * w).sum()
    w.data += 10  # used to give [22, 24] instead of [2, 4]
    with pytest.raises(RuntimeError, match=r"'w'.*'mul'.*version 1.*version 0.*forward pass again"):
        loss.backward()
    assert w.grad is None  # nothing was accumulated by the refused pass


def test_an_optimizer_step_before_an_old_graphs_backward_is_refused():
    from optim import SGD

    W = Tensor([[1.0, 2.0]], requires_grad=True, label="W")
    x = Tensor([[3.0], [4.0]])
    loss = (W @ x).sum()
    W.grad = np.ones((1, 2))
    SGD([W], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"'W'.*'matmul'"):
        loss.backward()


def test_ops_that_read_only_shapes_do_not_care_about_data_edits():
    """PyTorch only checks tensors a backward formula saved: + and reshape save nothing."""
    w = Tensor([1.0, 2.0], requires_grad=True)
    out = (w + 1.0).reshape(2, 1).sum()
    w.data = w.data * 3  # assigning a new array counts too (version 1)
    assert w._version == 1
    out.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_forward_again_after_a_data_edit_is_fine():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.data += 10
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [22.0, 24.0])


def test_is_leaf_is_a_property_on_both_engines():
    w = Tensor([1.0], requires_grad=True)
    y = w * 2.0
    assert w.is_leaf is True and y.is_leaf is False
    assert Value(1.0).is_leaf is True and (Value(1.0) * 2).is_leaf is False
    assert y.grad_fn == "mul" and w.grad_fn is None


# ---- pow at 0⁰ and ±inf ----------------------------------------------------------------------------------------
def test_pow_zero_exponent_has_zero_gradient_everywhere():
    x = Tensor([inf, -inf, 0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()  # torch: [0, 0, 0, 0] (we gave NaN at ±inf)
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 0.0])
    for v in (inf, -inf, 0.0):
        s = Value(v)
        (s**0).backward()
        assert s.grad == 0.0


def test_pow_of_two_tensors_at_zero_zero():
    a = Tensor([0.0, 0.0, 2.0], requires_grad=True)
    b = Tensor([0.0, 1.0, 0.0], requires_grad=True)
    (a**b).sum().backward()  # torch: a.grad [0, 1, 0], b.grad [0, 0, ln 2]
    np.testing.assert_array_equal(a.grad, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(b.grad, [0.0, 0.0, np.log(2.0)], rtol=1e-15)
    va, vb = Value(0.0), Value(0.0)
    (va**vb).backward()
    assert va.grad == 0.0 and vb.grad == 0.0


# ---- 0-d tensors accept dim 0 and -1 -----------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize(
    "op, expected",  # torch.tensor(3.).<op>(dim)
    [("sum", 3.0), ("mean", 3.0), ("amax", 3.0), ("amin", 3.0), ("softmax", 1.0), ("log_softmax", 0.0),
     ("logsumexp", 3.0), ("squeeze", 3.0)],
)  # fmt: skip
def test_a_0d_tensor_accepts_dim_0_and_minus_1(op, dim, expected):
    t = Tensor(3.0, requires_grad=True)
    out = getattr(t, op)(dim)
    assert out.shape == () and out.item() == expected
    out.backward()
    assert t.grad.shape == ()
    vals, idx = Tensor(3.0).max(dim)
    assert vals.item() == 3.0 and idx.item() == 0 and Tensor(3.0).argmax(dim).item() == 0


# ---- float32 stays float32 -------------------------------------------------------------------------------------
def test_float32_is_kept_through_masks_maximum_where():
    x = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    results = {
        "x * (x > 0)": x * (x > 0),
        "maximum(x, 0.0)": ad.maximum(x, 0.0),
        "minimum(0, x)": ad.minimum(0, x),
        "where(x > 0, x, 0.0)": ad.where(x > 0, x, 0.0),
        "x * np.bool_mask": x * np.array([True, False]),
        "x.clip(low=0)": x.clip(low=0.0),
    }  # torch: every one float32
    for name, out in results.items():
        assert out.dtype == np.float32, name
        out.sum().backward()
        assert x.grad.dtype == np.float32, name
        x.zero_grad()


# ---- comparisons, masks, conversions -----------------------------------------------------------------------------
def test_comparisons_are_boolean_masks_and_eq_is_elementwise():
    t = Tensor([0.0, 1.0, 0.0, 3.0])
    for mask in (t == 0, t != 0, t < 1, t <= 1, t > 0, t >= 0):
        assert isinstance(mask, Tensor) and mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal((t == 0).data, [True, False, True, False])
    np.testing.assert_array_equal(ad.where(t == 0, 5.0, t).data, [5.0, 1.0, 5.0, 3.0])  # used to select nothing
    assert (t == None) is False and len({t, Tensor([1.0])}) == 2  # noqa: E711 -- identity fallback; still hashable
    assert bool(Tensor(2.0) > 1) and not bool(Tensor([0.0]) == 1)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(t == 0)


def test_a_bool_tensor_indexes_as_a_mask():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    picked = x[Tensor([True, False, True])]  # torch: [10, 30] (we gave [20, 10, 20])
    np.testing.assert_array_equal(picked.data, [10.0, 30.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(x[x > 15].data, [20.0, 30.0])
    np.testing.assert_array_equal(x[x.argmax()].data, 30.0)  # an int64 index tensor


def test_list_float_int_and_asarray_of_tensors():
    with pytest.raises(TypeError, match="0-d"):
        list(Tensor(3.0))  # torch raises; we returned []
    rows = list(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert len(rows) == 2 and isinstance(rows[0], Tensor) and rows[1].data.tolist() == [3.0, 4.0]
    assert float(Tensor([2.5])) == 2.5 and int(Tensor(3.9)) == 3
    with pytest.raises(TypeError, match="one-element"):
        float(Tensor([1.0, 2.0]))
    a = np.asarray(Tensor([1.0, 2.0]))
    assert a.dtype == np.float64 and a.tolist() == [1.0, 2.0]  # was an object array
    with pytest.raises(TypeError, match=r"detach\(\)\.numpy\(\)"):
        np.asarray(Tensor([1.0], requires_grad=True))


# ---- derivatives at NaN and ±inf -------------------------------------------------------------------------------
TORCH_GRADS_AT_SPECIALS = {  # torch.<f>(torch.tensor([nan, inf, -inf])).sum().backward() -> x.grad
    "relu": [1.0, 1.0, 0.0],
    "hardtanh": [1.0, 0.0, 0.0],
    "elu": [1.0, 1.0, 0.0],
    "softsign": [nan, nan, nan],
    "abs": [0.0, 1.0, -1.0],
    "sigmoid": [nan, 0.0, 0.0],
    "tanh": [nan, 0.0, 0.0],
    "exp": [nan, inf, 0.0],
    "log": [nan, 0.0, -0.0],
    "sqrt": [nan, 0.0, nan],
    "leaky_relu": [0.01, 1.0, 0.01],
}


@pytest.mark.parametrize("name", TORCH_GRADS_AT_SPECIALS)
def test_derivatives_at_nan_and_inf_follow_pytorch(name):
    expected = TORCH_GRADS_AT_SPECIALS[name]
    z = Tensor([nan, inf, -inf], requires_grad=True)
    getattr(z, name)().sum().backward()
    np.testing.assert_array_equal(z.grad, expected)
    for point, want in zip((nan, inf, -inf), expected):
        v = Value(point)
        getattr(v, name)().backward()
        np.testing.assert_array_equal(v.grad, want)


def test_elu_derivative_does_not_cancel_for_very_negative_inputs():
    z = Tensor([-30.0, -40.0, -700.0], requires_grad=True)
    z.elu().sum().backward()  # torch: α·e^z, e.g. 9.3576e-14 and 4.2484e-18 (we gave ~0 and exactly 0)
    np.testing.assert_allclose(z.grad, np.exp([-30.0, -40.0, -700.0]), rtol=1e-15)


def test_maximum_minimum_with_a_nan_operand_send_the_whole_signal_to_both():
    a = Tensor([nan, 1.0, 2.0], requires_grad=True)
    b = Tensor([1.0, nan, 2.0], requires_grad=True)
    ad.maximum(a, b).sum().backward()  # torch.maximum: a.grad = b.grad = [1, 1, 0.5]
    np.testing.assert_array_equal(a.grad, [1.0, 1.0, 0.5])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0, 0.5])
    a.zero_grad(), b.zero_grad()
    ad.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0, 0.5])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0, 0.5])


# ---- concurrent backward ---------------------------------------------------------------------------------------
def _deep_shared_loss(w: Tensor, shared: Tensor, k: int, depth: int) -> Tensor:
    h = shared * (1.0 + k)
    for _ in range(depth):
        h = (h * w).tanh() + w
    return h.sum()


def _after(barrier: threading.Barrier, run: object) -> None:
    barrier.wait()  # all threads start their pass together
    run()


def test_concurrent_backward_on_shared_leaves_and_subgraphs_sums_every_pass():
    """8 threads, one weight and one shared subgraph: each leaf ends with the sum of every pass's contribution."""
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal(5) * 0.5, rng.standard_normal(5)
    threads_n, depth = 8, 60

    def expected() -> np.ndarray:
        w, x = Tensor(w0, requires_grad=True), Tensor(x0, requires_grad=True)
        shared = (x * w).sigmoid()
        for k in range(threads_n):
            _deep_shared_loss(w, shared, k, depth).backward()
        return w.grad, x.grad

    want_w, want_x = expected()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            w, x = Tensor(w0, requires_grad=True), Tensor(x0, requires_grad=True)
            shared = (x * w).sigmoid()
            losses = [_deep_shared_loss(w, shared, k, depth) for k in range(threads_n)]
            barrier = threading.Barrier(threads_n)

            workers = [threading.Thread(target=_after, args=(barrier, loss.backward)) for loss in losses]
            for t in workers:
                t.start()
            for t in workers:
                t.join()
            np.testing.assert_allclose(w.grad, want_w, rtol=1e-12)
            np.testing.assert_allclose(x.grad, want_x, rtol=1e-12)
    finally:
        sys.setswitchinterval(interval)


def test_concurrent_backward_on_scalar_values():
    w = Value(0.3)
    shared = (w * 0.5).tanh()
    losses = []
    for k in range(8):
        h = shared * (k + 1)
        for _ in range(200):
            h = (h * w).tanh() + w
        losses.append(h)
    want = 0.0
    for loss in losses:
        w.zero_grad()
        loss.backward()
        want += w.grad
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            w.zero_grad()
            barrier = threading.Barrier(len(losses))
            workers = [threading.Thread(target=_after, args=(barrier, h.backward)) for h in losses]
            for t in workers:
                t.start()
            for t in workers:
                t.join()
            assert w.grad == pytest.approx(want, rel=1e-12)
    finally:
        sys.setswitchinterval(interval)


# ---- property: masks and argmax agree with numpy on random shapes ---------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_max_dim_and_argmax_agree_with_numpy(shape, seed, data):
    x = np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float64)  # many ties: first index wins
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    t = Tensor(x, requires_grad=True)
    vals, idx = t.max(dim, keepdim=keepdim)
    np.testing.assert_array_equal(idx.data, np.argmax(x, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(vals.data, np.max(x, axis=dim, keepdims=keepdim))
    vals.sum().backward()
    assert t.grad.sum() == vals.data.size and set(np.unique(t.grad)) <= {0.0, 1.0}
    np.testing.assert_array_equal(t.argmin(dim, keepdim).data, np.argmin(x, axis=dim, keepdims=keepdim))

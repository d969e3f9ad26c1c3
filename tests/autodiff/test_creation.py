"""autodiff.creation / autodiff.random: PyTorch's constructors, dtypes and seeded generators."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad


def test_dtypes_follow_pytorch():
    assert ad.tensor([1, 2]).dtype == np.int64 and ad.Tensor([1, 2]).dtype == np.float64
    assert ad.tensor([1.0, 2]).dtype == np.float64 and ad.tensor(True).dtype == np.bool_
    assert ad.tensor(np.zeros(2, np.float32)).dtype == np.float32
    assert ad.full((2,), 3).dtype == np.int64 and ad.full((2,), 3.0).dtype == np.float64
    assert ad.arange(5).data.tolist() == [0, 1, 2, 3, 4] and ad.arange(5).dtype == np.int64
    np.testing.assert_array_equal(ad.arange(0, 1, 0.25).data, [0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(ad.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])  # torch.linspace(0, 1, 5)
    np.testing.assert_array_equal(ad.eye(2, 3).data, np.eye(2, 3))
    assert ad.zeros(2, 3).shape == ad.ones((2, 3)).shape == (2, 3) and ad.zeros(()).shape == ()
    assert ad.zeros_like(ad.tensor([[1, 2]])).dtype == np.int64
    assert ad.full_like(ad.zeros(2), 7).data.tolist() == [7.0, 7.0]
    assert ad.randint(0, 10, (5,)).dtype == np.int64 and ad.randperm(4).data.tolist() != []


def test_requires_grad_only_for_floats():
    w = ad.randn(3, 2, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((3, 2), 2.0))
    with pytest.raises(TypeError, match="only floating-point"):
        ad.arange(3, requires_grad=True)
    with pytest.raises(TypeError, match="needs a size"):
        ad.zeros()
    with pytest.raises(TypeError, match="not supported"):
        ad.zeros(2, dtype=np.int32)


def test_generators_are_reproducible_and_independent():
    a = ad.randn((4,), generator=ad.Generator().manual_seed(42))
    b = ad.randn((4,), generator=ad.Generator().manual_seed(42))
    np.testing.assert_array_equal(a.data, b.data)
    ad.manual_seed(3)
    first = ad.rand(3).data
    ad.manual_seed(3)
    np.testing.assert_array_equal(ad.rand(3).data, first)
    assert ad.initial_seed() == 3
    g = ad.Generator().manual_seed(1)
    state = g.get_state()
    x = ad.randint(0, 100, (5,), generator=g).data
    g.set_state(state)
    np.testing.assert_array_equal(ad.randint(0, 100, (5,), generator=g).data, x)


def test_multinomial_frequencies_and_errors():
    g = ad.Generator().manual_seed(0)
    p = ad.tensor([0.1, 0.0, 0.9])
    draws = ad.multinomial(p, num_samples=20000, replacement=True, generator=g)
    assert draws.dtype == np.int64 and draws.shape == (20000,)
    freq = np.bincount(draws.data, minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.9], atol=0.01)
    rows = ad.multinomial(ad.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]]), 2, generator=g)
    assert rows.shape == (2, 2) and set(rows.data[0]) == {0, 1} and set(rows.data[1]) == {1, 2}
    with pytest.raises(ValueError, match="without replacement"):
        ad.multinomial(p, 3)
    with pytest.raises(ValueError, match="sums to 0"):
        ad.multinomial(ad.zeros(3), 1)

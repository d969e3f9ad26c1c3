"""clip_grad_norm_ / clip_grad_value_ with PyTorch's semantics, on Values and Tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autodiff import Value
from optim import clip_grad_norm_, clip_grad_value_

from .helpers import Tensor

needs_tensor = pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing")


def values(grads):
    out = []
    for g in grads:
        v = Value(0.0)
        v.grad = g
        out.append(v)
    return out


def test_values_clipped_to_max_norm():
    ps = values([3.0, 4.0])
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert total == 5.0
    coef = 1.0 / (5.0 + 1e-6)
    assert [p.grad for p in ps] == pytest.approx([3.0 * coef, 4.0 * coef], rel=1e-15)
    assert isinstance(ps[0].grad, float)


def test_not_clipped_below_max_norm():
    ps = values([3.0, 4.0])
    assert clip_grad_norm_(ps, max_norm=5.0) == 5.0  # coef = 5/(5 + 1e-6) < 1: PyTorch scales (by ~1 − 2e-7)
    assert ps[0].grad == pytest.approx(3.0 * 5.0 / (5.0 + 1e-6), rel=1e-15)
    ps = values([3.0, 4.0])
    clip_grad_norm_(ps, max_norm=10.0)
    assert [p.grad for p in ps] == [3.0, 4.0]  # untouched


@needs_tensor
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf, "inf"])
def test_tensors_joint_norm(norm_type):
    rng = np.random.default_rng(0)
    g1, g2 = rng.normal(size=(3, 4)), rng.normal(size=5)
    a, b = Tensor(np.zeros((3, 4)), requires_grad=True), Tensor(np.zeros(5), requires_grad=True)
    c = Tensor(np.zeros(2), requires_grad=True)  # grad None: ignored
    a.grad, b.grad = g1.copy(), g2.copy()
    flat = np.concatenate([g1.ravel(), g2])
    p = float(norm_type)
    expected = np.abs(flat).max() if math.isinf(p) else (np.abs(flat) ** p).sum() ** (1 / p)
    total = clip_grad_norm_([a, b, c], max_norm=0.5, norm_type=norm_type)
    assert total == pytest.approx(expected, rel=1e-12)
    coef = 0.5 / (expected + 1e-6)
    np.testing.assert_allclose(a.grad, g1 * coef, rtol=1e-12)
    np.testing.assert_allclose(b.grad, g2 * coef, rtol=1e-12)
    assert c.grad is None


@needs_tensor
def test_single_tensor_and_dtype():
    a = Tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    a.grad = np.full(4, 2.0, dtype=np.float32)
    assert clip_grad_norm_(a, 1.0) == pytest.approx(4.0)
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, 0.5, rtol=1e-6)


def test_no_grads_and_errors():
    assert clip_grad_norm_([], 1.0) == 0.0
    ps = values([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="Invalid max_norm value: -1"):
        clip_grad_norm_(values([1.0]), -1)
    with pytest.raises(ValueError, match="Invalid norm_type value"):
        clip_grad_norm_(values([1.0]), 1.0, norm_type=0)
    with pytest.raises(TypeError, match="not a Value or Tensor"):
        clip_grad_norm_([1.0], 1.0)


def test_clip_grad_value():
    ps = values([-3.0, 0.5, 2.0])
    clip_grad_value_(ps, 1.0)
    assert [p.grad for p in ps] == [-1.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="Invalid clip_value value"):
        clip_grad_value_(ps, -1.0)

"""autodiff.Function: custom ops with a hand-written backward, gradchecked and compared to HIPS autograd."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

import autodiff as ad
from autodiff import Tensor, gradcheck


class ScaledCube(ad.Function):
    @staticmethod
    def forward(ctx, x, w, k):
        ctx.save_for_backward(x, w)
        ctx.k = k
        return Tensor(k * x.data**3 * w.data)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g.data * 3 * ctx.k * x.data**2 * w.data, g.data * ctx.k * x.data**3, None


def test_function_gradchecks_and_matches_autograd():
    rng = np.random.default_rng(0)
    x, w = Tensor(rng.normal(size=(3, 2)), requires_grad=True), Tensor(rng.normal(size=(2,)), requires_grad=True)
    y = ScaledCube.apply(x, w, 2.0)
    assert y.op == "ScaledCube" and y.requires_grad
    assert gradcheck(lambda x, w: (ScaledCube.apply(x, w, 2.0) ** 2).sum(), [x, w])
    (y**2).sum().backward()
    f = lambda a, b: anp.sum((2.0 * a**3 * b) ** 2)  # noqa: E731
    np.testing.assert_allclose(x.grad, grad(f, 0)(x.data, w.data), rtol=1e-12)
    np.testing.assert_allclose(w.grad, grad(f, 1)(x.data, w.data), rtol=1e-12)  # broadcast share summed back


def test_backward_runs_once_per_pass_and_checks_versions():
    calls = []

    class Square(ad.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return Tensor(a.data * b.data)

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            a, b = ctx.saved_tensors
            return g * b.data, g * a.data

    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    out = Square.apply(a, b).sum()
    out.backward()
    assert len(calls) == 1 and a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]
    a.data = a.data + 1
    with pytest.raises(RuntimeError, match="modified after the forward pass"):
        out.backward()


def test_wrong_backward_results_are_named():
    class Bad(ad.Function):
        @staticmethod
        def forward(ctx, a):
            return Tensor(a.data)

        @staticmethod
        def backward(ctx, g):
            return g.data, None

    a = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="returned 2 gradient"):
        Bad.apply(a).sum().backward()
    with pytest.raises(NotImplementedError):
        ad.Function.apply(a)

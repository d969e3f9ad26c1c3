"""Shared by the optim tests: parameters of either engine, and a gradient to feed them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from autodiff import Value

try:
    from autodiff import Tensor
except ImportError:  # the Tensor engine is not exported yet
    Tensor = None

KINDS = ["value", pytest.param("tensor", marks=pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing"))]

THETA0 = np.array([[0.8, -1.3, 0.25], [2.0, -0.4, 1.1]])  # a 2×3 "weight matrix": fan_in 3, fan_out 2


def grad_fn(theta: np.ndarray) -> np.ndarray:
    """∇ of J(θ) = Σ a·θ²/2 − b·θ + sin(3θ)/6: a gradient that depends on θ, so the whole trajectory matters."""
    a = np.linspace(0.5, 2.0, theta.size).reshape(theta.shape)
    b = np.linspace(-1.0, 1.0, theta.size).reshape(theta.shape)
    return a * theta - b + 0.5 * np.cos(3 * theta)


def make_params(kind: str, theta0: np.ndarray = THETA0) -> list:
    """Values: one per entry (row-major); Tensor: one 2×3 tensor."""
    if kind == "value":
        return [Value(float(x)) for x in theta0.ravel()]
    return [Tensor(theta0.copy(), requires_grad=True)]


def read(kind: str, params: list, shape: tuple[int, ...] = THETA0.shape) -> np.ndarray:
    if kind == "value":
        return np.array([p.data for p in params]).reshape(shape)
    return params[0].data.copy()


def write_grad(kind: str, params: list, grad: np.ndarray) -> None:
    if kind == "value":
        for p, g in zip(params, grad.ravel()):
            p.grad = float(g)
    else:
        params[0].grad = grad.copy()


def trajectory(kind: str, make_opt: Callable[[list], object], steps: int = 15, theta0: np.ndarray = THETA0):
    """θ after each of ``steps`` optimizer steps, with g = grad_fn(θ) written into the parameters."""
    params = make_params(kind, theta0)
    opt = make_opt(params)
    out = []
    for _ in range(steps):
        write_grad(kind, params, grad_fn(read(kind, params, theta0.shape)))
        opt.step()
        out.append(read(kind, params, theta0.shape))
    return np.array(out)

"""The op table: one entry per differentiable operation, as PyTorch's OpInfo.

Each entry says how to call the op on each engine, how to compute the same thing with HIPS autograd (the
independent oracle), which sample input shapes to try and from which domain to draw their values. The sweep in
``test_optable.py`` runs every entry through gradcheck, zero-gradient, reentrancy and oracle checks, and a coverage
test fails when the engines grow a public operation that has no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import autograd.numpy as anp
import numpy as np

import autodiff as ad
from autodiff import Tensor, Value


@dataclass(frozen=True)
class OpInfo:
    name: str
    tensor: Callable[..., Tensor] | None  # f(*tensors) on the Tensor engine
    oracle: Callable[..., Any]  # the same function in autograd.numpy
    shapes: list[tuple[tuple[int, ...], ...]]  # sample input shapes, one tuple per sample
    value: Callable[..., Value] | None = None  # f(*values) on the scalar engine, for scalar samples
    domain: tuple[float, float] = (-2.0, 2.0)
    away_from: tuple[float, ...] = ()  # kinks: sample values stay ≥ 0.1 away from these
    covers: tuple[str, ...] = field(default=())  # public names this entry exercises (default: name)
    distinct: bool = False  # values must differ pairwise (max/min ties are tested elsewhere)

    def sample(self, shapes: tuple[tuple[int, ...], ...], rng: np.random.Generator) -> list[np.ndarray]:
        lo, hi = self.domain
        arrays = []
        for shape in shapes:
            x = rng.uniform(lo, hi, size=shape)
            for kink in self.away_from:
                near = np.abs(x - kink) < 0.1
                x = np.where(near, kink + np.sign(x - kink + 1e-12) * 0.1 + 0.05, x)
            if self.distinct and x.size:
                x = x + np.arange(x.size).reshape(shape) * 1e-3
            arrays.append(x)
        return arrays


def _anp_sigmoid(x):
    return 0.5 * (anp.tanh(x / 2) + 1)


def _anp_erf(x):
    """erf for the oracle: autograd's scipy wrapper (its own derivative 2/√π·e^{−x²})."""
    from autograd.scipy.special import erf

    return erf(x)


def _anp_lse(x, axis):
    m = anp.max(x, axis=axis, keepdims=True)
    return anp.squeeze(m, axis=axis) + anp.log(anp.sum(anp.exp(x - m), axis=axis))


ELEMENTWISE_SHAPES = [((),), ((3,),), ((2, 3),)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3, 1), (4,)), ((), (2, 3)), ((2, 1, 4), (3, 1))]


def _unary(name, oracle, domain=(-2.0, 2.0), away_from=(), **params):
    return OpInfo(
        name,
        tensor=lambda x: getattr(x, name)(**params),
        value=lambda x: getattr(x, name)(**params),
        oracle=oracle,
        shapes=ELEMENTWISE_SHAPES,
        domain=domain,
        away_from=away_from,
    )


def _binary(name, fn, oracle, domain=(-2.0, 2.0), covers=()):
    return OpInfo(name, tensor=fn, value=fn, oracle=oracle, shapes=BINARY_SHAPES, domain=domain, covers=covers)


OPS: list[OpInfo] = [
    _binary("add", lambda a, b: a + b, lambda a, b: a + b, covers=("__add__", "__radd__")),
    _binary("sub", lambda a, b: a - b, lambda a, b: a - b, covers=("__sub__", "__rsub__")),
    _binary("mul", lambda a, b: a * b, lambda a, b: a * b, covers=("__mul__", "__rmul__")),
    _binary("div", lambda a, b: a / b, lambda a, b: a / b, domain=(0.5, 2.0), covers=("__truediv__", "__rtruediv__")),
    _binary("pow", lambda a, b: a**b, lambda a, b: a**b, domain=(0.5, 2.0), covers=("__pow__", "__rpow__")),
    OpInfo(
        "add_const", lambda x: 2.5 + x - 1.0, lambda x: 2.5 + x - 1.0, ELEMENTWISE_SHAPES, value=lambda x: 2.5 + x - 1.0
    ),
    OpInfo(
        "div_const",
        lambda x: 3.0 / x + x / 4.0,
        lambda x: 3.0 / x + x / 4.0,
        ELEMENTWISE_SHAPES,
        value=lambda x: 3.0 / x + x / 4.0,
        domain=(0.5, 2.0),
    ),
    OpInfo(
        "pow_const", lambda x: x**3 + 2.0**x, lambda x: x**3 + 2.0**x, ELEMENTWISE_SHAPES, value=lambda x: x**3 + 2.0**x
    ),
    OpInfo("neg", lambda x: -x, lambda x: -x, ELEMENTWISE_SHAPES, value=lambda x: -x, covers=("__neg__",)),
    OpInfo(
        "abs",
        lambda x: abs(x) + x.abs(),
        lambda x: 2 * anp.abs(x),
        ELEMENTWISE_SHAPES,
        value=lambda x: abs(x) + x.abs(),
        away_from=(0.0,),
        covers=("abs", "__abs__"),
    ),
    _unary("exp", anp.exp),
    _unary("log", anp.log, domain=(0.2, 3.0)),
    _unary("sqrt", anp.sqrt, domain=(0.2, 3.0)),
    _unary("tanh", anp.tanh),
    _unary("sigmoid", _anp_sigmoid),
    _unary("relu", lambda x: anp.maximum(x, 0.0), away_from=(0.0,)),
    _unary("leaky_relu", lambda x: anp.where(x > 0, x, 0.1 * x), away_from=(0.0,), k=0.1),
    _unary("elu", lambda x: anp.where(x > 0, x, 0.7 * (anp.exp(anp.minimum(x, 0)) - 1)), away_from=(0.0,), alpha=0.7),
    _unary("hardtanh", lambda x: anp.clip(x, -1, 1), away_from=(-1.0, 1.0)),
    _unary("softsign", lambda x: x / (1 + anp.abs(x)), away_from=(0.0,)),
    _unary("log2", lambda x: anp.log(x) / np.log(2.0), domain=(0.2, 3.0)),
    _unary("log10", lambda x: anp.log(x) / np.log(10.0), domain=(0.2, 3.0)),
    _unary("softplus", lambda x: anp.log1p(anp.exp(1.5 * x)) / 1.5, domain=(-3.0, 3.0), beta=1.5),
    OpInfo(
        "softplus_threshold",  # above βz > threshold softplus is z itself (PyTorch's rule)
        lambda x: x.softplus(threshold=1.0),
        lambda x: anp.where(x > 1.0, x, anp.log1p(anp.exp(x))),
        ELEMENTWISE_SHAPES,
        value=lambda x: x.softplus(threshold=1.0),
        away_from=(1.0,),
        covers=(),
    ),
    _unary("silu", lambda x: x * _anp_sigmoid(x)),
    _unary("gelu", lambda x: x * 0.5 * (1.0 + _anp_erf(x / np.sqrt(2.0)))),
    OpInfo(
        "clamp",
        lambda x: x.clamp(min=-0.5) + x.clamp(max=0.5) + x.clamp(-1.0, 1.0),
        lambda x: anp.clip(x, -0.5, None) + anp.clip(x, None, 0.5) + anp.clip(x, -1.0, 1.0),
        [((2, 3),)],
        away_from=(-1.0, -0.5, 0.5, 1.0),
    ),
    OpInfo(
        "pow_method",
        lambda x: x.pow(3) + x.pow(x),
        lambda x: x**3 + x**x,
        [((3,),)],
        domain=(0.5, 2.0),
        covers=("pow",),
    ),
    OpInfo(
        "masked_fill",
        lambda x: x.masked_fill(x > 0.5, -3.0) * x,
        lambda x: anp.where(x > 0.5, -3.0, x) * x,
        [((2, 3),)],
        away_from=(0.5,),
    ),
    OpInfo(
        "var",
        lambda x: x.var() + x.var(dim=0).sum() + x.var(1, unbiased=False, keepdim=True).sum() + x.std(correction=2),
        lambda x: anp.var(x, ddof=1) + anp.sum(anp.var(x, axis=0, ddof=1)) + anp.sum(anp.var(x, axis=1, keepdims=True))
        + anp.std(x, ddof=2),
        [((3, 4),)],
        covers=("var", "std"),
    ),
    OpInfo(
        "cumsum",
        lambda x: x.cumsum(dim=1) * np.arange(12.0, dtype=x.dtype).reshape(3, 4) + x.cumsum(0),
        lambda x: anp.cumsum(x, axis=1) * np.arange(12.0).reshape(3, 4) + anp.cumsum(x, axis=0),
        [((3, 4),)],
    ),
    OpInfo(
        "gather",
        lambda x: x.gather(1, np.array([[0, 0], [3, 1], [2, 2]])) * np.arange(6.0, dtype=x.dtype).reshape(3, 2),
        lambda x: x[np.arange(3)[:, None], np.array([[0, 0], [3, 1], [2, 2]])] * np.arange(6.0).reshape(3, 2),
        [((3, 4),)],
    ),
    OpInfo(
        "expand",
        lambda x: x.expand(2, 3, 4) * np.arange(24.0, dtype=x.dtype).reshape(2, 3, 4),
        lambda x: anp.broadcast_to(x[None], (2, 3, 4)) * np.arange(24.0).reshape(2, 3, 4),
        [((3, 1),)],
    ),
    OpInfo(
        "repeat",
        lambda x: x.repeat(2, 1, 3) * np.arange(36.0, dtype=x.dtype).reshape(2, 3, 6),
        lambda x: anp.concatenate([x, x, x], axis=1)[None].repeat(2, axis=0) * np.arange(36.0).reshape(2, 3, 6),
        [((3, 2),)],
    ),
    OpInfo(
        "flip",
        lambda x: x.flip(0) * np.arange(6.0, dtype=x.dtype).reshape(2, 3) + x.flip((0, 1))[0].sum(),
        lambda x: x[::-1] * np.arange(6.0).reshape(2, 3) + anp.sum(x[::-1, ::-1][0]),
        [((2, 3),)],
    ),
    OpInfo(
        "tril",
        lambda x: x.tril() * 2.0 + x.triu(1) * 3.0 + x.tril(-1).sum(),
        lambda x: anp.tril(x) * 2.0 + anp.triu(x, 1) * 3.0 + anp.sum(anp.tril(x, -1)),
        [((3, 3),), ((3, 4),)],
        covers=("tril", "triu"),
    ),
    OpInfo(
        "view",
        lambda x: x.view(4, 3) @ np.arange(3.0, dtype=x.dtype) + x.view(-1)[0],
        lambda x: anp.dot(anp.reshape(x, (4, 3)), np.arange(3.0)) + anp.reshape(x, (12,))[0],
        [((2, 6),)],
    ),
    OpInfo(
        "matmul_methods",
        lambda a, b: a.matmul(b).sum() + a.mm(b).sum(),
        lambda a, b: 2 * anp.sum(anp.matmul(a, b)),
        [((2, 3), (3, 4))],
        covers=("matmul", "mm"),
    ),
    OpInfo(
        "weighted_sum",
        None,
        lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
        [((),) * 5],
        value=lambda w1, w2, x1, x2, b: ad.weighted_sum([w1, w2], [x1, x2], b),
    ),
    OpInfo(
        "matmul",
        lambda a, b: a @ b,
        lambda a, b: anp.matmul(a, b),
        [
            ((3,), (3,)),
            ((2, 3), (3,)),
            ((3,), (3, 2)),
            ((2, 3), (3, 4)),
            ((2, 2, 3), (3, 2)),
            ((2, 1, 2, 3), (3, 3, 2)),
        ],
        covers=("matmul", "__matmul__", "__rmatmul__"),
    ),
    OpInfo(
        "linear",
        lambda x, W, b: ad.linear(x, W, b),
        lambda x, W, b: anp.dot(x, W.T) + b,
        [((3,), (2, 3), (2,)), ((4, 3), (2, 3), (2,))],
    ),
    OpInfo(
        "sum",
        lambda x: x.sum() + x.sum(axis=1).sum() + (x.sum(axis=(0, -1), keepdims=True) ** 2).sum(),
        lambda x: anp.sum(x) + anp.sum(anp.sum(x, axis=1)) + anp.sum(anp.sum(x, axis=(0, 2), keepdims=True) ** 2),
        [((2, 3, 4),)],
    ),
    OpInfo(
        "mean",
        lambda x: x.mean() + (x.mean(axis=-1) ** 2).sum(),
        lambda x: anp.mean(x) + anp.sum(anp.mean(x, axis=-1) ** 2),
        [((2, 3),), ((2, 3, 4),)],
    ),
    OpInfo(
        "max",
        lambda x: x.max() + x.max(0).values.sum() + x.max(dim=1, keepdim=True).values.sum(),
        lambda x: anp.max(x) + anp.sum(anp.max(x, axis=0)) + anp.sum(anp.max(x, axis=1, keepdims=True)),
        [((3, 4),)],
        distinct=True,
    ),
    OpInfo(
        "min",
        lambda x: x.min() + x.min(-1)[0].sum(),
        lambda x: anp.min(x) + anp.sum(anp.min(x, axis=-1)),
        [((3, 4),)],
        distinct=True,
    ),
    OpInfo(
        "amax",
        lambda x: x.amax() + x.amax(axis=0).sum() + x.amax(dim=(0, 2), keepdim=True).sum(),
        lambda x: anp.max(x) + anp.sum(anp.max(x, axis=0)) + anp.sum(anp.max(x, axis=(0, 2), keepdims=True)),
        [((3, 4, 2),)],
        distinct=True,
    ),
    OpInfo(
        "amin",
        lambda x: x.amin() + x.amin(-1).sum(),
        lambda x: anp.min(x) + anp.sum(anp.min(x, axis=-1)),
        [((3, 4),)],
        distinct=True,
    ),
    OpInfo(
        "reshape",
        lambda x: x.reshape(4, 3) @ np.arange(3.0, dtype=x.dtype),
        lambda x: anp.dot(anp.reshape(x, (4, 3)), np.arange(3.0)),
        [((2, 6),)],
    ),
    OpInfo(
        "transpose",
        lambda x: x.transpose(0, 2) * np.arange(2.0, dtype=x.dtype) + x.transpose(-1, 1).sum(),
        lambda x: anp.transpose(x, (2, 1, 0)) * np.arange(2.0) + anp.sum(x),
        [((2, 4, 3),)],
    ),
    OpInfo(
        "permute",
        lambda x: x.permute(2, 0, 1) * np.arange(3.0, dtype=x.dtype)[:, None, None],
        lambda x: anp.transpose(x, (2, 0, 1)) * np.arange(3.0)[:, None, None],
        [((2, 4, 3),)],
    ),
    OpInfo("t", lambda x: x.t() @ np.arange(3.0, dtype=x.dtype), lambda x: anp.dot(x.T, np.arange(3.0)), [((3, 2),)]),
    OpInfo("T", lambda x: x.T @ np.arange(3.0, dtype=x.dtype), lambda x: anp.dot(x.T, np.arange(3.0)), [((3, 2),)]),
    OpInfo("squeeze", lambda x: x.squeeze() * x.squeeze(1).sum(), lambda x: anp.squeeze(x) * anp.sum(x), [((3, 1),)]),
    OpInfo("unsqueeze", lambda x: x.unsqueeze(0) * x.unsqueeze(-1), lambda x: x[None, :] * x[:, None], [((3,),)]),
    OpInfo(
        "flatten",
        lambda x: x.flatten() * np.arange(12.0, dtype=x.dtype),
        lambda x: anp.reshape(x, (12,)) * np.arange(12.0),
        [((2, 3, 2),)],
    ),
    OpInfo(
        "index",
        lambda x: x[1] + x[[0, 0, 2]].sum(axis=0) + x[:, 1:].sum(),
        lambda x: x[1] + anp.sum(x[np.array([0, 0, 2])], axis=0) + anp.sum(x[:, 1:]),
        [((3, 4),)],
        covers=("__getitem__",),
    ),
    OpInfo(
        "concat",
        lambda a, b: ad.concat([a, b * 2], axis=1),
        lambda a, b: anp.concatenate([a, b * 2], axis=1),
        [((2, 3), (2, 1))],
    ),
    OpInfo(
        "stack", lambda a, b: ad.stack([a, b], axis=-1), lambda a, b: anp.stack([a, b], axis=-1), [((2, 3), (2, 3))]
    ),
    OpInfo("maximum", ad.maximum, anp.maximum, [((3,), (3,)), ((2, 3), (3,))], distinct=True),
    OpInfo("minimum", ad.minimum, anp.minimum, [((3,), (3,)), ((2, 3), (3,))], distinct=True),
    OpInfo(
        "where",
        lambda a, b: ad.where(a.data > 0, a * 2, b),
        lambda a, b: anp.where(a > 0, a * 2, b),
        [((3,), (3,)), ((2, 3), (2, 3))],
        away_from=(0.0,),
    ),
    OpInfo(
        "clip",
        lambda x: x.clip(-1.0, 1.0) + ad.clip(x, high=0.5),
        lambda x: anp.clip(x, -1, 1) + anp.minimum(x, 0.5),
        [((4,),), ((2, 3),)],
        away_from=(-1.0, 1.0, 0.5),
    ),
    OpInfo("logsumexp", lambda x: x.logsumexp(axis=-1), lambda x: _anp_lse(x, -1), [((4,),), ((2, 3),)]),
    OpInfo("softmax", lambda x: x.softmax(axis=0), lambda x: anp.exp(x - _anp_lse(x, 0)), [((4,),), ((3, 2),)]),
    OpInfo(
        "softmax_cross_entropy",
        lambda x: ad.softmax_cross_entropy(x, np.array([2, 0, 1, 2])),
        lambda x: -anp.mean((x - anp.expand_dims(_anp_lse(x, -1), -1))[np.arange(4), np.array([2, 0, 1, 2])]),
        [((4, 3),)],
    ),
    OpInfo(
        "log_softmax",
        lambda x: x.log_softmax(axis=-1),
        lambda x: x - anp.expand_dims(_anp_lse(x, -1), -1),
        [((4,),), ((2, 3),)],
    ),
]


def covered_names() -> set[str]:
    names = set()
    for op in OPS:
        names.update(op.covers or (op.name,))
    return names


NOT_OPS = {  # public members that are not differentiable operations
    "backward",
    "backward_steps",
    "zero_grad",
    "is_leaf",
    "partners",
    "share_formulas",
    "size",
    "numel",
    "dim",
    "requires_grad_",
    "retain_grad",
    "grad_fn",
    "argmax",
    "argmin",
    "any",
    "all",
    "item",
    "numpy",
    "detach",
    "parents",
    "local_grads",
    "const",
    "shape",
    "ndim",
    "dtype",
    "data",
    "grad",
    "label",
    "op",
    "requires_grad",
    # precision casts (∂y/∂x = 1, the share cast back): tests/autodiff/test_pytorch_spellings.py checks them
    "to",
    "float",
    "double",
    "long",
    "bool",
    "tolist",
}

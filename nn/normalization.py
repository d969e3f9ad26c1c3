"""Normalization layers, as PyTorch's: :class:`BatchNorm1d` (makemore part 3) and :class:`LayerNorm` (Transformers).

Both compute x̂ = (x − μ) / √(σ² + ε) and then y = γ ∘ x̂ + β with a learnable scale γ (``weight``, ones) and shift
β (``bias``, zeros). σ² is the *biased* variance (divided by n), as in PyTorch. They are composed of Tensor
operations, so backprop differentiates through μ and σ² as well (the gradient makemore's lecture derives by hand).

* BatchNorm1d normalizes each feature over the batch: μ, σ² per feature, over dim 0 of (N, C) (and dim 2 of
  (N, C, L)). In training it also keeps running averages for evaluation,
  ``running ← (1 − momentum)·running + momentum·batch`` (momentum 0.1), where the running variance takes the
  *unbiased* batch variance (divided by n − 1), as PyTorch; in ``eval()`` mode it normalizes with the running
  averages instead, so one example can be classified on its own.
* LayerNorm normalizes each example over its last dims (``normalized_shape``): no batch statistics, the same in
  training and evaluation.

``running_mean``/``running_var``/``num_batches_tracked`` are buffers (:meth:`~nn.module.Module.register_buffer`):
Tensors outside the graph, saved and loaded with the parameters under PyTorch's names.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff import Tensor, tensor

from .layers import _as_tensor
from .module import Module, Parameter
from .scalar import _check_size

__all__ = ["BatchNorm1d", "LayerNorm"]


def _eps(eps: Any, what: str) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 <= eps < np.inf:
        raise ValueError(f"{what}(eps) must be a finite number ≥ 0, got {eps!r}")
    return float(eps)


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def _normalize(x: Tensor, mean: Any, var: Any, eps: float) -> Tensor:
    """x̂ = (x − μ) / √(σ² + ε)."""
    return (x - mean) / (var + eps).sqrt()


class BatchNorm1d(Module):
    """Batch normalization over (N, C) or (N, C, L) inputs, ``C = num_features`` (see the module docstring).

    ``momentum=None`` makes the running statistics the plain average of all batches seen (PyTorch's cumulative
    mode). ``affine=False`` drops γ and β; ``track_running_stats=False`` keeps no running statistics and uses the
    batch's in evaluation too. Training needs more than one value per feature (N·L > 1).
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        self.num_features = _check_size(num_features, "BatchNorm1d(num_features)")
        self.eps = _eps(eps, "BatchNorm1d")
        if momentum is not None and (
            isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1
        ):
            raise ValueError(f"BatchNorm1d(momentum) must be in [0, 1] or None, got {momentum!r}")
        self.momentum = None if momentum is None else float(momentum)
        self.affine = _flag(affine, "BatchNorm1d(affine)")
        self.track_running_stats = _flag(track_running_stats, "BatchNorm1d(track_running_stats)")
        self.weight = Parameter(np.ones(self.num_features), label="γ") if self.affine else None
        self.bias = Parameter(np.zeros(self.num_features), label="β") if self.affine else None
        tracked = self.track_running_stats
        self.register_buffer("running_mean", Tensor(np.zeros(self.num_features)) if tracked else None)
        self.register_buffer("running_var", Tensor(np.ones(self.num_features)) if tracked else None)
        self.register_buffer("num_batches_tracked", tensor(0) if tracked else None)  # int64

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x, "BatchNorm1d")
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) needs an input (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got shape {x.shape}")  # fmt: skip
        axes = (0,) if x.ndim == 2 else (0, 2)
        per_channel = (1, -1) if x.ndim == 2 else (1, -1, 1)
        count = x.shape[0] * (1 if x.ndim == 2 else x.shape[2])
        if self.training or self.running_mean is None:
            if count < 2 and self.training:
                raise ValueError(f"BatchNorm1d in training needs more than one value per feature, got input shape "
                                 f"{x.shape}: use a larger batch, or eval() to use the running statistics")  # fmt: skip
            mean = x.mean(dim=axes, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
            if self.training and self.running_mean is not None:
                self._update_running(mean.data.reshape(-1), var.data.reshape(-1) * count / (count - 1))
        else:
            mean = Tensor(self.running_mean.data.reshape(per_channel).astype(x.dtype))
            var = Tensor(self.running_var.data.reshape(per_channel).astype(x.dtype))
        out = _normalize(x, mean, var, self.eps)
        if self.affine:
            out = out * self.weight.reshape(per_channel) + self.bias.reshape(per_channel)
        return out

    def _update_running(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        self.num_batches_tracked.data[...] += 1
        m = 1.0 / int(self.num_batches_tracked) if self.momentum is None else self.momentum
        self.running_mean.data = (1 - m) * self.running_mean.data + m * mean
        self.running_var.data = (1 - m) * self.running_var.data + m * unbiased_var

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")  # fmt: skip


class LayerNorm(Module):
    """Layer normalization over the last dims, ``normalized_shape`` (an int for the last dim, or a tuple): each
    example gets its own μ and σ² (see the module docstring). ``elementwise_affine=False`` drops γ and β,
    ``bias=False`` only β."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        dims = (normalized_shape,) if not isinstance(normalized_shape, (tuple, list)) else tuple(normalized_shape)
        if not dims:
            raise ValueError("LayerNorm(normalized_shape) needs at least one dim to normalize over")
        self.normalized_shape = tuple(_check_size(n, "LayerNorm(normalized_shape)") for n in dims)
        self.eps = _eps(eps, "LayerNorm")
        self.elementwise_affine = _flag(elementwise_affine, "LayerNorm(elementwise_affine)")
        use_bias = _flag(bias, "LayerNorm(bias)")
        self.weight = Parameter(np.ones(self.normalized_shape), label="γ") if self.elementwise_affine else None
        self.bias = (
            Parameter(np.zeros(self.normalized_shape), label="β") if self.elementwise_affine and use_bias else None
        )

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x, "LayerNorm")
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k :] != self.normalized_shape or x.ndim < k:
            raise ValueError(f"LayerNorm{self.normalized_shape} needs an input whose last dims are "
                             f"{self.normalized_shape}, got shape {x.shape}")  # fmt: skip
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(dim=axes, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
        out = _normalize(x, mean, var, self.eps)
        if self.weight is not None:
            out = out * self.weight
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps:g}, elementwise_affine={self.elementwise_affine}"

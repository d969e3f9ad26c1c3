"""Weight penalties added to the loss (notes §7.2): J_R = J + λ·Σ‖W⁽ⁱ⁾‖²_F (L2) or J + λ·Σᵢⱼ|W⁽ⁱ⁾ᵢⱼ| (L1).

Only *weights* are penalized; biases are not. Why (the notes leave it as an exercise): a weight Wᵢⱼ multiplies an
input, so large weights make the function steep — sensitive to small changes of x — and able to fit noise; shrinking
them is what trades a little bias for less variance. A bias multiplies nothing: it only shifts a unit's output by
a constant, the same for every input, so it adds no sensitivity and almost no capacity (one number per unit against
n_in per unit for W). Penalizing it would pull every offset toward the arbitrary value 0 — underfitting data whose
mean is not 0, e.g. un-centred targets — while reducing no variance. So the penalty covers weights only.

A parameter is a bias when its name's last component (ignoring list indices) is ``b`` or ``bias``, optionally
followed by a layer number (``b1``, ``b_2``, ``bias3``): ``0.b``, ``hidden.bias``, ``layers.1.neurons.0.b``.
Everything else — W, u, word vectors — is a weight. Both penalties work on ``Tensor`` models (the result is a
``Tensor``) and on the scalar ``Value`` models of ``nn.MLP`` (the result is a ``Value``).
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

from autodiff import Tensor, Value

from .module import Module

__all__ = ["l2_penalty", "l1_penalty", "is_bias_name", "weight_parameters"]

_BIAS = re.compile(r"(b|bias)(_?\d+)?")


def is_bias_name(name: str) -> bool:
    """``True`` for ``b``, ``bias``, ``b1``, ``bias_2`` as the last non-numeric component of a dotted name."""
    parts = [p for p in name.split(".") if not p.isdigit()]
    return bool(parts) and _BIAS.fullmatch(parts[-1]) is not None


def weight_parameters(model: Module) -> list[tuple[str, Any]]:
    """``(name, parameter)`` for every parameter of ``model`` that is not a bias (the ones L1/L2 penalize)."""
    if not isinstance(model, Module):
        raise TypeError(f"expected an nn.Module, got {type(model).__name__}")
    return [(name, p) for name, p in model.named_parameters() if not is_bias_name(name)]


def _lam(lam: Any) -> float:
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not 0 <= lam < math.inf:
        raise ValueError(f"the regularization strength λ (lam) must be a finite real number ≥ 0, got {lam!r}")
    return float(lam)


def _penalty(model: Module, lam: Any, tensor_term: Any, value_term: Any) -> Any:
    lam = _lam(lam)
    weights = [p for _, p in weight_parameters(model)]
    tensors = [p for p in weights if isinstance(p, Tensor)]
    values = [p for p in weights if isinstance(p, Value)]
    if tensors and values:
        raise TypeError("l1_penalty/l2_penalty: the model mixes Tensor and Value parameters; penalize them apart")
    if tensors:
        total = tensor_term(tensors[0])
        for w in tensors[1:]:
            total = total + tensor_term(w)
        return lam * total
    if values:
        total = value_term(values[0])
        for w in values[1:]:
            total = total + value_term(w)
        return lam * total
    return 0.0


def l2_penalty(model: Module, lam: float) -> Any:
    """λ·Σᵢ ‖W⁽ⁱ⁾‖²_F = λ·Σᵢ Σⱼₖ (W⁽ⁱ⁾ⱼₖ)² over the model's weights (biases excluded); gradient 2λW.

    The notes write λΣ‖W‖_F without the square, but their own text describes "the sum of the squared elements",
    and L2 regularization (weight decay, the Gaussian prior) is the *squared* norm: the unsquared norm has the
    non-smooth gradient λW/‖W‖_F instead of 2λW. This is the squared one. ``0.0`` if the model has no weights.
    """
    return _penalty(model, lam, lambda w: (w * w).sum(), lambda w: w * w)


def l1_penalty(model: Module, lam: float) -> Any:
    """λ·Σᵢ Σⱼₖ |W⁽ⁱ⁾ⱼₖ| over the model's weights (biases excluded); gradient λ·sgn(W), 0 at W = 0.

    The notes: L1 "leads to sparsity of parameter weights" — its pull toward 0 does not fade as a weight gets
    small (unlike L2's 2λW), so many weights end up exactly 0. ``0.0`` if the model has no weights.
    """
    return _penalty(model, lam, lambda w: w.abs().sum(), lambda w: w.abs())

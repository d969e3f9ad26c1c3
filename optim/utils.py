"""Gradient clipping, PyTorch's ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``, for Values and Tensors."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import _is_param, is_tensor_like, param_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters: Any) -> list[tuple[Any, np.ndarray]]:
    if _is_param(parameters):
        parameters = [parameters]
    elif isinstance(parameters, (str, bytes)) or not isinstance(parameters, Iterable):
        raise TypeError(f"parameters must be a parameter or an iterable of them, got {type(parameters).__name__}")
    pairs = []
    for i, p in enumerate(parameters):
        if not _is_param(p):
            raise TypeError(f"parameters[{i}] is not a Value or Tensor: {type(p).__name__}")
        grad = param_grad(p)
        if grad is not None:
            pairs.append((p, grad))
    return pairs


def _check_real(value: Any, name: str, expected: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} ({value!r:.40})")


def _set_grad(p: Any, grad: np.ndarray) -> None:
    p.grad = grad if is_tensor_like(p) else float(grad)


def clip_grad_norm_(
    parameters: Any, max_norm: float, norm_type: float | str = 2.0, error_if_nonfinite: bool = False
) -> float:
    r"""Rescale all gradients together so that their joint norm is at most ``max_norm``; return the norm before.

    The total norm treats every gradient as one long vector: ‖g‖_p = (Σ_params Σ_i |g_i|^p)^{1/p}
    (p = ``norm_type``; ``inf`` gives max |g_i|). If ‖g‖ > ``max_norm`` every gradient is multiplied by
    max_norm / (‖g‖ + 1e-6) — PyTorch's coefficient, applied only when it is below 1 — so the direction of the
    update is kept and only its length is capped. Parameters without a gradient (a Tensor with ``grad is None``)
    are ignored. Returns the total norm as a float (PyTorch returns a 0-d tensor).

    ``error_if_nonfinite=True`` raises ``RuntimeError`` when the total norm is NaN or infinite.
    """
    if norm_type == "inf":
        norm_type = math.inf
    _check_real(norm_type, "norm_type", "a positive number or inf")
    norm_type = float(norm_type)
    if math.isnan(norm_type) or norm_type <= 0:
        raise ValueError(f"Invalid norm_type value: {norm_type} (a positive number or inf)")
    _check_real(max_norm, "max_norm", "a number ≥ 0")
    if not float(max_norm) >= 0:
        raise ValueError(f"Invalid max_norm value: {max_norm} (must be ≥ 0)")
    if not isinstance(error_if_nonfinite, (bool, np.bool_)):
        raise TypeError(f"error_if_nonfinite must be True or False, got {error_if_nonfinite!r}")
    pairs = _with_grads(parameters)
    if not pairs:
        return 0.0
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for _, g in pairs)
    else:
        norms = np.array([np.linalg.norm(g.ravel().astype(np.float64), norm_type) for _, g in pairs])
        total = float(np.linalg.norm(norms, norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    clip_coef = float(max_norm) / (total + 1e-6)
    if clip_coef < 1.0:
        for p, g in pairs:
            _set_grad(p, g * np.asarray(clip_coef, dtype=g.dtype))
    return total


def clip_grad_value_(parameters: Any, clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value] (PyTorch's ``clip_grad_value_``)."""
    _check_real(clip_value, "clip_value", "a number ≥ 0")
    if not float(clip_value) >= 0:
        raise ValueError(f"Invalid clip_value value: {clip_value} (must be ≥ 0)")
    c = float(clip_value)
    for p, g in _with_grads(parameters):
        _set_grad(p, np.clip(g, -c, c))

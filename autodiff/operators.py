"""The operator surface both engines share: ``+ - * / **``, unary ``-``, ``abs`` and the elementwise functions.

Each method names its rule in :mod:`autodiff.rules`; an engine says how to apply a rule by providing two hooks:

* ``_apply_unary(rule, **params)`` — f(self), elementwise;
* ``_apply_binary(rule, a, b)`` — a ∘ b, where one of ``a``, ``b`` is the engine's node and the other may be a node
  or a number (``2 * v`` and ``v * 2`` both arrive here, in operand order).

So ``Value`` and ``Tensor`` offer exactly the same functions, with the same names, defaults and validation.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .rules import BINARY, UNARY

__all__ = ["Operators", "real_number", "float_operand"]


def real_number(x: Any, what: str, *, finite: bool = True) -> float:
    """``x`` as a float if it is a real number (not a bool); else a TypeError naming ``what``.

    NaN is always refused, ±inf unless ``finite=False`` (a ValueError naming ``what``)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} needs a real number, got {type(x).__name__}: {x!r}")
    x = float(x)
    if math.isnan(x) or (finite and math.isinf(x)):
        raise ValueError(f"{what} needs a finite number, got {x}")
    return x


def float_operand(x: Any, what: str) -> float:
    """A real-number operand (Python bools included: ``True`` is 1, as in PyTorch) as a float.

    An int too large for a float (``10**400``) is an OverflowError naming ``what``, not Python's bare
    "int too large to convert to float"."""
    try:
        return float(x)
    except OverflowError:
        digits = int(abs(int(x)).bit_length() * 0.30103) + 1  # str() of a huge int is itself refused by Python
        raise OverflowError(f"{what}: an int of about {digits} digits is too large for a float "
                            "(|x| ≤ 1.8e308)") from None


class Operators:
    """Mixin: arithmetic and elementwise functions defined by the rule table."""

    __slots__ = ()

    def _apply_unary(self, rule: Any, **params: float) -> Any:
        raise NotImplementedError

    def _apply_binary(self, rule: Any, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def __add__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["add"], self, other)

    def __radd__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["add"], other, self)

    def __sub__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["sub"], self, other)

    def __rsub__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["sub"], other, self)

    def __mul__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["mul"], self, other)

    def __rmul__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["mul"], other, self)

    def __truediv__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["div"], self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return self._apply_binary(BINARY["div"], other, self)

    def __pow__(self, exponent: Any) -> Any:
        """``x ** 2`` (a number: one edge, micrograd's ``**2`` node) or ``x ** w`` (both differentiable)."""
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, bool):
            return self._apply_unary(UNARY["pow_const"], p=float(exponent))
        return self._apply_binary(BINARY["pow"], self, exponent)

    def __rpow__(self, base: Any) -> Any:
        return self._apply_binary(BINARY["pow"], base, self)

    def __neg__(self) -> Any:
        return self._apply_unary(UNARY["neg"])

    def __abs__(self) -> Any:
        return self._apply_unary(UNARY["abs"])

    def abs(self) -> Any:
        return self._apply_unary(UNARY["abs"])

    def exp(self) -> Any:
        return self._apply_unary(UNARY["exp"])

    def log(self) -> Any:
        return self._apply_unary(UNARY["log"])

    def log2(self) -> Any:
        return self._apply_unary(UNARY["log2"])

    def log10(self) -> Any:
        return self._apply_unary(UNARY["log10"])

    def sqrt(self) -> Any:
        return self._apply_unary(UNARY["sqrt"])

    def tanh(self) -> Any:
        return self._apply_unary(UNARY["tanh"])

    def sigmoid(self) -> Any:
        return self._apply_unary(UNARY["sigmoid"])

    def relu(self) -> Any:
        return self._apply_unary(UNARY["relu"])

    def leaky_relu(self, k: float = 0.01) -> Any:
        return self._apply_unary(UNARY["leaky_relu"], k=real_number(k, "leaky_relu(k=...)"))

    def elu(self, alpha: float = 1.0) -> Any:
        return self._apply_unary(UNARY["elu"], alpha=real_number(alpha, "elu(alpha=...)"))

    def hardtanh(self) -> Any:
        return self._apply_unary(UNARY["hardtanh"])

    def softsign(self) -> Any:
        return self._apply_unary(UNARY["softsign"])

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Any:
        """log(1 + e^{βz})/β, and z itself where βz > threshold (PyTorch's defaults and rule)."""
        beta, threshold = real_number(beta, "softplus(beta=...)"), real_number(threshold, "softplus(threshold=...)")
        if beta <= 0:
            raise ValueError(f"softplus(beta=...) must be > 0, got {beta}")
        return self._apply_unary(UNARY["softplus"], beta=beta, threshold=threshold)

    def silu(self) -> Any:
        return self._apply_unary(UNARY["silu"])

    def gelu(self, approximate: str = "none") -> Any:
        """z·Φ(z) with the exact normal CDF (PyTorch's default ``approximate='none'``; 'tanh' is not offered)."""
        if approximate != "none":
            raise ValueError(f"gelu(approximate=...): only 'none' (the exact erf form) is offered, got {approximate!r}")
        return self._apply_unary(UNARY["gelu"])

"""The math of every elementwise operation: forward rule and local derivative, side by side.

Written once, read by both engines. ``Value`` evaluates a rule on Python floats, ``Tensor`` on numpy arrays: each
rule takes a math namespace ``m`` (:data:`SCALAR` or :data:`ARRAY`) that offers the same functions on both.
The derivatives are written in terms of the input ``x`` and the output ``y = f(x)``, as in the notes
(``σ'(z) = σ(z)(1 − σ(z))`` is ``y * (1 - y)``), so the forward result is reused, never recomputed.

Non-differentiable points follow PyTorch: relu'(0) = 0, |x|'(0) = 0, hardtanh'(±1) = 0 (the notes' piecewise
formula says 1 at the boundary; PyTorch and we say 0), leaky'(0) = k. So do NaN and ±inf inputs: relu'(NaN) =
hardtanh'(NaN) = ELU'(NaN) = 1 (each is "0 on its flat side, else 1"), softsign'(±inf) = NaN.
Floating-point edge cases follow IEEE/PyTorch rather than raising: log(0) = −inf, log(−1) = nan,
exp(1000) = inf, 0⁻¹ = inf; see :func:`on_arrays`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["UnaryRule", "BinaryRule", "UNARY", "BINARY", "SCALAR", "ARRAY", "on_arrays", "fill"]


def _erf(x: Any) -> Any:
    """The error function on arrays (SciPy's, which scikit-learn already brings; numpy has none)."""
    from scipy.special import erf

    return erf(x)


class SCALAR:
    """Math on Python floats (fast; raises on domain errors, which :func:`evaluate` turns into IEEE results)."""

    exp = staticmethod(math.exp)
    expm1 = staticmethod(math.expm1)
    log = staticmethod(math.log)
    log1p = staticmethod(math.log1p)
    log2 = staticmethod(math.log2)
    log10 = staticmethod(math.log10)
    erf = staticmethod(math.erf)
    sqrt = staticmethod(math.sqrt)
    tanh = staticmethod(math.tanh)
    abs = staticmethod(abs)
    power = staticmethod(math.pow)
    maximum = staticmethod(max)
    minimum = staticmethod(min)

    @staticmethod
    def zeros_like(x: Any) -> float:
        return 0.0

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Any:
        return a if condition else b

    @staticmethod
    def unless(condition: Any) -> float:
        """1 − [condition]: 1.0 where the condition fails (a comparison with NaN fails), else 0.0."""
        return 0.0 if condition else 1.0


class ARRAY:
    """The same math on numpy arrays."""

    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    log2 = staticmethod(np.log2)
    log10 = staticmethod(np.log10)
    erf = staticmethod(_erf)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    power = staticmethod(np.power)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    where = staticmethod(np.where)
    zeros_like = staticmethod(np.zeros_like)
    unless = staticmethod(np.logical_not)  # 1 − [condition] as a bool mask: g × mask keeps g's precision, one op


def on_arrays(evaluate: Callable[..., tuple], *args: float, **params: Any) -> tuple[float, ...]:
    """``evaluate(*args, ARRAY, **params)`` on float64 scalars, as floats: IEEE semantics for the scalar engine.

    ``Value`` evaluates rules with :data:`SCALAR` (fast) and falls back to this where Python floats raise:
    ``math.log(0)``, ``1 / 0.0``, ``math.exp(1000)``, ``math.pow(-8, 1/3)``. PyTorch returns −inf, inf, inf and
    nan there, and so does this, without warnings.
    """
    with np.errstate(all="ignore"):
        result = evaluate(*(np.float64(a) for a in args), ARRAY, **params)
    return tuple(float(r) for r in result)


_POWER_ONE = re.compile(r"\^1(?![\d.])")


def fill(template: str, **names: str) -> str:
    """A derivative's template with its placeholders (``{x}``, ``{a}``, ``{b}``, ``{p}``, ``{p−1}``…) replaced,
    and ``x^1`` written ``x``: ``fill("{p}·{x}^{p−1}", x="z", p="2", **{"p−1": "1"})`` is ``"2·z"``."""
    for key, text in names.items():
        template = template.replace("{" + key + "}", text)
    return _POWER_ONE.sub("", template)


@dataclass(frozen=True)
class UnaryRule:
    """``y = forward(x, m, **params)`` and ``∂y/∂x = local_grad(x, y, m, **params)``; ``formula`` for humans.

    ``local`` is the local derivative as the diagrams write it, ``{x}`` standing for the argument's name
    (``"σ'({x})"``); ``local_unnamed`` is the text when the argument has no name (``None``: show the number)."""

    name: str
    forward: Callable[..., Any]
    local_grad: Callable[..., Any]
    formula: str
    local: str = ""
    local_unnamed: str | None = None

    def value_and_grad(self, x: Any, m: Any, **params: Any) -> tuple[Any, Any]:
        """``(f(x), f'(x))``."""
        y = self.forward(x, m, **params)
        return y, self.local_grad(x, y, m, **params)


@dataclass(frozen=True)
class BinaryRule:
    """``y = forward(a, b, m)``, ``∂y/∂a = grad_a(a, b, y, m)``, ``∂y/∂b = grad_b(a, b, y, m)``.

    ``local_a``/``local_b``: ∂y/∂a and ∂y/∂b as the diagrams write them, ``{a}``/``{b}`` standing for the
    operands' names (or numbers, for a constant operand)."""

    name: str
    symbol: str
    forward: Callable[..., Any]
    grad_a: Callable[..., Any]
    grad_b: Callable[..., Any]
    formula: str
    local_a: str = ""
    local_b: str = ""

    def value_and_grads(self, a: Any, b: Any, m: Any) -> tuple[Any, Any, Any]:
        """``(f(a, b), ∂f/∂a, ∂f/∂b)``."""
        y = self.forward(a, b, m)
        return y, self.grad_a(a, b, y, m), self.grad_b(a, b, y, m)


def _sigmoid(z: Any, m: Any) -> Any:
    """σ(z) = 1 / (1 + e^(−z)), computed from e = e^(−|z|) ∈ (0, 1] so that no branch can overflow."""
    e = m.exp(-m.abs(z))
    return m.where(z >= 0, 1 / (1 + e), e / (1 + e))


_LN2, _LN10, _SQRT_2PI = math.log(2.0), math.log(10.0), math.sqrt(2.0 * math.pi)


def _normal_cdf(x: Any, m: Any) -> Any:
    """Φ(z) = (1 + erf(z/√2)) / 2."""
    return 0.5 * (1.0 + m.erf(x / math.sqrt(2.0)))


def _sign(x: Any) -> Any:
    """sgn(x) ∈ {−1, 0, 1}, with sgn(0) = 0 (so |x|'(0) = 0, as PyTorch)."""
    return 1.0 * (x > 0) - 1.0 * (x < 0)


UNARY: dict[str, UnaryRule] = {
    rule.name: rule
    for rule in [
        UnaryRule("neg", lambda x, m: -x, lambda x, y, m: -1.0, "(−z)' = −1", local="−1"),
        UnaryRule(
            "abs",
            lambda x,
            m: m.abs(x),
            lambda x,
            y,
            m: _sign(x),
            "|z|' = sgn(z), 0 at z = 0",
            local="sgn({x})",
        ),
        UnaryRule("exp", lambda x, m: m.exp(x), lambda x, y, m: y, "exp'(z) = exp(z)", local="exp({x})"),
        UnaryRule("log", lambda x, m: m.log(x), lambda x, y, m: 1 / x, "log'(z) = 1/z", local="1/{x}"),
        UnaryRule(
            "log2",
            lambda x,
            m: m.log2(x),
            lambda x,
            y,
            m: 1 / (x * _LN2),
            "log₂'(z) = 1/(z ln 2)",
            local="1/({x} ln 2)",
        ),
        UnaryRule(
            "log10",
            lambda x,
            m: m.log10(x),
            lambda x,
            y,
            m: 1 / (x * _LN10),
            "log₁₀'(z) = 1/(z ln 10)",
            local="1/({x} ln 10)",
        ),
        UnaryRule("sqrt", lambda x, m: m.sqrt(x), lambda x, y, m: 0.5 / y, "√z' = 1/(2√z)", local="1/(2√{x})"),
        UnaryRule(
            "pow_const",
            lambda x, m, p: m.power(x, p),
            lambda x, y, m, p: m.zeros_like(x) if p == 0 else p * m.power(x, p - 1),
            "(zᵖ)' = p·zᵖ⁻¹ (0 for p = 0, even at z = 0 or ±inf, as PyTorch)",
            local="{p}·{x}^{p−1}",
        ),
        UnaryRule(
            "tanh",
            lambda x,
            m: m.tanh(x),
            lambda x,
            y,
            m: 1 - y * y,
            "tanh'(z) = 1 − tanh²(z)",
            local="tanh'({x})",
            local_unnamed="tanh'",
        ),
        UnaryRule(
            "sigmoid",
            _sigmoid,
            lambda x,
            y,
            m: y * (1 - y),
            "σ'(z) = σ(z)(1 − σ(z))",
            local="σ'({x})",
            local_unnamed="σ'",
        ),
        UnaryRule(
            "relu",
            lambda x, m: m.maximum(x, 0.0),
            lambda x, y, m: m.unless(x <= 0),
            "rect'(z) = 0 if z ≤ 0 else 1 (1 at NaN, as PyTorch)",
            local="relu'({x})",
            local_unnamed="relu'",
        ),
        UnaryRule(
            "leaky_relu",
            lambda x, m, k: m.where(x > 0, x, k * x),
            lambda x, y, m, k: k + (1 - k) * (x > 0),
            "leaky'(z) = 1 if z > 0 else k",
            local="leaky'({x})",
            local_unnamed="leaky'",
        ),
        UnaryRule(
            "elu",
            lambda x, m, alpha: m.where(x > 0, x, alpha * m.expm1(m.minimum(x, 0.0))),
            lambda x, y, m, alpha: m.where(x <= 0, alpha * m.exp(m.minimum(x, 0.0)), 1.0),
            "ELU'(z) = α·e^z if z ≤ 0 else 1  (= ELU(z) + α, which cancels to 0 below z ≈ −37)",
            local="ELU'({x})",
            local_unnamed="ELU'",
        ),
        UnaryRule(
            "hardtanh",
            lambda x, m: m.minimum(m.maximum(x, -1.0), 1.0),
            lambda x, y, m: m.unless((x <= -1) | (x >= 1)),
            "hardtanh'(z) = 0 if z ≤ −1 or z ≥ 1 else 1 (1 at NaN, as PyTorch)",
            local="hardtanh'({x})",
            local_unnamed="hardtanh'",
        ),
        UnaryRule(
            "softplus",
            lambda x, m, beta, threshold: m.where(x * beta > threshold, x, m.log1p(m.exp(-m.abs(x * beta))) / beta
                                                  + m.maximum(x, 0.0)),
            lambda x, y, m, beta, threshold: m.where(x * beta > threshold, 1.0, _sigmoid(x * beta, m)),
            "softplus(z) = log(1 + e^{βz})/β, softplus'(z) = σ(βz) (z itself above the threshold, as PyTorch)",
            local="σ(β{x})",
        ),
        UnaryRule(
            "silu",
            lambda x, m: x * _sigmoid(x, m),
            lambda x, y, m: _sigmoid(x, m) * (1 + x * (1 - _sigmoid(x, m))),
            "SiLU(z) = z·σ(z), SiLU'(z) = σ(z)(1 + z(1 − σ(z)))",
            local="SiLU'({x})",
            local_unnamed="SiLU'",
        ),
        UnaryRule(
            "gelu",
            lambda x, m: x * _normal_cdf(x, m),
            lambda x, y, m: _normal_cdf(x, m) + x * m.exp(-0.5 * x * x) / _SQRT_2PI,
            "GELU(z) = z·Φ(z), GELU'(z) = Φ(z) + z·φ(z)  (Φ, φ: the standard normal CDF and density)",
            local="GELU'({x})",
            local_unnamed="GELU'",
        ),
        UnaryRule(
            "softsign",
            lambda x, m: x / (1 + m.abs(x)),
            lambda x, y, m: 1 / ((1 + m.abs(x)) * (1 + m.abs(x))) + 0.0 * x,
            "softsign'(z) = 1/(1 + |z|)², NaN at ±inf as PyTorch  (the notes' sgn(z)/(1 + z)² is wrong)",
            local="softsign'({x})",
            local_unnamed="softsign'",
        ),
    ]
}


def _pow_grad_base(a: Any, b: Any, y: Any, m: Any) -> Any:
    """∂(aᵇ)/∂a = b·aᵇ⁻¹; 0 where b = 0 (a⁰ = 1 is constant in a, even at a = 0 where aᵇ⁻¹ = inf), as PyTorch."""
    return m.where(b == 0, 0.0 * b, b * m.power(a, b - 1))


def _pow_grad_exponent(a: Any, b: Any, y: Any, m: Any) -> Any:
    """∂(aᵇ)/∂b = aᵇ·ln a; nan for a < 0 and, as PyTorch, 0 where a = 0 and b ≥ 0."""
    at_zero = (a == 0) & (b >= 0)
    safe_a = m.where(at_zero, 1.0, a)
    return m.where(at_zero, 0.0 * y, y * m.log(safe_a))


BINARY: dict[str, BinaryRule] = {
    rule.name: rule
    for rule in [
        BinaryRule("add", "+", lambda a, b, m: a + b, lambda a, b, y, m: 1.0, lambda a, b, y, m: 1.0,
                   "∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1",
                   local_a="1", local_b="1"),
        BinaryRule("sub", "−", lambda a, b, m: a - b, lambda a, b, y, m: 1.0, lambda a, b, y, m: -1.0,
                   "∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1",
                   local_a="1", local_b="−1"),
        BinaryRule("mul", "×", lambda a, b, m: a * b, lambda a, b, y, m: b, lambda a, b, y, m: a,
                   "∂(ab)/∂a = b, ∂(ab)/∂b = a",
                   local_a="{b}", local_b="{a}"),
        BinaryRule("div", "÷", lambda a, b, m: a / b, lambda a, b, y, m: 1 / b, lambda a, b, y, m: -y / b,
                   "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²",
                   local_a="1/{b}", local_b="−{a}/{b}²"),
        BinaryRule("pow", "^", lambda a, b, m: m.power(a, b), _pow_grad_base,
                   _pow_grad_exponent, "∂aᵇ/∂a = b·aᵇ⁻¹, ∂aᵇ/∂b = aᵇ·ln a",
                   local_a="{b}·{a}^{b−1}", local_b="{a}^{b}·ln {a}"),
    ]
}

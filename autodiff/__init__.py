"""errorflow's autograd engine: scalar ``Value`` and numpy ``Tensor`` nodes on one backpropagation core.

    from autodiff import Value, gradcheck
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    a = (w * x + b).tanh()
    a.backward()            # error signal 1 at a, shared back to w, x, b
    print(w.grad)           # ∂a/∂w
    print(gradcheck(lambda w: (w * x + b).tanh(), [w]))

Gradient policy: ``backward()`` recomputes interior ``.grad`` from zero on every call; leaves (the values you
created, e.g. weights) *accumulate* until ``zero_grad()``, as in PyTorch.

Printing the notes' symbols (``x₁``, ``σ``, ``∂``) on a console that cannot show them (ASCII, cp1252) spells them in
ASCII instead of raising (:mod:`autodiff.console`).
"""

from . import console
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from .gradcheck import GradcheckReport, GradcheckRow, gradcheck, numerical_grad
from .graph import Step, backprop_steps, backward, enable_grad, is_grad_enabled, no_grad, topological_order
from .tensor import (
    Tensor,
    ValuesIndices,
    clip,
    concat,
    linear,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    minimum,
    softmax,
    softmax_cross_entropy,
    stack,
    unbroadcast,
    where,
)
from .value import Value, weighted_sum

console.use_ascii_fallback()

__all__ = [
    "detect_anomaly",
    "AnomalyError",
    "is_anomaly_enabled",
    "Value",
    "Tensor",
    "ValuesIndices",
    "matmul",
    "linear",
    "concat",
    "stack",
    "maximum",
    "minimum",
    "where",
    "clip",
    "logsumexp",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy",
    "unbroadcast",
    "weighted_sum",
    "Step",
    "backprop_steps",
    "backward",
    "topological_order",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "numerical_grad",
    "gradcheck",
    "GradcheckReport",
    "GradcheckRow",
]

"""errorflow's autograd engine: scalar ``Value`` and numpy ``Tensor`` nodes on one backpropagation core.

    from autodiff import Value, gradcheck
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    a = (w * x + b).tanh()
    a.backward()            # error signal 1 at a, shared back to w, x, b
    print(w.grad)           # ∂a/∂w
    print(gradcheck(lambda w: (w * x + b).tanh(), [w]))

PyTorch's vocabulary is here too: constructors (``autodiff.tensor``, ``zeros``, ``randn``, ``arange``, ...,
:mod:`autodiff.creation`), seedable randomness (``manual_seed``, ``Generator``, ``multinomial``,
:mod:`autodiff.random`) and custom ops with a hand-written backward (``Function``, :mod:`autodiff.function`).

Gradient policy: ``backward()`` recomputes interior ``.grad`` from zero on every call; leaves (the values you
created, e.g. weights) *accumulate* until ``zero_grad()``, as in PyTorch.

Printing the notes' symbols (``x₁``, ``σ``, ``∂``) on a console that cannot show them (ASCII, cp1252) spells them in
ASCII instead of raising (:mod:`autodiff.console`).
"""

from . import console, random
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from .creation import (
    arange,
    eye,
    float32,
    float64,
    full,
    full_like,
    int64,
    linspace,
    long,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .function import Function, FunctionCtx
from .gradcheck import Comparison, GradcheckReport, GradcheckRow, cmp, gradcheck, numerical_grad
from .graph import Step, backprop_steps, backward, enable_grad, is_grad_enabled, no_grad, topological_order
from .higher import grad, gradgradcheck, hessian, hvp
from .random import Generator, default_generator, initial_seed, manual_seed, seed
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
    "gradgradcheck",
    "grad",
    "hvp",
    "hessian",
    "cmp",
    "Comparison",
    "GradcheckReport",
    "GradcheckRow",
    "Function",
    "FunctionCtx",
    "random",
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "float32",
    "float64",
    "int64",
    "long",
    "tensor",
    "zeros",
    "ones",
    "full",
    "arange",
    "linspace",
    "eye",
    "randn",
    "rand",
    "randint",
    "randperm",
    "multinomial",
    "zeros_like",
    "ones_like",
    "full_like",
    "randn_like",
    "rand_like",
]

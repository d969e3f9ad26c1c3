"""``Function``: a custom operation with a hand-written backward, as ``torch.autograd.Function``.

The exercise of minitorch and of every autograd course: implement an op's forward *and* its backward yourself, then
let :func:`autodiff.gradcheck` tell you whether the backward is right::

    class Cube(autodiff.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return autodiff.Tensor(x.data ** 3)        # work on .data: nothing here is recorded

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x.data ** 2              # ∂L/∂x = g · 3x², one gradient per forward input

    y = Cube.apply(x)                                  # a node named "Cube" in diagrams
    print(autodiff.gradcheck(lambda x: Cube.apply(x).sum(), [x]))

``forward(ctx, *inputs)`` receives the inputs as given (Tensors and any other arguments) and returns one Tensor
(or numpy array); it runs with recording off. ``backward(ctx, grad)`` receives the error signal ∂L/∂out as a
Tensor of the output's shape and returns one gradient per forward input — a Tensor, a numpy array or a number
broadcastable to that input's shape, or ``None`` for an input that is not differentiable (a number, an integer
tensor, a flag) or that gets no gradient. ``ctx`` keeps ``save_for_backward(*tensors)`` as ``ctx.saved_tensors``,
``ctx.needs_input_grad`` (one bool per input) and any attribute you set on it. The backward runs once per backward
pass, however many inputs need its result, and a saved input whose ``.data`` changed after the forward pass
makes backward refuse to run (as for built-in ops).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import no_grad
from .tensor import Tensor, _make, unbroadcast

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: saved tensors, ``needs_input_grad`` and any attribute."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (Tensors or ``None``) for ``backward`` as ``ctx.saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward takes Tensors (or None); argument {i} is a {type(t).__name__}: "
                                "keep other values as attributes, ctx.name = value")  # fmt: skip
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        return self._saved


class Function:
    """Base class of a custom op: subclass it with static ``forward(ctx, ...)`` and ``backward(ctx, grad)``,
    then call ``MyOp.apply(...)`` (never ``forward`` directly). See the module docstring."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Tensor) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad) to be differentiated")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` and record one graph node (op = the class name) whose backward is ``backward``."""
        name = cls.__name__
        if cls.forward is Function.forward:
            raise NotImplementedError(f"{name} must define forward(ctx, *inputs) (a @staticmethod)")
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        if isinstance(result, Tensor):
            data = result.data
        elif isinstance(result, np.ndarray):
            data = result
        else:
            raise TypeError(f"{name}.forward must return one Tensor (or numpy array), got {type(result).__name__}"
                            + (": a Function here has a single output" if isinstance(result, tuple) else ""))
        inputs = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)]
        if data.dtype.kind != "f" or not any(needs):
            return _make(data, "", (), ())
        last: list[tuple[Any, Any]] = [(None, None)]  # (signal, gradients): backward runs once per pass

        def gradients(g: np.ndarray) -> tuple[Any, ...]:
            signal, grads = last[0]  # one read of one tuple: passes on other threads cannot mix it up
            if signal is not g:
                grads = _run_backward(cls, ctx, g, args)
                last[0] = (g, grads)
            return grads

        def share(i: int, shape: tuple[int, ...]) -> Any:
            def vjp(g: np.ndarray) -> np.ndarray | None:
                grad = gradients(g)[i]
                return None if grad is None else _fit(grad, shape, name, i)

            return vjp

        parents = tuple(a for _, a in inputs)
        return _make(data, name, parents, tuple(share(i, a.shape) for i, a in inputs))


def _run_backward(cls: type[Function], ctx: FunctionCtx, g: np.ndarray, args: tuple[Any, ...]) -> tuple[Any, ...]:
    name = cls.__name__
    if cls.backward is Function.backward:
        raise NotImplementedError(f"{name} must define backward(ctx, grad) (a @staticmethod) to be differentiated")
    with no_grad():
        grads = cls.backward(ctx, _make(g, "", (), ()))
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(args):
        raise ValueError(f"{name}.backward returned {len(grads)} gradient(s) for {len(args)} forward input(s): "
                         "return one per input, None for those that get none")  # fmt: skip
    return grads


def _fit(grad: Any, shape: tuple[int, ...], name: str, i: int) -> np.ndarray:
    """A backward result as the share of input ``i``: an array of that input's shape (broadcasts summed back)."""
    raw = grad.data if isinstance(grad, Tensor) else grad
    try:
        array = np.asarray(raw, dtype=np.float64) if not isinstance(raw, np.ndarray) else raw
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}.backward: the gradient for input {i} must be a Tensor, array, number or None, "
                        f"got {type(grad).__name__}")  # fmt: skip
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    try:
        return unbroadcast(array, shape)  # a gradient of a broadcast shape is summed back, as PyTorch's sum_to
    except ValueError:
        raise ValueError(f"{name}.backward: the gradient for input {i} has shape {array.shape}, but that input has "
                         f"shape {shape}") from None

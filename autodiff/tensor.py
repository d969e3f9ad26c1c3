"""``Tensor``: a numpy array node of the computation graph — vectorized backprop (notes §6 and §8).

The scalar engine stores a number on each edge (the local derivative). For arrays the local derivative is a
Jacobian, far too large to store, so each edge stores a *vector-Jacobian product* rule instead: given the error
signal g = ∂L/∂out arriving at this node, it returns the share ∂L/∂parent = gᵀ·∂out/∂parent. For elementwise
operations that is ``g ∘ f'(x)``, with f' taken from the same table the scalar engine uses
(:mod:`autodiff.rules`); for ``out = W @ x`` it is the notes' outer product ∇_W = δ xᵀ and Wᵀδ for x.

Broadcasting follows NumPy; a share is summed back to its parent's shape (:func:`unbroadcast`). A Python number
operand is a constant baked into the node; a numpy array operand becomes a constant leaf. No operation modifies its
inputs' arrays. Gradients: ``.grad`` is ``None`` until a backward pass reaches the tensor; interior ``.grad`` is
recomputed on every pass and leaf ``.grad`` accumulates (PyTorch's policy).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import graph
from .anomaly import _anomaly_mode, on_create
from .operators import Operators, float_operand, real_number
from .rules import ARRAY, BinaryRule, UnaryRule

__all__ = [
    "Tensor",
    "linear",
    "unbroadcast",
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
]

VJP = Callable[[np.ndarray], np.ndarray]
_IEEE_SPECIALS = {"exp", "log", "sqrt", "pow_const", "div", "pow"}  # may meet inf/nan: silence numpy as PyTorch


def _as_float_array(data: Any, what: str = "Tensor(data)") -> np.ndarray:
    """float64 unless already float32; ints and bools become float64; everything else is a TypeError."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"{what} needs numbers (a number, nested list or numpy array), got {type(data).__name__}")
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{what} needs a rectangular array of numbers: {error}") from None
    if array.dtype == np.float32 or array.dtype == np.float64:
        return array
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    raise TypeError(f"{what} needs real numbers, got an array of dtype {array.dtype}")


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: undo NumPy broadcasting (leading axes added, size-1 axes stretched)."""
    if grad.shape == shape:
        return grad
    if not isinstance(grad, np.ndarray):
        raise TypeError(f"unbroadcast needs a numpy array, got {type(grad).__name__}")
    if not _broadcastable(shape, grad.shape) or np.broadcast_shapes(tuple(shape), grad.shape) != grad.shape:
        raise ValueError(f"unbroadcast: a gradient of shape {grad.shape} cannot come from broadcasting {tuple(shape)}")
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _broadcastable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(tuple(shape), target)
        return True
    except ValueError:
        return False


def _int_argument(x: Any, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{what} must be an int, got {type(x).__name__}: {x!r:.40}")
    return int(x)


def _normalize_axes(axis: int | Sequence[int] | None, ndim: int, op: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {type(axis).__name__}: {axis!r:.40}")
    normalized = []
    for a in axes:
        _int_argument(a, f"{op}: axis")
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a!r} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % max(ndim, 1))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(normalized))


class Tensor(Operators):
    """An n-dimensional array that remembers how it was computed.

    ``data`` is a numpy array (float64 by default; float32 is kept), ``grad`` is ``None`` until a backward pass
    reaches it, ``requires_grad`` says whether gradients flow to it (a result requires grad when any input does),
    ``label`` names it in diagrams, ``op`` is the operation that made it ("" for a leaf).
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "op", "_parents", "_vjps", "_signal", "__weakref__")
    __array_ufunc__ = None  # `ndarray + tensor` must come to Tensor.__radd__, not loop over elements

    def __init__(self, data: Any, requires_grad: bool = False, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Tensor(label=...) must be a str or None, got {type(label).__name__}")
        if not isinstance(requires_grad, bool):
            raise TypeError(f"Tensor(requires_grad=...) must be True or False, got {requires_grad!r}")
        self.data = np.array(_as_float_array(data), copy=True)
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.label = label
        self.op = ""
        self._parents: tuple[Tensor, ...] = ()
        self._vjps: tuple[VJP | None, ...] = ()
        self._signal = None

    # ---- graph protocol (see autodiff.graph) -------------------------------------------------------------
    @property
    def parents(self) -> tuple[Tensor, ...]:
        return self._parents

    def is_leaf(self) -> bool:
        return not self._parents

    def _chain(self, error_signal: np.ndarray) -> list[np.ndarray | None]:
        shares = []
        for vjp in self._vjps:
            share = None if vjp is None else vjp(error_signal)
            # a signal passed through unchanged (e.g. by +) is marked as a view: not a buffer a leaf may keep
            shares.append(error_signal.view() if share is error_signal else share)
        return shares

    def _accumulate(self, error_signal: np.ndarray) -> None:
        """Add a pass's signal into ``.grad``. A freshly computed array (no base, not the signal of another node)
        becomes ``.grad`` as is — no copy, as PyTorch steals gradient buffers; views and passed-through signals
        are copied, so ``.grad`` never aliases another node's gradient or the caller's ``backward(grad)``."""
        signal = error_signal if type(error_signal) is np.ndarray else np.array(error_signal)
        if signal.dtype != self.data.dtype:
            signal = signal.astype(self.data.dtype)
        if self.grad is not None:
            self.grad = self.grad + signal
        elif signal.base is not None or not signal.flags.writeable:
            self.grad = signal.copy()
        else:
            self.grad = signal

    @staticmethod
    def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def _seed(self, grad: Any) -> np.ndarray:
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: create the leaves with requires_grad=True"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward() needs a gradient for a non-scalar output of shape {self.shape}")
            return np.ones_like(self.data)
        seed = _as_float_array(grad, "backward(grad)").astype(self.data.dtype, copy=False)
        if seed.shape != self.shape:
            raise ValueError(f"backward(grad): grad has shape {seed.shape} but the output has shape {self.shape}")
        return seed.view()  # a view: no .grad ever takes the caller's array itself

    def backward(self, grad: Any = None) -> None:
        """Backpropagate from this tensor: error signal 1 for a one-element tensor, else ``grad`` (same shape)."""
        graph.backward(self, self._seed(grad))

    def backward_steps(self, grad: Any = None) -> Iterator[graph.Step]:
        """The same pass as ``backward()``, one :class:`~autodiff.graph.Step` at a time."""
        return graph.backprop_steps(self, self._seed(grad))

    def zero_grad(self) -> None:
        self.grad = None

    # ---- numpy-like attributes ----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, this one has shape {self.shape}")
        return float(self.data.reshape(()))

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` works for a one-element tensor, as in PyTorch."""
        if spec and self.data.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def numpy(self) -> np.ndarray:
        """A copy of the data (changing it does not change the tensor)."""
        return self.data.copy()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no parents, no gradient)."""
        return _make(self.data, "", (), ())

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ", prefix="Tensor(")
        extras = "".join(
            [
                f", dtype={self.dtype}" if self.dtype != np.float64 else "",
                ", requires_grad=True" if self.requires_grad else "",
                f", label={self.label!r}" if self.label else "",
            ]
        )
        return f"Tensor({body}{extras})"

    # ---- arithmetic and elementwise functions: autodiff.operators, with these two hooks ------------------
    def _apply_unary(self, rule: UnaryRule, **params: float) -> Tensor:
        return _unary(rule, self, **params)

    @staticmethod
    def _apply_binary(rule: BinaryRule, a: Any, b: Any) -> Tensor:
        return _binary(rule, a, b)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    # comparisons give plain numpy boolean arrays (masks for `where`); no __eq__, so tensors stay hashable
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _operand_data(other, "<")

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _operand_data(other, "<=")

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _operand_data(other, ">")

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _operand_data(other, ">=")

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        return clip(self, low, high)

    # ---- reductions ---------------------------------------------------------------------------------------
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Σ over ``axis``; the error signal is copied back to every summed element (∂Σ/∂xᵢ = 1)."""
        axes = _normalize_axes(axis, self.ndim, "sum")
        x = self.data
        out = x.sum(axis=axes, keepdims=keepdims)
        return _make(out, "sum", (self,), (lambda g: _expand_back(g, x.shape, axes, keepdims),))

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Σ/n over ``axis``; each element gets 1/n of the error signal."""
        axes = _normalize_axes(axis, self.ndim, "mean")
        x = self.data
        count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
        if count == 0:
            raise ValueError(f"mean: reducing axis {axis!r} of an empty tensor of shape {x.shape}")
        out = x.mean(axis=axes, keepdims=keepdims)
        return _make(out, "mean", (self,), (lambda g: _expand_back(g / count, x.shape, axes, keepdims),))

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """max over ``axis``; the error signal is shared evenly among tied maxima (PyTorch's rule)."""
        return _extremum(self, axis, keepdims, "max")

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _extremum(self, axis, keepdims, "min")

    def logsumexp(self, axis: int | Sequence[int] | None = -1, keepdims: bool = False) -> Tensor:
        return logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return log_softmax(self, axis)

    # ---- shape --------------------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        shape = tuple(_int_argument(n, "reshape: each size") for n in shape)
        x_shape = self.shape
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x_shape} into {shape}") from None
        return _make(out, "reshape", (self,), (lambda g: g.reshape(x_shape),))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (_normalize_axes(d, self.ndim, "flatten")[0] for d in (start_dim, end_dim))
        shape = self.shape
        return self.reshape(*shape[:start], int(np.prod(shape[start : end + 1])), *shape[end + 1 :])

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes (all of them, as numpy; no arguments reverses them). ``permute`` is the same."""
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        axes = tuple(_int_argument(a, "transpose: each axis") for a in axes)
        if sorted(int(a) % max(self.ndim, 1) for a in axes) != list(range(self.ndim)):
            raise ValueError(f"transpose: {axes} is not a permutation of the {self.ndim} axes of shape {self.shape}")
        inverse = tuple(np.argsort([int(a) % self.ndim for a in axes]))
        return _make(self.data.transpose(axes), "transpose", (self,), (lambda g: g.transpose(inverse),))

    permute = transpose

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        axes = tuple(i for i, n in enumerate(self.shape) if n == 1) if axis is None else None
        axes = axes if axes is not None else _normalize_axes(axis, self.ndim, "squeeze")
        if any(self.shape[a] != 1 for a in axes):
            raise ValueError(f"squeeze: axis {axis!r} of shape {self.shape} does not have size 1")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, axis: int) -> Tensor:
        ndim = self.ndim + 1
        if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
            raise ValueError(f"unsqueeze: axis {axis!r} is out of range for a result with {ndim} dimensions")
        shape = list(self.shape)
        shape.insert(int(axis) % ndim, 1)
        return self.reshape(tuple(shape))

    def __getitem__(self, index: Any) -> Tensor:
        """Basic and integer-array indexing. The share is scatter-*added*, so repeated indices accumulate."""
        index = _index_data(index)
        x_shape, dtype = self.shape, self.dtype
        try:
            out = self.data[index]
        except IndexError as error:
            raise IndexError(f"index {index!r} into a tensor of shape {x_shape}: {error}") from None

        def vjp(g: np.ndarray) -> np.ndarray:
            grad = np.zeros(x_shape, dtype=dtype)
            np.add.at(grad, index, g)
            return grad

        return _make(np.array(out, copy=True), "index", (self,), (vjp,))


def _index_data(index: Any) -> Any:
    if isinstance(index, Tensor):
        if not np.all(np.mod(index.data, 1) == 0):
            raise IndexError(f"a Tensor used as an index must hold whole numbers, got {index.data!r:.60}")
        return index.data.astype(np.intp)
    if isinstance(index, tuple):
        return tuple(_index_data(i) for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _operand_data(x: Any, op: str) -> np.ndarray | float:
    """The data of an operand. A Python or numpy number is a weak constant, evaluated in the tensor's precision; a
    Python bool is a number (``True`` is 1), as in PyTorch and in Value arithmetic."""
    if type(x) is float or (type(x) is int and -(2**63) <= x < 2**63):
        return x
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, numbers.Real):
        return float_operand(x, f"the operand of {op}")
    if isinstance(x, np.ndarray):
        return _as_float_array(x, op)
    raise TypeError(
        f"unsupported operand for {op}: Tensor and {type(x).__name__} ({x!r:.40}); expected a Tensor, "
        "a numpy array or a real number"
    )


_new_tensor = object.__new__
_grad_mode = graph._grad_mode


def _make(data: np.ndarray, op: str, parents: tuple[Tensor, ...], vjps: tuple[VJP | None, ...]) -> Tensor:
    """A result node; it records its parents only while recording is on and some parent requires grad."""
    out = _new_tensor(Tensor)
    out.data = data if type(data) is np.ndarray else np.asarray(data)
    out.grad = None
    out.label = None
    out._signal = None
    if len(parents) == 1:
        record = parents[0].requires_grad
    else:
        needs_grad = [p.requires_grad for p in parents]
        record = True in needs_grad
        if record and False in needs_grad:
            vjps = tuple(v if n else None for n, v in zip(needs_grad, vjps))
    if record and _grad_mode.enabled:
        out.requires_grad = True
        out.op = op
        out._parents = parents
        out._vjps = vjps
        if _anomaly_mode.enabled:
            on_create(out)
    else:
        out.requires_grad = False
        out.op, out._parents, out._vjps = "", (), ()
    return out


def _unary(rule: UnaryRule, t: Tensor, **params: float) -> Tensor:
    """f applied elementwise; share = g ∘ f'(x), with f' from the rule table."""
    x = t.data
    quiet = rule.name in _IEEE_SPECIALS
    if quiet:
        with np.errstate(all="ignore"):
            y = rule.forward(x, ARRAY, **params)
    else:
        y = rule.forward(x, ARRAY, **params)
    if type(y) is not np.ndarray or y.dtype != x.dtype:  # 0-d results come back as numpy scalars
        y = np.asarray(y, dtype=x.dtype)
    local_grad = rule.local_grad

    def vjp(g: np.ndarray) -> np.ndarray:
        if quiet:
            with np.errstate(all="ignore"):
                return g * local_grad(x, y, ARRAY, **params)
        return g * local_grad(x, y, ARRAY, **params)

    return _make(y, rule.name, (t,), (vjp,))


def _as_node(x: Any, op: str) -> Tensor:
    """A Tensor operand as is; anything else that ``op`` accepts as a constant leaf (no gradient)."""
    return x if isinstance(x, Tensor) else Tensor(_operand_data(x, op))


def _lift(x: Any, op: str) -> tuple[Tensor | None, np.ndarray | float]:
    """(node, data) for an operand: a Tensor is a node, an array a constant node, a number a baked constant."""
    if isinstance(x, (Tensor, np.ndarray)):
        node = _as_node(x, op)
        return node, node.data
    return None, _operand_data(x, op)


def _binary(rule: BinaryRule, a: Any, b: Any) -> Tensor:
    """Broadcasting a ∘ b; each share is g × ∂out/∂operand, summed back to the operand's shape."""
    a_node, x = (a, a.data) if type(a) is Tensor else _lift(a, rule.symbol)  # fast path for the common case
    b_node, y = (None, b) if type(b) is float else (b, b.data) if type(b) is Tensor else _lift(b, rule.symbol)
    quiet = rule.name in _IEEE_SPECIALS
    try:
        if quiet:
            with np.errstate(all="ignore"):
                out = rule.forward(x, y, ARRAY)
        else:
            out = rule.forward(x, y, ARRAY)
    except ValueError:
        raise ValueError(f"{rule.name}: shapes {np.shape(x)} and {np.shape(y)} cannot be broadcast together") from None
    if a_node is None:
        return _make(out, rule.name, (b_node,), (_elementwise_vjp(rule.grad_b, x, y, out, b_node.shape, quiet),))
    if b_node is None:
        return _make(out, rule.name, (a_node,), (_elementwise_vjp(rule.grad_a, x, y, out, a_node.shape, quiet),))
    vjps = (
        _elementwise_vjp(rule.grad_a, x, y, out, a_node.shape, quiet),
        _elementwise_vjp(rule.grad_b, x, y, out, b_node.shape, quiet),
    )
    return _make(out, rule.name, (a_node, b_node), vjps)


def _elementwise_vjp(
    local_grad: Callable[..., Any], x: Any, y: Any, out: np.ndarray, shape: tuple, quiet: bool
) -> VJP:
    """share = g × ∂out/∂operand (skipped when that is the constant 1), summed back to the operand's shape."""

    def vjp(g: np.ndarray) -> np.ndarray:
        if quiet:
            with np.errstate(all="ignore"):
                d = local_grad(x, y, out, ARRAY)
        else:
            d = local_grad(x, y, out, ARRAY)
        share = g if (type(d) is float and d == 1.0) else g * d
        return unbroadcast(share if type(share) is np.ndarray else np.asarray(share), shape)

    return vjp


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b for 1-D and N-D operands (numpy's rules). For z = Wx: ∇_W = δxᵀ (outer product), ∇_x = Wᵀδ."""
    a_node, b_node = _as_node(a, "@"), _as_node(b, "@")
    A, B = a_node.data, b_node.data
    if A.ndim == 0 or B.ndim == 0:
        raise ValueError(f"matmul: {A.shape} @ {B.shape}: both operands need at least one dimension (use *)")
    inner_a, inner_b = A.shape[-1], B.shape[0] if B.ndim == 1 else B.shape[-2]
    if inner_a != inner_b:
        raise ValueError(f"matmul: {A.shape} @ {B.shape}: inner dimensions {inner_a} and {inner_b} differ")
    try:
        out = A @ B
    except ValueError:
        raise ValueError(f"matmul: {A.shape} @ {B.shape}: batch dimensions cannot be broadcast together") from None
    A2 = A if A.ndim > 1 else A[None, :]
    B2 = B if B.ndim > 1 else B[:, None]

    def as_matrix(g: np.ndarray) -> np.ndarray:
        g = np.asarray(g)
        if A.ndim == 1:
            g = np.expand_dims(g, -2 if B.ndim > 1 else -1)
        if B.ndim == 1:
            g = g[..., None]
        return g

    def vjp_a(g: np.ndarray) -> np.ndarray:
        return _reshaped(unbroadcast(as_matrix(g) @ np.swapaxes(B2, -1, -2), A2.shape), A.shape)

    def vjp_b(g: np.ndarray) -> np.ndarray:
        return _reshaped(unbroadcast(np.swapaxes(A2, -1, -2) @ as_matrix(g), B2.shape), B.shape)

    return _make(np.asarray(out), "matmul", (a_node, b_node), (vjp_a, vjp_b))


def linear(x: Any, W: Tensor, b: Tensor | None = None) -> Tensor:
    """z = x Wᵀ + b for a batch of rows x (or one vector x): the notes' z = Wx + b with W ∈ R^{out×in}.

    One node with three edges, so backprop computes the notes' formulas directly, from δ = ∂L/∂z:
    ∇_W = δᵀx (for one example the outer product δxᵀ), ∇_b = Σ_batch δ, ∇_x = δW (the notes' Wᵀδ, per row).
    """
    x_node = _as_node(x, "linear")
    _require_tensor(W, "linear(W)")
    if b is not None:
        _require_tensor(b, "linear(b)")
    X, Wd = x_node.data, W.data
    if Wd.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != Wd.shape[1]:
        raise ValueError(
            f"linear: input of shape {X.shape} and weight of shape {Wd.shape}: need x (..., in) and W (out, in)"
        )
    if b is not None and b.shape != (Wd.shape[0],):
        raise ValueError(f"linear: bias of shape {b.shape}, expected ({Wd.shape[0]},) for a weight {Wd.shape}")
    out = X @ Wd.T
    if b is not None:
        out += b.data
    X2 = X if X.ndim == 2 else X[None, :]

    def vjp_x(g: np.ndarray) -> np.ndarray:
        return g @ Wd

    def vjp_W(g: np.ndarray) -> np.ndarray:
        return (g if g.ndim == 2 else g[None, :]).T @ X2

    def vjp_b(g: np.ndarray) -> np.ndarray:
        return g if g.ndim == 1 else g.sum(axis=0)

    if b is None:
        return _make(out, "linear", (x_node, W), (vjp_x, vjp_W))
    return _make(out, "linear", (x_node, W, b), (vjp_x, vjp_W, vjp_b))


def _reshaped(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a.reshape(shape)``, but ``a`` itself when the shape already fits (a view would cost the leaf a copy)."""
    return a if a.shape == shape else a.reshape(shape)


def _expand_back(g: np.ndarray, shape: tuple, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Broadcast a reduced signal back over the reduced ``axes`` of ``shape``."""
    if not keepdims and axes:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _extremum(t: Tensor, axis: Any, keepdims: bool, op: str) -> Tensor:
    axes = _normalize_axes(axis, t.ndim, op)
    x = t.data
    if x.size == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
    reduce = np.max if op == "max" else np.min
    kept = reduce(x, axis=axes, keepdims=True)
    out = kept if keepdims else kept.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def vjp(g: np.ndarray) -> np.ndarray:
        hits = (x == kept) | (np.isnan(x) & np.isnan(kept))  # a NaN maximum takes the signal, as in PyTorch
        share = hits / hits.sum(axis=axes, keepdims=True)
        return share * _expand_back(g, x.shape, axes, keepdims)

    return _make(out, op, (t,), (vjp,))


def _tensors(items: Sequence[Any], op: str) -> list[Tensor]:
    if isinstance(items, Tensor) or not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"{op} needs a non-empty list of tensors, got {type(items).__name__}")
    return [_as_node(x, op) for x in items]


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; each input's share is its slice of the signal."""
    parts = _tensors(tensors, "concat")
    axis = _int_argument(axis, "concat: axis")
    try:
        out = np.concatenate([p.data for p in parts], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(f"concat: shapes {[p.shape for p in parts]} along axis {axis}: {error}") from None
    bounds = np.cumsum([p.shape[axis] for p in parts])[:-1]
    axis = axis % out.ndim

    def share(i: int) -> VJP:
        return lambda g: np.split(g, bounds, axis=axis)[i]

    return _make(out, "concat", tuple(parts), tuple(share(i) for i in range(len(parts))))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis."""
    parts = _tensors(tensors, "stack")
    axis = _int_argument(axis, "stack: axis")
    try:
        out = np.stack([p.data for p in parts], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(f"stack: shapes {[p.shape for p in parts]} along axis {axis}: {error}") from None
    axis = axis % out.ndim

    def share(i: int) -> VJP:
        return lambda g: np.take(g, i, axis=axis)

    return _make(out, "stack", tuple(parts), tuple(share(i) for i in range(len(parts))))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max; the signal goes to the larger input, split evenly on ties (PyTorch)."""
    return _select_larger(a, b, "maximum", 1.0)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min; the signal goes to the smaller input, split evenly on ties (PyTorch)."""
    return _select_larger(a, b, "minimum", -1.0)


def _select_larger(a: Any, b: Any, op: str, sign: float) -> Tensor:
    a, b = _as_node(a, op), _as_node(b, op)
    x, y = a.data, b.data
    try:
        out = np.maximum(x, y) if sign > 0 else np.minimum(x, y)
    except ValueError:
        raise ValueError(f"{op}: shapes {x.shape} and {y.shape} cannot be broadcast together") from None
    weight_a = 1.0 * (sign * x > sign * y) + 0.5 * (x == y)
    return _make(
        out,
        op,
        (a, b),
        (lambda g: unbroadcast(g * weight_a, x.shape), lambda g: unbroadcast(g * (1 - weight_a), y.shape)),
    )


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``. The unselected branch gets a zero share, but NaN in its
    *own* gradient still poisons its parents (``where(x > 0, sqrt(x), 0)`` at x < 0): mask the input instead."""
    raw = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"where: the condition must be a boolean mask (array, Tensor or bool), got {raw.dtype} "
                        f"from {type(condition).__name__}")
    mask = raw.astype(bool)
    a, b = _as_node(a, "where"), _as_node(b, "where")
    try:
        out = np.where(mask, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: shapes {mask.shape}, {a.shape}, {b.shape} cannot be broadcast together") from None
    return _make(
        out,
        "where",
        (a, b),
        (
            lambda g: unbroadcast(np.where(mask, g, 0.0), a.shape),
            lambda g: unbroadcast(np.where(mask, 0.0, g), b.shape),
        ),
    )


def clip(t: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """Clamp to [low, high]; the signal passes where low ≤ x ≤ high (PyTorch's clamp), else 0."""
    _require_tensor(t, "clip")
    if low is None and high is None:
        raise ValueError("clip needs low, high or both")
    x = t.data
    lo = -np.inf if low is None else real_number(low, "clip(low)", finite=False)
    hi = np.inf if high is None else real_number(high, "clip(high)", finite=False)
    if lo > hi:
        raise ValueError(f"clip: low {lo} is greater than high {hi}")
    inside = (x >= lo) & (x <= hi)
    return _make(np.clip(x, lo, hi), "clip", (t,), (lambda g: g * inside,))


def _require_tensor(t: Any, what: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what} needs a Tensor, got {type(t).__name__}: {t!r:.40}")


def _softmax_axes(t: Any, axis: Any, op: str) -> tuple[int, ...]:
    """The reduced axes of a softmax-family op, which needs a Tensor with something to normalize over."""
    _require_tensor(t, op)
    axes = _normalize_axes(axis, t.ndim, op)
    if any(t.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: axis {axis!r} of shape {t.shape} is empty; there is nothing to normalize over")
    return axes


def logsumexp(t: Tensor, axis: Any = -1, keepdims: bool = False) -> Tensor:
    """log Σ exp(x), computed as m + log Σ exp(x − m) with m = max x (no overflow); share = g · softmax(x)."""
    axes = _softmax_axes(t, axis, "logsumexp")
    x = t.data
    m = np.max(x, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    kept = m + np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True))
    out = kept if keepdims else np.squeeze(kept, axis=axes)
    return _make(out, "logsumexp", (t,), (lambda g: _expand_back(g, x.shape, axes, keepdims) * np.exp(x - kept),))


def softmax(t: Tensor, axis: int = -1) -> Tensor:
    """yᵢ = e^{xᵢ − m} / Σⱼ e^{xⱼ − m}; share = y ∘ (g − Σ g∘y)."""
    axes = _softmax_axes(t, axis, "softmax")
    x = t.data
    e = np.exp(x - np.max(x, axis=axes, keepdims=True))
    y = e / e.sum(axis=axes, keepdims=True)
    return _make(y, "softmax", (t,), (lambda g: y * (g - np.sum(g * y, axis=axes, keepdims=True)),))


def softmax_cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """J = −(1/N) Σₙ log softmax(fₙ)_{yₙ} for logits (N, C) and integer class targets (N,), as one node.

    The share sent back to the logits is the textbook (softmax(fₙ) − onehot(yₙ)) / N: predicted minus true
    probabilities. One node instead of log_softmax → index → mean → neg.
    """
    _require_tensor(logits, "softmax_cross_entropy")
    y = np.asarray(targets)
    if logits.ndim != 2 or y.shape != (logits.shape[0],) or y.dtype.kind not in "iu" or logits.shape[1] == 0:
        raise ValueError(
            f"softmax_cross_entropy: logits (N, C) and integer targets (N,), got {logits.shape} and {y.shape} {y.dtype}"
        )
    if y.size and (y.min() < 0 or y.max() >= logits.shape[1]):
        raise ValueError(f"softmax_cross_entropy: targets must be class indices in [0, {logits.shape[1]})")
    x = logits.data
    n = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_p[rows, y].mean()

    def vjp(g: np.ndarray) -> np.ndarray:
        share = np.exp(log_p)
        share[rows, y] -= 1.0
        return share * (g / n)

    return _make(np.asarray(loss, dtype=x.dtype), "softmax_cross_entropy", (logits,), (vjp,))


def log_softmax(t: Tensor, axis: int = -1) -> Tensor:
    """x − logsumexp(x); share = g − softmax(x) · Σ g."""
    axes = _softmax_axes(t, axis, "log_softmax")
    x = t.data
    shifted = x - np.max(x, axis=axes, keepdims=True)
    y = shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))
    return _make(y, "log_softmax", (t,), (lambda g: g - np.exp(y) * np.sum(g, axis=axes, keepdims=True),))

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
from typing import Any, NamedTuple

import numpy as np

from . import graph
from .anomaly import on_create
from .operators import Operators, float_operand, real_number
from .rules import ARRAY, BINARY, UNARY, BinaryRule, UnaryRule, fill

__all__ = [
    "Tensor",
    "ValuesIndices",
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
Backward = Callable[["Tensor", np.ndarray], list]  # (node, error signal) -> one share per parent (None: not sent)
Dims = int | Sequence[int] | None
# ops that may meet inf/nan: numpy is silenced there, as PyTorch is
_IEEE_SPECIALS = {"exp", "log", "sqrt", "pow_const", "div", "pow", "softsign"}
_READS_NO_DATA = {"add", "sub", "neg"}  # rules whose local derivatives are constants: nothing saved to go stale


def _real_array(data: Any, what: str) -> np.ndarray:
    """``data`` (a number, nested list, array or Tensor) as a numpy array of bools, ints or floats, as given (not
    copied when it already is one); anything else is a TypeError naming ``what``."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"{what} needs numbers (a number, nested list or numpy array), got {type(data).__name__}")
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{what} needs a rectangular array of numbers: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} needs real numbers, got an array of dtype {array.dtype}")
    return array


def _as_float_array(data: Any, what: str = "Tensor(data)") -> np.ndarray:
    """float64 unless already float32; ints and bools become float64; everything else is a TypeError."""
    array = _real_array(data, what)
    return array if array.dtype == np.float32 or array.dtype == np.float64 else array.astype(np.float64)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: undo NumPy broadcasting (leading axes added, size-1 axes stretched)."""
    if grad.shape == shape:
        return grad
    if not isinstance(grad, np.ndarray):
        raise TypeError(f"unbroadcast needs a numpy array, got {type(grad).__name__}")
    extra = grad.ndim - len(shape)
    if extra < 0 or any(n != 1 and n != m for n, m in zip(shape, grad.shape[extra:])):
        raise ValueError(f"unbroadcast: a gradient of shape {grad.shape} cannot come from broadcasting {tuple(shape)}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


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
        if ndim == 0 and a in (0, -1):
            continue  # PyTorch: a 0-d tensor accepts dim 0 and -1, and there is nothing to reduce over
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a!r} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % max(ndim, 1))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(normalized))


class ValuesIndices(NamedTuple):
    """What ``max(dim)`` / ``min(dim)`` return, as PyTorch's ``torch.return_types.max``: ``vals, idx = t.max(1)``."""

    values: Tensor
    indices: Tensor


class Tensor(Operators):
    """An n-dimensional array that remembers how it was computed.

    ``data`` is a numpy array (float64 by default; float32 is kept), ``grad`` is ``None`` until a backward pass
    reaches it, ``requires_grad`` says whether gradients flow to it (a result requires grad when any input does),
    ``label`` names it in diagrams, ``op`` is the operation that made it ("" for a leaf).

    Comparisons (``== != < <= > >=``) give boolean tensors (masks: no gradient), and ``argmax``/``max(dim)`` give
    int64 index tensors, as in PyTorch; only floating-point tensors can require grad. Numbers and lists of
    numbers become float64 (PyTorch would make integer lists int64), bools stay bool.

    Every assignment to ``.data`` (``w.data += 1`` assigns through the attribute) bumps ``_version``; a backward
    pass that needs an array as it was when the graph was built refuses to run on a changed one, as PyTorch does.
    """

    __slots__ = (
        "_data", "_version", "grad", "requires_grad", "label", "op", "_parents", "_p0", "_p1", "_backward", "_vjps",
        "_sends", "_saved_versions", "_formulas", "_ctx",
        "__weakref__",
    )  # fmt: skip
    __array_ufunc__ = None  # `ndarray + tensor` must come to Tensor.__radd__, not loop over elements
    _g0 = None  # no numbers on the edges: graph.backward calls _chain (the VJPs)
    __hash__ = object.__hash__  # `==` is elementwise (a mask), so identity is what a set or dict key uses

    def __init__(self, data: Any, requires_grad: bool = False, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Tensor(label=...) must be a str or None, got {type(label).__name__}")
        if not isinstance(requires_grad, bool):
            raise TypeError(f"Tensor(requires_grad=...) must be True or False, got {requires_grad!r}")
        raw = data.data if isinstance(data, Tensor) else data
        array = np.array(raw, copy=True) if _is_bool_data(raw) else np.array(_as_float_array(data), copy=True)
        if requires_grad and array.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {array.dtype}")
        self._data = array
        self._version = 0
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.label = label
        self.op = ""
        self._parents: tuple[Tensor, ...] = ()
        self._p0 = self._p1 = None
        self._backward: Backward | None = None
        self._vjps: tuple[VJP, ...] = ()
        self._sends: tuple[bool, ...] | None = None
        self._saved_versions: tuple[int, ...] | None = None
        self._formulas: tuple[str, ...] | Callable[[Tensor], tuple[str, ...]] = ()
        self._ctx: Any = None

    @property
    def data(self) -> np.ndarray:
        """The numpy array. Assigning to it bumps ``_version`` (see the class docstring)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value if type(value) is np.ndarray else _as_float_array(value, "Tensor.data")
        self._version += 1

    # ---- graph protocol (see autodiff.graph) -------------------------------------------------------------
    @property
    def parents(self) -> tuple[Tensor, ...]:
        return self._parents

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded operation produced (an input or a parameter), as PyTorch's."""
        return not self._parents

    @property
    def share_formulas(self) -> tuple[str, ...]:
        """For each parent, the share this node's VJP sends it, in the notes' notation: ``{δ}`` is the error
        signal arriving here, ``{0}``, ``{1}``… the parents, ``{out}`` this node (``linear`` to W: ``{δ}ᵀ·{0}``).
        The diagrams fill in the names; the formula is written where the VJP is, so a new op brings its own.
        Elementwise ops write theirs only when asked (a diagram, not training, pays for the text)."""
        if callable(self._formulas):
            self._formulas = self._formulas(self)
        return self._formulas

    @property
    def grad_fn(self) -> str | None:
        """The name of the operation that made this tensor (PyTorch's ``grad_fn``), ``None`` for a leaf."""
        return self.op or None

    def _check_versions(self) -> None:
        """Refuse to backpropagate through arrays that changed after this node saved them for its VJP."""
        for tensor, version in ((self, 0), *zip(self._parents, self._saved_versions)):
            if tensor._version != version:
                name = f"tensor {tensor.label!r}" if tensor.label else "a tensor"
                role = "its output" if tensor is self else "an input"
                raise RuntimeError(
                    f"backward: {name} of shape {tensor.shape}, {role} of '{self.op}', was modified after the "
                    f"forward pass: its .data is at version {tensor._version}, '{self.op}' saved it at version "
                    f"{version}. Its gradient would be computed at the wrong point. Run the forward pass again "
                    "after changing .data (e.g. call optimizer.step() only after backward())."
                )

    def _chain(self, error_signal: np.ndarray) -> list[np.ndarray | None]:
        saved = self._saved_versions
        if saved is not None:
            parents = self._parents
            if self._version or parents[0]._version != saved[0] or (
                len(saved) > 1 and (parents[1]._version != saved[1] or (
                    len(saved) > 2 and saved[2:] != tuple([p._version for p in parents[2:]])))
            ):  # fmt: skip
                self._check_versions()  # raises if an array changed: names it
        return self._backward(self, error_signal)

    def _accumulate(self, error_signal: np.ndarray) -> None:
        """Add a pass's signal into ``.grad``. A freshly computed array (no base, not the signal of another node)
        becomes ``.grad`` as is — no copy, as PyTorch steals gradient buffers; views and passed-through signals
        are copied, so ``.grad`` never aliases another node's gradient or the caller's ``backward(grad)``."""
        signal = error_signal if type(error_signal) is np.ndarray else np.array(error_signal)
        if signal.dtype != self._data.dtype:
            signal = signal.astype(self._data.dtype)
        if self.grad is not None:
            self.grad = self.grad + signal
        elif signal.base is not None or not signal.flags.writeable:
            self.grad = signal.copy()
        else:
            self.grad = signal

    def _seed(self, grad: Any) -> np.ndarray:
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: create the leaves with requires_grad=True"
            )
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(f"backward() needs a gradient for a non-scalar output of shape {self.shape}")
            return np.ones_like(self._data)
        seed = _as_float_array(grad, "backward(grad)").astype(self._data.dtype, copy=False)
        if seed.shape != self.shape:
            raise ValueError(f"backward(grad): grad has shape {seed.shape} but the output has shape {self.shape}")
        return seed.view()  # a view: no .grad ever takes the caller's array itself

    def backward(self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Backpropagate from this tensor: error signal 1 for a one-element tensor, else ``grad`` (same shape).

        ``retain_graph`` is accepted for PyTorch code and changes nothing: errorflow always keeps the graph (so a
        diagram can be drawn after backward, and ``backward()`` may run again: leaf gradients then add up).
        ``create_graph=True`` records the backward pass: every ``.grad`` is then a Tensor with a graph of its own,
        which can be differentiated again (:mod:`autodiff.higher`)."""
        if retain_graph is not None and not isinstance(retain_graph, bool):
            raise TypeError(f"backward(retain_graph=...) must be True, False or None, got {retain_graph!r:.40}")
        if not isinstance(create_graph, bool):
            raise TypeError(f"backward(create_graph=...) must be True or False, got {create_graph!r:.40}")
        seed = self._seed(grad)
        if create_graph:
            from .higher import backward_graph

            return backward_graph(self, seed)
        graph.backward(self, seed)

    def backward_steps(self, grad: Any = None) -> Iterator[graph.Step]:
        """The same pass as ``backward()``, one :class:`~autodiff.graph.Step` at a time."""
        return graph.backprop_steps(self, self._seed(grad))

    def zero_grad(self) -> None:
        self.grad = None

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn gradient tracking on (or off) for this leaf, in place, and return it (PyTorch's spelling)."""
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad_(...) must be True or False, got {requires_grad!r:.40}")
        if self._parents:
            raise RuntimeError("requires_grad_() changes a leaf; this tensor was computed (use detach() first)")
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self._data.dtype}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Accepted for PyTorch code; nothing to do: errorflow keeps every interior ``.grad`` (the diagrams show
        them)."""

    # ---- numpy-like attributes ----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of axes (PyTorch's ``dim()``; ``ndim`` is the same)."""
        return self._data.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of axis ``dim``, as PyTorch (``numel()`` counts the elements)."""
        if dim is None:
            return self._data.shape
        _int_argument(dim, "size(dim)")
        if not -max(self.ndim, 1) <= dim < max(self.ndim, 1) or self.ndim == 0:
            raise IndexError(f"size({dim}): dim out of range for a tensor of shape {self.shape}")
        return self._data.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        """Rows along the first axis, each a node of the graph (``t[i]``), as PyTorch."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def item(self) -> float | int | bool:
        """The one element as a Python number (float for a floating tensor, int or bool for an index or mask)."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, this one has shape {self.shape}")
        return self._data.reshape(()).item()

    def _one_element(self, what: str) -> Any:
        if self._data.size != 1:
            raise TypeError(f"{what} needs a one-element tensor, this one has shape {self.shape}")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._one_element("float(tensor)"))

    def __int__(self) -> int:
        return int(self._one_element("int(tensor)"))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous: use (t).any() or (t).all() "
                "on the mask, or compare one element"
            )
        return bool(self._data.reshape(()))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """``np.sum(t)``, ``np.mean(t, axis=0)``… call the Tensor's own method (the gradient is kept); any other
        numpy function is refused with a TypeError naming what to use instead."""
        method = _NUMPY_METHODS.get(func)
        if method is None or not args or args[0] is not self:
            raise TypeError(
                f"np.{func.__name__} does not work on an errorflow Tensor (it would drop the graph): use the "
                f"Tensor's own methods or autodiff's functions, or t.detach().numpy() for plain values"
            )
        return method(*args, **kwargs)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)`` for a tensor outside the graph; a tensor that requires grad must be detached first."""
        if self.requires_grad:
            raise TypeError(
                "np.asarray(tensor) on a tensor that requires grad would drop it from the graph: use "
                "tensor.detach().numpy() (or tensor.numpy()) for the values, or the tensor's own method "
                "(t.sum(), t.mean(), t.max()...) to keep the gradient"
            )
        array = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return array.copy() if copy else array

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` works for a one-element tensor, as in PyTorch."""
        if spec and self._data.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def numpy(self) -> np.ndarray:
        """A copy of the data (changing it does not change the tensor)."""
        return self._data.copy()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no parents, no gradient)."""
        return _make(self._data, "", (), ())

    def __repr__(self) -> str:
        body = np.array2string(self._data, precision=4, threshold=20, separator=", ", prefix="Tensor(")
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

    # comparisons give boolean tensors, as PyTorch: masks for `where`, indexing and arithmetic (no gradient)
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other, "==")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other, "!=")

    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other, "<")

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other, ">")

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other, ">=")

    # logical operators on masks (bool tensors), as PyTorch: `(x > 0) & (x < 1)`, `~mask`
    def __and__(self, other: Any) -> Tensor:
        return _logical(np.logical_and, self, other, "&")

    __rand__ = __and__

    def __or__(self, other: Any) -> Tensor:
        return _logical(np.logical_or, self, other, "|")

    __ror__ = __or__

    def __xor__(self, other: Any) -> Tensor:
        return _logical(np.logical_xor, self, other, "^")

    __rxor__ = __xor__

    def __invert__(self) -> Tensor:
        if self._data.dtype != np.bool_:
            raise TypeError(f"~ needs a bool tensor (a mask such as x > 0), got dtype {self._data.dtype}")
        return _make(~self._data, "", (), ())

    def any(self) -> Tensor:
        """A 0-d bool tensor: is any element non-zero? (``if (t > 0).any():`` works.)"""
        return _make(np.asarray(self._data.any()), "", (), ())

    def all(self) -> Tensor:
        """A 0-d bool tensor: is every element non-zero?"""
        return _make(np.asarray(self._data.all()), "", (), ())

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        return clip(self, low, high)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002 -- PyTorch's names
        """PyTorch's name for :meth:`clip`: ``x.clamp(min=0)``."""
        return clip(self, min, max)

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        return matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        """Matrix product of two matrices (PyTorch's ``mm``: 2-D only; ``@`` and ``matmul`` take any rank)."""
        other_shape = np.shape(_operand_data(other, "mm"))
        if self.ndim != 2 or len(other_shape) != 2:
            raise ValueError(f"mm needs two matrices, got shapes {self.shape} and {other_shape}")
        return matmul(self, other)

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """``value`` where ``mask`` is True, else this tensor's elements; no signal reaches the filled ones."""
        mask_data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if mask_data.dtype != np.bool_:
            raise TypeError(f"masked_fill needs a bool mask (e.g. t > 0), got dtype {mask_data.dtype}")
        return where(mask_data, real_number(value, "masked_fill(value)", finite=False), self)

    # ---- reductions ---------------------------------------------------------------------------------------
    def sum(
        self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None, keepdims: bool | None = None
    ) -> Tensor:
        """Σ over ``dim``; the error signal is copied back to every summed element (∂Σ/∂xᵢ = 1).

        ``dim``/``keepdim`` (PyTorch) and ``axis``/``keepdims`` (NumPy) are the same arguments."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "sum")
        axes = _normalize_axes(axis, self.ndim, "sum")
        x = self._data
        out = x.sum(axis=axes, keepdims=keepdims)
        vjp = (lambda g: _expand_back(g, x.shape, axes, keepdims),)
        return _make(out, "sum", (self,), vjp, saves=False, formulas=("{δ}·𝟙",), ctx=(axes, keepdims))

    def mean(
        self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None, keepdims: bool | None = None
    ) -> Tensor:
        """Σ/n over ``dim``; each element gets 1/n of the error signal."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "mean")
        axes = _normalize_axes(axis, self.ndim, "mean")
        x = self._data
        count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
        if count == 0:
            raise ValueError(f"mean: reducing axis {axis!r} of an empty tensor of shape {x.shape}")
        out = x.mean(axis=axes, keepdims=keepdims)
        vjp = (lambda g: _expand_back(g / count, x.shape, axes, keepdims),)
        return _make(out, "mean", (self,), vjp, saves=False, formulas=(f"{{δ}}·𝟙/{count}",), ctx=(axes, keepdims))

    def max(
        self, dim: int | Tensor | None = None, keepdim: bool = False, *, axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor | ValuesIndices:  # fmt: skip
        """As PyTorch: ``t.max()`` is the largest element (the signal shared evenly among ties);
        ``t.max(dim)`` is the pair ``(values, indices)`` along ``dim``, the signal going to the index picked
        (the first maximum); ``t.max(other)`` is ``maximum(t, other)``. For several axes use ``amax``."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        return _max_or_min(self, dim, axis, keepdim, keepdims, "max")

    def min(
        self, dim: int | Tensor | None = None, keepdim: bool = False, *, axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor | ValuesIndices:  # fmt: skip
        """As :meth:`max`, for the smallest element."""
        if isinstance(dim, Tensor):
            return minimum(self, dim)
        return _max_or_min(self, dim, axis, keepdim, keepdims, "min")

    def amax(
        self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None, keepdims: bool | None = None
    ) -> Tensor:
        """The largest values over ``dim`` (one axis, several, or all); the signal is shared evenly among ties."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "amax")
        return _extremum(self, axis, keepdims, "amax")

    def amin(
        self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None, keepdims: bool | None = None
    ) -> Tensor:
        """The smallest values over ``dim``; the signal is shared evenly among ties."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "amin")
        return _extremum(self, axis, keepdims, "amin")

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
               keepdims: bool | None = None) -> Tensor:  # fmt: skip
        """The int64 index of the (first) largest element along ``dim``, or in the flattened tensor."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "argmax")
        return _arg_extremum(self, axis, keepdims, "argmax")

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
               keepdims: bool | None = None) -> Tensor:  # fmt: skip
        """The int64 index of the (first) smallest element along ``dim``, or in the flattened tensor."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "argmin")
        return _arg_extremum(self, axis, keepdims, "argmin")

    def var(
        self, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None,
        axis: Dims = None, keepdims: bool | None = None,
    ) -> Tensor:  # fmt: skip
        """Σ(x − x̄)² / (N − correction) over ``dim``; ``correction=1`` (Bessel's, the default, as PyTorch) or
        ``unbiased=False`` (``correction=0``). Built from mean, −, ² and sum, so its gradient is theirs."""
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "var")
        if unbiased is not None and correction is not None:
            raise TypeError("var: give unbiased= or correction=, not both")
        if correction is None:
            correction = 0.0 if unbiased is False else 1.0
        correction = real_number(correction, "var(correction=...)")
        axes = _normalize_axes(axis, self.ndim, "var")
        n = int(np.prod([self.shape[a] for a in axes])) if axes else 1
        centered = self - self.mean(axis=axes, keepdims=True)
        return (centered * centered).sum(axis=axes, keepdims=keepdims) / max(n - correction, 0.0)

    def std(
        self, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None,
        axis: Dims = None, keepdims: bool | None = None,
    ) -> Tensor:  # fmt: skip
        """√var (same arguments as :meth:`var`)."""
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()

    def cumsum(self, dim: int) -> Tensor:
        """Running sums along ``dim``; element i's signal is the sum of the signals of outputs i, i+1, …"""
        axes = _normalize_axes(dim, self.ndim, "cumsum")
        if not axes:
            return self.reshape(self.shape)
        (ax,) = axes
        flip = (slice(None),) * ax + (slice(None, None, -1),)
        vjp = (lambda g: np.cumsum(g[flip], axis=ax)[flip],)
        return _make(np.cumsum(self._data, axis=ax), "cumsum", (self,), vjp, saves=False, formulas=("revcumsum({δ})",),
                     ctx=ax)

    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j] = self[index[i][j]][j]`` for ``dim=0`` (PyTorch's gather); the signal is scatter-added back."""
        (ax,) = _normalize_axes(dim, self.ndim, "gather") or (0,)
        idx = index._data if isinstance(index, Tensor) else np.asarray(index)
        if idx.dtype.kind not in "iu" or idx.ndim != self.ndim:
            raise TypeError(f"gather needs an int64 index with {self.ndim} dims (as the input), got {idx.dtype} "
                            f"with shape {idx.shape}")  # fmt: skip
        positions = list(np.indices(idx.shape, sparse=True))
        positions[ax] = idx
        positions = tuple(positions)
        shape = self.shape
        try:
            out = self._data[positions]
        except IndexError as error:
            raise IndexError(f"gather: index out of range for shape {shape} along dim {dim}: {error}") from None

        def vjp(g: np.ndarray) -> np.ndarray:
            grad = np.zeros(shape, dtype=g.dtype)
            np.add.at(grad, positions, g)
            return grad

        return _make(out, "gather", (self,), (vjp,), saves=False, formulas=("scatter-add({δ})",), ctx=positions)

    def logsumexp(self, dim: Dims = -1, keepdim: bool = False, *, axis: Dims = None,
                  keepdims: bool | None = None) -> Tensor:  # fmt: skip
        axis, keepdims = _dim_arguments(dim, axis, keepdim, keepdims, "logsumexp", default=-1)
        return logsumexp(self, axis, keepdims)

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return softmax(self, _dim_arguments(dim, axis, False, None, "softmax", default=-1)[0])

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return log_softmax(self, _dim_arguments(dim, axis, False, None, "log_softmax", default=-1)[0])

    # ---- shape --------------------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        shape = tuple(_int_argument(n, "reshape: each size") for n in shape)
        x_shape = self.shape
        try:
            out = self._data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x_shape} into {shape}") from None
        return _make(out, "reshape", (self,), (lambda g: g.reshape(x_shape),), saves=False, formulas=("reshape({δ})",))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (_normalize_axes(d, self.ndim, "flatten")[0] for d in (start_dim, end_dim))
        shape = self.shape
        return self.reshape(*shape[:start], int(np.prod(shape[start : end + 1])), *shape[end + 1 :])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder all axes: result axis i is input axis ``dims[i]`` (numpy's ``transpose(axes)``)."""
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        dims = tuple(_int_argument(a, "permute: each dim") for a in dims)
        if len(dims) != self.ndim or sorted(a % max(self.ndim, 1) for a in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} axes of shape {self.shape}")
        dims = tuple(a % max(self.ndim, 1) for a in dims)
        return self._permuted(dims, tuple(int(i) for i in np.argsort(dims)))

    def _permuted(self, dims: tuple[int, ...], inverse: tuple[int, ...]) -> Tensor:
        """The axes reordered by ``dims`` (already checked); the share is the signal reordered back by ``inverse``."""
        formula = "{δ}ᵀ" if dims == (1, 0) else f"permute{inverse}({{δ}})"
        vjp = (lambda g: g.transpose(inverse),)
        return _make(self._data.transpose(dims), "transpose", (self,), vjp, saves=False, formulas=(formula,),
                     ctx=inverse)

    def transpose(self, dim0: int, dim1: int | None = None) -> Tensor:
        """Swap two axes, as PyTorch's ``transpose(dim0, dim1)`` (for a full reordering use ``permute``)."""
        if dim1 is None:
            shown = tuple(dim0) if isinstance(dim0, (tuple, list)) else (dim0,)
            raise TypeError(f"transpose(dim0, dim1) swaps two axes, as PyTorch; for a reordering {shown} "
                            "of all axes use permute(...)")  # fmt: skip
        ndim = max(self.ndim, 1)
        for d in (dim0, dim1):
            if not -ndim <= _int_argument(d, "transpose: each dim") < ndim:
                raise ValueError(f"transpose: dim {d} is out of range for a tensor of shape {self.shape}")
        dims = list(range(self.ndim))
        if self.ndim:
            dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    def t(self) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 dimensions), as PyTorch's ``t()``."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor of at most 2 dimensions, got shape {self.shape}: use transpose")
        return self.T

    @property
    def T(self) -> Tensor:
        """All axes reversed (for a matrix, its transpose)."""
        reversal = tuple(range(self._data.ndim - 1, -1, -1))  # its own inverse
        return self._permuted(reversal, reversal)

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for :meth:`reshape` (numpy arrays need no contiguity: a reshape is always possible)."""
        return self.reshape(*shape)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (−1 keeps an axis); the signal is summed back over the expanded axes."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        sizes = tuple(_int_argument(n, "expand: each size") for n in sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {sizes} has fewer dims than the tensor's shape {self.shape}")
        target = tuple(self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        try:
            out = np.broadcast_to(self._data, target)
        except ValueError:
            raise ValueError(f"expand: a tensor of shape {self.shape} cannot be expanded to {sizes}") from None
        shape = self.shape
        vjp = (lambda g: unbroadcast(g, shape),)
        return _make(out.copy(), "expand", (self,), vjp, saves=False, formulas=(_summed_back("{δ}", shape, target),))

    def repeat(self, *repeats: Any) -> Tensor:
        """Tile the tensor ``repeats[i]`` times along axis i (PyTorch's ``repeat``, numpy's ``tile``)."""
        repeats = tuple(repeats[0]) if len(repeats) == 1 and isinstance(repeats[0], (tuple, list)) else repeats
        repeats = tuple(_int_argument(n, "repeat: each count") for n in repeats)
        if len(repeats) < self.ndim or any(n < 0 for n in repeats):
            raise ValueError(f"repeat: need ≥ {self.ndim} non-negative counts for shape {self.shape}, got {repeats}")
        shape = (1,) * (len(repeats) - self.ndim) + self.shape
        tiled = tuple(r * n for r, n in zip(repeats, shape))
        interleaved = tuple(v for pair in zip(repeats, shape) for v in pair)  # (r0, n0, r1, n1, …)

        def vjp(g: np.ndarray) -> np.ndarray:
            return g.reshape(interleaved).sum(axis=tuple(range(0, 2 * len(shape), 2))).reshape(self.shape)

        out = np.tile(self._data.reshape(shape), repeats).reshape(tiled)
        return _make(out, "repeat", (self,), (vjp,), saves=False, formulas=("Σ copies({δ})",),
                     ctx=(interleaved, tuple(range(0, 2 * len(shape), 2))))

    def flip(self, dims: int | Sequence[int]) -> Tensor:
        """Reverse the order of elements along ``dims``; the signal is flipped back."""
        axes = _normalize_axes(dims, self.ndim, "flip")
        vjp = (lambda g: np.flip(g, axes),)
        return _make(np.flip(self._data, axes).copy(), "flip", (self,), vjp, saves=False, formulas=("flip({δ})",),
                     ctx=axes)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle (elements on and below ``diagonal``), others 0; the signal passes where kept."""
        return self._triangle(np.tril, diagonal, "tril")

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle (elements on and above ``diagonal``), others 0."""
        return self._triangle(np.triu, diagonal, "triu")

    def _triangle(self, keep: Callable[..., np.ndarray], diagonal: int, op: str) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"{op} needs a tensor of at least 2 dims, got shape {self.shape}")
        k = _int_argument(diagonal, f"{op}(diagonal)")
        vjp = (lambda g: keep(g, k),)
        return _make(keep(self._data, k), op, (self,), vjp, saves=False, formulas=(f"{op}({{δ}})",), ctx=k)

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
            out = self._data[index]
        except IndexError as error:
            raise IndexError(f"index {index!r} into a tensor of shape {x_shape}: {error}") from None

        def vjp(g: np.ndarray) -> np.ndarray:
            grad = np.zeros(x_shape, dtype=dtype)
            np.add.at(grad, index, g)
            return grad

        return _make(np.array(out, copy=True), "index", (self,), (vjp,), saves=False, formulas=("scatter-add({δ})",),
                     ctx=index)

    # ---- precision (last in the class: the method names float/bool shadow the builtins in the class body) ----------
    def to(self, dtype: Any) -> Tensor:
        """This tensor as ``dtype`` (float64, float32, int64 or bool), as PyTorch's ``t.to(torch.float32)``.

        Already ``dtype``: the tensor itself. Float → float: the share sent back is the signal cast to the source's
        precision (∂y/∂x = 1). To int64 or bool: a new tensor outside the graph (integers carry no gradient).
        """
        from .creation import _dtype

        target = _dtype(dtype, "to")
        if target is None:
            raise TypeError("to(dtype): give a dtype (float64, float32, int64 or bool), got None")
        if target == self._data.dtype:
            return self
        data = self._data.astype(target)
        if target.kind != "f":
            return _make(data, "", (), ())
        source = self._data.dtype
        return _make(data, "to", (self,), (lambda g: g.astype(source),), saves=False, formulas=("{δ}",))

    def double(self) -> Tensor:
        """``to(float64)``."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """``to(int64)``: class indices (outside the graph)."""
        return self.to(np.int64)

    def float(self) -> Tensor:
        """``to(float32)``, as PyTorch's ``t.float()`` (``float(t)`` is still the Python number of a 1-element t)."""
        return self.to(np.float32)

    def bool(self) -> Tensor:
        """``to(bool)``: a mask (outside the graph)."""
        return self.to(np.bool_)

    def tolist(self) -> Any:
        """The data as nested Python lists of numbers (``t.tolist()``, as PyTorch and NumPy)."""
        return self._data.tolist()


def _numpy_reduction(method: str) -> Callable[..., Any]:
    def call(t: Tensor, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **more: Any):
        if dtype is not None or out is not None or more:
            raise TypeError(f"np.{method}(tensor, ...) takes axis= and keepdims= only, got {['dtype', 'out', *more]}")
        return getattr(t, method)(axis=axis, keepdims=keepdims)

    return call


def _numpy_spread(method: str) -> Callable[..., Any]:
    def call(t: Tensor, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0, keepdims: bool = False):
        if dtype is not None or out is not None:
            raise TypeError(f"np.{method}(tensor, ...) takes axis=, ddof= and keepdims= only")
        return getattr(t, method)(axis=axis, correction=ddof, keepdims=keepdims)  # numpy's default ddof is 0

    return call


_NUMPY_METHODS: dict[Any, Callable[..., Any]] = {  # np.sum(t) is t.sum(): numpy functions with a Tensor meaning
    np.sum: _numpy_reduction("sum"),
    np.mean: _numpy_reduction("mean"),
    np.max: _numpy_reduction("amax"),
    np.amax: _numpy_reduction("amax"),
    np.min: _numpy_reduction("amin"),
    np.amin: _numpy_reduction("amin"),
    np.var: _numpy_spread("var"),
    np.std: _numpy_spread("std"),
    np.reshape: lambda t, shape: t.reshape(shape),
    np.transpose: lambda t, axes=None: t.T if axes is None else t.permute(axes),
    np.clip: lambda t, a_min=None, a_max=None: t.clip(a_min, a_max),
}


def _index_data(index: Any) -> Any:
    """A Tensor index as numpy indexes: a bool tensor is a mask, an int or whole-number tensor holds positions."""
    if isinstance(index, Tensor):
        if index._data.dtype.kind in "biu":
            return index._data
        if not np.all(np.mod(index._data, 1) == 0):
            raise IndexError(f"a Tensor used as an index must hold whole numbers, got {index._data!r:.60}")
        return index._data.astype(np.intp)
    if isinstance(index, tuple):
        return tuple(_index_data(i) for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_bool_data(data: Any) -> bool:
    """A bool, or a list or array of bools: kept as a bool mask, not turned into 0.0/1.0."""
    if isinstance(data, (bool, np.bool_)):
        return True
    if isinstance(data, np.ndarray):
        return data.dtype == np.bool_
    if isinstance(data, (list, tuple)) and data:
        try:
            return np.asarray(data).dtype == np.bool_
        except (ValueError, TypeError):
            return False
    return False


def _operand_data(x: Any, op: str) -> np.ndarray | float:
    """The data of an operand. A Python or numpy number is a weak constant, evaluated in the tensor's precision; a
    Python bool is a number (``True`` is 1), as in PyTorch and in Value arithmetic."""
    if type(x) is float or (type(x) is int and -(2**63) <= x < 2**63):
        return x
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, numbers.Real):
        return float_operand(x, f"the operand of {op}")
    if isinstance(x, np.ndarray):
        return x if x.dtype == np.bool_ else _as_float_array(x, op)
    raise TypeError(
        f"unsupported operand for {op}: Tensor and {type(x).__name__} ({x!r:.40}); expected a Tensor, "
        "a numpy array or a real number"
    )


_new_tensor = object.__new__
_modes = graph.MODES


def _each_vjp(node: Tensor, g: np.ndarray) -> list[np.ndarray | None]:
    """The backward of an op written as one VJP per parent (``_make``'s ``vjps``): each parent's share."""
    sends = node._sends
    shares = []
    for i, vjp in enumerate(node._vjps):
        share = vjp(g) if sends is None or sends[i] else None
        # a signal passed through unchanged (e.g. by reshape) is marked as a view: not a buffer a leaf may keep
        shares.append(g.view() if share is g else share)
    return shares


def _make(
    data: np.ndarray, op: str, parents: tuple[Tensor, ...], vjps: tuple[VJP, ...] = (), saves: bool = True,
    formulas: tuple[str, ...] | Callable[[Tensor], tuple[str, ...]] = (), ctx: Any = None,
    backward: Backward = _each_vjp,
) -> Tensor:  # fmt: skip
    """A result node; it records its parents only while recording is on and some parent requires grad.

    Its backward is either ``vjps``, one function ``g → share`` per parent, or ``backward(node, g)`` → all the
    shares at once, reading what it needs from the node (the elementwise ops: no closure per node). A parent that
    needs no gradient is marked in ``node._sends`` and is sent ``None``.

    ``saves``: the VJPs read the parents' arrays (or the result's) as they are now, so backward checks that no
    ``.data`` was assigned since (``_version``). Ops whose VJPs need only shapes pass ``saves=False``. ``ctx``: what
    the op's second-order rule (:mod:`autodiff.higher`) needs besides the parents (axes, a constant operand…)."""
    out = _new_tensor(Tensor)
    out._data = data if type(data) is np.ndarray else np.asarray(data)
    out._version = 0
    out.grad = None
    out.label = None
    n = len(parents)
    sends = None
    if n == 1:
        record = parents[0].requires_grad
    elif n == 2:  # the common binary case, without a list per node
        a_needs, b_needs = parents[0].requires_grad, parents[1].requires_grad
        record = a_needs or b_needs
        if not (a_needs and b_needs):
            sends = (a_needs, b_needs)
    else:
        needs_grad = [p.requires_grad for p in parents]
        record = True in needs_grad
        if False in needs_grad:
            sends = tuple(needs_grad)
    mode = _modes.recording if record else 0
    if mode:
        out.requires_grad = True
        out.op = op
        out._parents = parents
        if n == 1:  # the walk's view of the same edges (autodiff.graph): one parent, two, or a tuple
            out._p0, out._p1 = parents[0], None
        elif n == 2:
            out._p0, out._p1 = parents
        else:
            out._p0, out._p1 = parents, None
        out._backward = backward
        out._vjps = vjps
        out._sends = sends
        if not saves:
            out._saved_versions = None
        elif n == 1:
            out._saved_versions = (parents[0]._version,)
        elif n == 2:
            out._saved_versions = (parents[0]._version, parents[1]._version)
        else:
            out._saved_versions = tuple([p._version for p in parents])
        out._formulas = formulas
        out._ctx = ctx
        if mode == 2:
            on_create(out)
    else:
        out.requires_grad = False
        out.op, out._parents, out._backward, out._vjps, out._sends = "", (), None, (), None
        out._p0 = out._p1 = None
        out._saved_versions, out._formulas, out._ctx = None, (), None
    return out


def _dim_arguments(dim: Any, axis: Any, keepdim: bool, keepdims: bool | None, op: str, default: Any = None) -> tuple:
    """PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims`` (either spelling, not both): (axis, keepdims)."""
    if axis is not None:
        if dim is not None and dim != default:
            raise TypeError(f"{op}: give dim= or axis= (the same argument), not both")
        dim = axis
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{op}: give keepdim= or keepdims= (the same argument), not both")
        keepdim = keepdims
    if not isinstance(keepdim, (bool, np.bool_)):
        raise TypeError(f"{op}: keepdim must be True or False, got {keepdim!r:.40}")
    return dim, bool(keepdim)


def _compare(compare: Callable[..., np.ndarray], t: Tensor, other: Any, symbol: str) -> Tensor:
    """An elementwise comparison as a bool tensor (a mask: outside the graph, as PyTorch's)."""
    try:
        y = _operand_data(other, symbol)
    except TypeError:
        if symbol in ("==", "!="):
            return NotImplemented  # `t == None`, `t == "a"`: Python falls back to identity
        raise
    try:
        mask = compare(t._data, y)
    except ValueError:
        raise ValueError(f"{symbol}: shapes {t.shape} and {np.shape(y)} cannot be broadcast together") from None
    return _make(np.asarray(mask), "", (), ())


def _logical(combine: Callable[..., np.ndarray], t: Tensor, other: Any, symbol: str) -> Tensor:
    """``&``, ``|``, ``^`` of two masks (bool tensors, arrays or Python bools) as a bool tensor outside the graph."""
    y = other._data if isinstance(other, Tensor) else np.asarray(other)
    for operand in (t._data, y):
        if operand.dtype != np.bool_:
            raise TypeError(f"{symbol} combines bool masks (e.g. (x > 0) {symbol} (x < 1)), got dtype {operand.dtype}")
    try:
        return _make(np.asarray(combine(t._data, y)), "", (), ())
    except ValueError:
        raise ValueError(f"{symbol}: shapes {t.shape} and {y.shape} cannot be broadcast together") from None


# ---- share formulas: each VJP's share in the notes' notation (see Tensor.share_formulas) ----------------------
def _times(signal: str, local: str) -> str:
    """``δ ∘ f'(z)`` for an elementwise local derivative, simplified for ±1."""
    if local == "1":
        return signal
    if local == "−1":
        return "−" + signal
    return f"{local} ∘ {signal}"


def _number_text(x: Any) -> str:
    return f"{float(x):.4g}" if np.ndim(x) == 0 else "c"


def _exponent_text(params: dict[str, Any]) -> dict[str, str]:
    if "p" not in params:
        return {}
    p = params["p"]
    return {"p": f"{p:.4g}", "p−1": f"{p - 1:.4g}"}


def _fmt_bound(x: float) -> str:
    return "∞" if x == np.inf else "−∞" if x == -np.inf else f"{x:.4g}"


def _summed_back(share: str, shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
    """``Σ₀(…)``: a share summed over the axes broadcasting stretched (numbered in the result's axes)."""
    if tuple(shape) == tuple(out_shape):
        return share
    lead = len(out_shape) - len(shape)
    axes = [i for i in range(len(out_shape)) if i < lead or (shape[i - lead] == 1 and out_shape[i] != 1)]
    return f"Σ{','.join(str(a).translate(_SUBSCRIPT_DIGITS) for a in axes)}({share})" if axes else share


_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _binary_formula(local: str, a: str, b: str, shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
    b_minus_1 = f"{float(b) - 1:.4g}" if _is_number_text(b) else f"({b}−1)"
    return _summed_back(_times("{δ}", fill(local, a=a, b=b, **{"b−1": b_minus_1})), shape, out_shape)


def _is_number_text(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _quietly(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` with numpy's floating-point warnings silenced, as PyTorch is silent (for ops that meet inf/nan)."""

    def quiet(*args: Any, **params: Any) -> Any:
        with np.errstate(all="ignore"):
            return f(*args, **params)

    return quiet


def _rule_functions(rule: UnaryRule | BinaryRule, *functions: Callable[..., Any]) -> list[Callable[..., Any]]:
    return [_quietly(f) for f in functions] if rule.name in _IEEE_SPECIALS else list(functions)


def _scaled_signal(g: np.ndarray, local_grad: Any) -> np.ndarray:
    """The share ``g ∘ f'(x)``, in the signal's precision (a derivative written with masks, ``1 − [x ≤ 0]``, comes
    back bool or float64 and would otherwise turn every signal below a float32 relu into float64). A local
    derivative that is the number 1 (``+``) passes the signal through, as a view: not a buffer a leaf may keep."""
    if type(local_grad) is float:
        if local_grad == 1.0:
            return g.view()
        share = g * local_grad
    elif getattr(local_grad, "dtype", g.dtype) == g.dtype:  # (numpy scalars have one)
        share = g * local_grad
    else:
        share = np.multiply(g, local_grad, dtype=g.dtype)
    return share if type(share) is np.ndarray else np.asarray(share)  # a 0-d product is a numpy scalar


class _UnaryOp(NamedTuple):
    forward: Callable[..., Any]
    backward: Backward
    saves: bool


class _BinaryOp(NamedTuple):
    forward: Callable[..., Any]
    two_tensors: Backward
    number_right: Backward  # out = x ∘ c, the number c kept in ctx as (1, c)
    number_left: Backward  # out = c ∘ x, ctx (0, c)
    saves: bool


def _compile_unary(rule: UnaryRule) -> _UnaryOp:
    """The rule's forward and backward, as closures over its own functions, made once at import: per node the
    work is then numpy's and the node's, not lookups in the table. share = g ∘ f'(x, y), y = f(x) the node's own
    array, the parameters (``p`` of ``x^p``…) in ``ctx``."""
    forward, local_grad = _rule_functions(rule, rule.forward, rule.local_grad)

    def backward(node: Tensor, g: np.ndarray) -> list[np.ndarray]:
        x, y, params = node._p0._data, node._data, node._ctx
        return [_scaled_signal(g, local_grad(x, y, ARRAY, **params) if params else local_grad(x, y, ARRAY))]

    return _UnaryOp(forward, backward, rule.name not in _READS_NO_DATA)


def _compile_binary(rule: BinaryRule) -> _BinaryOp:
    """As :func:`_compile_unary`, with a backward for each kind of operand pair. Each share is g × ∂out/∂operand
    from the rule, summed back to the operand's shape (a number operand does not broadcast: the one share has
    its tensor's shape already)."""
    forward, grad_a, grad_b = _rule_functions(rule, rule.forward, rule.grad_a, rule.grad_b)

    def two_tensors(node: Tensor, g: np.ndarray) -> list[np.ndarray | None]:
        out, sends = node._data, node._sends
        x, y = node._p0._data, node._p1._data
        shape_a, shape_b = x.shape, y.shape
        if x.dtype.kind != "f" or y.dtype.kind != "f":  # a mask operand: computed in the other's precision
            x, y = _floating(x, y)
        return [
            unbroadcast(_scaled_signal(g, grad_a(x, y, out, ARRAY)), shape_a) if not sends or sends[0] else None,
            unbroadcast(_scaled_signal(g, grad_b(x, y, out, ARRAY)), shape_b) if not sends or sends[1] else None,
        ]

    def number_right(node: Tensor, g: np.ndarray) -> list[np.ndarray]:
        return [_scaled_signal(g, grad_a(node._p0._data, node._ctx[1], node._data, ARRAY))]

    def number_left(node: Tensor, g: np.ndarray) -> list[np.ndarray]:
        return [_scaled_signal(g, grad_b(node._ctx[1], node._p0._data, node._data, ARRAY))]

    return _BinaryOp(forward, two_tensors, number_right, number_left, rule.name not in _READS_NO_DATA)


_UNARY_OPS = {name: _compile_unary(rule) for name, rule in UNARY.items()}
_BINARY_OPS = {name: _compile_binary(rule) for name, rule in BINARY.items()}


def _unary(rule: UnaryRule, t: Tensor, **params: float) -> Tensor:
    """f applied elementwise; share = g ∘ f'(x), with f' from the rule table (:func:`_compile_unary`)."""
    op = _UNARY_OPS[rule.name]
    x = t._data if t._data.dtype.kind == "f" else t._data.astype(np.float64)
    y = op.forward(x, ARRAY, **params)
    if type(y) is not np.ndarray or y.dtype != x.dtype:  # 0-d results come back as numpy scalars
        y = np.asarray(y, dtype=x.dtype)
    return _make(y, rule.name, (t,), (), op.saves, _unary_formulas, params or None, op.backward)


def _unary_formulas(node: Tensor) -> tuple[str]:
    return (_times("{δ}", fill(UNARY[node.op].local, x="{0}", **_exponent_text(node._ctx or {}))),)


def _as_node(x: Any, op: str, dtype: Any = np.float64) -> Tensor:
    """A Tensor operand as is; anything else that ``op`` accepts as a constant leaf (no gradient). A Python number
    takes ``dtype`` (its partner's precision: a number is a weak constant, as in PyTorch)."""
    if isinstance(x, Tensor):
        return x
    data = _operand_data(x, op)
    return Tensor(data if isinstance(data, np.ndarray) else np.asarray(data, dtype=dtype))


def _as_nodes(op: str, *operands: Any) -> list[Tensor]:
    """Several operands as nodes, numbers in the operands' common floating precision (float32 stays float32)."""
    floats = [x._data.dtype for x in operands if isinstance(x, Tensor) and x._data.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.float64
    return [_as_node(x, op, dtype) for x in operands]


def _floating(x: Any, y: Any) -> tuple[Any, Any]:
    """Bool and integer operands (masks, indices) take the other operand's floating dtype, as in PyTorch:
    ``x * (x > 0)`` stays float32."""
    def dtype_of(v: Any) -> Any:
        return v.dtype if type(v) is np.ndarray and v.dtype.kind == "f" else np.float64

    if type(x) is np.ndarray and x.dtype.kind != "f":
        x = x.astype(dtype_of(y))
    if type(y) is np.ndarray and y.dtype.kind != "f":
        y = y.astype(dtype_of(x))
    return x, y


def _lift(x: Any, op: str) -> tuple[Tensor | None, np.ndarray | float]:
    """(node, data) for an operand: a Tensor is a node, an array a constant node, a number a baked constant."""
    if isinstance(x, (Tensor, np.ndarray)):
        node = _as_node(x, op)
        return node, node._data
    return None, _operand_data(x, op)


def _binary(rule: BinaryRule, a: Any, b: Any) -> Tensor:
    """Broadcasting a ∘ b; each share is g × ∂out/∂operand, summed back to the operand's shape
    (:func:`_compile_binary`). A number operand is kept in ``ctx`` as (its position, the number)."""
    op = _BINARY_OPS[rule.name]
    a_node, x = (a, a._data) if type(a) is Tensor else _lift(a, rule.symbol)  # fast path for the common case
    b_node, y = (None, b) if type(b) is float else (b, b._data) if type(b) is Tensor else _lift(b, rule.symbol)
    if (type(x) is np.ndarray and x.dtype.kind != "f") or (type(y) is np.ndarray and y.dtype.kind != "f"):
        x, y = _floating(x, y)
    try:
        out = op.forward(x, y, ARRAY)
    except ValueError:
        raise ValueError(f"{rule.name}: shapes {np.shape(x)} and {np.shape(y)} cannot be broadcast together") from None
    if a_node is None:
        return _make(out, rule.name, (b_node,), (), op.saves, _binary_formulas, (0, x), op.number_left)
    if b_node is None:
        return _make(out, rule.name, (a_node,), (), op.saves, _binary_formulas, (1, y), op.number_right)
    return _make(out, rule.name, (a_node, b_node), (), op.saves, _binary_formulas, None, op.two_tensors)


def _bind_rule_methods() -> None:
    """Tensor's arithmetic calls :func:`_binary`/:func:`_unary` directly (the Operators hooks cost a call per op):
    the same rules; the functions with arguments to check keep the Operators' methods."""

    def binary(rule: BinaryRule, reflected: bool) -> Callable[[Tensor, Any], Tensor]:
        if reflected:
            return lambda self, other: _binary(rule, other, self)
        return lambda self, other: _binary(rule, self, other)

    def unary(rule: UnaryRule) -> Callable[[Tensor], Tensor]:
        return lambda self: _unary(rule, self)

    for method, (name, reflected) in {
        "__add__": ("add", False), "__radd__": ("add", True), "__sub__": ("sub", False), "__rsub__": ("sub", True),
        "__mul__": ("mul", False), "__rmul__": ("mul", True), "__truediv__": ("div", False),
        "__rtruediv__": ("div", True),
    }.items():  # fmt: skip
        setattr(Tensor, method, binary(BINARY[name], reflected))
    for method in ("exp", "log", "log2", "log10", "sqrt", "tanh", "sigmoid", "relu", "hardtanh", "softsign", "silu"):
        setattr(Tensor, method, unary(UNARY[method]))
    Tensor.__neg__, Tensor.__abs__ = unary(UNARY["neg"]), unary(UNARY["abs"])
    Tensor.abs = Tensor.__abs__


def _binary_formulas(node: Tensor) -> tuple[str, ...]:
    rule, parents, ctx, out_shape = BINARY[node.op], node._parents, node._ctx, node.shape
    if ctx is None:
        return (_binary_formula(rule.local_a, "{0}", "{1}", parents[0].shape, out_shape),
                _binary_formula(rule.local_b, "{0}", "{1}", parents[1].shape, out_shape))  # fmt: skip
    position, number = ctx
    if position == 1:
        return (_binary_formula(rule.local_a, "{0}", _number_text(number), parents[0].shape, out_shape),)
    return (_binary_formula(rule.local_b, _number_text(number), "{0}", parents[0].shape, out_shape),)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b for 1-D and N-D operands (numpy's rules). For z = Wx: ∇_W = δxᵀ (outer product), ∇_x = Wᵀδ."""
    a_node, b_node = _as_node(a, "@"), _as_node(b, "@")
    A, B = a_node._data, b_node._data
    if A.ndim == 0 or B.ndim == 0:
        raise ValueError(f"matmul: {A.shape} @ {B.shape}: both operands need at least one dimension (use *)")
    inner_a, inner_b = A.shape[-1], B.shape[0] if B.ndim == 1 else B.shape[-2]
    if inner_a != inner_b:
        raise ValueError(f"matmul: {A.shape} @ {B.shape}: inner dimensions {inner_a} and {inner_b} differ")
    try:
        out = A @ B
    except ValueError:
        raise ValueError(f"matmul: {A.shape} @ {B.shape}: batch dimensions cannot be broadcast together") from None
    if A.ndim == 2 and B.ndim == 2:  # the common case, without closures: see _matrix_product_backward
        return _make(out, "matmul", (a_node, b_node), (), formulas=("{δ}·{1}ᵀ", "{0}ᵀ·{δ}"),
                     backward=_matrix_product_backward)  # fmt: skip
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

    if A.ndim == 1 and B.ndim == 1:
        formulas = ("{δ}·{1}", "{δ}·{0}")
    elif B.ndim == 1:  # z = W x: ∇W = δ xᵀ, ∇x = Wᵀ δ (the notes' column vectors)
        formulas = ("{δ}·{1}ᵀ", "{0}ᵀ·{δ}")
    elif A.ndim == 1:  # a row vector times a matrix
        formulas = ("{δ}·{1}ᵀ", "{0}·{δ}ᵀ")
    else:
        formulas = ("{δ}·{1}ᵀ", "{0}ᵀ·{δ}")
    return _make(np.asarray(out), "matmul", (a_node, b_node), (vjp_a, vjp_b), formulas=formulas)


def _matrix_product_backward(node: Tensor, g: np.ndarray) -> list[np.ndarray | None]:
    """Z = A B for two matrices: ∇_A = G Bᵀ, ∇_B = Aᵀ G."""
    (a, b), sends = node._parents, node._sends
    return [g @ b._data.T if not sends or sends[0] else None, a._data.T @ g if not sends or sends[1] else None]


def linear(x: Any, W: Tensor, b: Tensor | None = None) -> Tensor:
    """z = x Wᵀ + b for a batch of rows x (or one vector x): the notes' z = Wx + b with W ∈ R^{out×in}.

    One node with three edges, so backprop computes the notes' formulas directly, from δ = ∂L/∂z:
    ∇_W = δᵀx (for one example the outer product δxᵀ), ∇_b = Σ_batch δ, ∇_x = δW (the notes' Wᵀδ, per row).
    """
    x_node = _as_node(x, "linear")
    _require_tensor(W, "linear(W)")
    if b is not None:
        _require_tensor(b, "linear(b)")
    X, Wd = x_node._data, W._data
    if Wd.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != Wd.shape[1]:
        raise ValueError(
            f"linear: input of shape {X.shape} and weight of shape {Wd.shape}: need x (..., in) and W (out, in)"
        )
    if b is not None and b.shape != (Wd.shape[0],):
        raise ValueError(f"linear: bias of shape {b.shape}, expected ({Wd.shape[0]},) for a weight {Wd.shape}")
    out = X @ Wd.T
    if b is not None:
        out += b._data
    formulas = _LINEAR_BATCH_FORMULAS if X.ndim == 2 else _LINEAR_COLUMN_FORMULAS
    if b is None:
        return _make(out, "linear", (x_node, W), (), formulas=formulas[:2], backward=_linear_backward)
    return _make(out, "linear", (x_node, W, b), (), formulas=formulas, backward=_linear_backward)


_LINEAR_BATCH_FORMULAS = ("{δ}·{1}", "{δ}ᵀ·{0}", "Σₙ {δ}")  # a batch in rows: Z = X Wᵀ + b
_LINEAR_COLUMN_FORMULAS = ("{1}ᵀ·{δ}", "{δ}·{0}ᵀ", "{δ}")  # one example as a column vector: z = W x + b


def _linear_backward(node: Tensor, g: np.ndarray) -> list[np.ndarray | None]:
    """∇_x = G W, ∇_W = Gᵀ X (one example: the outer product δ xᵀ), ∇_b = Σ_batch G."""
    parents, sends = node._parents, node._sends
    X, W = parents[0]._data, parents[1]._data
    shares = [
        g @ W if not sends or sends[0] else None,
        (g.T @ X if g.ndim == 2 else np.outer(g, X)) if not sends or sends[1] else None,
    ]
    if len(parents) == 3:
        shares.append((g.sum(axis=0) if g.ndim == 2 else g.view()) if not sends or sends[2] else None)
    return shares


def _reshaped(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a.reshape(shape)``, but ``a`` itself when the shape already fits (a view would cost the leaf a copy)."""
    return a if a.shape == shape else a.reshape(shape)


def _expand_back(g: np.ndarray, shape: tuple, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Broadcast a reduced signal back over the reduced ``axes`` of ``shape``."""
    if not keepdims and axes and len(axes) < len(shape):  # (a full reduction's 0-d signal broadcasts as it is)
        g = g.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return np.broadcast_to(g, shape)


def _extremum(t: Tensor, axis: Any, keepdims: bool, op: str) -> Tensor:
    """amax/amin over ``axis``: the signal is shared evenly among tied extrema (PyTorch's rule for amax)."""
    axes = _normalize_axes(axis, t.ndim, op)
    x = t._data
    if x.size == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
    reduce = np.max if op == "amax" else np.min
    kept = reduce(x, axis=axes, keepdims=True)
    out = kept if keepdims else kept.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def vjp(g: np.ndarray) -> np.ndarray:
        hits = (x == kept) | (np.isnan(x) & np.isnan(kept))  # a NaN maximum takes the signal, as in PyTorch
        share = np.divide(hits, hits.sum(axis=axes, keepdims=True), dtype=x.dtype)
        return share * _expand_back(g, x.shape, axes, keepdims)

    return _make(out, op[1:], (t,), (vjp,), formulas=(f"{{δ}}·[{{0}} = {op[1:]}]",), ctx=("even", kept, axes, keepdims))


def _max_or_min(t: Tensor, dim: Any, axis: Any, keepdim: bool, keepdims: bool | None, op: str) -> Any:
    """``max()`` → the extreme element; ``max(dim)`` → ``(values, indices)`` along one axis, as PyTorch."""
    dim, keepdim = _dim_arguments(dim, axis, keepdim, keepdims, op)
    if dim is None:
        return _extremum(t, None, keepdim, "a" + op)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(dim) takes one dim, as PyTorch, got {dim!r}; for several axes use a{op}(dim={dim!r})")
    axes = _normalize_axes(dim, t.ndim, op)
    x = t._data
    if x.size == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
    if not axes:  # a 0-d tensor: its element, at index 0
        values = _make(x.copy(), op, (t,), (lambda g: g,), saves=False, formulas=("{δ}",), ctx=("same",))
        return ValuesIndices(values, _make(np.asarray(0), "", (), ()))
    (ax,) = axes
    picked = (np.argmax if op == "max" else np.argmin)(x, axis=ax, keepdims=True)  # the first extreme, or first NaN
    values = np.take_along_axis(x, picked, axis=ax)
    shape = x.shape

    def vjp(g: np.ndarray) -> np.ndarray:
        grad = np.zeros(shape, dtype=g.dtype)
        np.put_along_axis(grad, picked, g if keepdim else np.expand_dims(g, ax), axis=ax)
        return grad

    if not keepdim:
        values, picked_out = np.squeeze(values, ax), np.squeeze(picked, ax)
    else:
        picked_out = picked
    return ValuesIndices(
        _make(values, op, (t,), (vjp,), saves=False, formulas=(f"{{δ}} at arg{op}",),
              ctx=("picked", picked, ax, keepdim)),
        _make(picked_out.astype(np.int64), "", (), ()),
    )


def _arg_extremum(t: Tensor, dim: Any, keepdim: bool, op: str) -> Tensor:
    """argmax/argmin: int64 indices, outside the graph; ``dim=None`` indexes the flattened tensor."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op} takes one dim or None, got {dim!r}")
    x = t._data
    if x.size == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
    find = np.argmax if op == "argmax" else np.argmin
    if dim is None:
        index = np.asarray(find(x))
        index = index.reshape((1,) * x.ndim) if keepdim else index
    else:
        axes = _normalize_axes(dim, t.ndim, op)
        index = find(x, axis=axes[0], keepdims=keepdim) if axes else np.asarray(0)
    return _make(np.asarray(index, dtype=np.int64), "", (), ())


def _tensors(items: Sequence[Any], op: str) -> list[Tensor]:
    if isinstance(items, Tensor) or not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"{op} needs a non-empty list of tensors, got {type(items).__name__}")
    return [_as_node(x, op) for x in items]


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; each input's share is its slice of the signal."""
    parts = _tensors(tensors, "concat")
    axis = _int_argument(axis, "concat: axis")
    try:
        out = np.concatenate([p._data for p in parts], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(f"concat: shapes {[p.shape for p in parts]} along axis {axis}: {error}") from None
    bounds = np.cumsum([p.shape[axis] for p in parts])[:-1]
    axis = axis % out.ndim

    def share(i: int) -> VJP:
        return lambda g: np.split(g, bounds, axis=axis)[i]

    vjps = tuple(share(i) for i in range(len(parts)))
    formulas = tuple(f"{{δ}}[part {i + 1}]" for i in range(len(parts)))
    return _make(out, "concat", tuple(parts), vjps, saves=False, formulas=formulas, ctx=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis."""
    parts = _tensors(tensors, "stack")
    axis = _int_argument(axis, "stack: axis")
    try:
        out = np.stack([p._data for p in parts], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(f"stack: shapes {[p.shape for p in parts]} along axis {axis}: {error}") from None
    axis = axis % out.ndim

    def share(i: int) -> VJP:
        return lambda g: np.take(g, i, axis=axis)

    vjps = tuple(share(i) for i in range(len(parts)))
    formulas = tuple(f"{{δ}}[{i}]" for i in range(len(parts)))
    return _make(out, "stack", tuple(parts), vjps, saves=False, formulas=formulas, ctx=axis)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max; the signal goes to the larger input, split evenly on ties (PyTorch)."""
    return _select_larger(a, b, "maximum", 1.0)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min; the signal goes to the smaller input, split evenly on ties (PyTorch)."""
    return _select_larger(a, b, "minimum", -1.0)


def _select_larger(a: Any, b: Any, op: str, sign: float) -> Tensor:
    a, b = _as_nodes(op, a, b)
    x, y = _floating(a._data, b._data)
    try:
        out = np.maximum(x, y) if sign > 0 else np.minimum(x, y)
    except ValueError:
        raise ValueError(f"{op}: shapes {x.shape} and {y.shape} cannot be broadcast together") from None
    tie = 0.5 * (x == y)  # PyTorch: a tie splits the signal; a NaN operand makes both sides take all of it
    weight_a = (np.where(sign * x < sign * y, 0.0, 1.0) - tie).astype(out.dtype, copy=False)
    weight_b = (np.where(sign * x > sign * y, 0.0, 1.0) - tie).astype(out.dtype, copy=False)
    return _make(
        out,
        op,
        (a, b),
        (lambda g: unbroadcast(g * weight_a, x.shape), lambda g: unbroadcast(g * weight_b, y.shape)),
        saves=False,
        formulas=(
            _summed_back("{δ} ∘ [{0} " + (">" if sign > 0 else "<") + " {1}]", x.shape, out.shape),
            _summed_back("{δ} ∘ [{1} " + (">" if sign > 0 else "<") + " {0}]", y.shape, out.shape),
        ),
        ctx=(weight_a, weight_b),
    )


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``. The unselected branch gets a zero share, but NaN in its
    *own* gradient still poisons its parents (``where(x > 0, sqrt(x), 0)`` at x < 0): mask the input instead."""
    raw = np.asarray(condition._data if isinstance(condition, Tensor) else condition)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"where: the condition must be a boolean mask (array, Tensor or bool), got {raw.dtype} "
                        f"from {type(condition).__name__}")
    mask = raw.astype(bool)
    a, b = _as_nodes("where", a, b)
    try:
        out = np.where(mask, *_floating(a._data, b._data))
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
        saves=False,
        formulas=(_summed_back("{δ} ∘ mask", a.shape, out.shape), _summed_back("{δ} ∘ ¬mask", b.shape, out.shape)),
        ctx=mask,
    )


def clip(t: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """Clamp to [low, high]; the signal passes where low ≤ x ≤ high (PyTorch's clamp), else 0."""
    _require_tensor(t, "clip")
    if low is None and high is None:
        raise ValueError("clip needs low, high or both")
    x = t._data
    lo = -np.inf if low is None else real_number(low, "clip(low)", finite=False)
    hi = np.inf if high is None else real_number(high, "clip(high)", finite=False)
    if lo > hi:
        raise ValueError(f"clip: low {lo} is greater than high {hi}")
    inside = (x >= lo) & (x <= hi)
    vjp = (lambda g: g * inside,)
    formula = f"{{δ}} ∘ [{_fmt_bound(lo)} ≤ {{0}} ≤ {_fmt_bound(hi)}]"
    return _make(np.clip(x, lo, hi), "clip", (t,), vjp, saves=False, formulas=(formula,), ctx=inside)


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
    x = t._data
    m = x.max(axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    kept = m + np.log(np.exp(x - m).sum(axis=axes, keepdims=True))
    out = kept if keepdims else np.squeeze(kept, axis=axes)
    vjp = (lambda g: _expand_back(g, x.shape, axes, keepdims) * np.exp(x - kept),)
    return _make(out, "logsumexp", (t,), vjp, formulas=("{δ}·softmax({0})",), ctx=(axes, keepdims))


def softmax(t: Tensor, axis: int = -1) -> Tensor:
    """yᵢ = e^{xᵢ − m} / Σⱼ e^{xⱼ − m}; share = y ∘ (g − Σ g∘y)."""
    axes = _softmax_axes(t, axis, "softmax")
    x = t._data
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    y = e / e.sum(axis=axes, keepdims=True)
    vjp = (lambda g: y * (g - (g * y).sum(axis=axes, keepdims=True)),)
    return _make(y, "softmax", (t,), vjp, formulas=("{out} ∘ ({δ} − Σ {δ}∘{out})",), ctx=axes)


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
    x = logits._data
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_p[rows, y].sum() / n  # numpy's mean, without its Python-level wrapper

    def vjp(g: np.ndarray) -> np.ndarray:
        share = np.exp(log_p)
        share[rows, y] -= 1.0
        return share * (g / n)

    formula = f"{{δ}}·(softmax({{0}}) − y)/{n}" if n != 1 else "{δ}·(softmax({0}) − y)"
    loss = np.asarray(loss, dtype=x.dtype)
    return _make(loss, "softmax_cross_entropy", (logits,), (vjp,), saves=False, formulas=(formula,), ctx=y)


def log_softmax(t: Tensor, axis: int = -1) -> Tensor:
    """x − logsumexp(x); share = g − softmax(x) · Σ g."""
    axes = _softmax_axes(t, axis, "log_softmax")
    x = t._data
    shifted = x - x.max(axis=axes, keepdims=True)  # ndarray methods: numpy's np.max/np.sum add a Python-level call
    y = shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))
    vjp = (lambda g: g - np.exp(y) * g.sum(axis=axes, keepdims=True),)
    return _make(y, "log_softmax", (t,), vjp, formulas=("{δ} − softmax({0})·Σ {δ}",), ctx=axes)


_bind_rule_methods()

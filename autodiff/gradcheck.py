"""Gradient checking (notes §7.1): compare backprop's gradients with centered differences.

The numeric gradient of J with respect to one element θᵢ is the centered difference

    ∂J/∂θᵢ ≈ (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε        (error O(ε²); the one-sided (J(θ+εeᵢ) − J(θ))/ε is O(ε))

computed one element at a time, restoring each element exactly afterwards (snippet 2.1). Note that the notes'
first formula, (J(θ⁽ⁱ⁺⁾) − J(θ⁽ⁱ⁾))/ε, is the one-sided difference although the text calls it centered.

``gradcheck`` runs both and reports, per input, in the spirit of the ``cmp`` helper from Karpathy's lectures:
exact? close? max abs diff, relative error |a − n| / max(|a|, |n|), the worst element and the ratio a / n there,
then every element that fails (a factor of 2 shows as ratio 2, a sign slip as −1). With ``analytic=[...]`` the
gradient checked is one derived by hand (a homework answer) instead of the engine's.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .graph import no_grad, topological_order
from .tensor import Tensor
from .value import Value

__all__ = ["numerical_grad", "gradcheck", "GradcheckReport", "GradcheckRow", "BadElement", "cmp", "Comparison"]


_INPUTS = "a Value or Tensor, a list of them, a dict {name: node} or (name, node) pairs"


def _named_inputs(inputs: Any) -> tuple[list[str], list[Any], bool]:
    """Accept one node, a sequence of nodes, a dict {name: node} or (name, node) pairs."""
    if hasattr(inputs, "_parents"):
        nodes, names, single = [inputs], [None], True
    else:
        if isinstance(inputs, (str, bytes)) or not isinstance(inputs, (Mapping, Iterable)):
            raise TypeError(f"gradcheck inputs must be {_INPUTS}; got {type(inputs).__name__}")
        items = list(inputs.items()) if isinstance(inputs, Mapping) else list(inputs)
        if not items:
            raise ValueError("gradcheck needs at least one input; got an empty collection")
        if isinstance(items[0], tuple):
            for i, item in enumerate(items):
                if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                    raise TypeError(f"gradcheck input {i} must be a (name, node) pair, name a str; got {item!r:.60}")
            names, nodes = [n for n, _ in items], [x for _, x in items]
        else:
            names, nodes = [None] * len(items), items
        single = False
    for i, x in enumerate(nodes):
        if not hasattr(x, "_parents"):
            raise TypeError(f"gradcheck input {i} must be a Value or Tensor, got {type(x).__name__}")
        if x._parents:
            raise ValueError(f"gradcheck input {i} ({x!r:.60}) is not a leaf: pass the leaves f is built from")
    names = [n or getattr(x, "label", None) or f"input {i}" for i, (n, x) in enumerate(zip(names, nodes))]
    return names, nodes, single


def _scalar(out: Any) -> float:
    data = getattr(out, "data", out)
    try:
        array = np.asarray(data, dtype=float) if data is not None else None
    except (TypeError, ValueError):
        array = None
    if array is None:
        raise TypeError(f"f must return a scalar (a Value or one-element Tensor); got {type(out).__name__}")
    if array.size != 1:
        raise ValueError(f"f must return a scalar (a Value or one-element Tensor); got shape {array.shape}")
    return float(array.reshape(()))


class _Elements:
    """Read/write access to the elements of a Value (one element) or a Tensor (its array, in place)."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.is_array = isinstance(node.data, np.ndarray)
        self.shape = node.data.shape if self.is_array else ()
        self.dtype = node.data.dtype if self.is_array else np.dtype(np.float64)

    def get(self, index: tuple) -> float:
        return self.node.data[index] if self.is_array else self.node.data

    def set(self, index: tuple, value: Any) -> None:
        if self.is_array:
            self.node.data[index] = value
        else:
            self.node.data = value

    def add_direction(self, direction: np.ndarray, scale: float) -> None:
        if self.is_array:
            self.node.data += (scale * direction).astype(self.dtype)
        else:
            self.node.data += scale * float(direction)


def _check_callable(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f must be a function of the inputs returning a scalar, got {type(f).__name__}: {f!r:.40}")


def _tolerance(value: Any, name: str, *, positive: bool = False) -> float:
    """``eps`` (> 0), ``atol``/``rtol`` (≥ 0) as a finite float: a TypeError or ValueError naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"gradcheck needs a real number for {name}, got {type(value).__name__}: {value!r:.40}")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise ValueError(f"gradcheck needs a finite {name} {'> 0' if positive else '≥ 0'}, got {name}={value}")
    return x


def _guarded(names: list[str], nodes: list[Any], run: Callable[[], Any]) -> Any:
    """``run()``, then every input exactly as it was before; a RuntimeError if ``f`` itself changed one."""
    before = [np.array(x.data, copy=True) for x in nodes]

    def restore() -> list[str]:
        changed = []
        for name, node, original in zip(names, nodes, before):
            now = np.asarray(node.data)
            if now.shape != original.shape or now.tobytes() != original.tobytes():
                changed.append(name)
                _restore(node, original)
        return changed

    try:
        result = run()
    except BaseException:
        restore()
        raise
    changed = restore()
    if changed:
        raise RuntimeError(
            f"gradcheck: f modified its input {', '.join(map(repr, changed))} (its .data changed while f ran); "
            "the inputs are restored, but no gradient check is meaningful when f changes the point it is "
            "evaluated at: compute on new values (x * 2, not x.data *= 2)"
        )
    return result


def numerical_grad(f: Callable[..., Any], inputs: Any, eps: float = 1e-6) -> Any:
    """Centered-difference gradient of the scalar ``f(*inputs)`` with respect to every element of every input.

    Returns a float per ``Value`` and an array per ``Tensor`` (a list when ``inputs`` is a list). Every
    element is restored to its exact original value, even if ``f`` raises; an ``f`` that modifies its inputs is
    refused (a RuntimeError saying so), with every input restored.
    """
    _check_callable(f)
    eps = _tolerance(eps, "eps", positive=True)
    names, nodes, single = _named_inputs(inputs)
    return _guarded(names, nodes, lambda: _numerical_grads(f, nodes, eps, single))


def _numerical_grads(f: Callable[..., Any], nodes: list[Any], eps: float, single: bool) -> Any:
    grads = []
    with no_grad():
        for node in nodes:
            elements = _Elements(node)
            grad = np.zeros(elements.shape, dtype=np.float64)
            for index in np.ndindex(elements.shape):
                old = elements.get(index)
                try:
                    elements.set(index, old + eps)
                    plus = _scalar(f(*nodes))
                    elements.set(index, old - eps)
                    minus = _scalar(f(*nodes))
                finally:
                    elements.set(index, old)
                grad[index] = (plus - minus) / (2 * eps)
            grads.append(grad if elements.is_array else float(grad))
    return grads[0] if single else grads


def _analytic_grad(f: Callable[..., Any], nodes: list[Any]) -> list[np.ndarray]:
    """Backprop's gradient of ``f(*nodes)``; every leaf's ``.grad`` is left exactly as it was."""
    saved = {id(x): (x, x.grad) for x in nodes}
    try:
        for x in nodes:
            x.zero_grad()
        out = f(*nodes)
        _scalar(out)
        if not hasattr(out, "_parents"):
            raise TypeError(f"f must return a Value or Tensor computed from the inputs, got {type(out).__name__}")
        leaves = [n for n in topological_order(out) if not n._parents]
        saved.update({id(n): (n, n.grad) for n in leaves if id(n) not in saved})
        if getattr(out, "requires_grad", True):  # a Tensor cut from every input has no graph: gradient 0
            out.backward()
        return [np.zeros(_Elements(x).shape) if x.grad is None else np.array(x.grad, dtype=np.float64) for x in nodes]
    finally:
        for node, grad in saved.values():
            node.grad = grad


class BadElement(NamedTuple):
    """One element outside the tolerance: where, both gradients, and their ratio analytic / numeric."""

    index: tuple
    analytic: float
    numeric: float

    @property
    def ratio(self) -> float:
        return _ratio(self.analytic, self.numeric)


def _ratio(analytic: float, numeric: float) -> float:
    """analytic / numeric: 1 when right, 2 for a forgotten ½, −1 for a sign slip (nan for 0/0, ±inf for a/0)."""
    if numeric == 0:
        return math.nan if analytic == 0 or math.isnan(analytic) else math.copysign(math.inf, analytic)
    return analytic / numeric


@dataclass(frozen=True)
class GradcheckRow:
    """One input's verdict. ``worst_index`` is the element farthest beyond (or closest to) the tolerance;
    ``bad`` lists every element outside it (empty when the row is close)."""

    name: str
    shape: tuple
    exact: bool
    close: bool
    max_abs_diff: float
    rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    bad: tuple[BadElement, ...] = ()

    @property
    def ratio(self) -> float:
        """analytic / numeric at the worst element."""
        return _ratio(self.analytic, self.numeric)

    def __str__(self) -> str:
        return self.format()

    def format(self, name_width: int = 16) -> str:
        """The row as one line; ``exact`` reads True, or (on a close row) '·' rather than a distracting False."""
        where = "" if self.worst_index == () else f"{self.worst_index}"
        exact = "True" if self.exact else "·" if self.close else "False"
        return (
            f"{self.name:<{name_width}} {str(self.shape):<10} {exact:<6} {str(self.close):<6} "
            f"{self.max_abs_diff:<12.3e} {self.rel_error:<10.3e} "
            f"{where} analytic {self.analytic:.6g} numeric {self.numeric:.6g} ratio {self.ratio:.4g}"
        )

    def bad_lines(self, limit: int = 50) -> list[str]:
        """One line per element outside the tolerance (at most ``limit``; ``bad`` holds them all)."""
        lines = [f"    {str(e.index) if e.index != () else '·':<12} analytic {e.analytic:<12.6g} numeric "
                 f"{e.numeric:<12.6g} diff {e.analytic - e.numeric:<11.3e} ratio {e.ratio:.4g}"
                 for e in self.bad[:limit]]
        if len(self.bad) > limit:
            lines.append(f"    … and {len(self.bad) - limit} more elements outside the tolerance (row.bad lists all)")
        return lines


@dataclass(frozen=True)
class GradcheckReport:
    """The result of :func:`gradcheck`: truthy when every input is close; ``print`` it for the table."""

    rows: tuple[GradcheckRow, ...]
    eps: float
    atol: float
    rtol: float
    mode: str = "every element"

    @property
    def passed(self) -> bool:
        return all(row.close for row in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failures(self) -> list[GradcheckRow]:
        return [row for row in self.rows if not row.close]

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else f"FAILED ({len(self.failures)} of {len(self.rows)} inputs)"
        width = max([16, *(len(row.name) for row in self.rows)])
        header = (
            f"gradcheck {verdict}: {self.mode}, eps={self.eps:g}, |a − n| ≤ {self.atol:g} + {self.rtol:g}·|n|\n"
            f"{'input':<{width}} {'shape':<10} {'exact':<6} {'close':<6} {'max abs diff':<12} {'rel error':<10} "
            f"worst element"
        )
        lines = [header]
        for row in self.rows:
            lines.append(row.format(width))
            if row.bad and row.shape != ():  # a one-element row says it all on its own line
                lines += row.bad_lines()
        return "\n".join(lines)

    __repr__ = __str__


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> GradcheckRow:
    diff = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), 0.0)
    excess = diff - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isnan(excess), np.inf, excess)
    worst = np.unravel_index(int(np.argmax(excess)), analytic.shape) if analytic.size else ()
    bad = tuple(BadElement(tuple(int(i) for i in index), float(analytic[index]), float(numeric[index]))
                for index in zip(*np.nonzero(excess > 0))) if analytic.ndim else (
        (BadElement((), float(analytic), float(numeric)),) if excess > 0 else ())
    return GradcheckRow(
        name=name,
        shape=analytic.shape,
        exact=bool(np.array_equal(analytic, numeric)),
        close=bool(np.all(excess <= 0)),
        max_abs_diff=float(diff.max()) if diff.size else 0.0,
        rel_error=float(rel.max()) if rel.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        analytic=float(analytic[worst]) if analytic.size else 0.0,
        numeric=float(numeric[worst]) if numeric.size else 0.0,
        bad=bad,
    )


def gradcheck(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    fast: bool = False,
    n_directions: int = 8,
    seed: int = 0,
    analytic: Any = None,
) -> GradcheckReport:
    """Check backprop's gradient of the scalar ``f(*inputs)`` against centered differences.

    ``analytic``: check a gradient derived by hand instead of the engine's — one array (or number) per input, a
    list in the order of ``inputs`` or a dict by the names of a dict ``inputs``; each must have its input's shape.
    The homework check: ``gradcheck(loss, {"W": W}, analytic={"W": my_dW})``. Every failing element is listed
    with the ratio analytic / numeric, so a missing factor (ratio 2, 0.5) or a sign slip (−1) shows at a glance.

    An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. ``inputs`` is a leaf node, a list of
    them, a dict ``{name: node}`` or ``(name, node)`` pairs (``model.named_parameters()``). With ``fast=True``
    each input is checked along ``n_directions`` random unit directions u instead of every element:
    (J(θ + εu) − J(θ − εu)) / 2ε against ∇J·u (the rows then index directions, not elements).

    ``.grad`` of every leaf and every input value are left exactly as they were. A graph cut silently (a value
    re-created from ``.data``) shows up as a failing row; an ``f`` that modifies its inputs is refused with a
    RuntimeError ("f modified its input ..."), every input restored.
    """
    _check_callable(f)
    eps, atol, rtol = _tolerance(eps, "eps", positive=True), _tolerance(atol, "atol"), _tolerance(rtol, "rtol")
    if not isinstance(fast, bool):
        raise TypeError(f"gradcheck(fast=...) must be True or False, got {fast!r}")
    for value, name in ((n_directions, "n_directions"), (seed, "seed")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"gradcheck({name}=...) must be an int, got {type(value).__name__}: {value!r}")
    if n_directions < 1 or seed < 0:
        raise ValueError(f"gradcheck needs n_directions ≥ 1 and seed ≥ 0; got n_directions={n_directions}, seed={seed}")
    names, nodes, _ = _named_inputs(inputs)
    given = None if analytic is None else _given_gradients(analytic, inputs, names, nodes)
    for name, x in zip(names, nodes):
        if not getattr(x, "requires_grad", True) and given is None:
            raise ValueError(f"gradcheck input {name!r} does not require grad: create it with requires_grad=True")
    low_precision = [n for n, x in zip(names, nodes) if _Elements(x).dtype != np.float64]
    if low_precision:
        warnings.warn(
            f"gradcheck inputs {low_precision} are not float64: centered differences with eps={eps} are "
            "dominated by round-off in lower precision; expect failures",
            stacklevel=2,
        )
    return _guarded(names, nodes, lambda: _gradcheck(f, names, nodes, eps, atol, rtol, fast, n_directions, seed,
                                                     given))


def _given_gradients(analytic: Any, inputs: Any, names: list[str], nodes: list[Any]) -> list[np.ndarray]:
    """The hand-derived gradients as float arrays, one per input, each checked against its input's shape."""
    if isinstance(analytic, Mapping):
        if not isinstance(inputs, Mapping):
            raise TypeError("gradcheck(analytic={...}) by name needs inputs as a dict {name: node}; "
                            "pass a list in the order of the inputs instead")
        missing, extra = [n for n in names if n not in analytic], [k for k in analytic if k not in names]
        if missing or extra:
            raise ValueError(f"gradcheck(analytic=...) needs one gradient per input {names}; "
                             f"missing {missing}, unknown {extra}")
        items = [analytic[n] for n in names]
    elif hasattr(analytic, "_parents") or isinstance(analytic, (numbers.Real, np.ndarray)) and len(nodes) == 1:
        items = [analytic]
    elif isinstance(analytic, (list, tuple)):
        items = list(analytic)
    else:
        raise TypeError(f"gradcheck(analytic=...) must be a list of gradients (one per input) or a dict by name, "
                        f"got {type(analytic).__name__}")
    if len(items) != len(nodes):
        raise ValueError(f"gradcheck(analytic=...) has {len(items)} gradients for {len(nodes)} inputs")
    out = []
    for name, node, item in zip(names, nodes, items):
        data = getattr(item, "data", item)
        try:
            grad = np.array(data, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"gradcheck(analytic=...): the gradient for {name!r} must be numbers, "
                            f"got {type(item).__name__}") from None
        shape = _Elements(node).shape
        if grad.shape != shape:
            raise ValueError(f"gradcheck(analytic=...): the gradient for {name!r} has shape {grad.shape}, "
                             f"its input {shape}: one number per element")
        out.append(grad)
    return out


def _gradcheck(
    f: Callable[..., Any], names: list[str], nodes: list[Any], eps: float, atol: float, rtol: float, fast: bool,
    n_directions: int, seed: int, given: list[np.ndarray] | None = None,
) -> GradcheckReport:  # fmt: skip
    analytic = _analytic_grad(f, nodes) if given is None else given
    hand = "" if given is None else ", hand-derived gradient"
    if not fast:
        numeric = _numerical_grads(f, nodes, eps, single=False)
        rows = [_compare(n, np.asarray(a), np.asarray(g), atol, rtol) for n, a, g in zip(names, analytic, numeric)]
        return GradcheckReport(tuple(rows), eps, atol, rtol, mode="every element" + hand)
    rng = np.random.default_rng(seed)
    rows = []
    with no_grad():
        for name, node, grad in zip(names, nodes, analytic):
            elements = _Elements(node)
            directional, numeric = np.zeros(n_directions), np.zeros(n_directions)
            for k in range(n_directions):
                u = rng.standard_normal(elements.shape)
                u /= np.linalg.norm(u) or 1.0
                original = np.array(node.data, copy=True)
                try:
                    elements.add_direction(u, eps)
                    plus = _scalar(f(*nodes))
                    _restore(node, original)
                    elements.add_direction(u, -eps)
                    minus = _scalar(f(*nodes))
                finally:
                    _restore(node, original)
                numeric[k] = (plus - minus) / (2 * eps)
                directional[k] = float(np.sum(grad * u))
            rows.append(_compare(name, directional, numeric, atol, rtol))
    return GradcheckReport(tuple(rows), eps, atol, rtol, mode=f"{n_directions} random directions per input{hand}")


def _restore(node: Any, original: np.ndarray) -> None:
    if isinstance(node.data, np.ndarray) and node.data.shape == original.shape:
        node.data[...] = original
    elif isinstance(node.data, np.ndarray) or original.ndim:
        node.data = original.copy()
    else:
        node.data = float(original)



# ---- the homework check: a hand-derived gradient against the engine's --------------------------------------------
class Comparison(NamedTuple):
    """What :func:`cmp` found: ``exact`` (bitwise equal), ``close`` (``np.allclose``), the largest |difference|."""

    name: str
    exact: bool
    close: bool
    max_abs_diff: float

    def __bool__(self) -> bool:
        return self.close

    def __str__(self) -> str:
        return (f"{self.name:15s} | exact: {str(self.exact):5s} | approximate: {str(self.close):5s} | "
                f"maxdiff: {self.max_abs_diff:.3g}")


def cmp(name: str, manual: Any, node: Any, *, rtol: float = 1e-5, atol: float = 1e-8,
        verbose: bool = True) -> Comparison:
    """Compare a gradient derived by hand (``manual``, an array or number) with the engine's ``node.grad``.

    Karpathy's ``cmp`` from the backprop-ninja lecture: exact (every element bitwise equal), approximate
    (``np.allclose(manual, grad, rtol, atol)``) and the largest absolute difference; printed as one line (unless
    ``verbose=False``) and returned as a :class:`Comparison` that is truthy when close. errorflow keeps every
    interior node's ``.grad`` after ``backward()``, so any intermediate can be compared (no ``retain_grad``).
    """
    if not isinstance(name, str):
        raise TypeError(f"cmp(name, manual, node): name must be a str, got {type(name).__name__}")
    if not hasattr(node, "_parents"):
        raise TypeError(f"cmp({name!r}): node must be a Value or Tensor (the engine's node), got {type(node).__name__}")
    if node.grad is None:
        raise ValueError(f"cmp({name!r}): the node has no .grad: run backward() on the loss first")
    grad = np.asarray(node.grad, dtype=float)
    if isinstance(manual, (Tensor, Value)):
        manual = manual.data
    try:
        mine = np.asarray(manual, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"cmp({name!r}): the manual gradient must be numbers, got {type(manual).__name__}") from None
    if mine.shape != grad.shape:
        raise ValueError(f"cmp({name!r}): the manual gradient has shape {mine.shape}, the node's grad "
                         f"{grad.shape}: one number per element of the node")  # fmt: skip
    result = Comparison(name, bool(np.array_equal(mine, grad)), bool(np.allclose(mine, grad, rtol=rtol, atol=atol)),
                        float(np.max(np.abs(mine - grad))) if mine.size else 0.0)  # fmt: skip
    if verbose:
        print(result)
    return result

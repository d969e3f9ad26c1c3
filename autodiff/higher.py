"""Gradients of gradients: backpropagation as a program the engine can differentiate again.

The error signal is built from the same multiplications and additions as the forward pass. With
``create_graph=True`` the backward pass runs on graph nodes instead of numbers: every share
``error_signal × local derivative`` is itself computed by recorded operations, so the gradient it produces is a
node with a graph, and ``backward()`` / :func:`grad` on it give second derivatives (and so on).

The local derivatives are not written a second time. Every elementwise rule in :mod:`autodiff.rules` evaluates
its derivative through a math namespace; :data:`GRAPH` is a third one whose functions build nodes, so
``σ'(z) = σ(z)(1 − σ(z))`` evaluated on the nodes ``z`` and ``y = σ(z)`` *is* a differentiable graph of σ'. The
structural Tensor ops (sums, reshapes, matrix products, indexing, softmax…) have their share written here with
Tensor operations (:data:`_SHARES`), each the same formula as the op's numpy VJP in :mod:`autodiff.tensor`.

Public: :func:`grad` (``torch.autograd.grad``), :func:`gradgradcheck`, :func:`hvp`, :func:`hessian`;
``backward(create_graph=True)`` on both engines calls :func:`backward_graph`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import graph
from .rules import ARRAY, BINARY, SCALAR, UNARY
from .tensor import Tensor, matmul, softmax, where
from .value import Value

__all__ = ["grad", "gradgradcheck", "hvp", "hessian", "GRAPH", "backward_graph", "second_order_ops"]


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _is_node(x: Any) -> bool:
    return isinstance(x, (Value, Tensor))


def _plain(x: Any) -> Any:
    """The math namespace for non-node operands (numbers, numpy arrays)."""
    return ARRAY if isinstance(x, np.ndarray) else SCALAR


def _node_or(method: str, numeric: str) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        if _is_node(x):
            return getattr(x, method)()
        return getattr(_plain(x), numeric)(x)

    return apply


class GRAPH:
    """The rules' math on graph nodes (``Value`` or ``Tensor``): each function records operations, so a local
    derivative evaluated with it can be differentiated again. Numbers and arrays pass through plain math."""

    exp = staticmethod(_node_or("exp", "exp"))
    log = staticmethod(_node_or("log", "log"))
    log2 = staticmethod(_node_or("log2", "log2"))
    log10 = staticmethod(_node_or("log10", "log10"))
    sqrt = staticmethod(_node_or("sqrt", "sqrt"))
    tanh = staticmethod(_node_or("tanh", "tanh"))
    abs = staticmethod(_node_or("abs", "abs"))

    @staticmethod
    def expm1(x: Any) -> Any:
        return x.exp() - 1.0 if _is_node(x) else _plain(x).expm1(x)

    @staticmethod
    def log1p(x: Any) -> Any:
        return (1.0 + x).log() if _is_node(x) else _plain(x).log1p(x)

    @staticmethod
    def erf(x: Any) -> Any:
        """erf as a node (inside GELU's derivative), erf'(z) = 2/√π·e^{−z²}."""
        if isinstance(x, Tensor):
            from .tensor import _make

            z = x.data
            return _make(ARRAY.erf(z), "erf", (x,), (lambda g: g * _TWO_OVER_SQRT_PI * np.exp(-z * z),),
                         formulas=("{δ}·2/√π·e^(−{0}²)",))  # fmt: skip
        if isinstance(x, Value):
            from .value import _node

            return _node(math.erf(x.data), "erf", x, None, _TWO_OVER_SQRT_PI * math.exp(-x.data * x.data))
        return ARRAY.erf(x)

    @staticmethod
    def power(x: Any, p: Any) -> Any:
        return x**p if _is_node(x) or _is_node(p) else _plain(x).power(x, p)

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Any:
        if isinstance(condition, (bool, np.bool_)):
            return a if condition else b
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            return where(condition, a, b)
        return np.where(np.asarray(condition._data if isinstance(condition, Tensor) else condition), a, b)

    @staticmethod
    def unless(condition: Any) -> Any:
        """1 − [condition]: a mask (no gradient) of the comparison, whose derivative is 0 almost everywhere."""
        if isinstance(condition, Tensor):
            return ~condition
        return _plain(condition).unless(condition)

    @staticmethod
    def maximum(x: Any, c: Any) -> Any:
        return GRAPH.where(_data(x) >= _data(c), x, c)

    @staticmethod
    def minimum(x: Any, c: Any) -> Any:
        return GRAPH.where(_data(x) <= _data(c), x, c)

    @staticmethod
    def zeros_like(x: Any) -> Any:
        return 0.0 * x if _is_node(x) else _plain(x).zeros_like(x)


def _data(x: Any) -> Any:
    return x.data if _is_node(x) else x


# ---- the differentiable share of each op -------------------------------------------------------------------------
def _times(g: Any, local: Any) -> Any:
    """g × local, skipping a local derivative that is the number 1 (the backward graph of ``+`` stays small)."""
    return g if type(local) is float and local == 1.0 else g * local


def _elementwise_shares(node: Any, g: Any) -> list[Any]:
    """share = g × ∂node/∂operand with the rule's own derivative evaluated on nodes (:data:`GRAPH`)."""
    parents, ctx = node._parents, (node._const if isinstance(node, Value) else node._ctx)
    if node.op in UNARY:
        if node.op == "pow_const":  # a Value keeps the exponent as const = (1, p), a Tensor in its params
            params = {"p": ctx[1] if isinstance(node, Value) else ctx["p"]}
        else:
            params = dict(ctx) if ctx else {}
        (x,) = parents
        return [_times(g, UNARY[node.op].local_grad(x, node, GRAPH, **params))]
    rule = BINARY[node.op]
    if len(parents) == 2:
        a, b = parents
        return [_summed_to(_times(g, rule.grad_a(a, b, node, GRAPH)), a),
                _summed_to(_times(g, rule.grad_b(a, b, node, GRAPH)), b)]
    position, number = ctx
    (only,) = parents
    a, b = (only, number) if position == 1 else (number, only)
    local = rule.grad_a(a, b, node, GRAPH) if position == 1 else rule.grad_b(a, b, node, GRAPH)
    return [_summed_to(_times(g, local), only)]


def _summed_to(share: Any, parent: Any) -> Any:
    """A broadcast share summed back to its parent's shape (Σ over the broadcast axes); scalars as they are."""
    if not isinstance(parent, Tensor):
        return share
    if not isinstance(share, Tensor):
        share = Tensor(np.broadcast_to(np.asarray(share, dtype=parent.dtype), parent.shape).copy())
    shape = parent.shape
    if share.shape == shape:
        return share
    lead = share.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and share.shape[lead + i] != 1)
    summed = share.sum(dim=axes, keepdim=True) if axes else share
    return summed.reshape(shape)


def _weighted_sum_shares(node: Value, g: Value) -> list[Any]:
    """z = Σ wᵢxᵢ + b: ∂z/∂wᵢ = xᵢ (its partner node, or the number it multiplied), ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1."""
    shares = []
    for partner, local in zip(node.partners, node.local_grads):
        if partner is None:  # the bias (local 1), or a weight whose input was a number (local = that number)
            shares.append(_times(g, local))
        else:
            shares.append(g * node._parents[partner])
    return shares


def _expanded(g: Tensor, shape: tuple, axes: tuple, keepdims: bool) -> Tensor:
    """A reduced signal broadcast back over the reduced ``axes`` of ``shape`` (the sum's share)."""
    if not keepdims and axes:
        kept = list(g.shape)
        for a in sorted(axes):
            kept.insert(a, 1)
        g = g.reshape(kept)
    return g.expand(*shape) if g.shape != shape else g


def _index_shares(node: Tensor, g: Tensor) -> list[Tensor]:
    (x,) = node._parents
    return [_scatter_add(g, node._ctx, x.shape)]


def _scatter_add(g: Tensor, index: Any, shape: tuple) -> Tensor:
    """zeros(shape) with ``g`` added at ``index`` (repeated indices accumulate): indexing's share, as a node whose
    own share is ``g[index]``."""
    from .tensor import _make

    grad = np.zeros(shape, dtype=g.dtype)
    np.add.at(grad, index, g.data)
    return _make(grad, "scatter_add", (g,), (lambda h: np.array(h[index], copy=True),), saves=False,
                 formulas=("{δ}[index]",), ctx=index)  # fmt: skip


def _matmul_shares(node: Tensor, g: Tensor) -> list[Tensor]:
    """z = A @ B: ∂/∂A = g Bᵀ, ∂/∂B = Aᵀ g (1-D operands as a row or a column, batch axes summed back)."""
    A, B = node._parents
    A2 = A if A.ndim > 1 else A.unsqueeze(0)
    B2 = B if B.ndim > 1 else B.unsqueeze(1)
    G = g
    if A.ndim == 1:
        G = G.unsqueeze(-2 if B.ndim > 1 else -1)
    if B.ndim == 1:
        G = G.unsqueeze(-1)
    share_a = _summed_to(matmul(G, B2.transpose(-1, -2)), A2).reshape(A.shape)
    share_b = _summed_to(matmul(A2.transpose(-1, -2), G), B2).reshape(B.shape)
    return [share_a, share_b]


def _linear_shares(node: Tensor, g: Tensor) -> list[Tensor]:
    """z = x Wᵀ + b: ∂/∂x = g W, ∂/∂W = gᵀx (rows of a batch summed), ∂/∂b = Σₙ g."""
    x, W, *bias = node._parents
    G = g if g.ndim == 2 else g.unsqueeze(0)
    X = x if x.ndim == 2 else x.unsqueeze(0)
    shares = [matmul(g, W), matmul(G.transpose(0, 1), X)]
    if bias:
        shares.append(g if g.ndim == 1 else g.sum(dim=0))
    return shares


def _softmax_cross_entropy_shares(node: Tensor, g: Tensor) -> list[Tensor]:
    (logits,) = node._parents
    n = logits.shape[0]
    onehot = np.zeros(logits.shape, dtype=logits.dtype)
    onehot[np.arange(n), node._ctx] = 1.0
    return [g * (softmax(logits, axis=1) - onehot) / n]


def _concat_shares(node: Tensor, g: Tensor, stacked: bool) -> list[Tensor]:
    axis, shares, start = node._ctx, [], 0
    for part in node._parents:
        size = 1 if stacked else part.shape[axis]
        index = (slice(None),) * axis + ((start if stacked else slice(start, start + size)),)
        shares.append(g[index])
        start += size
    return shares


def _where_shares(node: Tensor, g: Tensor) -> list[Tensor]:
    a, b = node._parents
    mask = node._ctx
    return [_summed_to(g * mask, a), _summed_to(g * ~mask, b)]


_SHARES: dict[str, Callable[[Any, Any], list[Any]]] = {
    "weighted_sum": _weighted_sum_shares,
    "sum": lambda node, g: [_expanded(g, node._parents[0].shape, *node._ctx)],
    "mean": lambda node, g: [_expanded(g / (node._parents[0].data.size / max(node.data.size, 1)),
                                       node._parents[0].shape, *node._ctx)],
    "reshape": lambda node, g: [g.reshape(node._parents[0].shape)],
    "transpose": lambda node, g: [g.permute(node._ctx)],
    "expand": lambda node, g: [_summed_to(g, node._parents[0])],
    "to": lambda node, g: [g.to(node._parents[0].dtype)],
    "index": _index_shares,
    "scatter_add": lambda node, g: [g[node._ctx]],
    "matmul": _matmul_shares,
    "linear": _linear_shares,
    "where": _where_shares,
    "concat": lambda node, g: _concat_shares(node, g, stacked=False),
    "stack": lambda node, g: _concat_shares(node, g, stacked=True),
    "logsumexp": lambda node, g: [_logsumexp_share(node, g)],
    "softmax": lambda node, g: [node * (g - (g * node).sum(dim=node._ctx, keepdim=True))],
    "log_softmax": lambda node, g: [g - node.exp() * g.sum(dim=node._ctx, keepdim=True)],
    "softmax_cross_entropy": _softmax_cross_entropy_shares,
    "max": lambda node, g: [_extremum_share(node, g)],
    "min": lambda node, g: [_extremum_share(node, g)],
    "maximum": lambda node, g: [_summed_to(g * w, p) for w, p in zip(node._ctx, node._parents)],
    "minimum": lambda node, g: [_summed_to(g * w, p) for w, p in zip(node._ctx, node._parents)],
    "clip": lambda node, g: [g * node._ctx],
    "cumsum": lambda node, g: [g.flip(node._ctx).cumsum(node._ctx).flip(node._ctx)],
    "gather": lambda node, g: [_scatter_add(g, node._ctx, node._parents[0].shape)],
    "repeat": lambda node, g: [g.reshape(node._ctx[0]).sum(dim=node._ctx[1]).reshape(node._parents[0].shape)],
    "flip": lambda node, g: [g.flip(node._ctx)],
    "tril": lambda node, g: [g.tril(node._ctx)],
    "triu": lambda node, g: [g.triu(node._ctx)],
    "erf": lambda node, g: [g * _TWO_OVER_SQRT_PI * (-(node._parents[0] * node._parents[0])).exp()],
}


def _extremum_share(node: Tensor, g: Tensor) -> Tensor:
    """max/min: ``max()``/``amax`` share the signal evenly among tied extrema; ``max(dim)`` sends it to the index
    picked; a 0-d tensor's max is itself."""
    (x,) = node._parents
    kind, *rest = node._ctx
    if kind == "same":
        return g
    if kind == "even":
        kept, axes, keepdims = rest
        hits = (x.data == kept) | (np.isnan(x.data) & np.isnan(kept))
        return _expanded(g, x.shape, axes, keepdims) * (hits / hits.sum(axis=axes, keepdims=True))
    picked, ax, keepdim = rest
    onehot = np.zeros(x.shape, dtype=x.dtype)
    np.put_along_axis(onehot, picked, 1.0, axis=ax)
    return _expanded(g, x.shape, (ax,), keepdim) * onehot


def _logsumexp_share(node: Tensor, g: Tensor) -> Tensor:
    """∂ logsumexp(x)/∂x = softmax(x) = exp(x − logsumexp(x)), broadcast over the reduced axes."""
    (x,) = node._parents
    axes, keepdims = node._ctx
    kept = node if keepdims else _expanded(node, x.shape, axes, False)
    return _expanded(g, x.shape, axes, keepdims) * (x - kept).exp()


def second_order_ops() -> set[str]:
    """The ops whose backward can be recorded (``create_graph=True``)."""
    return set(UNARY) | set(BINARY) | set(_SHARES)


def shares(node: Any, g: Any) -> list[Any]:
    """The shares ``node`` sends its parents for the signal ``g``, computed by recorded operations."""
    if isinstance(node, Tensor) and node._saved_versions is not None:
        node._check_versions()  # the shares read the parents as they are now: refuse if their .data changed
    op = node.op
    if op in _SHARES:
        return _SHARES[op](node, g)
    if op in UNARY or op in BINARY:
        return _elementwise_shares(node, g)
    raise NotImplementedError(
        f"create_graph=True: the op {op!r} has no second-order rule yet; ops with one: "
        + ", ".join(sorted(second_order_ops()))
    )


# ---- the recorded backward pass ----------------------------------------------------------------------------------
def _pass(root: Any, seed: Any, record: bool, wanted: set[Any] | None) -> dict[Any, Any]:
    """:func:`autodiff.graph.signals` with the shares recorded as graph nodes (``record``) or as plain numbers; a
    recorded signal reaching a named node is named after it (∂out/∂z), so the backward graph draws readably."""
    totals = graph.signals(root, seed, shares if record else None, wanted)
    if record:
        out = root.label or "out"
        for node, signal in totals.items():
            if node.label and _is_node(signal) and signal._parents and not signal.label:
                signal.label = f"∂{out}/∂{node.label}"
    return totals


def _seed(root: Any, record: bool) -> Any:
    """The starting signal 1 (ones for a Tensor); a recorded one is named ∂out/∂out after a named root."""
    label = f"∂{root.label}/∂{root.label}" if record and root.label else None
    if isinstance(root, Value):
        return Value(1.0, label) if record else 1.0
    ones = np.ones_like(root.data)
    return Tensor(ones, label=label) if record else ones


def _as_signal(value: Any, like: Any, record: bool) -> Any:
    """A given seed (``grad_outputs``, ``backward(grad)``) as a node (``record``) or plain data, checked for shape."""
    data = value.data if _is_node(value) else value
    if isinstance(like, Value):
        number = float(data)
        return (value if isinstance(value, Value) else Value(number)) if record else number
    array = np.asarray(data, dtype=like.dtype)
    if array.shape != like.shape:
        raise ValueError(f"grad_outputs: shape {array.shape} for an output of shape {like.shape}; give one per element")
    if record:
        return value if isinstance(value, Tensor) else Tensor(array.copy())
    return array


def _check_recording(what: str) -> None:
    if not graph.is_grad_enabled():
        raise RuntimeError(f"{what}(create_graph=True) inside no_grad(): recording the backward pass needs recording "
                           "on; leave the no_grad() block (or wrap the call in enable_grad())")  # fmt: skip


def backward_graph(root: Any, seed: Any = None) -> None:
    """``backward(create_graph=True)``: every ``.grad`` becomes a node with a graph (interior nodes get this pass's
    signal, leaves add it to what they hold), so it can be differentiated again."""
    _check_recording("backward")
    seed = _seed(root, True) if seed is None else _as_signal(seed, root, True)
    for node, signal in _pass(root, seed, True, None).items():
        if node._parents:
            node.grad = signal
        elif isinstance(node, Value):
            node.grad = signal if not _is_node(node.grad) and node.grad == 0.0 else node.grad + signal
        else:
            node.grad = signal if node.grad is None else signal + node.grad


def _nodes(items: Any, what: str) -> tuple[list[Any], bool]:
    """``items`` as a list of graph nodes, and whether it was a single node."""
    if _is_node(items):
        return [items], True
    if not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"grad({what}=...) needs a Value or Tensor, or a non-empty list/tuple of them, "
                        f"got {type(items).__name__}")  # fmt: skip
    for i, item in enumerate(items):
        if not _is_node(item):
            raise TypeError(f"grad({what}[{i}]) is a {type(item).__name__}, expected a Value or Tensor")
    return list(items), False


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to each of ``inputs``, as a tuple (``torch.autograd.grad``).

    No ``.grad`` is read or written. ``grad_outputs`` seeds each output (default 1; required, as in PyTorch, for an
    output with more than one element). ``create_graph=True`` records the pass, so the results are nodes with a
    graph that can be differentiated again (second derivatives, Hessian-vector products); otherwise they are
    constants (Values / Tensors without a graph). An input no output depends on raises, naming it, unless
    ``allow_unused=True`` (then its gradient is ``None``).
    """
    for flag, name in ((create_graph, "create_graph"), (allow_unused, "allow_unused")):
        if not isinstance(flag, bool):
            raise TypeError(f"grad({name}=...) must be True or False, got {flag!r}")
    if create_graph:
        _check_recording("grad")
    outs, _ = _nodes(outputs, "outputs")
    ins, _ = _nodes(inputs, "inputs")
    for k, x in enumerate(ins):
        if isinstance(x, Tensor) and not x.requires_grad:
            raise ValueError(f"grad: inputs[{k}] does not require grad (a constant): create it with "
                             "requires_grad=True to differentiate with respect to it")  # fmt: skip
    if grad_outputs is None:
        for k, out in enumerate(outs):
            if isinstance(out, Tensor) and out.data.size != 1:
                raise ValueError(f"grad: outputs[{k}] has shape {out.shape}; a gradient can be implied only for a "
                                 "one-element output: give grad_outputs (e.g. ones of that shape)")  # fmt: skip
        seeds = [_seed(out, create_graph) for out in outs]
    else:
        given = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
        if len(given) != len(outs):
            raise ValueError(f"grad: {len(given)} grad_outputs for {len(outs)} outputs; give one per output")
        seeds = [_as_signal(s, out, create_graph) for s, out in zip(given, outs)]
    wanted = set(ins)
    totals: dict[Any, Any] = {}
    for out, seed in zip(outs, seeds):
        for node, signal in _pass(out, seed, create_graph, wanted).items():
            if node in wanted:
                totals[node] = signal if node not in totals else totals[node] + signal
    results = []
    for k, x in enumerate(ins):
        if x not in totals:
            if not allow_unused:
                name = f" ({x.label!r})" if getattr(x, "label", None) else ""
                raise ValueError(f"grad: inputs[{k}]{name} is not used to compute the outputs; pass "
                                 "allow_unused=True to get None for it")  # fmt: skip
            results.append(None)
            continue
        signal = totals[x]
        if create_graph:
            results.append(signal)
        elif isinstance(x, Value):
            results.append(Value(float(signal)))
        else:
            results.append(Tensor(np.asarray(signal, dtype=x.dtype).copy()))
    return tuple(results)


# ---- checks and second-order tools ------------------------------------------------------------------------------
def gradgradcheck(f: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  *, seed: int = 0) -> Any:  # fmt: skip
    """Second-order gradient check: the recorded backward pass against centered differences of the first-order
    gradients, with :func:`~autodiff.gradcheck`'s per-input report.

    As ``torch.autograd.gradgradcheck``: with fixed random ``vᵢ`` (one per input, like ``grad_outputs``) it checks
    the gradient of ``Σᵢ ⟨vᵢ, ∂f/∂inputᵢ⟩`` — that is, the Hessian times v — computed by differentiating the
    ``create_graph=True`` gradients, against the numeric slope of those first-order gradients.
    """
    from .gradcheck import _named_inputs, gradcheck

    names, nodes, _ = _named_inputs(inputs)
    rng = np.random.default_rng(seed)
    directions = [rng.standard_normal() if isinstance(x, Value) else rng.standard_normal(x.shape) for x in nodes]

    def first_order(*xs: Any) -> Any:
        recording = graph.is_grad_enabled()  # gradcheck evaluates the numeric side under no_grad()
        with graph.enable_grad():
            grads = grad(f(*xs), list(xs), create_graph=recording, allow_unused=True)
        if all(g is None for g in grads):
            raise ValueError("gradgradcheck: f does not depend on any of its inputs")
        return _dot(grads, directions)

    report = gradcheck(first_order, dict(zip(names, nodes)), eps=eps, atol=atol, rtol=rtol)
    return dataclasses.replace(report, mode=f"second order (∇(∇f·v), random v), {report.mode}")


def hvp(f: Callable[..., Any], inputs: Any, v: Any) -> tuple[Any, Any]:
    """``(f(inputs), H·v)``: the Hessian of the scalar ``f`` at ``inputs`` times ``v``, by double backward
    (``torch.autograd.functional.hvp``). ``inputs`` and ``v``: one node and one array/number, or matching tuples
    (then H·v is a tuple too)."""
    ins, single = _nodes(inputs, "inputs")
    vs = [v] if single else list(v)
    if len(vs) != len(ins):
        raise ValueError(f"hvp: {len(vs)} directions v for {len(ins)} inputs; give one per input")
    out = f(*ins)
    total = _dot(grad(out, ins, create_graph=True, allow_unused=True), vs)
    products = grad(total, ins, allow_unused=True) if _is_node(total) else (None,) * len(ins)
    products = tuple(_zeros_like(x) if p is None else p for p, x in zip(products, ins))
    return out.detach() if isinstance(out, Tensor) else Value(out.data), products[0] if single else products


def _dot(grads: Sequence[Any], directions: Sequence[Any]) -> Any:
    """Σᵢ ⟨gᵢ, vᵢ⟩ as a node (gradients that are None count 0)."""
    total: Any = 0.0
    for g, direction in zip(grads, directions):
        if g is None:
            continue
        term = g * _as_signal(direction, g, False)
        total = total + (term.sum() if isinstance(term, Tensor) else term)
    return total


def _zeros_like(x: Any) -> Any:
    return Value(0.0) if isinstance(x, Value) else Tensor(np.zeros_like(x.data))


def hessian(f: Callable[..., Any], inputs: Any) -> Any:
    """The Hessian of the scalar ``f`` at ``inputs`` (``torch.autograd.functional.hessian``), for small inputs:
    one double-backward per element. One Tensor input of shape s gives a Tensor of shape s + s; one Value a
    Value; a tuple of inputs a tuple of tuples of blocks, ``H[i][j]`` of shape inputs[i].shape + inputs[j].shape."""
    ins, single = _nodes(inputs, "inputs")
    grads = grad(f(*ins), ins, create_graph=True, allow_unused=True)
    shapes = [() if isinstance(x, Value) else x.shape for x in ins]
    blocks = [[np.zeros(shapes[i] + shapes[j]) for j in range(len(ins))] for i in range(len(ins))]
    for i, g in enumerate(grads):
        if g is None:
            continue
        for index in np.ndindex(*shapes[i]):
            element = g if isinstance(g, Value) else g[index]
            if not _is_node(element) or not element._parents:
                continue  # a constant gradient element: its row of the Hessian is 0
            row = grad(element, ins, allow_unused=True)
            for j, r in enumerate(row):
                if r is not None:
                    blocks[i][j][index] = r.data
    wrap = [[Value(float(b)) if isinstance(ins[i], Value) and isinstance(ins[j], Value) else Tensor(b)
             for j, b in enumerate(row)] for i, row in enumerate(blocks)]  # fmt: skip
    return wrap[0][0] if single else tuple(tuple(row) for row in wrap)

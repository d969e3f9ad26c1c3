"""See the error flow: Graphviz diagrams of a computation graph, and a step-through of backpropagation.

The notes explain backpropagation as *error sharing*: an error signal of 1 starts at the output s, and every node
passes on to each of its inputs a fair share — the signal it received times its local derivative,

    share sent to parent  =  error signal at node  ×  ∂node/∂parent          (the chain rule, one edge at a time)

and a node that feeds several others receives the *sum* of what they send it. In the notes' worked example (§5),
the signal 1 at s reaches a₁⁽²⁾ as W₁⁽²⁾, crosses the neuron to z₁⁽²⁾ as δ₁⁽²⁾ = f'(z₁⁽²⁾)·W₁⁽²⁾, and reaches the
weight W₁₄⁽¹⁾ as δ₁⁽²⁾·a₄⁽¹⁾, which is ∂s/∂W₁₄⁽¹⁾.

This module draws exactly that picture:

* :func:`draw` — the graph as a ``graphviz.Digraph`` (shown inline by Jupyter; ``.save("g.svg")``). Value nodes show
  their label, data and grad; small operation nodes show what combined them (``×``, ``σ``, ``× 2`` for a constant);
  colours tell inputs, parameters, intermediates and the output apart, and a legend says which is which. With
  ``flow=True`` the edges run from the output back to the inputs, each labelled with the signal it carries, as a
  number and — where the nodes carry labels — as a formula (``δ₁⁽²⁾·x₄``).
* :func:`error_flow` — the same signals as data (one :class:`FlowEdge` per edge), for tests and notebooks.
* :func:`steps` — one diagram per backward step; :class:`BackpropPlayer` — those diagrams in a self-contained HTML
  page with Prev/Next buttons, a slider and a caption per step in words.

Nothing here re-implements backpropagation: the signals come from :func:`autodiff.graph.backprop_steps`, the same
walker that ``backward()`` runs. Drawing never changes a graph's ``.grad`` values. Nodes are duck-typed: anything
with ``data``, ``grad``, ``label``, ``op`` and ``_parents`` can be drawn, and a node whose ``data`` is a numpy array
(a ``Tensor``) is shown by its shape, dtype and a compact preview.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import graphviz
import numpy as np

from . import graph

__all__ = [
    "draw",
    "error_flow",
    "steps",
    "BackpropPlayer",
    "Diagram",
    "FlowEdge",
    "GraphvizNotInstalled",
    "COLORS",
    "INSTALL_HINT",
]

COLORS: dict[str, str] = {
    "input": "#cfe2ff",  # leaves that are data (x)
    "parameter": "#ffe3b3",  # leaves that training changes (W, b)
    "intermediate": "#f4f4f4",  # results of operations
    "output": "#c9f0c5",  # the root: the score or loss
    "operation": "#ffffff",
    "forward": "#8a8a8a",  # edges of the forward graph
    "flow": "#c0392b",  # edges carrying an error signal
    "current": "#7b1fa2",  # the step being processed
    "future": "#d0d0d0",  # not reached yet
    "greyed_fill": "#f7f7f7",
    "greyed_text": "#a0a0a0",
}
"""Fill colours by role, and edge colours; the legend of every diagram repeats the role colours."""

ROLE_NAMES = {
    "input": "input",
    "parameter": "parameter",
    "intermediate": "intermediate",
    "output": "output / loss",
}

INSTALL_HINT = (
    "Graphviz's `dot` executable was not found on PATH, so the diagram cannot be rendered "
    "(its DOT text is still available as .source). Install Graphviz: "
    "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) "
    "or 'conda install -c conda-forge graphviz'."
)

_PARAMETER_PREFIXES = ("W", "w", "b", "U", "u")
_ACTIVATIONS = {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "hardtanh", "softsign"}
_FLIPPED = {"LR": "RL", "RL": "LR", "TB": "BT", "BT": "TB"}
_OP_TEXT = {
    "add": "+",
    "sub": "−",
    "mul": "×",
    "div": "÷",
    "pow": "^",
    "pow_const": "^",
    "neg": "−",
    "weighted_sum": "Σ w·x + b",
    "sigmoid": "σ",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "elu": "ELU",
    "hardtanh": "hardtanh",
    "softsign": "softsign",
    "exp": "exp",
    "log": "log",
    "sqrt": "√",
    "abs": "|·|",
    "matmul": "@",
    "linear": "x·Wᵀ + b",
    "sum": "Σ",
    "mean": "mean",
    "transpose": "ᵀ",
}
_DERIVATIVE_NAME = {"sigmoid": "σ", "leaky_relu": "leaky", "elu": "ELU"}  # σ'(z), leaky'(z), ELU'(z)
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_SUPERSCRIPT = str.maketrans("0123456789", _SUPERSCRIPTS)
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789")
_LAYERED = re.compile(rf"^(?P<symbol>[^\W\d_])(?P<sub>[{_SUBSCRIPTS},]*)⁽(?P<sup>[{_SUPERSCRIPTS}]+)⁾$")
_TENSOR_PREVIEW_SIZE = 6  # arrays with at most this many elements are shown in full


# ---- rendering: a Digraph that knows how to save itself and says how to install dot ---------------------------
class GraphvizNotInstalled(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's ``dot`` executable; the message says how to install it."""

    def __init__(self, message: str = INSTALL_HINT) -> None:
        RuntimeError.__init__(self, message)


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` with ``save(path)`` that picks the format from the suffix (.svg, .png, .pdf).

    ``diagram.source`` is the DOT text (no Graphviz needed); Jupyter shows the diagram inline as SVG. Without the
    ``dot`` executable, rendering raises :class:`GraphvizNotInstalled`, whose message says how to install it.
    """

    _RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - graphviz's signature and docs
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotInstalled() from error

    def render(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotInstalled() from error

    def save(self, filename: Any = None, directory: Any = None, *, skip_existing: bool | None = False) -> str:
        """Write the diagram to ``filename``: rendered for .svg/.png/.pdf, DOT source for anything else.

        (``render()`` also calls ``save`` to write its source file; that use keeps graphviz's behaviour.)
        """
        if filename is not None and directory is None and skip_existing is False:
            path = Path(filename)
            fmt = self._RENDERED.get(path.suffix.lower())
            if fmt is not None:
                data = self.pipe(format=fmt)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                return str(path)
        return super().save(filename, directory=directory, skip_existing=skip_existing)

    def svg(self) -> str:
        """The rendered SVG document as text (runs ``dot -Tsvg``)."""
        return self.pipe(format="svg", encoding="utf-8")


# ---- numbers and arrays as short text ---------------------------------------------------------------------------
def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _fmt(x: Any) -> str:
    """A number with 4 significant digits: 0.07812, -3, 1.5e-05."""
    if _is_array(x):
        x = x.item() if x.size == 1 else float(np.linalg.norm(x))
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.4g}"


def _norm(a: Any) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=float)))


def _array_lines(a: Any) -> list[str]:
    """Tiny arrays in full; larger ones as norm, min and max."""
    a = np.asarray(a)
    if a.size <= _TENSOR_PREVIEW_SIZE:
        return np.array2string(a, separator=", ", formatter={"float_kind": _fmt}).split("\n")
    return [f"‖·‖ {_fmt(_norm(a))}", f"min {_fmt(a.min())}  max {_fmt(a.max())}"]


def _signal_text(signal: Any) -> str:
    """An error signal as short text: the number, or for an array its shape and norm."""
    if _is_array(signal) and signal.ndim > 0:
        return f"{tuple(signal.shape)} ‖·‖={_fmt(_norm(signal))}"
    return _fmt(signal)


def _signal_words(signal: Any) -> str:
    if _is_array(signal) and signal.ndim > 0:
        return f"a {tuple(signal.shape)} signal (norm {_fmt(_norm(signal))})"
    return _fmt(signal)


# ---- names: labels, and the notes' z/a names inferred from labelled weights ------------------------------------
def _layered(name: str | None) -> re.Match[str] | None:
    return _LAYERED.match(name) if name else None


def _row_index(sub: str) -> str:
    """``"₁₄"`` → ``"₁"`` (the unit the weight feeds), ``"₁,₁₂"`` → ``"₁"``."""
    return sub.split(",")[0] if "," in sub else sub[:1]


def _names(order: Sequence[Any]) -> dict[int, str]:
    """Display names: the node's label; for unlabelled neuron nodes, the notes' z and a names.

    A ``weighted_sum`` whose weights are labelled W_ij^(k) (all with the same unit i and layer k) is the input of
    unit i of layer k+1: z_i^(k+1). An unlabelled activation of z_i^(k) is that unit's output a_i^(k).
    """
    names: dict[int, str] = {}
    for node in order:
        if node.label:
            names[id(node)] = node.label
            continue
        if node.op == "weighted_sum":
            units = set()
            for parent in node._parents:
                match = _layered(parent.label)
                if match and match["symbol"] in "Ww" and match["sub"]:
                    units.add((_row_index(match["sub"]), match["sup"]))
            if len(units) == 1:
                unit, layer = units.pop()
                above = str(int(layer.translate(_FROM_SUPERSCRIPT)) + 1).translate(_TO_SUPERSCRIPT)
                names[id(node)] = f"z{unit}⁽{above}⁾"
        elif node.op in _ACTIVATIONS and len(node._parents) == 1:
            match = _layered(names.get(id(node._parents[0])))
            if match and match["symbol"] == "z":
                names[id(node)] = f"a{match['sub']}⁽{match['sup']}⁾"
    return names


def _delta_name(name: str | None) -> str | None:
    """The notes call the error signal at z_i^(k) δ_i^(k)."""
    match = _layered(name)
    if match and match["symbol"] == "z":
        return f"δ{match['sub']}⁽{match['sup']}⁾"
    return None


# ---- roles and layer clusters ----------------------------------------------------------------------------------
def _roles(order: Sequence[Any], root: Any, parameter_ids: set[int]) -> dict[int, str]:
    roles = {}
    for node in order:
        if node is root:
            role = "output"
        elif node._parents:
            role = "intermediate"
        elif id(node) in parameter_ids or (node.label or "").startswith(_PARAMETER_PREFIXES):
            role = "parameter"
        else:
            role = "input"
        roles[id(node)] = role
    return roles


@dataclass
class _Cluster:
    key: str
    title: str
    members: list[Any]


def _model_groups(model: Any) -> tuple[dict[int, str], dict[str, str]]:
    """Parameter id → group key, and group key → title, from ``model.named_parameters()``.

    A name such as ``layers.0.neurons.2.w.1`` belongs to the model's child ``layers.0``, titled by its class and
    position ("Layer 1"); a child that is not in a list keeps its attribute name. Titles add the parameters'
    symbols read from their labels: "Layer 1: W⁽¹⁾, b⁽¹⁾".
    """
    modules = dict(model.named_modules()) if hasattr(model, "named_modules") else {}
    group_of: dict[int, str] = {}
    symbols: dict[str, list[str]] = {}
    heads: dict[str, str] = {}
    for name, param in model.named_parameters():
        parts = name.split(".")
        if len(parts) >= 3 and parts[1].isdigit():
            key = f"{parts[0]}.{parts[1]}"
            kind = type(modules[key]).__name__ if key in modules else parts[0].rstrip("s").capitalize()
            heads[key] = f"{kind} {int(parts[1]) + 1}"
        elif len(parts) >= 2 and not parts[1].isdigit():
            key = parts[0]
            heads[key] = key
        else:
            continue  # a parameter of the model itself: not in a layer
        group_of[id(param)] = key
        label = getattr(param, "label", None)
        match = _layered(label)
        attribute = parts[-2] if parts[-1].isdigit() else parts[-1]
        symbol = f"{match['symbol']}⁽{match['sup']}⁾" if match else label or attribute
        if symbol not in symbols.setdefault(key, []):
            symbols[key].append(symbol)
    titles = {key: f"{head}: {', '.join(symbols[key])}" for key, head in heads.items()}
    return group_of, titles


def _clusters(order: Sequence[Any], group_of: dict[int, str], titles: dict[str, str]) -> dict[int, str]:
    """Node id → group key: the parameters, the nodes that combine only one group's parameters, and the
    activation applied right after such a node (so a layer's z and a sit inside its box)."""
    cluster: dict[int, str] = {}
    for node in order:
        if id(node) in group_of:
            cluster[id(node)] = group_of[id(node)]
        elif node._parents:
            keys = {group_of[id(p)] for p in node._parents if id(p) in group_of}
            if len(keys) == 1:
                cluster[id(node)] = keys.pop()
            elif not keys and node.op in _ACTIVATIONS and len(node._parents) == 1:
                parent_key = cluster.get(id(node._parents[0]))
                if parent_key is not None:
                    cluster[id(node)] = parent_key
    return {k: v for k, v in cluster.items() if v in titles}


# ---- the error flow, from the core's step walker --------------------------------------------------------------
class FlowEdge(NamedTuple):
    """One signal of a backward pass: ``child`` sent ``signal`` to ``parent`` (its input number ``position``).

    ``signal = upstream × local_grad``: ``upstream`` is the error signal ``child`` received (∂root/∂child) and
    ``local_grad`` is ∂child/∂parent (``None`` for a Tensor, whose edges apply a vector-Jacobian product).
    ``symbol`` writes the signal as a formula from the nodes' names (``"δ₁⁽²⁾·x₄"``), or is ``None`` when the
    nodes involved are unnamed. ``step`` is the index of the :class:`~autodiff.graph.Step` that sent it.
    """

    step: int
    child: Any
    parent: Any
    position: int
    signal: Any
    upstream: Any
    local_grad: Any
    symbol: str | None


@dataclass
class _Trace:
    steps: list[graph.Step]
    edges: list[FlowEdge]
    signal: dict[int, Any]  # node id → error signal it received in this pass
    step_of: dict[int, int]  # node id → index of its step
    local_symbol: dict[tuple[int, int], str]  # (node id, position) → the local derivative as a formula
    incoming: dict[int, int]  # node id → how many signals it received


def _seed(root: Any) -> Any:
    """The error signal at the output: 1 (ones for an array output, i.e. the gradient of its sum)."""
    data = root.data
    return np.ones_like(data) if _is_array(data) else 1.0


def _run_steps(root: Any, order: Sequence[Any], error_signal: Any = None) -> list[graph.Step]:
    """All steps of one backward pass, leaving every ``.grad`` as it was before."""
    saved = [(node, node.grad.copy() if _is_array(node.grad) else node.grad) for node in order]
    try:
        return list(graph.backprop_steps(root, _seed(root) if error_signal is None else error_signal))
    finally:
        for node, grad in saved:
            node.grad = grad


class _Product:
    """A signal as a product of factors (strings): ``sign·f₁·f₂…``, or ``None`` when it has no short formula."""

    def __init__(self, factors: Sequence[str] = (), negative: bool = False) -> None:
        self.factors = list(factors)
        self.negative = negative

    def times(self, factor: str) -> _Product:
        if factor == "1":
            return _Product(self.factors, self.negative)
        if factor in ("−1", "-1"):
            return _Product(self.factors, not self.negative)
        if factor.startswith(("-", "−")):
            return _Product([*self.factors, factor[1:]], not self.negative)
        return _Product([*self.factors, factor], self.negative)

    def text(self) -> str:
        body = "·".join(self.factors) or "1"
        return ("−" if self.negative else "") + body


def _is_symbolic(text: str | None) -> bool:
    return bool(text) and any(ch.isalpha() for ch in text)


def _local_symbol(node: Any, position: int, names: dict[int, str]) -> str | None:
    """∂node/∂parent as a formula from names (or numbers where a name is missing); ``None`` for Tensor edges."""
    grads = getattr(node, "local_grads", None)
    if grads is None or _is_array(node.data):
        return None
    parents, op, const = node._parents, node.op, getattr(node, "const", None)
    local = grads[position]

    def name(n: Any) -> str:
        return names.get(id(n)) or _fmt(n.data)

    # which operand of a binary op is this parent? (a constant took the other position)
    operand = position if const is None else 1 - const[0]
    if op == "weighted_sum":  # ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1: name the partner on the other side
        partner = _weighted_sum_partner(node, position)
        return name(partner) if partner is not None else _fmt(local)
    if op == "add":
        return "1"
    if op == "sub":
        return "1" if operand == 0 else "−1"
    if op == "mul":
        return _fmt(const[1]) if const is not None else name(parents[1 - position])
    if op == "div":
        a = _fmt(const[1]) if const is not None and const[0] == 0 else name(parents[0])
        b = _fmt(const[1]) if const is not None and const[0] == 1 else name(parents[-1])
        return f"1/{b}" if operand == 0 else f"−{a}/{b}²"
    if op == "neg":
        return "−1"
    argument = names.get(id(parents[0])) if len(parents) == 1 else None
    if op in _ACTIVATIONS:
        f = _DERIVATIVE_NAME.get(op, op)
        return f"{f}'({argument})" if argument else f"{f}'"
    if argument and op in ("exp", "log", "sqrt", "abs"):
        return {"exp": f"exp({argument})", "log": f"1/{argument}", "sqrt": f"1/(2√{argument})",
                "abs": f"sgn({argument})"}[op]
    if argument and op == "pow_const":
        p = _exponent(node)
        if p is not None:
            return f"{_fmt(p)}·{argument}" if p == 2 else f"{_fmt(p)}·{argument}^{_fmt(p - 1)}"
    return _fmt(local)


def _weighted_sum_partner(node: Any, position: int) -> Any:
    """For z = Σ wᵢxᵢ + b with parents (w₁…wₙ, x₁…xₙ, b): the xᵢ of wᵢ, the wᵢ of xᵢ, ``None`` for b.

    The layout is confirmed from the local gradients (∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1). Inputs given as
    plain numbers are not parents; then the partner is found by matching values (and a constant input has none).
    """
    parents, grads = node._parents, node.local_grads
    for n in {len(parents) // 2, (len(parents) - 1) // 2}:
        if n and len(parents) - 2 * n in (0, 1) and all(
            parents[i + n].data == grads[i] and grads[i + n] == parents[i].data for i in range(n)
        ):
            if position < 2 * n:
                return parents[(position + n) % (2 * n)]
            return None  # the bias
    parent = parents[position]
    for j, other in enumerate(parents):
        if j != position and other.data == grads[position] and grads[j] == parent.data:
            return other
    return None


def _exponent(node: Any) -> float | None:
    """p of a ``x ** p`` node: recorded as ``const`` on Values; for other nodes read back from y = xᵖ and its
    local derivative p·xᵖ⁻¹ (p = y'·x / y)."""
    const = getattr(node, "const", None)
    if const is not None:
        return const[1]
    x, y, local = node._parents[0].data, node.data, node.local_grads[0]
    if x == 0 or y == 0 or not all(map(math.isfinite, (x, y, local))):
        return None
    p = local * x / y
    return float(round(p)) if abs(p - round(p)) < 1e-9 else p


def _trace(root: Any, order: Sequence[Any], names: dict[int, str], error_signal: Any = None) -> _Trace:
    """Run the backward pass step by step and write each signal as a number and, where it can, a formula.

    The formula of the signal a node sends is (its own signal's formula)·(the edge's local derivative). A node's
    own signal is written 1 at the output, δ at a node named z, the single formula it received when that is
    short, and otherwise ∂out/∂name for a named node (the sum of all it received).
    """
    steps = _run_steps(root, order, error_signal)
    root_name = names.get(id(root), "out")
    received: dict[int, list[tuple[_Product | None, str | None]]] = {}
    signal: dict[int, Any] = {}
    step_of: dict[int, int] = {}
    local_symbol: dict[tuple[int, int], str] = {}
    edges: list[FlowEdge] = []
    for index, step in enumerate(steps):
        node = step.node
        signal[id(node)], step_of[id(node)] = step.error_signal, index
        name = names.get(id(node))
        incoming = received.get(id(node), [])
        if node is root:
            own: _Product | None = _Product()
        elif _delta_name(name):
            own = _Product([_delta_name(name)])
        elif len(incoming) == 1 and incoming[0][0] is not None and len(incoming[0][0].factors) <= 3:
            own = incoming[0][0]
        elif name:
            own = _Product([f"∂{root_name}/∂{name}"])
        else:
            own = None
        grads = getattr(node, "local_grads", None)
        for position, (parent, share) in enumerate(zip(node._parents, step.shares)):
            if share is None:
                continue
            local = _local_symbol(node, position, names)
            if local is not None:
                local_symbol[(id(node), position)] = local
            product = own.times(local) if own is not None and local is not None else None
            text = product.text() if product is not None else None
            received.setdefault(id(parent), []).append((product, text))
            local_grad = grads[position] if grads is not None and not _is_array(share) else None
            edges.append(
                FlowEdge(index, node, parent, position, share, step.error_signal, local_grad,
                         text if _is_symbolic(text) else None)
            )
    incoming = {key: len(shares) for key, shares in received.items()}
    return _Trace(steps, edges, signal, step_of, local_symbol, incoming)


def error_flow(root: Any) -> list[FlowEdge]:
    """The signals of one backward pass from ``root`` (error signal 1), one :class:`FlowEdge` per edge, in the
    order the core's :func:`~autodiff.graph.backprop_steps` sends them. Leaves every ``.grad`` unchanged.

    On the notes' worked example the edge into W₁₄⁽¹⁾ carries δ₁⁽²⁾·a₄⁽¹⁾ = a₄⁽¹⁾·f'(z₁⁽²⁾)·W₁⁽²⁾ = ∂s/∂W₁₄⁽¹⁾.
    """
    _check_root(root, "error_flow()")
    order = graph.topological_order(root)
    return _trace(root, order, _names(order)).edges


def _check_root(root: Any, who: str) -> None:
    if not hasattr(root, "_parents"):
        raise TypeError(f"{who} needs a graph node (a Value or a Tensor), got {type(root).__name__}")


# ---- the scene: structure shared by draw(), steps() and the player --------------------------------------------
def _node_set(nodes: Any, what: str = "highlight") -> set[int]:
    """ids of a node, an iterable of nodes, or None; a TypeError naming ``what`` for anything else."""
    if nodes is None:
        return set()
    if hasattr(nodes, "_parents"):
        return {id(nodes)}
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Iterable):
        raise TypeError(f"{what} must be a Value or Tensor, a list of them, or None; got {type(nodes).__name__}")
    nodes = list(nodes)
    for node in nodes:
        if not hasattr(node, "_parents"):
            raise TypeError(f"{what} must hold Values or Tensors; got {type(node).__name__}: {node!r:.40}")
    return {id(n) for n in nodes}


def _html(text: str) -> str:
    return html.escape(str(text), quote=False)


class _Scene:
    """What every diagram of one graph shares: node ids, names, roles, clusters and what fits in ``max_nodes``."""

    def __init__(
        self,
        root: Any,
        *,
        params: Iterable[Any] | None = None,
        model: Any = None,
        max_nodes: int | None = 200,
        rankdir: str = "LR",
        legend: bool = True,
    ) -> None:
        if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
            raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
        if rankdir not in _FLIPPED:
            raise ValueError(f"rankdir must be one of {', '.join(_FLIPPED)}, got {rankdir!r}")
        _check_root(root, "draw()")
        if model is not None and not callable(getattr(model, "named_parameters", None)):
            raise TypeError(f"model must be an nn.Module (with named_parameters()), got {type(model).__name__}")
        self.root, self.rankdir, self.legend = root, rankdir, legend
        self.order = graph.topological_order(root)
        self.ids = {id(n): f"v{i}" for i, n in enumerate(self.order)}
        self.names = _names(self.order)
        parameter_ids = _node_set(params, "params")
        group_of, titles = ({}, {}) if model is None else _model_groups(model)
        parameter_ids |= set(group_of)
        if model is not None:
            parameter_ids |= {id(p) for p in model.parameters()}
        self.roles = _roles(self.order, root, parameter_ids)
        self.cluster_of = _clusters(self.order, group_of, titles)
        if model is not None:  # the data a model reads sits in its own box, left of the layers
            titles = {"inputs": "Inputs", **titles}
            for node in self.order:
                if self.roles[id(node)] == "input":
                    self.cluster_of[id(node)] = "inputs"
        self.cluster_titles = titles
        self.kept = self._fit(max_nodes)
        self.hidden = len(self.order) - len(self.kept)
        self._trace: _Trace | None = None

    def _fit(self, max_nodes: int | None) -> set[int]:
        """The ``max_nodes`` nodes nearest the output (breadth first over parents); the rest are collapsed."""
        if max_nodes is None or len(self.order) <= max_nodes:
            return {id(n) for n in self.order}
        kept = {id(self.root)}
        queue = deque([self.root])
        while queue and len(kept) < max_nodes:
            node = queue.popleft()
            for parent in node._parents:
                if id(parent) not in kept and len(kept) < max_nodes:
                    kept.add(id(parent))
                    queue.append(parent)
        return kept

    @property
    def trace(self) -> _Trace:
        if self._trace is None:
            self._trace = _trace(self.root, self.order, self.names)
        return self._trace

    # ---- text ------------------------------------------------------------------------------------------------
    def call(self, node: Any) -> str:
        """How a caption refers to a node: its name, or "the × node"."""
        name = self.names.get(id(node))
        if name:
            return name
        if _is_array(node.data):
            return f"the {self.op_text(node)} node" if node._parents else f"the {tuple(node.data.shape)} tensor"
        if node._parents:
            return f"the {self.op_text(node)} node ({_fmt(node.data)})"
        return f"the {self.roles[id(node)]} {_fmt(node.data)}"

    def op_text(self, node: Any) -> str:
        """The operation node's text; a Python number baked into the node shows beside its symbol (``× 2``)."""
        text = _OP_TEXT.get(node.op, node.op)
        const = getattr(node, "const", None)
        if const is not None:
            position, number = const
            return f"{text} {_fmt(number)}" if position == 1 else f"{_fmt(number)} {text}"
        if node.op == "pow_const" and not _is_array(node.data):
            p = _exponent(node)
            return f"^ {_fmt(p)}" if p is not None else "^ p"
        return text

    def value_label(self, node: Any, grad: Any, *, hide_grad: bool = False, greyed: bool = False) -> str:
        """HTML-like label: the name in bold, then data and grad (4 significant digits) or a tensor's preview."""
        rows = []
        name = self.names.get(id(node))
        if name:
            rows.append(f"<b>{_html(name)}</b>")
        data = node.data
        if _is_array(data):
            rows.append(_html(f"{tuple(data.shape)} {data.dtype}"))
            rows += [_html(line) for line in _array_lines(data)]
            grad_lines = ["grad None"] if grad is None else ["grad", *_array_lines(grad)]
        else:
            rows.append(f"data {_html(_fmt(data))}")
            grad_lines = [f"grad {_fmt(grad)}"]
        # a grad not known yet keeps its place in the layout, written in the node's own fill colour
        grad_color = COLORS["greyed_fill"] if hide_grad else COLORS["greyed_text"] if greyed else COLORS["flow"]
        rows += [f'<font color="{grad_color}">{_html(line)}</font>' for line in grad_lines]
        cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
        return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'

    def edge_label(self, edge: FlowEdge, *, hidden: bool = False) -> str:
        """An error-flow edge's label: the formula (if any) over its value (or a tensor's shape and norm)."""
        lines = []
        if edge.symbol:
            delta = _delta_name(self.names.get(id(edge.parent)))
            single = delta and self.trace.incoming[id(edge.parent)] == 1
            lines.append(f"{delta} = {edge.symbol}" if single and edge.symbol != delta else edge.symbol)
            lines.append(f"= {_signal_text(edge.signal)}")
        else:
            lines.append(_signal_text(edge.signal))
        color = "transparent" if hidden else COLORS["flow"]
        return f'<<font color="{color}">{"<br/>".join(_html(line) for line in lines)}</font>>'

    # ---- the diagram -----------------------------------------------------------------------------------------
    def diagram(
        self,
        *,
        flow: bool,
        frame: int | None = None,
        highlight: set[int] | None = None,
        title: str | None = None,
    ) -> Diagram:
        """Build the DOT graph. ``frame`` (a step index, −1 before the first) draws one step of the walk."""
        stepping = frame is not None
        trace = self.trace if flow or stepping else None
        flow = flow or stepping
        highlight = set(highlight or ())
        if stepping and 0 <= frame < len(trace.steps):
            current = trace.steps[frame].node
            highlight.add(id(current) if id(current) in self.kept else -1)

        def state(node: Any) -> str:
            """'past', 'current' or 'future' for the step that processes ``node`` (frames only)."""
            index = trace.step_of.get(id(node)) if trace else None
            if not stepping or index is None:
                return "past" if not stepping else "future"
            return "past" if index < frame else "current" if index == frame else "future"

        dot = Diagram(name="errorflow", format="svg")
        dot.attr(rankdir=_FLIPPED[self.rankdir] if flow else self.rankdir, fontname="Helvetica", nodesep="0.25",
                 ranksep="0.35", newrank="true")
        dot.attr("node", fontname="Helvetica", fontsize="11")
        dot.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
        if title:
            dot.attr(label=title, labelloc="t", fontsize="13")

        bodies: dict[str | None, list[tuple[str, str, dict[str, str]]]] = {}

        def add_node(key: str | None, node_id: str, label: str, attrs: dict[str, str]) -> None:
            bodies.setdefault(key, []).append((node_id, label, attrs))

        for node in self.order:
            if id(node) not in self.kept:
                continue
            vid, role, key = self.ids[id(node)], self.roles[id(node)], self.cluster_of.get(id(node))
            node_state = state(node)
            greyed = stepping and node_state == "future"
            if trace is not None and id(node) in trace.signal:
                grad = trace.signal[id(node)]
            else:
                grad = node.grad
            attrs = {
                "shape": "box",
                "style": "rounded,filled",
                "fillcolor": COLORS["greyed_fill"] if greyed else COLORS[role],
                "color": COLORS["future"] if greyed else "#555555",
                "tooltip": role,
            }
            if greyed:
                attrs["fontcolor"] = COLORS["greyed_text"]
            if id(node) in highlight:
                attrs.update(penwidth="3", color=COLORS["current"])
            add_node(key, vid, self.value_label(node, grad, hide_grad=greyed, greyed=greyed), attrs)
            if node._parents:
                op_attrs = {
                    "shape": "ellipse",
                    "style": "filled",
                    "fillcolor": COLORS["operation"],
                    "fontsize": "10",
                    "height": "0.3",
                    "width": "0.3",
                    "margin": "0.03,0.01",
                    "color": COLORS["future"] if greyed else "#777777",
                    "tooltip": f"operation {node.op}",
                }
                if greyed:
                    op_attrs["fontcolor"] = COLORS["greyed_text"]
                add_node(key, vid + "op", self.op_text(node), op_attrs)

        for key, members in bodies.items():
            target = dot
            if key is not None:
                cluster = graphviz.Digraph(name=f"cluster_{key.replace('.', '_')}")
                cluster.attr(label=self.cluster_titles[key], style="rounded,dashed", color="#9e9e9e",
                             fontsize="11", fontname="Helvetica")
                target = cluster
            for node_id, label, attrs in members:
                target.node(node_id, label, **attrs)
            if key is not None:
                dot.subgraph(cluster)

        sent = {}
        if trace is not None:
            sent = {(id(e.child), e.position): e for e in trace.edges}
        collapsed_links: set[str] = set()
        for node in self.order:
            if id(node) not in self.kept or not node._parents:
                continue
            vid = self.ids[id(node)]
            node_state = state(node)
            color = COLORS["future"] if node_state == "future" else COLORS["flow"] if flow else COLORS["forward"]
            width = "2.2" if node_state == "current" else "1"
            if flow:
                dot.edge(vid, vid + "op", color=color, penwidth=width)
            else:
                dot.edge(vid + "op", vid, color=color)
            for position, parent in enumerate(node._parents):
                if id(parent) not in self.kept:
                    if vid not in collapsed_links:
                        collapsed_links.add(vid)
                        ends = (vid + "op", "more") if flow else ("more", vid + "op")
                        dot.edge(*ends, style="dashed", color=COLORS["future"])
                    continue
                pid = self.ids[id(parent)]
                if not flow:
                    dot.edge(pid, vid + "op", color=color)
                    continue
                edge = sent.get((id(node), position))
                if edge is None:  # a parent that needs no gradient is sent nothing
                    dot.edge(vid + "op", pid, style="dotted", color=COLORS["future"], arrowhead="none")
                    continue
                attrs = {"color": color, "penwidth": width}
                if node_state == "current":
                    attrs["color"] = COLORS["current"]
                attrs["label"] = self.edge_label(edge, hidden=node_state == "future")
                dot.edge(vid + "op", pid, **attrs)

        if self.hidden:
            more = {"shape": "note", "style": "filled,dashed", "fillcolor": "#fafafa", "color": "#9e9e9e",
                    "fontcolor": "#616161"}
            if -1 in highlight:
                more.update(penwidth="3", color=COLORS["current"])
            dot.node("more", f"… {self.hidden} more nodes", **more)
        if self.legend:
            self._add_legend(dot, flow)
        return dot

    def _add_legend(self, dot: Diagram, flow: bool) -> None:
        """One small table node naming the role colours (and, in the flow view, what a red edge carries)."""
        rows = ['<tr><td colspan="2"><b>legend</b></td></tr>']
        for role, text in ROLE_NAMES.items():
            rows.append(f'<tr><td bgcolor="{COLORS[role]}" border="1" style="rounded" width="14"> </td>'
                        f'<td align="left">{_html(text)}</td></tr>')
        rows.append('<tr><td border="1" style="rounded" width="14">op</td><td align="left">operation</td></tr>')
        if flow:
            rows.append(f'<tr><td><font color="{COLORS["flow"]}">⟵</font></td><td align="left">'
                        f'<font color="{COLORS["flow"]}">error signal sent:<br/>upstream × local derivative'
                        "</font></td></tr>")
        table = "".join(rows)
        dot.node("legend", f'<<table border="0" cellborder="0" cellspacing="2" cellpadding="2">{table}</table>>',
                 shape="box", style="rounded", color="#bdbdbd", fontsize="9")

    # ---- captions --------------------------------------------------------------------------------------------
    def caption(self, index: int) -> str:
        """Step ``index`` in words (−1: the moment before backpropagation starts)."""
        trace = self.trace
        root = self.names.get(id(self.root)) or "out"
        if index < 0:
            who = root if id(self.root) in self.names else f"the output, {self.call(self.root)},"
            return (f"The forward pass is done: every node holds its value. Backpropagation starts by giving "
                    f"{who} an error signal of 1 (∂{root}/∂{root} = 1) and walks back from there, each node "
                    f"sending its inputs the signal it received times its local derivative.")
        step = trace.steps[index]
        node = step.node
        who = self.call(node)
        signal = _signal_words(step.error_signal)
        prefix = f"Step {index + 1} of {len(trace.steps)}: "
        if not node._parents:
            return (prefix + f"{who} is a leaf: it receives {signal}, the sum of everything sent to it, and adds "
                    f"it to its .grad: ∂{root}/∂{who} = {signal}.")
        own = "1 (the starting signal)" if node is self.root else signal
        edges = [e for e in trace.edges if e.step == index]
        if not edges:
            return prefix + f"{who} receives {own}; none of its inputs needs a gradient, so it sends nothing."

        def local(edge: FlowEdge) -> str:
            symbol = trace.local_symbol.get((id(node), edge.position))
            if edge.local_grad is None:
                return ""
            number = _fmt(edge.local_grad)
            return f"{symbol} = {number}" if _is_symbolic(symbol) else number

        if len(edges) == 1:
            edge = edges[0]
            factor = local(edge)
            how = f"multiplies it by {'its local derivative ' if not factor else ''}{factor or ''}".rstrip()
            return prefix + (f"{who} receives {own}, {how} and sends {_signal_words(edge.signal)} to "
                             f"{self.call(edge.parent)}.")
        parts = []
        for edge in edges:
            factor = local(edge)
            times = f" (× {factor})" if factor else ""
            parts.append(f"{_signal_words(edge.signal)} to {self.call(edge.parent)}{times}")
        return prefix + (f"{who} receives {own} and shares it out, multiplying by each local derivative: "
                         + "; ".join(parts) + ".")


# ---- public API --------------------------------------------------------------------------------------------------
def draw(
    root: Any,
    *,
    flow: bool = False,
    rankdir: str = "LR",
    max_nodes: int | None = 200,
    highlight: Any = None,
    params: Iterable[Any] | None = None,
    model: Any = None,
    legend: bool = True,
    title: str | None = None,
) -> Diagram:
    """Draw the computation graph that ``root`` depends on, as a :class:`Diagram` (a ``graphviz.Digraph``).

    * Value nodes show label, ``data`` and ``grad`` (4 significant digits); Tensor nodes show label, shape, dtype
      and a preview (tiny arrays in full, larger ones as norm/min/max). Each result has a small operation node
      (``+``, ``×``, ``σ``, ``Σ w·x + b``; a constant operand shows beside the symbol, ``× 2``).
    * Colours by role (:data:`COLORS`): inputs (leaves that are data), parameters (leaves labelled W…, w…, b…, U…,
      u…, or passed in ``params``/``model``), intermediates, and the output; ``legend=True`` adds a key.
    * ``model`` (an ``nn.Module``): its parameters are parameters, boxed per layer ("Layer 1: W⁽¹⁾, b⁽¹⁾") by
      their ``named_parameters()`` names, with the layer's z and a nodes inside the box.
    * ``flow=True``: the error-flow view. Edges run from the output back towards the inputs, each labelled with the
      signal it carries, upstream signal × local derivative, as a number and (for named nodes) a formula; node
      grads show what this one pass delivers (leaves may hold more, accumulated over earlier passes).
    * ``max_nodes``: nodes beyond the ``max_nodes`` nearest the output collapse into one "… N more nodes" node.
    * ``highlight``: a node (or nodes) to outline.

    The graph's ``.grad`` values are never changed. ``diagram.source`` is the DOT text; ``diagram.save("g.svg")``
    renders with Graphviz's ``dot`` (raising :class:`GraphvizNotInstalled`, with install instructions, without it).
    """
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    highlighted = _node_set(highlight, "highlight")
    scene = _Scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend)
    return scene.diagram(flow=flow, highlight=highlighted, title=title)


def steps(
    root: Any,
    *,
    rankdir: str = "LR",
    max_nodes: int | None = 200,
    params: Iterable[Any] | None = None,
    model: Any = None,
    legend: bool = True,
) -> list[Diagram]:
    """One diagram per backward step from ``root``: the node being processed outlined, the signals sent so far
    drawn and labelled, what is still to come greyed out (its labels kept invisibly so frames line up)."""
    scene = _Scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend)
    total = len(scene.trace.steps)
    return [scene.diagram(flow=True, frame=k, title=f"backward step {k + 1} of {total}") for k in range(total)]


def _svg_body(svg: str) -> str:
    """Drop the XML prolog and doctype so the SVG can sit inline in HTML; make hidden labels truly invisible.

    Graphviz writes the colour "transparent" of a label still to come as the near-white ``#fffffe``, which would
    still cover the lines it crosses; ``fill="none"`` draws nothing.
    """
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return svg.replace('fill="#fffffe"', 'fill="none"')


_PLAYER_CSS = """
.ef-player{font-family:Helvetica,Arial,sans-serif;max-width:100%;border:1px solid #ddd;border-radius:6px;padding:8px}
.ef-player .ef-controls{display:flex;gap:8px;align-items:center;margin-bottom:6px}
.ef-player input[type=range]{flex:1}
.ef-player .ef-caption{min-height:3em;margin:4px 0 8px;line-height:1.4}
.ef-player .ef-frame{overflow:auto}
.ef-player .ef-frame svg{max-width:100%;height:auto}
"""

_PLAYER_JS = """
(function () {
  var box = document.getElementById("%(uid)s");
  if (!box || box.dataset.ready) { return; }
  box.dataset.ready = "1";
  var frames = box.querySelectorAll(".ef-frame");
  var captions = JSON.parse(box.querySelector(".ef-captions").textContent);
  var slider = box.querySelector(".ef-slider"), caption = box.querySelector(".ef-caption");
  var prev = box.querySelector(".ef-prev"), next = box.querySelector(".ef-next");
  var counter = box.querySelector(".ef-counter"), current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) { frames[i].style.display = i === current ? "block" : "none"; }
    slider.value = String(current);
    caption.textContent = captions[current];
    counter.textContent = (current + 1) + " / " + frames.length;
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  box.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
  });
  show(0);
})();
"""


class BackpropPlayer:
    """Step through backpropagation in a browser or notebook: Prev/Next buttons, a slider, a caption per step.

    Frame 0 is the graph after the forward pass; frame k is backward step k (see :func:`steps`). Each caption
    says in words what the step does ("z₁⁽²⁾ receives 0.31, multiplies it by σ'(z₁⁽²⁾) = 0.25 and sends 0.078 to
    …"). The page is self-contained — inline SVG (rendered by ``dot -Tsvg``), plain HTML and a little JavaScript, no
    widget library — so it works in Jupyter (``_repr_html_``), in a notebook exported to HTML, and as a file
    (``save("backprop.html")``).
    """

    def __init__(
        self,
        root: Any,
        *,
        rankdir: str = "LR",
        max_nodes: int | None = 200,
        params: Iterable[Any] | None = None,
        model: Any = None,
        legend: bool = True,
    ) -> None:
        self._scene = _Scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend)
        total = len(self._scene.trace.steps)
        self.frames: list[Diagram] = [
            self._scene.diagram(flow=True, frame=k, title="after the forward pass" if k < 0 else
                                f"backward step {k + 1} of {total}")
            for k in range(-1, total)
        ]
        """The diagrams: frame 0 before backpropagation, then one per step."""
        self.captions: list[str] = [self._scene.caption(k) for k in range(-1, total)]
        """One sentence (or a few) per frame."""
        self._svgs: list[str] | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def svgs(self) -> list[str]:
        """Each frame rendered to SVG text (cached)."""
        if self._svgs is None:
            self._svgs = [_svg_body(frame.svg()) for frame in self.frames]
        return self._svgs

    def html(self) -> str:
        """The player as an HTML fragment (a ``<div>`` with its own style and script)."""
        svgs = self.svgs()
        uid = "ef-" + hashlib.sha1("".join(self.captions).encode() + str(len(svgs)).encode()).hexdigest()[:12]
        captions = json.dumps(self.captions).replace("</", "<\\/")
        frames = "\n".join(
            f'<div class="ef-frame" data-frame="{k}" style="display:{"block" if k == 0 else "none"}">{svg}</div>'
            for k, svg in enumerate(svgs)
        )
        last = len(svgs) - 1
        return f"""<div class="ef-player" id="{uid}" tabindex="0">
<style>{_PLAYER_CSS}</style>
<div class="ef-controls">
<button type="button" class="ef-prev" disabled>◀ Prev</button>
<input type="range" class="ef-slider" min="0" max="{last}" step="1" value="0" aria-label="step">
<button type="button" class="ef-next"{" disabled" if last == 0 else ""}>Next ▶</button>
<span class="ef-counter">1 / {len(svgs)}</span>
</div>
<p class="ef-caption">{_html(self.captions[0])}</p>
{frames}
<script type="application/json" class="ef-captions">{captions}</script>
<script>{_PLAYER_JS % {"uid": uid}}</script>
</div>"""

    def _repr_html_(self) -> str:
        return self.html()

    def save(self, path: str | Path) -> Path:
        """Write a complete HTML page (UTF-8) with the player; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                "<title>errorflow: backpropagation step by step</title>\n</head>\n<body>\n"
                f"{self.html()}\n</body>\n</html>\n")
        path.write_text(page, encoding="utf-8")
        return path

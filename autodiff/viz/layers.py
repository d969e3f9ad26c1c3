"""The layer-level view (notes §6): each layer one box, only the signals between layers and into its parameters.

A network of real size has far too many nodes to draw one by one; the notes draw it as layers,
a⁽ᵏ⁺¹⁾ = f(W⁽ᵏ⁾a⁽ᵏ⁾ + b⁽ᵏ⁾), with δ⁽ᵏ⁺¹⁾ flowing back from layer to layer and ∇W⁽ᵏ⁾ = δ⁽ᵏ⁺¹⁾a⁽ᵏ⁾ᵀ leaving to each
weight. This view is a projection of the full error flow (:mod:`autodiff.viz.flow`): every node is assigned to a
group (a layer, a parameter, the input, the loss), and the signals that cross from one group to another are
drawn, summed per pair of groups, with the formula the edge carries when there is one.

Layers come from the graph itself for tensors (``linear`` nodes, ``x @ W`` (+ b); see
:func:`~autodiff.viz.naming._layer_parts`) and from ``model=`` (its ``named_parameters()``) for scalar networks
such as ``nn.MLP`` on Values or the window classifier.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import graph
from ..rules import UNARY
from .flow import _trace
from .naming import (
    _ACTIVATIONS,
    _OP_TEXT,
    COLORS,
    _clusters,
    _fmt,
    _is_array,
    _layer_parts,
    _model_groups,
    _names,
    _norm,
    _signal_words,
)

_INPUT, _OUTPUT, _LOOKUP_KEY = "input", "output", "lookup"
_LOOKUP = {"index", "gather", "reshape", "transpose", "concat", "stack"}  # reading rows of an embedding matrix


@dataclass
class _Group:
    key: str
    title: str
    role: str  # input | parameter | intermediate | output
    members: list[Any] = field(default_factory=list)
    formula: str = ""


def _tensor_groups(order: list[Any], names: dict[int, str], root: Any) -> dict[int, str]:
    """Node id → group key for a tensor network: each layer's z (and the matmul/transpose inside it, and the
    elementwise functions applied to it) is ``layer k``; its W and b are groups of their own."""
    group: dict[int, str] = {}
    layer_of: dict[int, int] = {}
    k = 0
    for node in order:
        parts = _layer_parts(node)
        if parts is not None and id(node) not in group:
            x, W, b = parts
            k = layer_of.get(id(x), 0) + 1
            key = f"layer {k}"
            group[id(node)] = key
            below = {id(n) for n in graph.topological_order(x)}
            for inner in graph.topological_order(node):  # the product and transposes inside this layer
                if inner._parents and id(inner) not in below:
                    group[id(inner)] = key
            for p in (W, b):
                if p is not None:
                    group[id(p)] = f"param {id(p)}"
            layer_of[id(node)] = k
            continue
        parents = node._parents
        if not parents:
            if id(node) not in group:
                group[id(node)] = f"param {id(node)}" if getattr(node, "requires_grad", False) else _INPUT
            continue
        live = [p for p in parents if not _is_constant(p)]
        elementwise = node.op in UNARY or node.op in ("mul", "div")
        if elementwise and len(live) == 1 and group.get(id(live[0]), "").startswith("layer"):
            group[id(node)] = group[id(live[0])]  # f(z), a dropout mask: part of the layer
        elif node.op in _LOOKUP and live and all(group.get(id(p), "").startswith(("param", _LOOKUP_KEY)) for p in live):
            group[id(node)] = _LOOKUP_KEY  # L[window] and its reshape: the word vectors looked up
        else:
            group[id(node)] = _OUTPUT
        layer_of[id(node)] = max(layer_of.get(id(node), 0), *(layer_of.get(id(p), 0) for p in parents))
    if not group.get(id(root), "").startswith("layer"):
        group[id(root)] = _OUTPUT
    return group


def _is_constant(node: Any) -> bool:
    return not node._parents and not getattr(node, "requires_grad", True)


def _scalar_groups(order: list[Any], model: Any, root: Any) -> tuple[dict[int, str], dict[str, str]]:
    """Node id → group key for a scalar network, from ``model``'s layers (its parameter names)."""
    group_of, titles = _model_groups(model)
    cluster = _clusters(order, group_of, titles)
    group: dict[int, str] = {}
    for node in order:
        key = cluster.get(id(node))
        if id(node) in group_of:
            group[id(node)] = f"param {group_of[id(node)]}"
        elif key is not None:
            group[id(node)] = key
        elif not node._parents:
            group[id(node)] = _INPUT
        else:
            group[id(node)] = _OUTPUT
    group[id(root)] = _OUTPUT
    return group, titles


def _layer_formula(k: int, members: list[Any], names: dict[int, str]) -> str:
    """``a⁽ᵏ⁺¹⁾ = σ(W⁽ᵏ⁾a⁽ᵏ⁾ + b⁽ᵏ⁾)`` for layer k, from its activation (if any)."""
    up, here = (str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) for n in (k + 1, k))
    activations = [n for n in members if n.op in _ACTIVATIONS]
    has_bias = any(
        (n.op == "linear" and len(n._parents) == 3) or n.op == "add"
        or (n.op == "weighted_sum" and n.partners is not None and n.partners[-1] is None)
        for n in members
    )  # fmt: skip
    inner = f"W⁽{here}⁾a⁽{here}⁾" + (f" + b⁽{here}⁾" if has_bias else "")
    if activations:
        return f"a⁽{up}⁾ = {_OP_TEXT.get(activations[-1].op, activations[-1].op)}({inner})"
    return f"z⁽{up}⁾ = {inner}"


class _LayerScene:
    """The groups of one graph (layers, parameters, input, output) and the signals crossing between them.

    ``diagram()`` draws the whole view; ``diagram(frame=j)`` draws step j of the layer-by-layer walk, where step j
    is the j-th group to finish its backward work (the output first, then the top layer, …): the signals it and the
    groups before it sent are drawn, the rest greyed with their labels kept invisibly so the frames line up.
    """

    def __init__(self, root: Any, *, model: Any = None, flow: bool = True, rankdir: str = "LR") -> None:
        order = graph.topological_order(root)
        names = _names(order)
        is_tensor = _is_array(root.data)
        if model is not None and not is_tensor:
            group, titles = _scalar_groups(order, model, root)
        elif is_tensor:
            group, titles = _tensor_groups(order, names, root), {}
        else:
            raise ValueError("collapse=True on a scalar graph needs model= (the nn.Module whose layers to draw)")
        self.order, self.group, self.rankdir = order, group, rankdir
        self.groups: dict[str, _Group] = {}
        for node in order:
            key = group[id(node)]
            if key not in self.groups:
                self.groups[key] = _Group(key, _group_title(key, node, names, titles), _group_role(key))
            self.groups[key].members.append(node)
        for key, g in self.groups.items():
            k = _layer_number(key, g.title)
            if k is not None and g.role == "intermediate":
                g.formula = _layer_formula(k, g.members, names)
        self.trace = _trace(root, order, names) if flow else None
        self.crossings: dict[tuple[str, str], list[Any]] = {}  # (sending group, receiving group) → its edges
        for edge in self.trace.edges if self.trace else ():
            a, b = group[id(edge.child)], group[id(edge.parent)]
            if a != b:
                self.crossings.setdefault((a, b), []).append(edge)
        finish: dict[str, int] = {}
        for (sender, _), edges in self.crossings.items():
            finish[sender] = max(finish.get(sender, -1), *(e.step for e in edges))
        self.walk: list[str] = sorted(finish, key=finish.__getitem__)
        """The sending groups in the order they finish: one frame each."""
        self.pairs = sorted({(group[id(n)], group[id(p)]) for n in order for p in n._parents})
        """(child group, parent group) of every forward edge, in a fixed order."""

    @property
    def total(self) -> int:
        return len(self.walk)

    def frame(self, index: int, title: str | None = None):
        """Step ``index`` of the layer walk drawn (−1: before it starts)."""
        return self.diagram(frame=index, title=title)

    def diagram(self, *, frame: int | None = None, title: str | None = None):
        """The DOT graph: the whole view, or (``frame``) one step of the layer walk (−1: before it starts)."""
        from .diagram import Diagram  # the Digraph subclass that saves itself

        dot = Diagram(name="layers", graph_attr={"rankdir": self.rankdir, "fontname": "Helvetica", "nodesep": "0.35"},
                      node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "box", "style": "rounded,filled"},
                      edge_attr={"fontname": "Helvetica", "fontsize": "10"})  # fmt: skip
        if title:
            dot.attr(label=title, labelloc="t", fontsize="13")
        done = set(self.walk if frame is None else self.walk[: frame + 1])
        current = self.walk[frame] if frame is not None and 0 <= frame < len(self.walk) else None
        gid = {key: f"g{i}" for i, key in enumerate(self.groups)}
        for key, g in self.groups.items():
            attrs = {"fillcolor": COLORS[g.role]}
            if key == current:
                attrs.update(penwidth="3", color=COLORS["current"])
            dot.node(gid[key], label=f"<{_box_label(g, self.trace)}>", **attrs)
        pairs = self.pairs
        if self.trace is None:
            for child_key, parent_key in pairs:
                if child_key != parent_key:
                    dot.edge(gid[parent_key], gid[child_key], color=COLORS["forward"])
            return dot
        for (child_key, parent_key), edges in self.crossings.items():
            sent = child_key in done
            color = COLORS["current"] if child_key == current else COLORS["flow"] if sent else COLORS["future"]
            dot.edge(gid[child_key], gid[parent_key], label=f"<{_crossing_label(edges, hidden=not sent)}>",
                     color=color, fontcolor=COLORS["flow"], penwidth="2.4" if child_key == current else "1.6")
        for child_key, parent_key in pairs:
            if child_key != parent_key and (child_key, parent_key) not in self.crossings:
                dot.edge(gid[parent_key], gid[child_key], color=COLORS["future"], style="dashed")  # constant
        return dot

    def caption(self, frame: int) -> str:
        """Step ``frame`` of the layer walk in words (−1: before it starts)."""
        if frame < 0:
            return ("The forward pass is done: every layer holds its activations. Backpropagation walks back one "
                    "layer at a time: each layer receives its error signal, multiplies it by its local derivatives "
                    "and sends δ down to the layer below and the gradient shares to its own parameters.")
        key = self.walk[frame]
        g = self.groups[key]
        received = [e for (a, b), edges in self.crossings.items() if b == key for e in edges]
        what = (f"receives {_signal_words(_total(received))}" if received else "starts with the signal 1")
        parts = []
        for (a, b), edges in self.crossings.items():
            if a == key:
                symbols = {e.symbol for e in edges if e.symbol}
                words = _signal_words(_total(edges))
                parts.append(f"{next(iter(symbols)) + ' = ' if len(symbols) == 1 else ''}{words} "
                             f"to {self.groups[b].title}")
        return f"Step {frame + 1} of {self.total}: {g.title} {what} and sends " + "; ".join(parts) + "."


def _total(edges: list[Any]) -> Any:
    """The sum of the signals of several edges (all into one group, or all out of one)."""
    signals = [np.asarray(e.signal, dtype=float) for e in edges]
    if len({s.shape for s in signals}) == 1:
        return sum(signals[1:], signals[0])
    return np.sqrt(sum(_norm(s) ** 2 for s in signals))


def collapsed(root: Any, *, model: Any = None, flow: bool = True, rankdir: str = "LR", title: str | None = None):
    """The layer-level diagram of ``root``'s graph (see the module docstring); a :class:`~autodiff.viz.Diagram`."""
    return _LayerScene(root, model=model, flow=flow, rankdir=rankdir).diagram(title=title)


def _layer_number(key: str, title: str) -> int | None:
    """k of "layer k" (tensor layers) or of a model's "Layer k: …" box."""
    for text in (key, title):
        head = text.split(":")[0].split()
        if len(head) == 2 and head[0].lower() == "layer" and head[1].isdigit():
            return int(head[1])
    return None


def _group_title(key: str, first: Any, names: dict[int, str], titles: dict[str, str]) -> str:
    if key.startswith("param "):
        inner = key[len("param "):]
        if inner in titles:  # a scalar layer's parameters: "W⁽¹⁾, b⁽¹⁾"
            return titles[inner].split(": ", 1)[-1]
        return names.get(id(first)) or first.label or "parameter"
    if key == _INPUT:
        return "input a⁽¹⁾" if names.get(id(first)) == "a⁽¹⁾" else "input"
    if key == _OUTPUT:
        return "output"
    if key == _LOOKUP_KEY:
        return "embedding lookup"
    return titles.get(key, key.capitalize())


def _group_role(key: str) -> str:
    if key.startswith("param "):
        return "parameter"
    return {"input": "input", "output": "output"}.get(key, "intermediate")


def _box_label(g: _Group, trace: Any) -> str:
    """Title, the layer's formula, and the shape (tensors) or the number of scalars it holds."""
    rows = [f"<b>{html.escape(g.title)}</b>"]
    if g.formula:
        rows.append(html.escape(g.formula))
    last = g.members[-1]
    if g.role == "output":
        rows.append(_fmt(last.data) if np.size(last.data) == 1 else html.escape(f"{np.shape(last.data)}"))
    elif _is_array(last.data):
        rows.append(html.escape(f"{tuple(last.data.shape)} {last.data.dtype}"))
    else:
        rows.append(f"{len(g.members)} scalars" if g.role in ("parameter", "input") else f"{len(g.members)} nodes")
    return "<br/>".join(rows)


def _crossing_label(edges: list[Any], *, hidden: bool = False) -> str:
    """The signal crossing from one group to another: the formula when one edge carries it, and its size
    (``hidden``: the same text, invisible, so a frame keeps the layout of the frames after it)."""
    symbols = {e.symbol for e in edges if e.symbol}
    signals = [np.asarray(e.signal, dtype=float) for e in edges]
    if len(edges) == 1:
        shape = signals[0].shape
        size = f"{tuple(shape)} " if shape else ""
        text = f"{size}‖·‖={_fmt(_norm(signals[0]))}"
    else:
        text = f"{len(edges)} signals, ‖·‖={_fmt(float(np.sqrt(sum(_norm(s) ** 2 for s in signals))))}"
    head = next(iter(symbols)) if len(symbols) == 1 else ""
    body = "<br/>".join(html.escape(t) for t in (head, text) if t)
    return f'<font color="transparent">{body}</font>' if hidden else body

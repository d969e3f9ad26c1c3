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


def collapsed(root: Any, *, model: Any = None, flow: bool = True, rankdir: str = "LR", title: str | None = None):
    """The layer-level diagram of ``root``'s graph (see the module docstring); a :class:`~autodiff.viz.Diagram`."""
    from .diagram import Diagram  # the Digraph subclass that saves itself

    order = graph.topological_order(root)
    names = _names(order)
    is_tensor = _is_array(root.data)
    if model is not None and not is_tensor:
        group, titles = _scalar_groups(order, model, root)
    elif is_tensor:
        group, titles = _tensor_groups(order, names, root), {}
    else:
        raise ValueError("collapse=True on a scalar graph needs model= (the nn.Module whose layers to draw)")
    groups: dict[str, _Group] = {}
    for node in order:
        key = group[id(node)]
        if key not in groups:
            groups[key] = _Group(key, _group_title(key, node, names, titles), _group_role(key))
        groups[key].members.append(node)
    for key, g in groups.items():
        k = _layer_number(key, g.title)
        if k is not None and g.role == "intermediate":
            g.formula = _layer_formula(k, g.members, names)
    trace = _trace(root, order, names) if flow else None

    dot = Diagram(name="layers", graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.35"},
                  node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "box", "style": "rounded,filled"},
                  edge_attr={"fontname": "Helvetica", "fontsize": "10"})  # fmt: skip
    if title:
        dot.attr(label=title, labelloc="t", fontsize="13")
    gid = {key: f"g{i}" for i, key in enumerate(groups)}
    for key, g in groups.items():
        dot.node(gid[key], label=f"<{_box_label(g, trace)}>", fillcolor=COLORS[g.role])
    crossings: dict[tuple[str, str], list[Any]] = {}
    if trace is None:
        for node in order:
            for parent in node._parents:
                a, b = group[id(parent)], group[id(node)]
                if a != b:
                    crossings.setdefault((b, a), [])
        for child_key, parent_key in crossings:
            dot.edge(gid[parent_key], gid[child_key], color=COLORS["forward"])
        return dot
    for edge in trace.edges:
        a, b = group[id(edge.child)], group[id(edge.parent)]
        if a != b:
            crossings.setdefault((a, b), []).append(edge)
    for (child_key, parent_key), edges in crossings.items():
        dot.edge(gid[child_key], gid[parent_key], label=f"<{_crossing_label(edges)}>", color=COLORS["flow"],
                 fontcolor=COLORS["flow"], penwidth="1.6")  # fmt: skip
    for (child_key, parent_key) in {(group[id(n)], group[id(p)]) for n in order for p in n._parents}:
        if child_key != parent_key and (child_key, parent_key) not in crossings:
            dot.edge(gid[parent_key], gid[child_key], color=COLORS["future"], style="dashed")  # no signal: constant
    return dot


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


def _crossing_label(edges: list[Any]) -> str:
    """The signal crossing from one group to another: the formula when one edge carries it, and its size."""
    symbols = {e.symbol for e in edges if e.symbol}
    signals = [np.asarray(e.signal, dtype=float) for e in edges]
    if len(edges) == 1:
        shape = signals[0].shape
        size = f"{tuple(shape)} " if shape else ""
        text = f"{size}‖·‖={_fmt(_norm(signals[0]))}"
    else:
        text = f"{len(edges)} signals, ‖·‖={_fmt(float(np.sqrt(sum(_norm(s) ** 2 for s in signals))))}"
    head = next(iter(symbols)) if len(symbols) == 1 else ""
    return "<br/>".join(html.escape(t) for t in (head, text) if t)

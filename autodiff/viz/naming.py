"""Names, roles, clusters and number formatting shared by every diagram (the notes' δ⁽ᵏ⁾, W₁₄⁽¹⁾...)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    """A tiny array (at most ``_TENSOR_PREVIEW_SIZE`` elements) written in full; larger ones are summarised by
    :func:`autodiff.viz.cells.summary_lines`."""
    return np.array2string(np.asarray(a), separator=", ", formatter={"float_kind": _fmt}).split("\n")


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


_ASCII_LAYERED = re.compile(
    r"^(?P<symbol>[^\W\d_])(?:_?(?P<digits>\d+)|_?[\[{](?P<i>\d+)(?:,\s*(?P<j>\d+))?[\]}])?"
    r"\^[({]?(?P<layer>\d+)[)}]?$"
)


def _canonical(label: str) -> str:
    """The notes' label grammar, ``symbol`` + subscript indices + ``⁽layer⁾`` (``W₁₄⁽¹⁾``, ``z₁⁽²⁾``, ``b₂⁽¹⁾``;
    ``W₁,₁₂⁽¹⁾`` when an index has two digits), from its ASCII spellings: ``W14^(1)``, ``W_14^(1)``,
    ``W[1,4]^(1)``, ``W_{1,12}^{1}``, ``z1^2``. Any other label is returned unchanged.

    Labels in this grammar are what the diagrams read: a weighted sum of weights ``Wᵢⱼ⁽ᵏ⁾`` is named ``zᵢ⁽ᵏ⁺¹⁾``,
    its activation ``aᵢ⁽ᵏ⁺¹⁾``, and the signal at ``zᵢ⁽ᵏ⁾`` ``δᵢ⁽ᵏ⁾``.
    """
    match = _ASCII_LAYERED.match(label) if label else None
    if match is None:
        return label
    sub = _sub_text(match["digits"]) if match["digits"] else ""
    if match["i"]:
        i, j = match["i"], match["j"]
        sub = _sub_text(i) + (("," if len(i) > 1 or len(j) > 1 else "") + _sub_text(j) if j else "")
    return f"{match['symbol']}{sub}⁽{match['layer'].translate(_TO_SUPERSCRIPT)}⁾"


def _sub_text(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", _SUBSCRIPTS))


def _row_index(sub: str) -> str:
    """``"₁₄"`` → ``"₁"`` (the unit the weight feeds), ``"₁,₁₂"`` → ``"₁"``."""
    return sub.split(",")[0] if "," in sub else sub[:1]


def _names(order: Sequence[Any], given: dict[int, str] | None = None) -> dict[int, str]:
    """Display names: the node's label, else a name ``given`` (a model's unlabelled parameters, named by their
    place); for unlabelled neuron nodes, the notes' z and a names.

    A ``weighted_sum`` (or a chain of ``+`` over products, see :func:`_neuron_sums`) whose weights are named
    W_ij^(k) (all with the same unit i and layer k) is the input of unit i of layer k+1: z_i^(k+1). An unlabelled
    activation of z_i^(k) is that unit's output a_i^(k).
    """
    names: dict[int, str] = {}
    given = given or {}
    sums = _neuron_sums(order)[0]
    for node in order:
        if node.label:
            names[id(node)] = _canonical(node.label)
            continue
        if id(node) in given:
            names[id(node)] = given[id(node)]
            continue
        if node.op == "weighted_sum" or id(node) in sums:  # Σ w·x + b, also written as a chain of + and ×
            units = set()
            for parent in node._parents if node.op == "weighted_sum" else [p for _, _, p in sums[id(node)]]:
                match = _layered(names.get(id(parent)))
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
    _layer_names(order, names)
    return names


def _neuron_sums(order: list[Any]) -> tuple[dict[int, list[tuple[Any, int, Any]]], set[int]]:
    """Chains of scalar ``+`` over products, ``w₁·x₁ + w₂·x₂ + … (+ b)`` as micrograd-style code builds a neuron
    (``sum(w * x for …) + b``), to be drawn as one ``Σ w·x + b`` node.

    Returns, per chain's top node, the edges to draw from it — (the node that sends the signal, its input
    position, the leaf or node receiving it): each product's two factors and the bias — and the ids of the nodes
    folded away (the inner sums and the products). A chain folds only when nothing else reads its inner nodes and
    it has at least two products and at most one other term; a sum with a number other than 0 (``sum()``'s start)
    is not part of one. Linear in the size of the graph (a 20 000-term ``sum(losses)`` takes milliseconds).
    """
    readers: dict[int, int] = {}
    for node in order:
        for parent in node._parents:
            readers[id(parent)] = readers.get(id(parent), 0) + 1

    def summing(n: Any) -> bool:  # a scalar + whose number operand, if any, is 0
        const = getattr(n, "const", None)
        return n.op == "add" and not _is_array(n.data) and (const is None or const[1] == 0)

    def product(n: Any) -> bool:
        return (n.op == "mul" and getattr(n, "const", None) is None and len(n._parents) == 2
                and readers.get(id(n), 0) == 1 and not _is_array(n.data))

    def inner(n: Any) -> bool:
        return summing(n) and readers.get(id(n), 0) == 1

    counts: dict[int, tuple[int, int]] = {}  # a sum node → (products, other terms) in the chain below it
    for node in order:
        if summing(node):
            products = others = 0
            for parent in node._parents:
                if inner(parent):
                    below = counts[id(parent)]
                    products, others = products + below[0], others + below[1]
                elif product(parent):
                    products += 1
                else:
                    others += 1
            counts[id(node)] = (products, others)
    folded: dict[int, list[tuple[Any, int, Any]]] = {}
    inside: set[int] = set()
    for node in reversed(order):  # from the output back: the outermost sum of a chain first; linear time
        if id(node) in inside or id(node) not in counts:
            continue
        products, others = counts[id(node)]
        if products < 2 or others > 1:
            continue  # a sum further down this chain may still be a neuron: it is tried in its turn
        terms: list[tuple[Any, int, Any]] = []  # (sum node, position, term)
        stack = [node]
        while stack:
            n = stack.pop()
            for position, parent in reversed(list(enumerate(n._parents))):
                if inner(parent):
                    inside.add(id(parent))
                    stack.append(parent)
                else:
                    terms.append((n, position, parent))
        terms.reverse()  # the order the code wrote them: w₁·x₁, w₂·x₂, …, b
        links = [(t, i, t._parents[i]) for _, _, t in terms if product(t) for i in (0, 1)]
        folded[id(node)] = links + [(s, p, t) for s, p, t in terms if not product(t)]
        inside |= {id(t) for _, _, t in terms if product(t)}
    return folded, inside


_GENERIC_LABELS = {"W": "W", "b": "b", "weight": "W", "bias": "b"}  # nn.Linear's labels: numbered by layer


def _layer_names(order: Sequence[Any], names: dict[int, str]) -> None:
    """The notes' §6 names for a tensor network: layer k computes z⁽ᵏ⁺¹⁾ = W⁽ᵏ⁾a⁽ᵏ⁾ + b⁽ᵏ⁾ and a⁽ᵏ⁺¹⁾ = f(z⁽ᵏ⁺¹⁾),
    with a⁽¹⁾ the input. A layer is a ``linear`` node, or ``x @ W`` (+ b); k counts the layers before it.
    Labels the user chose are kept, except a generic ``W``/``b`` (``nn.Linear``'s) that several layers share:
    those get their layer number."""
    depth: dict[int, int] = {}  # node id -> how many layers lie on the longest path into it
    layers = [parts for parts in map(_layer_parts, order) if parts is not None]
    label_count: dict[str, int] = {}
    for _, W, b in layers:
        for p in (W, b):
            if p is not None and p.label:
                label_count[p.label] = label_count.get(p.label, 0) + 1

    def name(node: Any, text: str) -> None:
        if not node.label or (node.label in _GENERIC_LABELS and label_count.get(node.label, 0) > 1):
            names[id(node)] = text

    for node in order:
        parents = node._parents
        depth[id(node)] = max((depth[id(p)] for p in parents), default=0)
        layer = _layer_parts(node)
        if layer is not None:
            x, W, b = layer
            k = depth[id(x)] + 1
            depth[id(node)] = k
            up = str(k + 1).translate(_TO_SUPERSCRIPT)
            here = str(k).translate(_TO_SUPERSCRIPT)
            if not x._parents and k == 1:
                name(x, "a⁽¹⁾")
            name(W, f"{_GENERIC_LABELS.get(W.label or 'W', 'W')}⁽{here}⁾")
            if b is not None:
                name(b, f"b⁽{here}⁾")
            name(node, f"z⁽{up}⁾")
            if node.op == "add" and names.get(id(parents[0])) == f"z⁽{up}⁾":
                del names[id(parents[0])]  # x @ W + b: the sum is z, the product inside it is not
        elif node.op in _ACTIVATIONS and len(parents) == 1 and not node.label:
            match = _layered(names.get(id(parents[0])))
            if match and match["symbol"] == "z" and not match["sub"]:
                names[id(node)] = f"a⁽{match['sup']}⁾"


def _layer_parts(node: Any) -> tuple[Any, Any, Any] | None:
    """(x, W, b) of a tensor layer node: ``linear(x, W, b)``, ``x @ W``/``W @ x`` or either ``+ b`` (W, b leaves
    that require grad: parameters)."""
    if not isinstance(node.data, np.ndarray):
        return None
    parents = node._parents
    if node.op == "linear":
        return parents[0], parents[1], parents[2] if len(parents) > 2 else None
    if node.op == "matmul":
        return _weight_and_input(parents)
    if node.op == "add" and len(parents) == 2 and parents[0].op == "matmul" and _is_parameter(parents[1]):
        inner = _weight_and_input(parents[0]._parents)
        if inner is not None:
            return inner[0], inner[1], parents[1]
    return None


def _weight_and_input(parents: Sequence[Any]) -> tuple[Any, Any, None] | None:
    """(x, W, None) of a product with a parameter, ``W`` itself or ``W.T`` (then the leaf W is named)."""
    if len(parents) != 2:
        return None
    first, second = (_unwrap_transpose(p) for p in parents)
    if _is_parameter(second):
        return parents[0], second, None
    if _is_parameter(first):
        return parents[1], first, None
    return None


def _unwrap_transpose(node: Any) -> Any:
    return node._parents[0] if node.op == "transpose" and len(node._parents) == 1 else node


def _is_parameter(node: Any) -> bool:
    return not node._parents and bool(getattr(node, "requires_grad", False))


def _delta_name(name: str | None) -> str | None:
    """The notes call the error signal at z_i^(k) δ_i^(k)."""
    match = _layered(name)
    if match and match["symbol"] == "z":
        return f"δ{match['sub']}⁽{match['sup']}⁾"
    return None


# ---- roles and layer clusters ----------------------------------------------------------------------------------
_PARAMETER_LABEL = re.compile(r"^(?:[WwUub](?:$|[\d_\[\^(⁽" + _SUBSCRIPTS + _SUPERSCRIPTS + r",]|ᵀ)|weight|bias)")


def _is_parameter_label(label: str | None) -> bool:
    """A label the notes give a parameter: W, w, b, U, u alone or with indices (``W₁₄⁽¹⁾``, ``w1``, ``W[1,4]``,
    ``b^(2)``, ``w_1``), ``weight``, ``bias`` — not a word that merely starts with one of those letters (``beta``,
    ``units``)."""
    return bool(label) and _PARAMETER_LABEL.match(label) is not None


def _roles(order: Sequence[Any], root: Any, parameter_ids: set[int], known: bool = False) -> dict[int, str]:
    """Node id → input | parameter | intermediate | output.

    A leaf is a parameter when it is known to be one: in ``parameter_ids`` (``params=``, ``model=``), or a Tensor
    that requires grad (an input Tensor does not). Only when nothing is known (``known`` False: no ``params``/
    ``model``) does a scalar leaf's label decide (:func:`_is_parameter_label`); everything else is an input.
    """
    roles = {}
    for node in order:
        if node is root:
            role = "output"
        elif node._parents:
            role = "intermediate"
        elif id(node) in parameter_ids:
            role = "parameter"
        elif _is_array(node.data) and hasattr(node, "requires_grad"):
            role = "parameter" if node.requires_grad and not known else "input"
        elif not known and _is_parameter_label(node.label):
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


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", _SUBSCRIPTS))


def _sup(n: int) -> str:
    return str(n).translate(_TO_SUPERSCRIPT)


def _model_groups(model: Any) -> tuple[dict[int, str], dict[str, str]]:
    """Parameter id → group key, and group key → title, from ``model.named_parameters()`` (see
    :func:`_model_structure`, which also names the parameters)."""
    group_of, titles, _ = _model_structure(model)
    return group_of, titles


def _model_structure(model: Any) -> tuple[dict[int, str], dict[str, str], dict[int, str]]:
    """Parameter id → group key, group key → title, and parameter id → the notes' name for an unlabelled one.

    A name such as ``layers.0.neurons.2.w.1`` belongs to the model's child ``layers.0``, titled by its class and
    position ("Layer 1"); a child of an ``nn.Sequential`` (``0.W``, ``2.W``) is numbered among the children that
    have parameters ("Linear 1", "Linear 2"); another child keeps its attribute name. Titles add the parameters'
    symbols: "Layer 1: W⁽¹⁾, b⁽¹⁾". An unlabelled parameter is named by its place: weight j of neuron i of layer k
    is ``Wᵢⱼ⁽ᵏ⁾`` (``Wᵢ,ⱼ⁽ᵏ⁾`` past 9), its bias ``bᵢ⁽ᵏ⁾``, a layer's weight matrix ``W⁽ᵏ⁾``.
    """
    modules = dict(model.named_modules()) if hasattr(model, "named_modules") else {}
    group_of: dict[int, str] = {}
    symbols: dict[str, list[str]] = {}
    heads: dict[str, str] = {}
    numbers: dict[str, int] = {}
    names: dict[int, str] = {}
    for name, param in model.named_parameters():
        parts = name.split(".")
        if len(parts) >= 3 and parts[1].isdigit():
            key, rest = f"{parts[0]}.{parts[1]}", parts[2:]
            kind = type(modules[key]).__name__ if key in modules else parts[0].rstrip("s").capitalize()
            numbers.setdefault(key, int(parts[1]) + 1)
            heads[key] = f"{kind} {numbers[key]}"
        elif len(parts) >= 2 and parts[0].isdigit():  # a child of nn.Sequential
            key, rest = parts[0], parts[1:]
            kind = type(modules[key]).__name__ if key in modules else "Layer"
            numbers.setdefault(key, len(numbers) + 1)
            heads[key] = f"{kind} {numbers[key]}"
        elif len(parts) >= 2 and not parts[1].isdigit():
            key, rest = parts[0], parts[1:]
            heads[key] = key
        else:
            continue  # a parameter of the model itself: not in a layer
        group_of[id(param)] = key
        label = getattr(param, "label", None)
        attribute = parts[-2] if parts[-1].isdigit() else parts[-1]
        letter = {"w": "W", "weight": "W", "W": "W", "b": "b", "bias": "b"}.get(attribute)
        k = numbers.get(key)
        if letter and k is not None and (not label or label in ("W", "b", "weight", "bias")):
            unit = int(rest[1]) + 1 if len(rest) >= 2 and rest[0] == "neurons" and rest[1].isdigit() else None
            column = int(parts[-1]) + 1 if parts[-1].isdigit() else None
            index = ""
            if unit is not None:
                index = _sub(unit)
                if column is not None:
                    index += ("," if unit > 9 or column > 9 else "") + _sub(column)
            if not label and index:
                names[id(param)] = f"{letter}{index}⁽{_sup(k)}⁾"
            symbol = f"{letter}⁽{_sup(k)}⁾"
        else:
            match = _layered(_canonical(label) if label else None)
            symbol = f"{match['symbol']}⁽{match['sup']}⁾" if match else label or attribute
        if symbol not in symbols.setdefault(key, []):
            symbols[key].append(symbol)
    titles = {key: f"{head}: {', '.join(symbols[key])}" for key, head in heads.items()}
    return group_of, titles, names


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

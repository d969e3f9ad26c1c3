"""Diagrams of the error flow (``autodiff.viz``): DOT structure, the notes' worked example, rendering, the player.

Structure is checked on the DOT text (nodes, edges, labels, colours, clusters), never on byte-exact SVG.
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autodiff
import nn
from autodiff import Value, viz, weighted_sum
from autodiff.cli import main
from nn.scalar import layer_label

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make dot)")


# ---- reading DOT text back ---------------------------------------------------------------------------------------
def _split_label(attrs: str) -> tuple[str | None, str]:
    """Take ``label=<…>`` (HTML, with nested <>) or ``label="…"`` off the front of an attribute list."""
    if attrs.startswith("label=<"):
        depth, i = 0, len("label=")
        while True:
            depth += {"<": 1, ">": -1}.get(attrs[i], 0)
            i += 1
            if depth == 0:
                return attrs[len("label=<"): i - 1], attrs[i:]
    match = re.match(r'label="((?:[^"\\]|\\.)*)"', attrs)
    if match:
        return match[1], attrs[match.end():]
    return None, attrs


def _attrs(text: str) -> dict[str, str]:
    label, rest = _split_label(text.strip())
    found = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', rest)}
    if label is not None:
        found["label"] = label
    return found


def text_of(label: str) -> str:
    """An HTML-like label as plain text: tags become spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", label)).split())


class Dot:
    """Nodes (id → attributes), edges (tail, head, attributes) and clusters (name → (title, node ids))."""

    def __init__(self, source: str) -> None:
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.layout_edges: list[tuple[str, str, dict[str, str]]] = []
        self.clusters: dict[str, tuple[str, list[str]]] = {}
        self.graph: dict[str, str] = {}
        current = None
        for line in source.splitlines():
            line = line.strip()
            if match := re.match(r"subgraph (\w+) \{$", line):
                current = match[1]
                self.clusters[current] = ("", [])
            elif line == "}":
                current = None
            elif match := re.match(r"(\w+) -> (\w+)(?: \[(.*)\])?$", line):
                attrs = _attrs(match[3] or "")
                # an invisible edge only orders the leaves (issue 12): a layout constraint, not a drawn edge
                (self.layout_edges if attrs.get("style") == "invis" else self.edges).append((match[1], match[2], attrs))
            elif match := re.match(r"(\w+) \[(.*)\]$", line):
                if match[1] in ("node", "edge", "graph"):
                    continue
                self.nodes[match[1]] = _attrs(match[2])
                if current:
                    self.clusters[current][1].append(match[1])
            elif current and (title := re.search(r'\blabel=("(?:[^"\\]|\\.)*"|[^\s"<]\S*)', line)):
                self.clusters[current] = (title[1].strip('"'), self.clusters[current][1])
            elif "=" in line and current is None and not line.startswith(("digraph", "node", "edge")):
                self.graph.update(_attrs(line))

    def values(self) -> dict[str, dict[str, str]]:
        return {k: v for k, v in self.nodes.items() if re.fullmatch(r"v\d+", k)}

    def ops(self) -> dict[str, dict[str, str]]:
        return {k: v for k, v in self.nodes.items() if re.fullmatch(r"v\d+op", k)}

    def node_named(self, name: str) -> tuple[str, dict[str, str]]:
        hits = [(k, v) for k, v in self.values().items() if text_of(v["label"]).split()[0] == name]
        assert len(hits) == 1, f"{name!r}: {len(hits)} nodes"
        return hits[0]

    def edge_label(self, tail: str, head: str) -> str:
        (attrs,) = [a for t, h, a in self.edges if (t, h) == (tail, head)]
        return text_of(attrs.get("label", ""))


# ---- small graphs -------------------------------------------------------------------------------------------------
def neuron() -> tuple[Value, dict[str, Value]]:
    """a = σ(w·x + b) built from + and ×: 3 leaves, 3 results."""
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(1.0, "b")
    a = (w * x + b).sigmoid()
    return a, {"x": x, "w": w, "b": b}


def test_value_and_operation_nodes_and_edges():
    a, _ = neuron()
    dot = Dot(viz.draw(a).source)
    assert len(dot.values()) == 6  # x, w, b, w·x, w·x + b, σ(…)
    assert sorted(text_of(op["label"]) for op in dot.ops().values()) == sorted(["+", "σ", "×"])
    # forward edges: each parent → its result's operation node, each operation node → its result
    assert len(dot.edges) == 2 + 2 + 1 + 3
    value_ids = set(dot.values())
    for tail, head, _ in dot.edges:
        assert (tail in value_ids) != (head in value_ids)  # always value ↔ operation
    x_id, x_node = dot.node_named("x")
    assert text_of(x_node["label"]) == "x data 2"  # issue 12: before backward() a diagram shows no grads
    assert text_of(Dot(viz.draw(a, grads=True).source).node_named("x")[1]["label"]) == "x data 2 grad 0"
    assert dot.graph["rankdir"] == "LR"


def test_four_significant_digits_and_grads():
    a, leaves = neuron()
    a.backward()
    dot = Dot(viz.draw(a).source)
    w_text = text_of(dot.node_named("w")[1]["label"])
    expected = a.data * (1 - a.data) * 2.0
    assert w_text == f"w data -3 grad {expected:.4g}"
    assert re.search(r"data 0\.01799\b", viz.draw(Value(0.0179856, "q") * 1).source)


def test_colours_by_role_and_a_legend():
    a, _ = neuron()
    dot = Dot(viz.draw(a).source)
    fill = {text_of(v["label"]).split()[0]: v["fillcolor"] for v in dot.values().values()
            if text_of(v["label"])[0] != "d"}
    assert fill == {"x": viz.COLORS["input"], "w": viz.COLORS["parameter"], "b": viz.COLORS["parameter"]}
    root_id = max(dot.values(), key=lambda k: int(k[1:]))
    assert dot.values()[root_id]["fillcolor"] == viz.COLORS["output"]
    middle = [v for k, v in dot.values().items() if k != root_id and text_of(v["label"]).startswith("data")]
    assert len(middle) == 2 and all(v["fillcolor"] == viz.COLORS["intermediate"] for v in middle)
    legend = text_of(dot.nodes["legend"]["label"])
    for words in ("input", "parameter", "intermediate", "output / loss", "operation"):
        assert words in legend
    for role in ("input", "parameter", "intermediate", "output"):
        assert f'bgcolor="{viz.COLORS[role]}"' in dot.nodes["legend"]["label"]
    assert "legend" not in Dot(viz.draw(a, legend=False).source).nodes


def test_params_argument_marks_unlabelled_leaves_as_parameters():
    p, x = Value(0.5), Value(2.0, "x")
    dot = Dot(viz.draw(p * x, params=[p]).source)
    assert dot.values()["v0"]["fillcolor"] == viz.COLORS["parameter"]
    assert Dot(viz.draw(p * x).source).values()["v0"]["fillcolor"] == viz.COLORS["input"]


def test_constants_baked_into_operation_nodes():
    v = Value(3.0, "v")
    ops = {text_of(o["label"]) for o in Dot(viz.draw((v * 2 + (1 - v)) ** 2 / 4).source).ops().values()}
    assert ops == {"× 2", "1 −", "+", "^ 2", "÷ 4"}
    assert {text_of(o["label"]) for o in Dot(viz.draw(weighted_sum([v], [2.0], Value(1.0, "b"))).source)
            .ops().values()} == {"Σ w·x + b"}


def test_highlight_outlines_a_node():
    a, leaves = neuron()
    dot = Dot(viz.draw(a, highlight=leaves["w"]).source)
    outlined = [k for k, v in dot.values().items() if v.get("penwidth") == "3"]
    assert outlined == [dot.node_named("w")[0]]


def test_max_nodes_collapses_the_rest_into_one_visible_node():
    x = Value(1.0, "x")
    y = x
    for _ in range(60):
        y = y * 1.01
    dot = Dot(viz.draw(y, max_nodes=10).source)
    assert len(dot.values()) == 10
    assert text_of(dot.nodes["more"]["label"]) == "… 51 more nodes"
    assert [h for t, h, _ in dot.edges if t == "more"]  # the kept part shows where the rest attaches
    flow = Dot(viz.draw(y, max_nodes=10, flow=True).source)
    assert len(flow.values()) == 10 and [t for t, h, _ in flow.edges if h == "more"]
    assert "more" not in Dot(viz.draw(y).source).nodes  # 61 nodes fit under the default of 200
    with pytest.raises(ValueError):
        viz.draw(y, max_nodes=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(Value(1.0), rankdir="XY")
    with pytest.raises(TypeError):
        viz.draw(1.0)
    assert Dot(viz.draw(Value(1.0) * 2, rankdir="TB").source).graph["rankdir"] == "TB"


# ---- the error flow ---------------------------------------------------------------------------------------------
def test_flow_edges_run_from_the_output_back_and_carry_the_signal():
    a, leaves = neuron()
    dot = Dot(viz.draw(a, flow=True).source)
    assert dot.graph["rankdir"] == "RL"  # edges point backwards; the picture keeps inputs on the left
    value_ids = set(dot.values())
    labelled = [(t, h, attrs) for t, h, attrs in dot.edges if "label" in attrs]
    assert len(labelled) == 5  # one per (result, input) pair
    for tail, head, attrs in labelled:
        assert tail.endswith("op") and head in value_ids and attrs["color"] == viz.COLORS["flow"]
    for tail, head, _ in dot.edges:
        if tail in value_ids:  # a value hands its signal to its own operation node
            assert head == tail + "op"
    local = a.data * (1 - a.data)
    w_id, _ = dot.node_named("w")
    assert dot.edge_label(next(t for t, h, _ in labelled if h == w_id), w_id) == f"σ'·x = {local * 2:.4g}"


def test_drawing_never_changes_gradients():
    a, leaves = neuron()
    a.backward()
    before = {name: v.grad for name, v in leaves.items()}
    viz.draw(a, flow=True)
    viz.error_flow(a)
    viz.steps(a)
    viz.BackpropPlayer(a)
    assert {name: v.grad for name, v in leaves.items()} == before
    assert a.grad == 1.0


def notes_toy_network() -> dict[str, Value]:
    """The notes' §5 network by hand: inputs a⁽¹⁾ ∈ R⁴, hidden z⁽²⁾, a⁽²⁾ ∈ R³ (sigmoid), score s = W⁽²⁾a⁽²⁾."""
    rng = np.random.default_rng(5)
    x = [Value(float(v), layer_label("a", 1, j + 1)) for j, v in enumerate(rng.normal(size=4))]
    named = {v.label: v for v in x}
    hidden = []
    for i in range(3):
        w = [Value(float(v), layer_label("W", 1, i + 1, j + 1)) for j, v in enumerate(rng.normal(size=4))]
        b = Value(float(rng.normal()), layer_label("b", 1, i + 1))
        z = weighted_sum(w, x, b)
        z.label = layer_label("z", 2, i + 1)
        a = z.sigmoid()
        a.label = layer_label("a", 2, i + 1)
        named.update({v.label: v for v in (*w, b, z, a)})
        hidden.append(a)
    u = [Value(float(v), layer_label("W", 2, i + 1)) for i, v in enumerate(rng.normal(size=3))]
    s = weighted_sum(u, hidden)
    s.label = "s"
    named.update({v.label: v for v in (*u, s)})
    return named


def _sigmoid_prime(z: float) -> float:
    sigma = 1 / (1 + math.exp(-z))
    return sigma * (1 - sigma)


def test_worked_example_edges_equal_the_chain_rule():
    """Notes §5: 1 at s, W₁⁽²⁾ at a₁⁽²⁾, δ₁⁽²⁾ = f'(z₁⁽²⁾)W₁⁽²⁾ at z₁⁽²⁾, δ₁⁽²⁾·a₄⁽¹⁾ reaching W₁₄⁽¹⁾."""
    n = notes_toy_network()
    W1, a4, z1 = n["W₁⁽²⁾"].data, n["a₄⁽¹⁾"].data, n["z₁⁽²⁾"].data
    delta = _sigmoid_prime(z1) * W1
    edges = {(e.child.label, e.parent.label): e for e in viz.error_flow(n["s"])}
    assert edges[("s", "a₁⁽²⁾")].upstream == 1.0
    assert edges[("s", "a₁⁽²⁾")].signal == pytest.approx(W1, rel=1e-12)
    assert edges[("s", "a₁⁽²⁾")].symbol == "W₁⁽²⁾"
    assert edges[("a₁⁽²⁾", "z₁⁽²⁾")].signal == pytest.approx(delta, rel=1e-12)
    assert edges[("a₁⁽²⁾", "z₁⁽²⁾")].local_grad == pytest.approx(_sigmoid_prime(z1), rel=1e-12)
    assert edges[("a₁⁽²⁾", "z₁⁽²⁾")].symbol == "W₁⁽²⁾·σ'(z₁⁽²⁾)"
    to_w14 = edges[("z₁⁽²⁾", "W₁₄⁽¹⁾")]
    assert to_w14.signal == pytest.approx(a4 * _sigmoid_prime(z1) * W1, rel=1e-12)
    assert to_w14.symbol == "δ₁⁽²⁾·a₄⁽¹⁾"
    assert edges[("z₁⁽²⁾", "b₁⁽¹⁾")].symbol == "δ₁⁽²⁾"  # the bias forwards 1: its gradient is δ itself
    assert edges[("z₁⁽²⁾", "a₄⁽¹⁾")].symbol == "δ₁⁽²⁾·W₁₄⁽¹⁾"  # the normalized sequence: δᵢ⁽ᵏ⁾W_ij
    n["s"].backward()
    assert n["W₁₄⁽¹⁾"].grad == pytest.approx(to_w14.signal, rel=1e-12)

    dot = Dot(viz.draw(n["s"], flow=True).source)
    ids = {name: dot.node_named(name)[0] for name in ("s", "a₁⁽²⁾", "z₁⁽²⁾", "W₁₄⁽¹⁾")}
    assert "grad 1" in text_of(dot.values()[ids["s"]]["label"])
    assert dot.edge_label(ids["s"] + "op", ids["a₁⁽²⁾"]) == f"W₁⁽²⁾ = {W1:.4g}"
    assert dot.edge_label(ids["a₁⁽²⁾"] + "op", ids["z₁⁽²⁾"]) == f"δ₁⁽²⁾ = W₁⁽²⁾·σ'(z₁⁽²⁾) = {delta:.4g}"
    assert dot.edge_label(ids["z₁⁽²⁾"] + "op", ids["W₁₄⁽¹⁾"]) == f"δ₁⁽²⁾·a₄⁽¹⁾ = {a4 * delta:.4g}"


def test_worked_example_on_nn_mlp_names_z_and_a_like_the_notes():
    model = nn.MLP(4, [3, 1], activation="sigmoid", seed=3)
    x = [Value(v, layer_label("a", 1, j + 1)) for j, v in enumerate([0.5, -1.0, 2.0, 0.25])]
    s = model(x)
    s.label = "s"
    W = model.layers[1].neurons[0].w[0]  # W₁₁⁽²⁾: a₁⁽²⁾ → s
    first = model.layers[0].neurons[0]
    z1 = sum(w.data * xi.data for w, xi in zip(first.w, x)) + first.b.data
    edges = {(e.child, e.parent): e for e in viz.error_flow(s)}
    (a1,) = [p for (c, p) in edges if c is s and p not in model.parameters()][:1]
    assert edges[(s, a1)].symbol == "W₁₁⁽²⁾" and edges[(s, a1)].signal == W.data
    (z_node,) = a1.parents
    assert edges[(a1, z_node)].symbol == "W₁₁⁽²⁾·σ'(z₁⁽²⁾)"
    to_w14 = edges[(z_node, first.w[3])]
    assert to_w14.symbol == "δ₁⁽²⁾·a₄⁽¹⁾"
    assert to_w14.signal == pytest.approx(0.25 * _sigmoid_prime(z1) * W.data, rel=1e-12)

    dot = Dot(viz.draw(s, model=model).source)
    titles = {title: members for title, members in dot.clusters.values()}
    assert set(titles) == {"Inputs", "Layer 1: W⁽¹⁾, b⁽¹⁾", "Layer 2: W⁽²⁾, b⁽²⁾"}
    assert "cluster_layers_0" in dot.clusters and "cluster_layers_1" in dot.clusters
    names = {k: text_of(v["label"]).split(" data")[0] for k, v in dot.values().items()}
    layer1 = {names[k] for k in titles["Layer 1: W⁽¹⁾, b⁽¹⁾"] if k in names}
    assert {"W₁₄⁽¹⁾", "b₃⁽¹⁾", "z₁⁽²⁾", "a₃⁽²⁾"} <= layer1 and len(layer1) == 3 * 5 + 3 + 3
    assert {names[k] for k in titles["Inputs"]} == {"a₁⁽¹⁾", "a₂⁽¹⁾", "a₃⁽¹⁾", "a₄⁽¹⁾"}
    assert sum(v["fillcolor"] == viz.COLORS["parameter"] for v in dot.values().values()) == 19


# ---- tensors (duck-typed) -----------------------------------------------------------------------------------------
class FakeTensor:
    """Just the graph protocol and the attributes viz reads, as ``autodiff.Tensor`` offers them."""

    def __init__(self, data, label=None, parents=(), vjps=(), op=""):
        self.data = np.asarray(data, dtype=float)
        self.grad = None
        self.label, self.op = label, op
        self._parents, self._vjps, self._signal = tuple(parents), tuple(vjps), None
        self._p0, self._p1 = (None, None) if not parents else (parents[0], None) if len(parents) == 1 else (
            (parents[0], parents[1]) if len(parents) == 2 else (tuple(parents), None))

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    _g0 = None  # its local derivatives are VJPs: graph.backward calls _chain

    def _chain(self, g):
        return [vjp(g) for vjp in self._vjps]

    def _accumulate(self, g):
        self.grad = g.copy() if self.grad is None else self.grad + g


def tensor_net() -> tuple[FakeTensor, FakeTensor, FakeTensor]:
    W = FakeTensor(np.arange(12.0).reshape(3, 4) / 10, "W")
    x = FakeTensor([1.0, -2.0, 0.5, 3.0], "x")
    h = FakeTensor(W.data @ x.data, None, (W, x), (lambda g: np.outer(g, x.data), lambda g: W.data.T @ g), "matmul")
    s = FakeTensor(h.data.sum(), None, (h,), (lambda g: np.ones(3) * g,), "sum")
    return s, W, x


def test_tensor_nodes_show_shape_dtype_and_a_preview():
    """With ``cells=0`` (issue 11 §3 draws tensors that fit as cells by default: tests/autodiff/test_viz_cells.py)."""
    s, W, x = tensor_net()
    dot = Dot(viz.draw(s, cells=0, grads=True).source)  # grads=True: before backward() they are hidden (issue 12)
    texts = {text_of(v["label"]).split()[0]: text_of(v["label"]) for v in dot.values().values()}
    norm = np.linalg.norm(W.data)
    assert texts["W"] == f"W (3, 4) float64 ‖·‖ {norm:.4g} min 0 max 1.1 grad None"
    assert texts["x"] == "x (4,) float64 [1, -2, 0.5, 3] grad None"
    assert {text_of(o["label"]) for o in dot.ops().values()} == {"@", "Σ"}
    assert dot.node_named("W")[1]["fillcolor"] == viz.COLORS["parameter"]


def test_tensor_flow_edges_show_shape_and_norm():
    s, W, x = tensor_net()
    dot = Dot(viz.draw(s, flow=True, cells=0).source)
    w_id = dot.node_named("W")[0]
    (tail,) = [t for t, h, _ in dot.edges if h == w_id]
    expected = np.linalg.norm(np.outer(np.ones(3), x.data))
    assert dot.edge_label(tail, w_id) == f"(3, 4) ‖·‖={expected:.4g}"
    assert W.grad is None and x.grad is None  # drawing ran the pass but left the gradients alone
    (edge,) = [e for e in viz.error_flow(s) if e.parent is W]
    assert edge.local_grad is None and edge.symbol is None and edge.signal.shape == (3, 4)


def test_real_tensor_engine_when_present():
    Tensor = getattr(autodiff, "Tensor", None)
    if Tensor is None:
        pytest.skip("autodiff.Tensor is not exported yet")
    W = Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    x = Tensor(np.array([1.0, 2.0, 3.0]), label="x")
    loss = (W @ x).sum()
    dot = Dot(viz.draw(loss, flow=True).source)
    assert "(2, 3) float64" in text_of(dot.node_named("W")[1]["label"])
    w_id = dot.node_named("W")[0]
    assert any(h == w_id and "(2, 3)" in text_of(a.get("label", "")) for _, h, a in dot.edges)
    assert W.grad is None


# ---- step by step ---------------------------------------------------------------------------------------------------
def test_one_frame_per_backward_step():
    a, leaves = neuron()
    frames = viz.steps(a)
    order = autodiff.topological_order(a)
    assert len(frames) == len(order)  # every node of a Value graph is reached once
    visible_before = -1
    for k, frame in enumerate(frames):
        dot = Dot(frame.source)
        outlined = [i for i, v in dot.values().items() if v.get("penwidth") == "3"]
        assert outlined == [f"v{len(order) - 1 - k}"]  # the core visits nodes in reverse topological order
        labels = [a for _, _, a in dot.edges if "label" in a]
        assert len(labels) == 5  # every signal keeps its place (layout stays put) …
        visible = sum("transparent" not in a["label"] for a in labels)  # … but only those sent so far show
        assert visible >= visible_before
        visible_before = visible
        greyed = [v for v in dot.values().values() if v["fillcolor"] == viz.COLORS["greyed_fill"]]
        assert len(greyed) == len(order) - 1 - k  # still to come
    first = Dot(frames[0].source)
    assert sum("transparent" not in a["label"] for _, _, a in first.edges if "label" in a) == 1  # σ → w·x + b
    assert [a["color"] for _, _, a in first.edges if "label" in a and "transparent" not in a["label"]] == [
        viz.COLORS["current"]
    ]
    assert visible_before == 5


def test_player_html_is_self_contained():
    n = notes_toy_network()
    player = viz.BackpropPlayer(n["s"])
    total = len(autodiff.topological_order(n["s"]))
    assert len(player) == total + 1 and len(player.captions) == total + 1
    page = player.html()
    # issue 12: one SVG shared by every frame (each frame restyles its elements), not one SVG per frame
    assert page.count('class="ef-frame"') == 1 and page.count("<svg") == 1
    assert "<?xml" not in page and "DOCTYPE svg" not in page
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)  # no external resources
    assert 'class="ef-prev"' in page and 'class="ef-next"' in page and 'type="range"' in page
    data = player_data(page)
    captions = data["captions"]
    assert captions == player.captions and data["frames"] == list(range(-1, total))
    assert data["counters"] == ["Forward pass"] + [f"Step {k} of {total}" for k in range(1, total + 1)]
    assert all(c.startswith(f"Step {k} of {total}: ") for k, c in enumerate(captions[1:], start=1))
    assert player._repr_html_() == page
    assert "error signal of 1" in captions[0]
    z1 = n["z₁⁽²⁾"].data
    (a_step,) = [c for c in captions if c.split(": ", 1)[-1].startswith("a₁⁽²⁾ receives")]
    assert f"multiplies it by σ'(z₁⁽²⁾) = {_sigmoid_prime(z1):.4g}" in a_step
    assert f"sends {_sigmoid_prime(z1) * n['W₁⁽²⁾'].data:.4g} to z₁⁽²⁾" in a_step
    (z_step,) = [c for c in captions if c.split(": ", 1)[-1].startswith("z₁⁽²⁾ receives")]
    assert "to W₁₄⁽¹⁾ (× a₄⁽¹⁾ = " in z_step
    (leaf_step,) = [c for c in captions if c.split(": ", 1)[-1].startswith("W₁₄⁽¹⁾ is a leaf")]
    assert "∂s/∂W₁₄⁽¹⁾" in leaf_step


def player_data(page: str) -> dict:
    """The frames' data a player page carries (captions, counters, steps shown, per-element restyling)."""
    return json.loads(re.search(r'class="ef-data">(.*?)</script>', page, re.S)[1].replace("<\\/", "</"))


def test_player_save_writes_a_page(tmp_path):
    a, _ = neuron()
    path = viz.BackpropPlayer(a).save(tmp_path / "sub" / "player.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page and "ef-player" in page


# ---- rendering ------------------------------------------------------------------------------------------------------
@needs_dot
def test_save_renders_by_suffix(tmp_path):
    a, _ = neuron()
    diagram = viz.draw(a, flow=True)
    diagram.save(tmp_path / "g.svg")
    diagram.save(tmp_path / "g.png")
    diagram.save(tmp_path / "g.pdf")
    diagram.save(tmp_path / "g.gv")
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "σ" in svg
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "g.gv").read_text(encoding="utf-8") == diagram.source
    assert set(diagram._repr_mimebundle_()) == {"image/svg+xml"}  # what Jupyter shows inline
    rendered = diagram.render(tmp_path / "r", format="svg")  # graphviz's own render() still works
    assert Path(rendered).read_text(encoding="utf-8").count("<svg") == 1


@needs_dot
def test_cli_writes_diagram_and_player(tmp_path, capsys):
    argv = ["graph", "tanh(w1*x1 + w2*x2 + b)", "--set", "x1=2", "x2=0", "w1=-3", "w2=1",
            "b=6.8813735870195432", "-o", str(tmp_path / "neuron.svg"), "--flow", "--steps",
            str(tmp_path / "neuron.html")]
    assert main(argv) == 0
    assert "<svg" in (tmp_path / "neuron.svg").read_text(encoding="utf-8")
    assert len(player_data((tmp_path / "neuron.html").read_text(encoding="utf-8"))["frames"]) == 11
    assert "= 0.707107" in capsys.readouterr().out


def test_missing_dot_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    a, _ = neuron()
    diagram = viz.draw(a)
    assert diagram.source.startswith("digraph")  # DOT text needs no Graphviz
    for attempt in (lambda: diagram.save(tmp_path / "g.svg"), diagram._repr_mimebundle_, diagram.svg,
                    lambda: viz.BackpropPlayer(a).html()):
        with pytest.raises(viz.GraphvizNotInstalled) as error:
            attempt()
        message = str(error.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "conda install" in message and "\n" not in message
        assert isinstance(error.value, graphviz.ExecutableNotFound)
    assert not (tmp_path / "g.svg").exists()
    assert main(["graph", "x*2", "--set", "x=1", "-o", str(tmp_path / "x.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get" in err


def test_a_local_derivative_of_minus_one_flips_the_sign_instead_of_multiplying_by_one():
    w = Value(0.5, "W₁₁⁽¹⁾")
    z = weighted_sum([w], [-1.0])
    z.label = "z₁⁽²⁾"
    s = z.sigmoid()
    s.label = "s"
    symbols = [e.symbol for e in viz.error_flow(s)]
    assert "−δ₁⁽²⁾" in symbols and not any(sym and sym.endswith("·1") for sym in symbols)

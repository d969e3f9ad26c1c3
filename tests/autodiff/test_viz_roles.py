"""Issue 12: diagrams a teacher can put on a slide — roles from what is known, titles from the model's
structure, no gradients before a backward pass, font size and resolution."""

from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest

import nn
from autodiff import Tensor, Value, viz
from nn.micrograd import MLP
from tests.autodiff.test_viz import Dot, text_of

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot renders the diagram")


def fill_of(dot: Dot, name: str) -> str:
    return dot.node_named(name)[1]["fillcolor"]


def test_a_label_starting_with_a_parameter_letter_is_not_enough():
    beta, w1, W = Value(0.5, "beta"), Value(2.0, "w1"), Value(1.0, "W[1,4]^(1)")
    units, b2 = Value(3.0, "units"), Value(1.0, "b₂")
    dot = Dot(viz.draw(beta * w1 + W * units + b2).source)
    assert fill_of(dot, "beta") == fill_of(dot, "units") == viz.COLORS["input"]
    assert fill_of(dot, "w1") == fill_of(dot, "W₁₄⁽¹⁾") == fill_of(dot, "b₂") == viz.COLORS["parameter"]  # W[1,4]^(1)


def test_what_is_known_beats_the_label():
    w, b = Value(2.0, "w"), Value(1.0, "b")
    dot = Dot(viz.draw(w * b, params=[b]).source)  # params= says which leaves are parameters
    assert fill_of(dot, "b") == viz.COLORS["parameter"] and fill_of(dot, "w") == viz.COLORS["input"]


def test_tensors_are_parameters_when_they_require_grad():
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    x = Tensor(np.ones((3,)))
    dot = Dot(viz.draw((W @ x).sum()).source)
    fills = {text_of(v["label"]).split()[0]: v["fillcolor"] for v in dot.values().values() if "(2, 3)" in
             text_of(v["label"]) or "(3,)" in text_of(v["label"])}
    assert sorted(fills.values()) == sorted([viz.COLORS["parameter"], viz.COLORS["input"]])


def test_unlabelled_micrograd_parameters_are_coloured_and_named_by_their_place():
    model = MLP(2, [3, 1])
    out = model([Value(0.5, "x₁"), Value(-1.0, "x₂")])
    out.backward()
    dot = Dot(viz.draw(out, model=model).source)
    titles = {title for title, _ in dot.clusters.values()}
    assert {"Layer 1: W⁽¹⁾, b⁽¹⁾", "Layer 2: W⁽²⁾, b⁽²⁾"} <= titles
    assert fill_of(dot, "W₁₂⁽¹⁾") == fill_of(dot, "b₃⁽¹⁾") == fill_of(dot, "W₁₃⁽²⁾") == viz.COLORS["parameter"]
    captions = viz.BackpropPlayer(out, model=model).captions
    assert any(c.split(": ", 1)[1].startswith("W₁₂⁽¹⁾ is a leaf") for c in captions[1:])
    assert not any("the parameter " in c for c in captions)


def test_sequential_boxes_are_titled_by_layer_not_by_index():
    net = nn.Sequential(nn.Linear(4, 3, seed=1), nn.Sigmoid(), nn.Linear(3, 2, seed=2), nn.Sigmoid(),
                        nn.Linear(2, 1, seed=3))
    s = net(Tensor(np.ones((1, 4)))).sum()
    titles = {title for title, _ in Dot(viz.draw(s, model=net).source).clusters.values()}
    assert {"Linear 1: W⁽¹⁾, b⁽¹⁾", "Linear 2: W⁽²⁾, b⁽²⁾", "Linear 3: W⁽³⁾, b⁽³⁾"} <= titles
    assert not any(t.startswith(("0:", "2:", "4:")) for t in titles)


def test_a_forward_only_diagram_shows_no_gradients_until_a_backward_pass():
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    out = (w * x).tanh()
    before = viz.draw(out).source
    assert "grad" not in before
    assert "grad" in viz.draw(out, grads=True).source
    out.backward()
    assert "grad" in viz.draw(out).source and "grad" not in viz.draw(out, grads=False).source
    with pytest.raises(TypeError, match="grads must be True, False or None"):
        viz.draw(out, grads="yes")


def test_font_size_option():
    out = Value(2.0, "x") * 3
    dot = Dot(viz.draw(out, fontsize=16, title="t").source)
    assert dot.graph.get("fontsize") == "18"
    assert 'fontsize=16' in viz.draw(out, fontsize=16).source
    with pytest.raises(ValueError, match="fontsize must be a number of points"):
        viz.draw(out, fontsize=0)


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


@needs_dot
def test_png_resolution_defaults_to_slides_and_can_be_set(tmp_path):
    diagram = viz.draw(Value(2.0, "x") * 3)
    default = png_size(diagram.file_bytes("g.png"))
    low = png_size(diagram.file_bytes("g.png", dpi=72))
    assert viz.diagram.PNG_DPI == 200
    assert default[0] == pytest.approx(low[0] * 200 / 72, rel=0.05)
    diagram.save(tmp_path / "g.png", dpi=100)
    assert png_size((tmp_path / "g.png").read_bytes())[0] == pytest.approx(low[0] * 100 / 72, rel=0.05)
    with pytest.raises(ValueError, match="dpi must be a number"):
        diagram.save(tmp_path / "h.png", dpi=0)
    assert not (tmp_path / "h.png").exists()


def test_leaves_line_up_in_reading_order():
    """Issue 12: the §5 network's leaves come out a₁…a₄, then W₁₁⁽¹⁾…W₁₄⁽¹⁾, b₁⁽¹⁾, W₂₁⁽¹⁾…, not scrambled."""
    from tests.autodiff.test_viz import notes_toy_network

    n = notes_toy_network()
    layer1 = ["a₁⁽¹⁾", "a₂⁽¹⁾", "a₃⁽¹⁾", "a₄⁽¹⁾"]
    for i in "₁₂₃":
        layer1 += [f"W{i}{j}⁽¹⁾" for j in "₁₂₃₄"] + [f"b{i}⁽¹⁾"]
    for flow in (False, True):
        source = viz.draw(n["s"], flow=flow).source
        dot = Dot(source)
        name = {k: text_of(v["label"]).split()[0] for k, v in dot.values().items()}
        after = {a: b for a, b, _ in dot.layout_edges}
        starts = set(after) - set(after.values())
        chains = []
        for start in starts:
            chain = [start]
            while chain[-1] in after:
                chain.append(after[chain[-1]])
            chains.append([name[k] for k in chain])
        assert sorted(chains) == sorted([layer1, ["W₁⁽²⁾", "W₂⁽²⁾", "W₃⁽²⁾"]])
        assert source.count("rank=same") == 2


@pytest.mark.parametrize("ascii_label, notes_label", [
    ("W14^(1)", "W₁₄⁽¹⁾"), ("W_14^(1)", "W₁₄⁽¹⁾"), ("W[1,4]^(1)", "W₁₄⁽¹⁾"), ("W_{1,12}^{1}", "W₁,₁₂⁽¹⁾"),
    ("z1^2", "z₁⁽²⁾"), ("b^(2)", "b⁽²⁾"), ("beta", "beta"), ("x1", "x1"), ("W14", "W14"),
])
def test_ascii_spellings_of_the_notes_labels(ascii_label, notes_label):
    from autodiff.viz.naming import _canonical

    assert _canonical(ascii_label) == notes_label


def test_ascii_labels_give_the_notes_symbols_on_the_edges():
    from autodiff.value import weighted_sum

    a = [Value(0.5, f"a{j}^(1)") for j in (1, 2)]
    w = [Value(0.3, f"W[1,{j}]^(1)") for j in (1, 2)]
    s = weighted_sum(w, a).sigmoid()
    s.label = "s"
    symbols = {e.symbol for e in viz.error_flow(s)}
    assert "δ₁⁽²⁾·a₂⁽¹⁾" in symbols  # the sum is z₁⁽²⁾, its signal δ₁⁽²⁾, as with the Unicode labels
    assert "W₁₂⁽¹⁾" in viz.draw(s).source


def micrograd_neuron():
    ws = [Value(v, f"W1{j}^(1)") for j, v in ((1, 0.3), (2, -0.5), (3, 0.8))]
    xs = [Value(v, f"a{j}^(1)") for j, v in ((1, 1.0), (2, 2.0), (3, -1.0))]
    b = Value(0.1, "b1^(1)")
    out = (sum(w * x for w, x in zip(ws, xs)) + b).tanh()  # micrograd's Neuron: a chain of + over products
    out.label = "s"
    return out, ws, xs, b


def test_a_chain_of_sums_of_products_draws_as_one_neuron_in_the_flow_view():
    out, ws, xs, b = micrograd_neuron()
    dot = Dot(viz.draw(out, flow=True).source)
    assert sorted(text_of(o["label"]) for o in dot.ops().values()) == ["tanh", "Σ w·x + b"]
    (sum_op,) = [k for k, o in dot.ops().items() if text_of(o["label"]) == "Σ w·x + b"]
    labels = {text_of(dot.nodes[h]["label"]).split()[0]: text_of(a.get("label", "")) for t, h, a in dot.edges
              if t == sum_op}
    assert set(labels) == {"W₁₁⁽¹⁾", "W₁₂⁽¹⁾", "W₁₃⁽¹⁾", "a₁⁽¹⁾", "a₂⁽¹⁾", "a₃⁽¹⁾", "b₁⁽¹⁾"}
    assert labels["W₁₂⁽¹⁾"].startswith("δ₁⁽²⁾·a₂⁽¹⁾ =") and labels["a₂⁽¹⁾"].startswith("δ₁⁽²⁾·W₁₂⁽¹⁾ =")
    assert "z₁⁽²⁾" in viz.draw(out).source  # the chain's sum is named as the notes name a unit's input
    unfolded = Dot(viz.draw(out, flow=True, fold=False).source)
    assert sorted(text_of(o["label"]) for o in unfolded.ops().values()).count("×") == 3


def test_a_sum_read_elsewhere_is_not_folded():
    w, x, v, y = Value(1.0, "w"), Value(2.0, "x"), Value(3.0, "v"), Value(4.0, "y")
    product = w * x
    out = (product + v * y) * product  # the product is also read outside the sum
    ops = [text_of(o["label"]) for o in Dot(viz.draw(out, flow=True).source).ops().values()]
    assert "Σ w·x" not in ops and ops.count("×") == 3


def test_a_neuron_inside_a_longer_sum_still_folds():
    w1, x1, w2, x2, b, c = (Value(v, n) for v, n in ((1.0, "w1"), (2.0, "x1"), (3.0, "w2"), (4.0, "x2"),
                                                     (0.5, "b"), (7.0, "c")))
    out = (w1 * x1 + w2 * x2 + b) + c  # the whole sum has two non-product terms, its inner part is a neuron
    ops = sorted(text_of(o["label"]) for o in Dot(viz.draw(out, flow=True).source).ops().values())
    assert ops == ["+", "Σ w·x + b"]


def test_folding_a_long_sum_is_linear():
    from autodiff import topological_order
    from autodiff.viz.naming import _neuron_sums

    xs = [Value(float(i)) for i in range(20_000)]
    order = topological_order(sum(xs) + sum(x * y for x, y in zip(xs[:3], xs[3:6])))
    folded, inside = _neuron_sums(order)  # quadratic before: minutes; this is milliseconds
    assert len(folded) == 1 and len(inside) == 2 + 3

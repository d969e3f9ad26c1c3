"""The error-flow view on tensors: the notes' §6 formulas on the edges, from the formulas the VJPs carry."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autodiff import Tensor, Value, linear, viz, weighted_sum

RNG = np.random.default_rng(6)
W1_DATA, B1_DATA = RNG.standard_normal((2, 4)) * 0.5, RNG.standard_normal(2) * 0.1
U_DATA = RNG.standard_normal(2)


def _two_layer(batch: int | None, build: str):
    """The §6 network s = Uᵀ σ(W⁽¹⁾x + b⁽¹⁾) (U as a second, 1-output layer), on one example or a batch."""
    x_data = RNG.standard_normal(4 if batch is None else (batch, 4))
    x = Tensor(x_data)
    W1, b1 = Tensor(W1_DATA, requires_grad=True), Tensor(B1_DATA, requires_grad=True)
    W2, b2 = Tensor(U_DATA[None, :], requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
    if build == "linear":
        s = linear(linear(x, W1, b1).sigmoid(), W2, b2).sum()
    elif build == "@":
        s = ((x @ W1.T + b1).sigmoid() @ W2.T + b2).sum()
    else:
        net = nn.Sequential(nn.Linear(4, 2), nn.Sigmoid(), nn.Linear(2, 1))
        for p, data in zip(net.parameters(), (W1_DATA, B1_DATA, U_DATA[None, :], np.zeros(1))):
            p.data = np.array(data)
        W1, b1, W2, b2 = net.parameters()
        s = net(x).sum()
    return s, W1, b1, W2, b2


def _edge_into(edges, node):
    (edge,) = [e for e in edges if e.parent is node]
    return edge


@pytest.mark.parametrize("batch", [None, 1, 5])
@pytest.mark.parametrize("build", ["linear", "@", "sequential"])
def test_edges_into_the_weights_read_as_the_notes_and_carry_the_gradient(batch, build):
    s, W1, b1, W2, b2 = _two_layer(batch, build)
    edges = viz.error_flow(s)
    s.backward()
    into_W1, into_b1 = _edge_into(edges, W1), _edge_into(edges, b1)
    np.testing.assert_allclose(into_W1.signal, W1.grad, rtol=1e-12)
    np.testing.assert_allclose(into_b1.signal, b1.grad, rtol=1e-12)
    if build == "@":  # x @ W1ᵀ: the edge goes into W1ᵀ's transpose node, whose share is (Xᵀδ)ᵀ
        assert into_W1.symbol == ("(a⁽¹⁾·δ⁽²⁾ᵀ)ᵀ" if batch is None else "(a⁽¹⁾ᵀ·δ⁽²⁾)ᵀ")  # = δ⁽²⁾a⁽¹⁾ᵀ
        assert into_b1.symbol == ("δ⁽²⁾" if batch is None else "Σ₀(δ⁽²⁾)")
    elif batch is None:
        assert into_W1.symbol == "δ⁽²⁾·a⁽¹⁾ᵀ" and into_b1.symbol == "δ⁽²⁾"  # one column vector: ∇W = δ xᵀ
    else:
        assert into_W1.symbol == "δ⁽²⁾ᵀ·a⁽¹⁾" and into_b1.symbol == "Σₙ δ⁽²⁾"  # a batch in rows: ∇W = δᵀX
    into_z2 = [e for e in edges if e.child.op == "sigmoid"][0]
    assert into_z2.symbol.startswith("σ'(z⁽²⁾) ∘ ")  # f'(z⁽²⁾) ∘ (the signal from above)
    if build != "@":
        assert into_z2.symbol == ("σ'(z⁽²⁾) ∘ (W⁽²⁾ᵀ·δ⁽³⁾)" if batch is None else "σ'(z⁽²⁾) ∘ (δ⁽³⁾·W⁽²⁾)")


def test_the_diagram_writes_delta_at_z_and_the_formulas_on_the_edges():
    s, W1, *_ = _two_layer(5, "sequential")
    source = viz.draw(s, flow=True).source
    for text in ("W⁽¹⁾", "b⁽¹⁾", "z⁽²⁾", "a⁽²⁾", "δ⁽²⁾ᵀ·a⁽¹⁾", "Σₙ δ⁽³⁾", "δ⁽²⁾ = σ'(z⁽²⁾)"):
        assert text in source, text


def test_user_labels_are_kept_and_a_single_generic_label_stays():
    W = Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    x = Tensor(np.array([1.0, 2.0, 3.0]), label="x")
    (edge,) = [e for e in viz.error_flow((W @ x).tanh().sum()) if e.parent is W]
    assert edge.symbol == "δ⁽²⁾·xᵀ"


def test_weighted_sum_partners_come_from_the_node_not_from_values():
    """Two inputs with equal values: matching by value could pair w₁ with x₂; the recorded layout cannot."""
    w1, w2, b = Value(0.5, "w₁"), Value(-1.0, "w₂"), Value(0.1, "b")
    x1, x2 = Value(2.0, "x₁"), Value(2.0, "x₂")
    z = weighted_sum([w1, w2], [x1, x2], b)
    assert z.partners == (2, 3, 0, 1, None)
    symbols = {e.parent.label: e.symbol for e in viz.error_flow(z.sigmoid())}
    assert symbols["w₁"].endswith("x₁") and symbols["w₂"].endswith("x₂") and symbols["x₂"].endswith("w₂")
    constant_input = weighted_sum([w1, w2], [x1, 3.0])
    assert constant_input.partners == (2, None, 0)


def test_scalar_exponent_comes_from_the_node():
    x = Value(3.0, "x")
    (edge,) = viz.error_flow(x**3)
    assert edge.symbol == "3·x^2"
    (edge,) = viz.error_flow(x**2)
    assert edge.symbol == "2·x"


# ---- the layer-level view ---------------------------------------------------------------------------------------
def _boxes(source: str) -> list[str]:
    return [line for line in source.splitlines() if "label=<" in line and "->" not in line]


def test_collapsed_view_of_a_three_layer_mlp_has_one_box_per_layer_and_the_deltas_between():
    from autodiff import softmax_cross_entropy

    net = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))
    X = Tensor(RNG.standard_normal((7, 6)))
    loss = softmax_cross_entropy(net(X), RNG.integers(0, 3, 7))
    source = viz.draw(loss, flow=True, collapse=True).source
    boxes = _boxes(source)
    titles = [b for b in boxes if "Layer " in b]
    assert len(titles) == 3
    for text in ("a⁽²⁾ = ReLU(W⁽¹⁾a⁽¹⁾ + b⁽¹⁾)", "a⁽³⁾ = tanh(W⁽²⁾a⁽²⁾ + b⁽²⁾)", "z⁽⁴⁾ = W⁽³⁾a⁽³⁾ + b⁽³⁾"):
        assert text in source, text
    for signal in ("δ⁽⁴⁾·W⁽³⁾", "δ⁽³⁾·W⁽²⁾", "δ⁽²⁾ᵀ·a⁽¹⁾", "Σₙ δ⁽⁴⁾", "(softmax(z⁽⁴⁾) − y)/7"):
        assert signal in source, signal
    assert len(_boxes(source)) == 3 + 6 + 2  # layers, their W and b, input and loss
    assert all(p.grad is None for p in net.parameters())  # drawing runs its own pass and leaves .grad alone


def test_collapsed_view_of_a_scalar_mlp_needs_the_model_and_boxes_its_layers():
    from autodiff import Value

    m = nn.MLP(2, [3, 1], seed=0)
    loss = (m([Value(0.5), Value(-1.0)]) - 1.0) ** 2
    with pytest.raises(ValueError, match="model="):
        viz.draw(loss, collapse=True)
    source = viz.draw(loss, flow=True, collapse=True, model=m).source
    assert "Layer 1: W⁽¹⁾, b⁽¹⁾" in source and "a⁽²⁾ = σ(W⁽¹⁾a⁽¹⁾ + b⁽¹⁾)" in source
    assert "9 scalars" in source and "signals" in source  # W⁽¹⁾, b⁽¹⁾: 6 + 3 numbers, their signals summed up


def test_collapsed_view_of_the_window_classifier():
    from nn.losses import max_margin_loss

    model = nn.WindowClassifier(10, seed=0)
    true, corrupted = np.array([[0, 1, 2, 3, 4]]), np.array([[0, 1, 9, 3, 4]])
    source = viz.draw(max_margin_loss(model(true), model(corrupted)), flow=True, collapse=True).source
    assert "embedding lookup" in source and "Layer 1" in source and "Layer 2" in source


def test_step_captions_on_tensors_use_the_notes_notation():
    from autodiff.viz.diagram import _Scene

    s, *_ = _two_layer(5, "sequential")
    scene = _Scene(s)
    captions = [scene.caption(k) for k in range(len(scene.trace.steps))]
    assert any("δ⁽²⁾ = a (5, 2) signal" in c and "δ⁽²⁾ᵀ·a⁽¹⁾ = a (2, 4) signal" in c for c in captions)
    assert any("σ'(z⁽²⁾) ∘ (δ⁽³⁾·W⁽²⁾) = a (5, 2) signal" in c for c in captions)
    assert len(viz.steps(s)) == len(captions)

"""L1/L2 penalties: λ·Σ‖W‖²_F and λ·Σ|W| over weights only, for Tensor and Value models."""

import numpy as np
import pytest

from autodiff import Tensor, Value, gradcheck
from nn.layers import Embedding, Linear, Sequential, Tanh
from nn.module import Module, Parameter
from nn.regularization import is_bias_name, l1_penalty, l2_penalty, weight_parameters
from nn.scalar import MLP
from nn.window import WindowClassifier


def model() -> Sequential:
    net = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1))
    for p in net.parameters():
        p.data[...] = np.random.default_rng(p.numel()).normal(size=p.shape)  # non-zero biases too
    return net


@pytest.mark.parametrize(
    "name, is_bias",
    [
        ("b", True), ("bias", True), ("0.b", True), ("hidden.bias", True), ("layers.1.neurons.0.b", True),
        ("b1", True), ("bias_2", True), ("b.0", True),
        ("W", False), ("0.W", False), ("u", False), ("embedding.weight", False), ("layers.0.neurons.0.w.1", False),
        ("beta", False), ("bw", False), ("W_b", False), ("", False),
    ],
)
def test_bias_names(name, is_bias):
    assert is_bias_name(name) is is_bias


def test_l2_is_lambda_sum_of_squared_weights_only():
    net = model()
    W1, W2 = net[0].W.data, net[2].W.data
    penalty = l2_penalty(net, 0.1)
    assert isinstance(penalty, Tensor)
    np.testing.assert_allclose(penalty.item(), 0.1 * ((W1**2).sum() + (W2**2).sum()), rtol=1e-14)
    penalty.backward()
    np.testing.assert_allclose(net[0].W.grad, 0.2 * W1, rtol=1e-14)  # ∂/∂W λ‖W‖²_F = 2λW
    np.testing.assert_allclose(net[2].W.grad, 0.2 * W2, rtol=1e-14)
    assert net[0].b.grad is None and net[2].b.grad is None  # biases are not part of the penalty


def test_l1_is_lambda_sum_of_absolute_weights_only():
    net = model()
    net[0].W.data[0, 0] = 0.0
    penalty = l1_penalty(net, 0.5)
    np.testing.assert_allclose(
        penalty.item(), 0.5 * (np.abs(net[0].W.data).sum() + np.abs(net[2].W.data).sum()), rtol=1e-14
    )
    penalty.backward()
    np.testing.assert_array_equal(net[2].W.grad, 0.5 * np.sign(net[2].W.data))
    assert net[0].W.grad[0, 0] == 0.0  # sgn(0) = 0
    assert net[0].b.grad is None


def test_penalties_gradcheck_with_a_loss():
    net = model()
    X = np.random.default_rng(0).normal(size=(5, 3))

    def objective(*params):
        return (net(X) ** 2).mean() + l2_penalty(net, 0.03) + l1_penalty(net, 0.02)

    report = gradcheck(objective, net.named_parameters())
    assert report, report


def test_value_model_penalties():
    mlp = MLP(2, [3, 1], seed=0)
    for k, p in enumerate(mlp.parameters()):
        p.data = 0.1 * (k + 1) * (-1) ** k
    weights = [p for n, p in mlp.named_parameters() if not n.endswith(".b")]
    assert [n for n, _ in weight_parameters(mlp)] == [n for n, _ in mlp.named_parameters() if not n.endswith(".b")]
    assert len(weights) == 2 * 3 + 3
    l2 = l2_penalty(mlp, 0.1)
    assert isinstance(l2, Value)
    assert l2.data == pytest.approx(0.1 * sum(w.data**2 for w in weights))
    l2.backward()
    for w in weights:
        assert w.grad == pytest.approx(0.2 * w.data)
    assert all(n.b.grad == 0.0 for layer in mlp.layers for n in layer.neurons)
    mlp.zero_grad()
    l1 = l1_penalty(mlp, 0.3)
    assert l1.data == pytest.approx(0.3 * sum(abs(w.data) for w in weights))
    assert gradcheck(lambda *ps: l1_penalty(mlp, 0.3) + l2_penalty(mlp, 0.1), mlp.named_parameters())


def test_window_classifier_penalizes_W_u_and_word_vectors_not_b():
    names = [n for n, _ in weight_parameters(WindowClassifier(10, seed=0))]
    assert sorted(names) == ["W", "embedding.weight", "u"]


def test_edge_cases():
    assert l2_penalty(Sequential(Tanh()), 1.0) == 0.0
    assert l2_penalty(model(), 0.0).item() == 0.0
    with pytest.raises(ValueError, match="λ"):
        l2_penalty(model(), -0.1)
    with pytest.raises(ValueError, match="λ"):
        l1_penalty(model(), "0.1")
    with pytest.raises(TypeError, match="nn.Module"):
        l2_penalty([Parameter([1.0])], 0.1)

    class Mixed(Module):
        def __init__(self):
            self.W = Parameter([1.0])
            self.w = Value(1.0)

    with pytest.raises(TypeError, match="mixes Tensor and Value"):
        l2_penalty(Mixed(), 0.1)
    emb = Sequential(Embedding(3, 2, seed=0))
    np.testing.assert_allclose(l2_penalty(emb, 1.0).item(), (emb[0].weight.data ** 2).sum())


def test_docstrings_answer_the_notes():
    import nn.regularization as reg

    assert "multiplies nothing" in reg.__doc__ and "underfitting" in reg.__doc__
    assert "without the square" in l2_penalty.__doc__

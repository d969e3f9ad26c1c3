"""The scalar networks of the notes §1–3: ``Neuron``, ``Layer``, ``MLP`` on ``Value``s."""

import math

import numpy as np
import pytest

from autodiff import Value, gradcheck, weighted_sum
from nn import MLP, Layer, Module, Neuron


def _data(module):
    return [p.data for p in module.parameters()]


# ---- shapes and construction ---------------------------------------------------------------------------------


def test_neuron_computes_f_of_w_dot_x_plus_b():
    n = Neuron(3, seed=0)
    assert len(n.w) == 3 and isinstance(n.b, Value) and n.b.data == 0.0
    n.b.data = 0.25
    x = [0.5, -1.0, 2.0]
    a = n(x)
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25
    assert a.data == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-14)
    assert Neuron(3, activation="linear", seed=0)(x).data == pytest.approx(z - 0.25, rel=1e-14)
    assert Neuron(3, activation="tanh", seed=0)(x).data == pytest.approx(math.tanh(z - 0.25), rel=1e-14)
    with pytest.raises(ValueError, match="3 inputs"):
        n([1.0, 2.0])


def test_layer_weight_matrix_is_nout_by_nin():
    layer = Layer(4, 3, seed=1)
    assert len(layer.W) == 3 and all(len(row) == 4 for row in layer.W)
    assert len(layer.b) == 3
    x = [0.1, -0.2, 0.3, 0.4]
    out = layer(x)
    assert isinstance(out, list) and len(out) == 3
    for i, a in enumerate(out):
        z = weighted_sum(layer.W[i], x, layer.b[i])
        assert a.data == z.sigmoid().data  # row i of W is neuron i's wᵀ


def test_mlp_shapes_and_outputs():
    mlp = MLP(3, [4, 5, 1], seed=0)
    assert [len(layer.neurons) for layer in mlp.layers] == [4, 5, 1]
    assert [len(layer.W[0]) for layer in mlp.layers] == [3, 4, 5]
    assert len(mlp.parameters()) == (3 * 4 + 4) + (4 * 5 + 5) + (5 * 1 + 1)
    out = mlp([1.0, -2.0, 0.5])
    assert isinstance(out, Value), "one output unit gives a single score"
    multi = MLP(2, [3, 2], seed=0)([0.3, 0.7])
    assert isinstance(multi, list) and len(multi) == 2


def test_mlp_last_layer_is_linear_by_default():
    mlp = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [0.5, -0.25]
    hidden = [math.tanh(sum(w.data * xi for w, xi in zip(row, x)) + b.data) for row, b in zip(*_wb(mlp, 0))]
    (row,), (b,) = _wb(mlp, 1)
    score = sum(w.data * h for w, h in zip(row, hidden)) + b.data
    assert mlp(x).data == pytest.approx(score, rel=1e-13, abs=1e-15)
    relu_out = MLP(2, [3, 1], activation="tanh", final_activation="relu", seed=0)(x)
    assert relu_out.data == pytest.approx(max(score, 0.0), rel=1e-13, abs=1e-15)


def _wb(mlp, k):
    return mlp.layers[k].W, mlp.layers[k].b


def test_xavier_uniform_bounds():
    layer = Layer(6, 4, seed=3)
    bound = math.sqrt(6.0 / (6 + 4))
    assert all(-bound <= w.data <= bound for row in layer.W for w in row)
    assert all(b.data == 0.0 for b in layer.b)


def test_bad_sizes_and_activation():
    with pytest.raises(ValueError):
        Neuron(0)
    with pytest.raises(ValueError):
        Layer(2, 0)
    with pytest.raises(ValueError, match="activation"):
        Neuron(2, activation="swish")
    with pytest.raises(ValueError):
        MLP(2, [])
    with pytest.raises(ValueError, match="not both"):
        MLP(2, [1], seed=0, rng=np.random.default_rng(0))


# ---- seeded construction -------------------------------------------------------------------------------------


def test_seeded_construction_is_reproducible():
    assert _data(MLP(3, [4, 1], seed=7)) == _data(MLP(3, [4, 1], seed=7))
    assert _data(MLP(3, [4, 1], seed=7)) != _data(MLP(3, [4, 1], seed=8))
    assert _data(MLP(3, [4, 1], rng=np.random.default_rng(7))) == _data(MLP(3, [4, 1], seed=7))
    assert _data(Layer(3, 2, seed=5)) == _data(Layer(3, 2, rng=np.random.default_rng(5)))
    assert _data(Neuron(3, seed=5)) == _data(Neuron(3, rng=np.random.default_rng(5)))


def test_shared_rng_advances():
    rng = np.random.default_rng(0)
    first, second = Neuron(3, rng=rng), Neuron(3, rng=rng)
    assert _data(first) != _data(second)


# ---- parameters, names, labels -------------------------------------------------------------------------------


def test_parameters_and_named_parameters():
    mlp = MLP(2, [3, 1], seed=0)
    params = mlp.parameters()
    named = list(mlp.named_parameters())
    assert [p for _, p in named] == params
    assert len({id(p) for p in params}) == len(params) == 2 * 3 + 3 + 3 + 1
    assert all(isinstance(p, Value) and p.is_leaf for p in params)
    names = [n for n, _ in named]
    assert len(set(names)) == len(names)
    assert names[0] == "layers.0.neurons.0.w.0" and "layers.1.neurons.0.b" in names
    assert isinstance(mlp, Module) and [type(m).__name__ for _, m in mlp.named_modules()][:3] == [
        "MLP",
        "Layer",
        "Neuron",
    ]


def test_labels_follow_the_notes():
    mlp = MLP(4, [3, 1], seed=0)
    first, second = mlp.layers
    assert first.W[0][3].label == "W₁₄⁽¹⁾"  # from unit 4 of layer 1 to unit 1 of layer 2
    assert first.W[2][0].label == "W₃₁⁽¹⁾"
    assert first.b[1].label == "b₂⁽¹⁾"
    assert second.W[0][2].label == "W₁₃⁽²⁾" and second.b[0].label == "b₁⁽²⁾"
    assert Layer(12, 1, seed=0).W[0][11].label == "W₁,₁₂⁽¹⁾"


def test_zero_grad_resets_every_parameter():
    mlp = MLP(2, [3, 1], seed=0)
    out = mlp([1.0, -1.0])
    (out * out).backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


# ---- gradients -----------------------------------------------------------------------------------------------


def test_neuron_gradients_by_hand():
    n = Neuron(2, seed=0)
    x = [Value(0.5), Value(-1.5)]
    a = n(x)
    a.backward()
    ds = a.data * (1 - a.data)
    assert [w.grad for w in n.w] == [ds * xi.data for xi in x]
    assert [xi.grad for xi in x] == [ds * w.data for w in n.w]
    assert n.b.grad == ds


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softsign", "elu"])
def test_whole_mlp_gradcheck(activation):
    mlp = MLP(3, [4, 3, 1], activation=activation, seed=0)
    rng = np.random.default_rng(1)
    for p in mlp.parameters():  # nonzero biases too, so every path carries a signal
        p.data = float(rng.uniform(-1, 1))
    xs = [[0.5, -1.0, 2.0], [-0.3, 0.8, 0.1]]
    ys = [1.0, -1.0]

    def loss(*_params):
        return sum(((mlp(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0))

    report = gradcheck(loss, mlp.named_parameters())
    assert report, str(report)
    assert len(report.rows) == len(mlp.parameters())
    assert report.rows[0].name == "layers.0.neurons.0.w.0"
    assert all(p.grad == 0.0 for p in mlp.parameters()), "gradcheck leaves .grad alone"


def test_training_reduces_the_loss():
    """A 2→4→1 tanh MLP learns XOR with plain SGD written by hand: p.data −= lr·p.grad."""
    mlp = MLP(2, [4, 1], activation="tanh", seed=0)
    xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    ys = [-1.0, 1.0, 1.0, -1.0]

    def loss():
        return sum(((mlp(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0)) * (1 / len(xs))

    losses = []
    for _ in range(300):
        current = loss()
        mlp.zero_grad()
        current.backward()
        for p in mlp.parameters():
            p.data -= 0.1 * p.grad
        losses.append(current.data)
    final = loss().data
    assert final < 0.1 * losses[0], (losses[0], final)
    assert final < 0.05
    assert all(np.sign(mlp(x).data) == y for x, y in zip(xs, ys)), "XOR learned"

"""Layers: Linear against the notes' formulas, Sequential, Embedding's scatter-add, Dropout, activation modules,
and a whole-model gradient check through every activation and every loss."""

import numpy as np
import pytest

from autodiff import Tensor, Value, gradcheck
from nn.layers import (
    ELU,
    INITS,
    Dropout,
    Embedding,
    HardTanh,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softsign,
    Tanh,
    activation_module,
)
from nn.losses import binary_cross_entropy, cross_entropy, max_margin_loss, mse_loss

RNG = np.random.default_rng(1234)


# ---- Linear -----------------------------------------------------------------------------------------------------
def test_linear_shapes_follow_the_notes():
    layer = Linear(20, 8, seed=0)
    assert layer.W.shape == (8, 20) and layer.b.shape == (8,)
    assert layer.weight is layer.W and layer.bias is layer.b
    assert layer(np.ones(20)).shape == (8,)
    assert layer(np.ones((5, 20))).shape == (5, 8)
    assert layer(np.ones((2, 5, 20))).shape == (2, 5, 8)
    np.testing.assert_array_equal(layer.b.data, np.zeros(8))


def test_linear_without_bias():
    layer = Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["W"]
    x = RNG.normal(size=(4, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data.T)
    assert "bias=False" in repr(layer)


def test_linear_forward_and_gradients_match_numpy_formulas():
    layer = Linear(3, 4, seed=1)
    layer.b.data[...] = RNG.normal(size=4)
    X = Tensor(RNG.normal(size=(5, 3)), requires_grad=True)
    delta = RNG.normal(size=(5, 4))  # the error signal arriving at Z
    Z = layer(X)
    W, b = layer.W.data, layer.b.data
    np.testing.assert_allclose(Z.data, X.data @ W.T + b, rtol=1e-14)
    Z.backward(delta)
    np.testing.assert_allclose(layer.W.grad, delta.T @ X.data, rtol=1e-13)  # ∇_W = δᵀX (Σ of outer products δxᵀ)
    np.testing.assert_allclose(layer.b.grad, delta.sum(axis=0), rtol=1e-13)  # ∇_b = Σₙ δₙ
    np.testing.assert_allclose(X.grad, delta @ W, rtol=1e-13)  # ∇_x = Wᵀδ per example


def test_linear_single_example_gradient_is_the_outer_product():
    layer = Linear(3, 2, seed=2)
    x = RNG.normal(size=3)
    delta = np.array([0.5, -2.0])
    layer(x).backward(delta)
    np.testing.assert_allclose(layer.W.grad, np.outer(delta, x), rtol=1e-14)  # ∇_W = δxᵀ
    np.testing.assert_allclose(layer.b.grad, delta)


def test_linear_gradcheck():
    layer = Linear(4, 3, seed=3)
    layer.b.data[...] = RNG.normal(size=3)
    X = RNG.normal(size=(6, 4))
    report = gradcheck(lambda *ps: layer(X).tanh().sum(), layer.named_parameters())
    assert report, report


@pytest.mark.parametrize("init", INITS)
def test_linear_inits_are_seeded(init):
    a, b = Linear(30, 20, init=init, seed=7), Linear(30, 20, init=init, seed=7)
    np.testing.assert_array_equal(a.W.data, b.W.data)
    rng_layer = Linear(30, 20, init=init, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.W.data, rng_layer.W.data)
    if init == "zeros":
        assert not a.W.data.any()
    else:
        assert np.std(a.W.data) > 0


def test_linear_xavier_uniform_bound():
    W = Linear(30, 20, seed=0).W.data
    assert np.abs(W).max() <= np.sqrt(6 / 50)


def test_linear_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="in_features"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="unknown init"):
        Linear(2, 3, init="glorot")
    with pytest.raises(ValueError, match="not both"):
        Linear(2, 3, rng=np.random.default_rng(0), seed=0)
    with pytest.raises(ValueError, match=r"expected \(..., 2\)"):
        Linear(2, 3, seed=0)(np.ones((4, 3)))
    with pytest.raises(TypeError, match="nn.Layer"):
        Linear(2, 3, seed=0)([Value(1.0), Value(2.0)])


# ---- Sequential -------------------------------------------------------------------------------------------------
def test_sequential_chains_and_indexes():
    first, second = Linear(2, 3, seed=0), Linear(3, 1, seed=1)
    model = Sequential(first, Tanh(), second)
    assert len(model) == 3 and model[0] is first and model[-1] is second and list(model)[1].__class__ is Tanh
    x = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(model(x).data, second(first(x).tanh()).data)
    head = model[:2]
    assert isinstance(head, Sequential) and len(head) == 2 and head[0] is first
    np.testing.assert_allclose(head(x).data, first(x).tanh().data)
    with pytest.raises(TypeError, match="argument 1 must be a Module"):
        Sequential(first, np.tanh)


# ---- Embedding --------------------------------------------------------------------------------------------------
def test_embedding_lookup_and_repeated_index_accumulation():
    emb = Embedding(5, 3, seed=0)
    idx = np.array([[1, 3, 1], [1, 0, 4]])  # word 1 three times
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    signal = RNG.normal(size=(2, 3, 3))
    out.backward(signal)
    expected = np.zeros((5, 3))
    for n in range(2):
        for k in range(3):
            expected[idx[n, k]] += signal[n, k]
    np.testing.assert_allclose(emb.weight.grad, expected, rtol=1e-14)
    np.testing.assert_allclose(emb.weight.grad[1], signal[0, 0] + signal[0, 2] + signal[1, 0])
    np.testing.assert_array_equal(emb.weight.grad[2], 0.0)  # never looked up


def test_embedding_from_pretrained_and_errors():
    vectors = RNG.normal(size=(4, 2))
    emb = Embedding.from_pretrained(vectors)
    np.testing.assert_array_equal(emb(np.array(2)).data, vectors[2])
    vectors[2] = 0.0
    assert emb.weight.data[2].any()  # copied
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.5]))
    with pytest.raises(IndexError, match="index 4 is out of range"):
        emb(np.array([1, 4]))
    with pytest.raises(IndexError, match="index -1"):
        emb([-1])
    np.testing.assert_array_equal(emb(Tensor([1.0, 3.0])).data, emb.weight.data[[1, 3]])
    with pytest.raises(ValueError, match="matrix"):
        Embedding.from_pretrained(np.ones(3))


# ---- Dropout ----------------------------------------------------------------------------------------------------
def test_dropout_is_the_identity_in_eval():
    drop = Dropout(0.7, seed=0).eval()
    x = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
    assert drop(x) is x
    values = [Value(1.0), Value(2.0)]
    assert drop(values) is values


def test_dropout_expectation_and_drop_rate_in_training():
    p = 0.3
    drop = Dropout(p, seed=42)
    x = np.linspace(-2.0, 3.0, 50)
    samples = np.stack([drop(Tensor(x)).data for _ in range(4000)])
    dropped = samples == 0.0
    assert abs(dropped.mean() - p) < 0.01  # ~0.0023 standard error
    np.testing.assert_allclose(samples[~dropped], np.broadcast_to(x / (1 - p), samples.shape)[~dropped])
    # E[output] = x: the standard error per unit is |x|·√(p/(1−p))/√4000 ≤ 0.031, so 5σ is 0.16
    np.testing.assert_allclose(samples.mean(axis=0), x, atol=0.16)
    assert np.abs(samples.mean(axis=0) - x).mean() < 0.03


def test_dropout_gradient_flows_only_through_kept_units_scaled():
    drop = Dropout(0.5, seed=3)
    x = Tensor(np.ones(1000), requires_grad=True)
    y = drop(x)
    y.sum().backward()
    kept = y.data != 0
    np.testing.assert_array_equal(x.grad[kept], 2.0)
    np.testing.assert_array_equal(x.grad[~kept], 0.0)
    assert 400 < kept.sum() < 600


def test_dropout_is_seeded_and_draws_fresh_masks():
    a, b = Dropout(0.5, seed=9), Dropout(0.5, seed=9)
    x = Tensor(np.ones(64))
    first = a(x).data
    np.testing.assert_array_equal(first, b(x).data)
    assert not np.array_equal(first, a(x).data)


def test_dropout_edge_probabilities_and_values():
    x = Tensor(RNG.normal(size=10), requires_grad=True)
    assert Dropout(0.0, seed=0)(x) is x
    out = Dropout(1.0, seed=0)(x)
    np.testing.assert_array_equal(out.data, 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)
    values = [Value(float(v)) for v in range(1, 201)]
    dropped = Dropout(0.5, seed=1)(values)
    assert all(d.data in (0.0, 2.0 * v.data) for d, v in zip(dropped, values))
    single = Dropout(0.5, seed=1)(Value(3.0))
    assert single.data in (0.0, 6.0)
    for bad in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match="probability of dropping"):
            Dropout(bad)


def test_dropout_docstring_answers_the_exercise():
    doc = Dropout.__doc__
    assert "1 − p" in doc and "multiplied* by p" in doc and "nothing is needed at test time" in doc


# ---- activations ------------------------------------------------------------------------------------------------
Z = np.array([-3.0, -1.2, -0.4, 0.3, 0.9, 2.5])

NUMPY_ACTIVATIONS = [
    (Sigmoid(), lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    (Tanh(), np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    (HardTanh(), lambda z: np.clip(z, -1, 1), lambda z: ((z > -1) & (z < 1)) * 1.0),
    (Softsign(), lambda z: z / (1 + np.abs(z)), lambda z: 1 / (1 + np.abs(z)) ** 2),
    (ReLU(), lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
    (LeakyReLU(0.1), lambda z: np.maximum(z, 0.1 * z), lambda z: np.where(z > 0, 1.0, 0.1)),
    (LeakyReLU(), lambda z: np.maximum(z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    (ELU(0.5), lambda z: np.where(z > 0, z, 0.5 * (np.exp(z) - 1)), lambda z: np.where(z > 0, 1.0, 0.5 * np.exp(z))),
    (Identity(), lambda z: z, lambda z: np.ones_like(z)),
]


@pytest.mark.parametrize("module, f, df", NUMPY_ACTIVATIONS, ids=lambda x: type(x).__name__)
def test_activation_modules_on_tensors_values_and_lists(module, f, df):
    z = Tensor(Z, requires_grad=True)
    a = module(z)
    np.testing.assert_allclose(a.data, f(Z), rtol=1e-12)
    a.backward(np.ones_like(Z))
    np.testing.assert_allclose(z.grad, df(Z), rtol=1e-12)
    values = [Value(float(v)) for v in Z]
    outputs = module(values)
    np.testing.assert_allclose([o.data for o in outputs], f(Z), rtol=1e-12)
    for o in outputs:
        o.backward()
    np.testing.assert_allclose([v.grad for v in values], df(Z), rtol=1e-12)
    np.testing.assert_allclose(module(Value(0.3)).data, f(np.array(0.3)), rtol=1e-12)
    np.testing.assert_allclose(getattr(module(Z), "data", Z), f(Z), rtol=1e-12)  # arrays are constants


def test_activation_reprs_and_factory():
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(k=0.2)" and repr(ELU()) == "ELU(alpha=1)" and repr(ReLU()) == "ReLU()"
    assert isinstance(activation_module("tanh"), Tanh)
    relu = ReLU()
    assert activation_module(relu) is relu
    with pytest.raises(ValueError, match="unknown activation"):
        activation_module("swish")
    with pytest.raises(TypeError):
        LeakyReLU("0.1")


# ---- the whole model --------------------------------------------------------------------------------------------
def every_activation_model(out_features: int, final: object = None) -> Sequential:
    """Linear layers separated by every activation module, in one network."""
    widths = [3, 5, 5, 5, 5, 5, 5, 5]
    activations = [Sigmoid(), Tanh(), HardTanh(), Softsign(), ReLU(), LeakyReLU(0.1), ELU(0.7)]
    modules = []
    for k, f in enumerate(activations):
        modules += [Linear(widths[k], widths[k + 1], seed=k), f]
    modules.append(Linear(widths[-1], out_features, seed=99))
    if final is not None:
        modules.append(final)
    model = Sequential(*modules)
    for p in model.parameters():  # non-zero biases, and weights large enough that HardTanh/ReLU act on both sides
        p.data[...] = np.random.default_rng(p.numel()).normal(scale=0.9, size=p.shape)
    return model


X = np.random.default_rng(5).normal(size=(6, 3))
X_CORRUPT = np.random.default_rng(6).normal(size=(6, 3))

LOSSES = {
    "max_margin": (1, None, lambda m: max_margin_loss(m(X).reshape(6), m(X_CORRUPT).reshape(6))),
    "cross_entropy": (4, None, lambda m: cross_entropy(m(X), np.array([0, 3, 1, 1, 2, 0]))),
    "mse": (2, None, lambda m: mse_loss(m(X), np.linspace(-1, 1, 12).reshape(6, 2))),
    "bce": (1, Sigmoid(), lambda m: binary_cross_entropy(m(X).reshape(6), np.array([1.0, 0, 0, 1, 1, 0]))),
}


@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_whole_model_gradcheck_every_activation_every_loss(loss_name):
    out_features, final, loss = LOSSES[loss_name]
    model = every_activation_model(out_features, final)
    assert loss(model).item() > 0
    report = gradcheck(lambda *params: loss(model), model.named_parameters(), atol=1e-6, rtol=1e-5)
    assert report, report
    assert len(report.rows) == 16 and all(r.max_abs_diff < 1e-7 for r in report.rows)


def test_the_gradchecked_model_exercises_both_sides_of_every_kink():
    model = every_activation_model(1)
    x = Tensor(X)
    for module in model:
        before = x
        x = module(x)
        if isinstance(module, (HardTanh,)):
            assert (np.abs(before.data) > 1).any() and (np.abs(before.data) < 1).any()
        if isinstance(module, (ReLU, LeakyReLU, ELU)):
            assert (before.data > 0).any() and (before.data < 0).any()

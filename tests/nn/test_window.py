"""The notes' §3 window classifier: dimensions, the score formula, gradients, and a max-margin training run."""

import numpy as np
import pytest

from autodiff import gradcheck
from nn.data import window_dataset
from nn.layers import ReLU, Tanh
from nn.losses import max_margin_loss
from nn.window import WindowClassifier
from optim import SGD

WINDOWS = np.array([[0, 3, 5, 2, 1], [4, 4, 4, 4, 4], [9, 8, 7, 6, 5]])


def test_dimensions_are_the_notes_analysis():
    model = WindowClassifier(10, seed=0)  # d = 4, 5-word window, 8 hidden units
    assert model.W.shape == (8, 20) and model.b.shape == (8,) and model.u.shape == (8,)
    assert model.embedding.weight.shape == (10, 4)
    assert model.features(WINDOWS).shape == (3, 20)
    assert model.hidden_activations(WINDOWS).shape == (3, 8)
    assert model(WINDOWS).shape == (3,)
    assert model(WINDOWS[0]).shape == ()
    assert sorted(model.state_dict()) == ["W", "b", "embedding.weight", "u"]
    assert model.num_parameters() == 8 * 20 + 8 + 8 + 10 * 4


def test_score_is_u_transpose_f_of_wx_plus_b():
    model = WindowClassifier(10, seed=1)
    model.b.data[...] = np.linspace(-1, 1, 8)
    L, W, b, u = (p.data for p in (model.embedding.weight, model.W, model.b, model.u))
    for window in WINDOWS:
        x = np.concatenate([L[i] for i in window])  # x ∈ R^{20}
        s = u @ (1 / (1 + np.exp(-(W @ x + b))))
        np.testing.assert_allclose(model(window).item(), s, rtol=1e-13)
    np.testing.assert_allclose(model(WINDOWS).data, [model(w).item() for w in WINDOWS], rtol=1e-13)


def test_word_vectors_argument_and_options():
    vectors = np.random.default_rng(0).normal(size=(12, 3))
    model = WindowClassifier(vectors, window=3, hidden=6, activation="tanh", seed=0)
    assert model.dim == 3 and model.W.shape == (6, 9) and isinstance(model.f, Tanh)
    np.testing.assert_array_equal(model.embedding.weight.data, vectors)
    assert model(np.array([[1, 2, 3]])).shape == (1,)
    assert isinstance(WindowClassifier(5, activation=ReLU(), seed=0).f, ReLU)
    with pytest.raises(ValueError, match="dim=5 but the word vectors have 3"):
        WindowClassifier(vectors, dim=5)
    with pytest.raises(ValueError, match=r"shape \(5,\) or \(N, 5\)"):
        WindowClassifier(10, seed=0)(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match="unknown init"):
        WindowClassifier(10, init="orthogonal")
    with pytest.raises(ValueError, match="unknown activation"):
        WindowClassifier(10, activation="gelu")


def test_seeded_construction_is_reproducible():
    a, b = WindowClassifier(10, seed=3), WindowClassifier(10, seed=3)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_repr():
    assert repr(WindowClassifier(10, seed=0)) == (
        "WindowClassifier(vocab=10, dim=4, window=5, hidden=8  [W (8, 20), b (8,), u (8,)]\n"
        "  (embedding): Embedding(10, 4)  [weight (10, 4)]\n"
        "  (f): Sigmoid()\n"
        ")"
    )


def test_max_margin_gradients_reach_every_parameter_and_check_out():
    model = WindowClassifier(10, seed=2)
    model.b.data[...] = np.linspace(-0.5, 0.5, 8)
    corrupted = WINDOWS.copy()
    corrupted[:, 2] = [6, 0, 1]

    def loss(*params):
        return max_margin_loss(model(WINDOWS), model(corrupted), margin=5.0)  # Δ large: every pair is active

    report = gradcheck(loss, model.named_parameters())
    assert report, report
    loss().backward()
    unused = sorted(set(range(10)) - set(WINDOWS.ravel()) - set(corrupted.ravel()))
    assert unused == []  # every word appears, so every row of L gets a gradient
    assert all(np.abs(p.grad).sum() > 0 for p in model.parameters())


def ranking_accuracy(model: WindowClassifier, data, windows: np.ndarray, draws: int = 20) -> float:
    """The fraction of (true, corrupted) pairs with s > s_c, over ``draws`` corruptions of each true window."""
    s = model(windows).data
    s_c = np.stack([model(data.corrupt(windows, seed=1000 + k)).data for k in range(draws)])
    return float((s[None, :] > s_c).mean())


@pytest.mark.parametrize("seed", [0, 1])
def test_training_scores_held_out_true_windows_above_corrupted_ones(seed):
    data = window_dataset(seed=seed)
    model = WindowClassifier(data.word_vectors, hidden=8, seed=seed)
    held_out = data.test.true_windows
    before = ranking_accuracy(model, data, held_out)
    optimizer = SGD(model.parameters(), lr=0.5)
    rng = np.random.default_rng(seed)
    true = data.train.true_windows
    losses = []
    for _ in range(100):
        corrupted = data.corrupt(true, rng=rng)  # fresh negatives every step
        optimizer.zero_grad()
        loss = max_margin_loss(model(true), model(corrupted))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.25 * np.mean(losses[:10])
    after = ranking_accuracy(model, data, held_out)
    assert before < 0.6  # untrained: no better than chance
    assert after >= 0.85, (before, after)
    assert ranking_accuracy(model, data, true) >= 0.95

"""nn.preprocessing: training-set-only statistics, whitened covariance ≈ I, ZCA vs PCA, errors."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Tensor
from nn.preprocessing import MeanCenter, NotFittedError, Standardize, Whiten


def correlated(n: int = 2000, seed: int = 0) -> np.ndarray:
    """Correlated 3-D data in different units, away from the origin."""
    rng = np.random.default_rng(seed)
    mix = np.array([[2.0, 0.0, 0.0], [1.5, 0.8, 0.0], [-1.0, 0.3, 0.5]])
    return rng.normal(size=(n, 3)) @ mix.T * np.array([1.0, 3.0, 10.0]) + np.array([5.0, -3.0, 40.0])


def cov(x: np.ndarray) -> np.ndarray:
    c = x - x.mean(axis=0)
    return c.T @ c / len(x)


TRAIN, TEST = correlated(2000, seed=0), correlated(500, seed=1) + 5.0  # the test set is shifted


def test_mean_center_uses_training_mean_only():
    mc = MeanCenter().fit(TRAIN)
    np.testing.assert_allclose(mc.mean_, TRAIN.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(mc.transform(TRAIN).mean(axis=0), 0, atol=1e-9)
    out = mc.transform(TEST)
    np.testing.assert_allclose(out, TEST - TRAIN.mean(axis=0), rtol=1e-14)
    assert np.all(out.mean(axis=0) > 2.0)  # the test shift (+5) survives: nothing is refitted on test data
    np.testing.assert_allclose(mc.inverse_transform(out), TEST, rtol=1e-12)


def test_standardize():
    st = Standardize()
    z = st.fit_transform(TRAIN)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(st.transform(TEST), (TEST - TRAIN.mean(0)) / TRAIN.std(0), rtol=1e-12)
    np.testing.assert_allclose(st.inverse_transform(z), TRAIN, rtol=1e-12)
    assert not np.allclose(st.transform(TEST).mean(axis=0), 0, atol=0.05)


def test_standardize_constant_feature():
    x = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    z = Standardize().fit_transform(x)
    assert np.all(np.isfinite(z)) and np.all(z[:, 1] == 0)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitened_covariance_is_identity(method):
    w = Whiten(method=method).fit(TRAIN)
    z = w.transform(TRAIN)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-10)
    U, S = w.components_, w.explained_variance_
    expected = np.diag(S / (S + w.eps))  # exactly, with ε in the formula
    if method == "zca":
        expected = U @ expected @ U.T
    np.testing.assert_allclose(cov(z), expected, atol=1e-10)
    np.testing.assert_allclose(cov(z), np.eye(3), atol=1e-4)  # ≈ I (smallest variance here ≫ ε)
    np.testing.assert_allclose(w.inverse_transform(z), TRAIN, rtol=1e-9, atol=1e-9)
    # held-out data is whitened by the *training* statistics: close to, not exactly, identity covariance
    assert np.abs(cov(w.transform(TEST)) - np.eye(3)).max() < 0.2


def test_zca_vs_pca():
    pca, zca = Whiten("pca").fit(TRAIN), Whiten("zca").fit(TRAIN)
    U = pca.components_
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(zca.matrix_, zca.matrix_.T, atol=1e-12)  # ZCA's matrix is symmetric
    np.testing.assert_allclose(zca.transform(TEST), pca.transform(TEST) @ U.T, atol=1e-10)  # ZCA = PCA, rotated back
    assert np.all(np.diff(pca.explained_variance_) <= 0)  # PCA: leading direction first
    # of all whitenings (z·R for any rotation R), ZCA's output stays closest to the centred input
    centred = TRAIN - TRAIN.mean(axis=0)
    z = zca.transform(TRAIN)

    def distance(white: np.ndarray) -> float:
        return float(((white - centred) ** 2).sum(axis=1).mean())

    assert distance(z) < distance(pca.transform(TRAIN))
    rng = np.random.default_rng(0)
    for _ in range(20):
        R, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        assert distance(z) < distance(z @ R)


def test_pca_n_components():
    w = Whiten("pca", n_components=2).fit(TRAIN)
    z = w.transform(TEST)
    assert z.shape == (500, 2)
    np.testing.assert_allclose(cov(w.transform(TRAIN)), np.eye(2), atol=1e-4)
    assert w.inverse_transform(z).shape == (500, 3)
    with pytest.raises(ValueError, match="only applies to method='pca'"):
        Whiten("zca", n_components=2)
    with pytest.raises(ValueError, match="more than the 3 features"):
        Whiten("pca", n_components=4).fit(TRAIN)


def test_eps_guards_zero_variance_directions():
    x = np.column_stack([np.arange(10.0), 2 * np.arange(10.0)])  # rank 1
    z = Whiten("zca", eps=1e-5).fit_transform(x)
    assert np.all(np.isfinite(z))
    with pytest.raises(ValueError, match="singular"):
        Whiten(eps=0).fit(x)


def test_deterministic_signs():
    a, b = Whiten().fit(TRAIN), Whiten().fit(TRAIN.copy())
    np.testing.assert_array_equal(a.matrix_, b.matrix_)
    U = a.components_
    assert np.all(U[np.argmax(np.abs(U), axis=0), range(3)] > 0)


@pytest.mark.parametrize("make", [MeanCenter, Standardize, lambda: Whiten("zca")])
def test_tensors_in_tensors_out(make):
    t = make().fit(Tensor(TRAIN))
    out = t.transform(Tensor(TEST))
    assert type(out) is Tensor and out.requires_grad is False
    np.testing.assert_allclose(out.data, make().fit(TRAIN).transform(TEST), rtol=1e-12, atol=1e-12)
    out32 = t.transform(Tensor(TEST.astype(np.float32)))
    assert out32.dtype == np.float32
    assert isinstance(t.transform(TEST), np.ndarray)


def test_single_example_and_lists():
    st = Standardize().fit(TRAIN.tolist())
    one = st.transform(TEST[0])
    assert one.shape == (3,)
    np.testing.assert_allclose(one, st.transform(TEST)[0], rtol=1e-14)


@pytest.mark.parametrize("make", [MeanCenter, Standardize, Whiten])
def test_errors(make):
    t = make()
    name = type(t).__name__
    with pytest.raises(NotFittedError, match=rf"{name} is not fitted yet: call fit\(train\)"):
        t.transform(TEST)
    assert "not fitted" in repr(t)
    t.fit(TRAIN)
    with pytest.raises(ValueError, match=r"shape \(2000, 3\) \(3 features\), but transform got x of shape \(4, 2\)"):
        t.transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="needs a 2-D array"):
        make().fit(np.zeros(5))
    with pytest.raises(ValueError, match="NaN or infinite"):
        make().fit(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(TypeError, match="real numbers"):
        t.transform(np.array([["a", "b", "c"]]))


def test_whiten_arguments():
    with pytest.raises(ValueError, match="'pca' or 'zca'"):
        Whiten("svd")
    with pytest.raises(ValueError, match="eps"):
        Whiten(eps=-1)
    with pytest.raises(ValueError, match="at least 2 example"):
        Whiten().fit(np.zeros((1, 3)))
    assert repr(Whiten("zca", eps=1e-3)) == "Whiten(method='zca', eps=0.001, not fitted)"

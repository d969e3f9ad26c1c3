"""Input preprocessing (notes §7.5): mean subtraction, normalization, whitening.

Each transform learns its statistics with ``fit(train)`` — **from the training set only** — and applies those same
statistics to any data with ``transform(x)`` (training, validation and test sets alike). Computing them on the test
set, or on everything at once, would leak information about held-out data into the model.

Data are 2-D, one example per row: ``x`` has shape (n_examples, n_features). ``transform`` also takes a single
example of shape (n_features,). Inputs may be numpy arrays (or nested lists) or ``Tensor``s; the result is of the
same kind (a ``Tensor`` in, a new ``Tensor`` out — preprocessing is not part of the graph, so it has no gradient;
float32 stays float32). Statistics are computed in float64.

    scaler = Standardize().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autodiff import Tensor

__all__ = ["NotFittedError", "MeanCenter", "Standardize", "Whiten"]


class NotFittedError(RuntimeError):
    """``transform`` was called before ``fit``."""


def _unwrap(x: Any, what: str) -> tuple[np.ndarray, Any]:
    """(float64 array, how to wrap a result like x): a Tensor (or Parameter) gives a plain new Tensor back."""
    if isinstance(x, Tensor):
        kind, dtype = Tensor, x.data.dtype
        array = x.data
    else:
        kind = None
        try:
            array = np.asarray(x)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{what} must be an array of numbers: {error}") from None
        dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must contain real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or infinite values")

    def wrap(result: np.ndarray) -> Any:
        result = result.astype(dtype, copy=False)
        return result if kind is None else kind(result)

    return array, wrap


class _Transform:
    """fit / transform / fit_transform / inverse_transform around ``_fit`` and ``_apply``."""

    _min_examples = 1

    def __init__(self) -> None:
        self.n_features_: int | None = None
        self._train_shape: tuple[int, ...] | None = None

    @property
    def fitted(self) -> bool:
        return self.n_features_ is not None

    def fit(self, train: Any) -> _Transform:
        """Learn the statistics from ``train`` (n_examples × n_features); returns ``self``."""
        x, _ = _unwrap(train, f"{type(self).__name__}.fit(train)")
        if x.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}.fit needs a 2-D array (n_examples, n_features), got shape {x.shape}"
            )
        if x.shape[0] < self._min_examples or x.shape[1] < 1:
            raise ValueError(
                f"{type(self).__name__}.fit needs at least {self._min_examples} example(s) and 1 feature, "
                f"got shape {x.shape}"
            )
        self._fit(x)
        self.n_features_ = x.shape[1]
        self._train_shape = x.shape
        return self

    def _check(self, x: Any, method: str) -> tuple[np.ndarray, Any, bool]:
        name = type(self).__name__
        if not self.fitted:
            raise NotFittedError(f"{name} is not fitted yet: call fit(train) on the training set before {method}(x)")
        array, wrap = _unwrap(x, f"{name}.{method}(x)")
        single = array.ndim == 1
        if single:
            array = array[None, :]
        if array.ndim != 2:
            raise ValueError(f"{name}.{method} needs shape (n_examples, n_features), got {array.shape}")
        return array, wrap, single

    def _checked_features(self, array: np.ndarray, expected: int, method: str, shape: tuple[int, ...]) -> None:
        if array.shape[1] != expected:
            raise ValueError(
                f"{type(self).__name__} was fit on training data of shape {self._train_shape} "
                f"({self.n_features_} features), but {method} got x of shape {shape}"
            )

    def transform(self, x: Any) -> Any:
        """Apply the training-set statistics to ``x``: same kind (array/Tensor) and row count as ``x``."""
        array, wrap, single = self._check(x, "transform")
        self._checked_features(array, self.n_features_, "transform", array.shape[1:] if single else array.shape)
        out = self._apply(array)
        return wrap(out[0] if single else out)

    def fit_transform(self, train: Any) -> Any:
        """``fit(train)`` then ``transform(train)``."""
        return self.fit(train).transform(train)

    def inverse_transform(self, z: Any) -> Any:
        """Map transformed data back to the original units."""
        array, wrap, single = self._check(z, "inverse_transform")
        self._checked_features(array, self._output_features(), "inverse_transform", array.shape)
        out = self._invert(array)
        return wrap(out[0] if single else out)

    def _output_features(self) -> int:
        return self.n_features_

    def _fit(self, x: np.ndarray) -> None:
        raise NotImplementedError

    def _apply(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _invert(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        state = f"n_features={self.n_features_}" if self.fitted else "not fitted"
        return f"{type(self).__name__}({self._params()}{', ' if self._params() else ''}{state})"

    def _params(self) -> str:
        return ""


class MeanCenter(_Transform):
    """Mean subtraction: x ← x − μ, μ = the mean feature vector of the *training* set (``mean_``)."""

    def _fit(self, x: np.ndarray) -> None:
        self.mean_ = x.mean(axis=0)

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return x - self.mean_

    def _invert(self, z: np.ndarray) -> np.ndarray:
        return z + self.mean_


class Standardize(_Transform):
    """Mean subtraction then normalization: x ← (x − μ) / σ, per feature, with the training set's μ (``mean_``)
    and standard deviation σ (``std_``, population: divides by n). A constant feature (σ = 0) is only centred
    (``scale_`` = 1 there), so it does not become NaN."""

    def _fit(self, x: np.ndarray) -> None:
        self.mean_ = x.mean(axis=0)
        self.std_ = x.std(axis=0)
        self.scale_ = np.where(self.std_ > 0, self.std_, 1.0)

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean_) / self.scale_

    def _invert(self, z: np.ndarray) -> np.ndarray:
        return z * self.scale_ + self.mean_


class Whiten(_Transform):
    r"""Whitening: centred data with (approximately) identity covariance — uncorrelated features of variance 1.

    Fitting follows the notes (and CS231n): centre with the training mean μ, form the covariance
    Σ = X′ᵀX′/n, and take its SVD Σ = U·diag(S)·Uᵀ (Σ is symmetric positive semi-definite, so the columns of U are
    its eigenvectors, ``components_``, and S its eigenvalues, ``explained_variance_``, sorted decreasing).

    * ``method="pca"``: rotate into the eigenbasis and divide by the singular values,
      x_white = (x − μ)·U·diag(1/√(S + ε)). The notes write "UX′" for examples stored as columns; with one example
      per row the same projection is X′U. ``n_components=k`` keeps the k leading directions (PCA reduction).
    * ``method="zca"``: rotate back afterwards, x_white = (x − μ)·U·diag(1/√(S + ε))·Uᵀ. ZCA's matrix is
      symmetric and, of all whitening transforms, ZCA output stays closest to the input (feature i of the output
      still "is" feature i), which is why it is preferred for images.

    Both give covariance diag(S/(S + ε)) ≈ I on the training set. ε (default 1e-5) is the notes' "divide by a small
    number instead" for zero singular values: it keeps directions of (near) zero variance from being blown up.
    The sign of each eigenvector is fixed (largest entry positive), so results are deterministic. The whitening
    matrix is ``matrix_``: transform(x) = (x − ``mean_``) @ ``matrix_``.
    """

    _min_examples = 2

    def __init__(self, method: str = "pca", eps: float = 1e-5, n_components: int | None = None) -> None:
        super().__init__()
        if method not in ("pca", "zca"):
            raise ValueError(f"Whiten(method=...) must be 'pca' or 'zca', got {method!r}")
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
            raise TypeError(f"Whiten(eps=...) must be a finite number >= 0, got {type(eps).__name__}: {eps!r}")
        if not 0 <= eps < np.inf:
            raise ValueError(f"Whiten(eps=...) must be a finite number >= 0, got {eps!r}")
        if n_components is not None:
            if method != "pca":
                raise ValueError("n_components only applies to method='pca' (ZCA keeps every direction)")
            if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)):
                raise TypeError(f"n_components must be a positive int or None, got {type(n_components).__name__}")
            if n_components < 1:
                raise ValueError(f"n_components must be a positive int or None, got {n_components!r}")
            n_components = int(n_components)
        self.method, self.eps, self.n_components = method, float(eps), n_components

    def _params(self) -> str:
        k = f", n_components={self.n_components}" if self.n_components is not None else ""
        return f"method={self.method!r}, eps={self.eps:g}{k}"

    def _fit(self, x: np.ndarray) -> None:
        n, d = x.shape
        k = self.n_components if self.n_components is not None else d
        if k > d:
            raise ValueError(f"n_components={k} is more than the {d} features of the training data")
        mean = x.mean(axis=0)
        centred = x - mean
        cov = centred.T @ centred / n
        U, S, _ = np.linalg.svd(cov)
        largest = np.argmax(np.abs(U), axis=0)
        U = U * np.sign(U[largest, np.arange(d)])
        if self.eps == 0 and np.any(S[:k] <= 1e-12 * max(S[0], 1e-300)):
            raise ValueError("the training covariance is singular; use eps > 0 to whiten it")
        self.mean_ = mean  # only now: a refused refit leaves the previous statistics in place
        self.components_ = U
        self.explained_variance_ = S
        scale = np.sqrt(S[:k] + self.eps)
        self.matrix_ = U[:, :k] / scale
        self.inverse_matrix_ = (U[:, :k] * scale).T
        if self.method == "zca":
            self.matrix_ = self.matrix_ @ U.T
            self.inverse_matrix_ = U @ self.inverse_matrix_

    def _output_features(self) -> int:
        return self.matrix_.shape[1]

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean_) @ self.matrix_

    def _invert(self, z: np.ndarray) -> np.ndarray:
        return z @ self.inverse_matrix_ + self.mean_

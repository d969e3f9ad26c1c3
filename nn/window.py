"""The notes' §3 window classifier for named-entity recognition, trained with the §4 max-margin objective.

A window is ``window`` consecutive words (5 in the notes: "Museums in Paris are amazing"), given as word indices.
The model looks up each word's vector (an :class:`~nn.layers.Embedding`, d numbers per word), concatenates them
into x ∈ R^{5d}, and scores the window:

    z = Wx + b,   a = f(z),   s = uᵀa

with W ∈ R^{m×5d}, b ∈ R^m, u ∈ R^m (m hidden units). With d = 4 and m = 8, as in the notes' "analysis of
dimensions": x ∈ R^20, W ∈ R^{8×20}, b ∈ R^8, u ∈ R^8 and s ∈ R. Training pushes the score s of a true window
(centre word a location) above the score s_c of a corrupted one (centre word replaced) by a margin:
J = max(Δ + s_c − s, 0) (:func:`nn.losses.max_margin_loss`).

A batch of windows X ∈ N^{N×5} is scored at once: rows of x become rows of the matrix X_vec ∈ R^{N×5d} and
s = f(X_vec Wᵀ + b) u ∈ R^N.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import Tensor

from .init import _rng
from .layers import INITS, Embedding, _initial_weight, activation_module
from .module import Module, Parameter
from .scalar import _check_size

__all__ = ["WindowClassifier"]


class WindowClassifier(Module):
    """s = uᵀ f(Wx + b) for x the concatenated word vectors of a window (notes §3).

    Parameters: ``embedding.weight`` (the word vectors, vocab × d), ``W`` (hidden × window·d), ``b`` (hidden) and
    ``u`` (hidden). The first argument is either the vocabulary size (vectors start N(0, 1)) or a matrix of word
    vectors (vocab × d, copied; ``dim`` is then read from it). ``activation`` is f: a name (``"sigmoid"``, the
    notes' choice; ``"tanh"``, ``"relu"``, …) or an activation module. W and u are drawn by ``init``
    (Xavier-uniform by default), b starts at 0.
    """

    def __init__(
        self,
        vocab_size_or_vectors: int | Any,
        dim: int | None = None,
        window: int = 5,
        hidden: int = 8,
        activation: str | Module = "sigmoid",
        init: str = "xavier_uniform",
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        generator = _rng(rng, seed)
        if isinstance(vocab_size_or_vectors, (int, np.integer)) and not isinstance(vocab_size_or_vectors, bool):
            self.embedding = Embedding(vocab_size_or_vectors, 4 if dim is None else dim, rng=generator)
        elif np.ndim(vocab_size_or_vectors) == 0 and not isinstance(vocab_size_or_vectors, np.ndarray):
            raise TypeError(
                "WindowClassifier needs a vocabulary size (an int) or a (vocab, dim) matrix of word vectors, "
                f"got {type(vocab_size_or_vectors).__name__}: {vocab_size_or_vectors!r:.40}"
            )
        else:
            self.embedding = Embedding.from_pretrained(vocab_size_or_vectors)
            if dim is not None and dim != self.embedding.embedding_dim:
                raise ValueError(f"dim={dim} but the word vectors have {self.embedding.embedding_dim} dimensions")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; expected one of {', '.join(INITS)}")
        self.window = _check_size(window, "WindowClassifier(window)")
        self.hidden = _check_size(hidden, "WindowClassifier(hidden)")
        self.dim = self.embedding.embedding_dim
        self.f = activation_module(activation)
        self.W = Parameter(_initial_weight((self.hidden, self.window * self.dim), init, generator), label="W")
        self.b = Parameter(np.zeros(self.hidden), label="b")
        self.u = Parameter(_initial_weight((1, self.hidden), init, generator)[0], label="u")

    def features(self, windows: Any) -> Tensor:
        """x: the window's word vectors concatenated, (5d,) for one window or (N, 5d) for a batch."""
        idx = np.asarray(windows.data if isinstance(windows, Tensor) else windows)
        if not isinstance(windows, Tensor) and idx.dtype.kind not in "iu":
            raise TypeError(f"WindowClassifier needs integer word indices, got {type(windows).__name__} ({idx.dtype})")
        if idx.ndim not in (1, 2) or idx.shape[-1] != self.window:
            raise ValueError(
                f"WindowClassifier expects word indices of shape ({self.window},) or (N, {self.window}); "
                f"got {idx.shape}"
            )
        vectors = self.embedding(windows)  # (..., window, d)
        return vectors.reshape(*idx.shape[:-1], self.window * self.dim)

    def hidden_activations(self, windows: Any) -> Tensor:
        """a = f(Wx + b): the hidden layer's activations, (m,) or (N, m)."""
        x = self.features(windows)
        return self.f(x @ self.W.T + self.b)

    def forward(self, windows: Any) -> Tensor:
        """s = uᵀa: a 0-d score for one window of word indices, shape (N,) for a batch (N, window)."""
        return self.hidden_activations(windows) @ self.u

    def extra_repr(self) -> str:
        return f"vocab={self.embedding.num_embeddings}, dim={self.dim}, window={self.window}, hidden={self.hidden}"

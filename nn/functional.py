"""PyTorch's ``torch.nn.functional`` names, for code written as ``import nn.functional as F``.

Each function is the existing errorflow implementation under PyTorch's name and signature (no formula is written
twice): the activations are the Tensor methods, ``cross_entropy``/``mse_loss`` are :mod:`nn.losses`, ``softmax``,
``log_softmax`` and ``linear`` are :mod:`autodiff`'s, ``dropout`` is :class:`nn.Dropout`'s mask.

    logits = F.linear(x, W, b)
    loss = F.cross_entropy(logits, targets)        # targets: int64 Tensor or numpy int array of class indices
    probs = F.softmax(logits, dim=1)
    xenc = F.one_hot(autodiff.tensor([5, 13]), num_classes=27)   # int64, as PyTorch
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from . import losses
from .layers import Dropout, _as_tensor

__all__ = [
    "relu",
    "tanh",
    "sigmoid",
    "softmax",
    "log_softmax",
    "linear",
    "cross_entropy",
    "mse_loss",
    "one_hot",
    "dropout",
]


def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return _as_tensor(input, "relu").relu()


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return _as_tensor(input, "tanh").tanh()


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e^{−x}) elementwise."""
    return _as_tensor(input, "sigmoid").sigmoid()


def _dim(dim: Any, what: str) -> int:
    if dim is None:
        raise TypeError(f"{what}(input, dim) needs the dim whose entries are normalized, e.g. {what}(logits, dim=1) "
                        "for (batch, classes) scores")  # fmt: skip
    return dim


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """Probabilities along ``dim`` (which must be given: PyTorch's implicit choice is deprecated)."""
    return autodiff.softmax(_as_tensor(input, "softmax"), _dim(dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """log softmax along ``dim``, computed stably."""
    return autodiff.log_softmax(_as_tensor(input, "log_softmax"), _dim(dim, "log_softmax"))


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b for W of shape (out, in), as one node (:func:`autodiff.linear`)."""
    return autodiff.linear(input, weight, bias)


def cross_entropy(input: Any, target: Any) -> Tensor:
    """The mean over the batch of −log softmax(input)_target; ``target`` holds integer class indices (an int64
    Tensor or a numpy int array). See :func:`nn.losses.cross_entropy`."""
    return losses.cross_entropy(input, losses.index_targets(target))


def mse_loss(input: Any, target: Any) -> Tensor:
    """The mean over all elements of (input − target)²."""
    return losses.mse_loss(input, target)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Row i is the indicator vector of class ``tensor[i]``: int64 of shape (*tensor.shape, num_classes), as
    PyTorch (``num_classes=-1`` means one more than the largest index). For a layer's input make it float:
    ``F.one_hot(xs, 27) * 1.0`` or ``autodiff.tensor(F.one_hot(xs, 27), dtype=autodiff.float64)``."""
    raw = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer class indices (an int64 Tensor or int array), got dtype {raw.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"one_hot(num_classes) must be an int, got {type(num_classes).__name__}: {num_classes!r}")
    if raw.size and raw.min() < 0:
        raise ValueError(f"one_hot: class indices must be ≥ 0, got {raw.min()}")
    if num_classes == -1:
        if not raw.size:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes=")
        num_classes = int(raw.max()) + 1
    if num_classes < 1 or (raw.size and raw.max() >= num_classes):
        raise ValueError(f"one_hot: class index {raw.max() if raw.size else None} needs num_classes > it, "
                         f"got num_classes={num_classes}")  # fmt: skip
    encoded = (raw[..., None] == np.arange(num_classes)).astype(np.int64)
    return autodiff.tensor(encoded)


def dropout(input: Any, p: float = 0.5, training: bool = True) -> Any:
    """Inverted dropout (:class:`nn.Dropout`): in training, zero each element with probability ``p`` and scale the
    rest by 1/(1 − p); the identity when ``training=False``. Draws from the default generator
    (:func:`autodiff.manual_seed`)."""
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"dropout(training=...) must be True or False, got {training!r}")
    layer = Dropout(p, rng=autodiff.default_generator.numpy)
    return layer(input) if training else input

"""errorflow's network toolkit: modules, layers, losses and data on the ``autodiff`` engines (notes §1–4, §7).

* scalar models (``Value``): :class:`Neuron`, :class:`Layer`, :class:`MLP` — the notes' §1–3 networks unit by unit;
* tensor models (``Tensor``): :class:`Linear`, :class:`Sequential`, :class:`Embedding`, :class:`Dropout`, the
  activation modules and the §3 :class:`WindowClassifier`;
* losses (:func:`max_margin_loss`, :func:`cross_entropy`, ...), :func:`l2_penalty` / :func:`l1_penalty`;
* submodules ``nn.init``, ``nn.preprocessing`` and ``nn.data``.
"""

from . import data, init, preprocessing
from .layers import (
    ELU,
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
)
from .losses import binary_cross_entropy, cross_entropy, max_margin_loss, mse_loss
from .module import CheckpointError, IncompatibleKeys, Module, Parameter, StateDictError, is_parameter
from .regularization import l1_penalty, l2_penalty
from .scalar import MLP, Layer, Neuron
from .window import WindowClassifier

__all__ = [
    "Module",
    "Parameter",
    "is_parameter",
    "IncompatibleKeys",
    "StateDictError",
    "CheckpointError",
    "Neuron",
    "Layer",
    "MLP",
    "Linear",
    "Sequential",
    "Embedding",
    "Dropout",
    "Identity",
    "Sigmoid",
    "Tanh",
    "HardTanh",
    "Softsign",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "WindowClassifier",
    "max_margin_loss",
    "cross_entropy",
    "mse_loss",
    "binary_cross_entropy",
    "l2_penalty",
    "l1_penalty",
    "data",
    "init",
    "preprocessing",
]

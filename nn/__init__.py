"""errorflow's network toolkit: modules, layers, losses and data on the ``autodiff`` engines (notes §1–4, §7).

* scalar models (``Value``): :class:`Neuron`, :class:`Layer`, :class:`MLP` — the notes' §1–3 networks unit by unit;
* tensor models (``Tensor``): :class:`Linear`, :class:`Sequential`, :class:`Embedding`, :class:`Dropout`, the
  activation modules and the §3 :class:`WindowClassifier`;
* losses (:func:`max_margin_loss`, :func:`cross_entropy`, ...), :func:`l2_penalty` / :func:`l1_penalty`;
* PyTorch's names: :class:`Flatten`, :class:`Softmax`, :class:`CrossEntropyLoss`, :class:`MSELoss`,
  :class:`BatchNorm1d`, :class:`LayerNorm`, ``nn.functional`` (``import nn.functional as F``) and
  ``nn.data.TensorDataset``/``DataLoader``;
* submodules ``nn.init``, ``nn.preprocessing``, ``nn.data``, ``nn.functional`` and ``nn.micrograd`` (micrograd's
  Neuron/Layer/MLP, so its notebooks run with only their imports changed).
"""

from . import data, functional, init, micrograd, preprocessing
from .layers import (
    ELU,
    Dropout,
    Embedding,
    Flatten,
    HardTanh,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softsign,
    Tanh,
)
from .losses import CrossEntropyLoss, MSELoss, binary_cross_entropy, cross_entropy, max_margin_loss, mse_loss
from .module import CheckpointError, IncompatibleKeys, Module, Parameter, StateDictError, is_parameter
from .normalization import BatchNorm1d, LayerNorm
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
    "Flatten",
    "Softmax",
    "BatchNorm1d",
    "LayerNorm",
    "CrossEntropyLoss",
    "MSELoss",
    "WindowClassifier",
    "max_margin_loss",
    "cross_entropy",
    "mse_loss",
    "binary_cross_entropy",
    "l2_penalty",
    "l1_penalty",
    "data",
    "functional",
    "micrograd",
    "init",
    "preprocessing",
]

"""errorflow's network toolkit: modules, layers and losses on the ``autodiff`` engines (notes §1–4, §7)."""

from .module import Module, is_parameter
from .scalar import MLP, Layer, Neuron

__all__ = ["Module", "is_parameter", "Neuron", "Layer", "MLP"]

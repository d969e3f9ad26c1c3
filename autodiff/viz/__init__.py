"""See the error flow: Graphviz diagrams of a computation graph, and a step-through of backpropagation.

The notes explain backpropagation as *error sharing*: an error signal of 1 starts at the output s, and every node
passes on to each of its inputs a fair share — the signal it received times its local derivative,

    share sent to parent  =  error signal at node  ×  ∂node/∂parent          (the chain rule, one edge at a time)

and a node that feeds several others receives the *sum* of what they send it. In the notes' worked example (§5),
the signal 1 at s reaches a₁⁽²⁾ as W₁⁽²⁾, crosses the neuron to z₁⁽²⁾ as δ₁⁽²⁾ = f'(z₁⁽²⁾)·W₁⁽²⁾, and reaches the
weight W₁₄⁽¹⁾ as δ₁⁽²⁾·a₄⁽¹⁾, which is ∂s/∂W₁₄⁽¹⁾.

This module draws exactly that picture:

* :func:`draw` — the graph as a ``graphviz.Digraph`` (shown inline by Jupyter; ``.save("g.svg")``). Value nodes show
  their label, data and grad; small operation nodes show what combined them (``×``, ``σ``, ``× 2`` for a constant);
  colours tell inputs, parameters, intermediates and the output apart, and a legend says which is which. With
  ``flow=True`` the edges run from the output back to the inputs, each labelled with the signal it carries, as a
  number and — where the nodes carry labels — as a formula (``δ₁⁽²⁾·x₄``).
* :func:`error_flow` — the same signals as data (one :class:`FlowEdge` per edge), for tests and notebooks.
* :func:`steps` — one diagram per backward step; :class:`BackpropPlayer` — those diagrams in a self-contained HTML
  page with Prev/Next buttons, a slider and a caption per step in words.

**Labels in the notes' grammar.** A label ``symbol`` + subscript indices + ``⁽layer⁾`` — ``W₁₄⁽¹⁾`` (the weight
from unit 4 of layer 1 into unit 1 of layer 2), ``b₁⁽¹⁾``, ``z₁⁽²⁾``, ``a₄⁽¹⁾``; ``W₁,₁₂⁽¹⁾`` when an index has two
digits — is read by the diagrams: a ``weighted_sum`` of weights ``Wᵢⱼ⁽ᵏ⁾`` is named ``zᵢ⁽ᵏ⁺¹⁾``, its activation
``aᵢ⁽ᵏ⁺¹⁾``, and the signal at ``zᵢ⁽ᵏ⁾`` is written ``δᵢ⁽ᵏ⁾``, so edges read ``δ₁⁽²⁾·a₄⁽¹⁾``. ASCII spellings are
accepted and drawn in that form: ``W14^(1)``, ``W_14^(1)``, ``W[1,4]^(1)``, ``W_{1,12}^{1}``, ``z1^2``. With
``model=`` an unlabelled parameter is named by its place in the model (``W₁₂⁽¹⁾``, ``b₃⁽¹⁾``, ``W⁽²⁾``).

Nothing here re-implements backpropagation: the signals come from :func:`autodiff.graph.backprop_steps`, the same
walker that ``backward()`` runs. Drawing never changes a graph's ``.grad`` values. Nodes are duck-typed: anything
with ``data``, ``grad``, ``label``, ``op`` and ``_parents`` can be drawn, and a node whose ``data`` is a numpy array
(a ``Tensor``) is shown by its shape, dtype and a compact preview.
"""


from .diagram import Diagram, GraphvizNotInstalled, draw, steps
from .flow import FlowEdge, error_flow
from .naming import COLORS, INSTALL_HINT
from .player import BackpropPlayer

__all__ = [
    "draw",
    "error_flow",
    "steps",
    "BackpropPlayer",
    "Diagram",
    "FlowEdge",
    "GraphvizNotInstalled",
    "COLORS",
    "INSTALL_HINT",
]

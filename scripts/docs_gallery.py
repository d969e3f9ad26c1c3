"""The site's gallery (scripts/docs_site.py builds gallery.md from it): each example is the code shown on the page,
and the page shows what that very code drew when the site was built.

``python scripts/docs_gallery.py OUT_DIR`` runs them all and writes the diagrams there (one SVG or HTML each).
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INTRO = """# Gallery

The diagrams errorflow draws, each under the few lines of code that drew it. The site runs that code every time it
is built, so what you see is what the code makes today. Colours: inputs blue, parameters orange, intermediates
grey, the output green; in the error-flow view (`flow=True`) every edge carries the signal sent back along it.
"""


@dataclass(frozen=True)
class Example:
    """One gallery entry: ``code`` must leave the diagram (or player) in a variable named ``result``."""

    name: str
    title: str
    text: str
    code: str

    @property
    def source(self) -> str:
        """The code as shown on the page and run."""
        return textwrap.dedent(self.code).strip()

    def run(self) -> Any:
        """Execute :attr:`source`, in a fresh namespace, and return its ``result``."""
        namespace: dict[str, Any] = {"__name__": f"gallery_{self.name}"}
        exec(compile(self.source, f"<gallery: {self.name}>", "exec"), namespace)
        if "result" not in namespace:
            raise ValueError(f"gallery example {self.name!r} must assign its diagram to `result`")
        return namespace["result"]


EXAMPLES = [
    Example(
        "neuron",
        "One sigmoid neuron, its error flow",
        "The README's neuron a = σ(w₁x₁ + w₂x₂ + b) after `a.backward()`: the signal 1 leaves a, crosses σ as σ'(z), "
        "and reaches each weight multiplied by its input.",
        """
        from autodiff import Value, viz

        x1, x2 = Value(2.0, "x₁"), Value(0.0, "x₂")
        w1, w2, b = Value(-3.0, "w₁"), Value(1.0, "w₂"), Value(6.8813735870195432, "b")
        a = (w1 * x1 + w2 * x2 + b).sigmoid()
        a.backward()
        result = viz.draw(a, flow=True)
        """,
    ),
    Example(
        "neuron-player",
        "The same neuron, one backward step at a time",
        "`viz.BackpropPlayer` turns the backward pass into frames: Prev/Next, the slider or the arrow keys step "
        "through it, and the caption says what each node received and sent.",
        """
        from autodiff import Value, viz

        x1, x2 = Value(2.0, "x₁"), Value(0.0, "x₂")
        w1, w2, b = Value(-3.0, "w₁"), Value(1.0, "w₂"), Value(6.8813735870195432, "b")
        result = viz.BackpropPlayer((w1 * x1 + w2 * x2 + b).sigmoid(), legend=False)
        """,
    ),
    Example(
        "section-5-network",
        "The notes' §5 network, number by number",
        "Four inputs, two sigmoid hidden units and a score, built by `nn.MLP` from `Neuron`s that name their "
        "weights as the notes do. The edge into W₁₄⁽¹⁾ carries δ₁⁽²⁾·a₄⁽¹⁾ = ∂s/∂W₁₄⁽¹⁾.",
        """
        import nn
        from autodiff import Value, viz

        mlp = nn.MLP(4, [2, 1], activation="sigmoid", seed=0)
        x = [Value(v, f"a{'₁₂₃₄'[j]}⁽¹⁾") for j, v in enumerate([0.5, -1.0, 2.0, 0.8])]
        s = mlp(x)
        s.backward()
        result = viz.draw(s, flow=True, model=mlp)
        """,
    ),
    Example(
        "tensor-network",
        "The same shape of network on Tensors",
        "Built from `nn.Linear` layers, the network has one edge per matrix, and each carries the notes' vectorized "
        "formula (δ⁽²⁾ᵀ·a⁽¹⁾ into W⁽¹⁾). Small tensors are drawn as tables of their numbers, shaded blue (< 0) to red "
        "(> 0).",
        """
        import numpy as np

        import nn
        from autodiff import Tensor, viz

        net = nn.Sequential(nn.Linear(4, 2, seed=3), nn.Sigmoid(), nn.Linear(2, 1, seed=4))
        s = net(Tensor(np.array([[0.5, -1.0, 2.0, 0.8]]))).sum()
        s.backward()
        result = viz.draw(s, flow=True, model=net)
        """,
    ),
    Example(
        "layer-view",
        "A bigger network, one box per layer",
        "The digits MLP (64 → 128 → 64 → 10) on a batch of 32: `collapse=True` draws the layer-level view of notes "
        "§6, the signals δ⁽ᵏ⁾ between layers and the gradient sent to each W⁽ᵏ⁾ and b⁽ᵏ⁾, with its formula.",
        """
        import numpy as np

        import nn
        from autodiff import Tensor, softmax_cross_entropy, viz

        net = nn.Sequential(nn.Linear(64, 128, seed=0), nn.ReLU(), nn.Linear(128, 64, seed=1), nn.ReLU(),
                            nn.Linear(64, 10, seed=2))
        images = Tensor(np.random.default_rng(0).normal(size=(32, 64)))
        labels = np.random.default_rng(1).integers(0, 10, 32)
        loss = softmax_cross_entropy(net(images), labels)
        result = viz.draw(loss, flow=True, collapse=True)
        """,
    ),
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for example in EXAMPLES:
        result = example.run()
        if hasattr(result, "svg"):
            (out / f"{example.name}.svg").write_text(result.svg(), encoding="utf-8")
        else:
            (out / f"{example.name}.html").write_text(result.html(), encoding="utf-8")
        print(out / example.name)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "gallery"))

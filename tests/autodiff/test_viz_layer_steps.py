"""Issue 11 §5: steps and BackpropPlayer on the layer-level view (collapse=True): one frame per layer."""

import numpy as np
import pytest

import nn
from autodiff import Tensor, Value, viz
from tests.autodiff.test_viz import Dot, text_of


def three_layers():
    net = nn.Sequential(nn.Linear(4, 3, seed=3), nn.Sigmoid(), nn.Linear(3, 3, seed=5), nn.Tanh(),
                        nn.Linear(3, 1, seed=4))
    s = net(Tensor(np.random.default_rng(0).standard_normal((5, 4)))).sum()
    return net, s


def titles_outlined(frame) -> list[str]:
    dot = Dot(frame.source)
    return [text_of(a["label"]).split(" a⁽")[0].split(" z⁽")[0] for a in dot.nodes.values()
            if a.get("color") == viz.COLORS["current"]]


def test_one_frame_per_layer_walking_from_the_output_down():
    net, s = three_layers()
    frames = viz.steps(s, collapse=True)
    assert len(frames) == 4  # the output, then layers 3, 2, 1
    assert [titles_outlined(f) for f in frames] == [["output -1.091"], ["Layer 3"], ["Layer 2"], ["Layer 1"]]
    assert all(f"backward step {k + 1} of 4" in f.source for k, f in enumerate(frames))


def test_a_frame_shows_the_signals_sent_so_far_and_keeps_the_rest_invisible():
    net, s = three_layers()
    frames = viz.steps(s, collapse=True)
    full = Dot(viz.draw(s, flow=True, collapse=True).source)
    for k, frame in enumerate(frames):
        dot = Dot(frame.source)
        assert len(dot.edges) == len(full.edges)  # same layout in every frame
        shown = [a for _, _, a in dot.edges if "label" in a and 'color="transparent"' not in a["label"]]
        hidden = [a for _, _, a in dot.edges if "label" in a and 'color="transparent"' in a["label"]]
        sent_by = [1, 3, 3, 2][: k + 1]  # output → layer 3; layer 3 → layer 2, W⁽³⁾, b⁽³⁾; …
        assert len(shown) == sum(sent_by) and len(shown) + len(hidden) == 9
    last = Dot(frames[-1].source)
    assert [text_of(a["label"]) for _, _, a in last.edges if "label" in a] == [
        text_of(a["label"]) for _, _, a in full.edges if "label" in a]


def test_the_player_captions_name_each_layers_signals_in_the_notes_notation():
    net, s = three_layers()
    player = viz.BackpropPlayer(s, model=net, collapse=True)
    assert len(player) == 5 and player.captions[0].startswith("The forward pass is done")
    layer2 = player.captions[3]
    assert layer2.startswith("Step 3 of 4: Layer 2 receives a (5, 3) signal")
    assert "δ⁽³⁾·W⁽²⁾ = a (5, 3) signal" in layer2 and "to Layer 1" in layer2
    assert "δ⁽³⁾ᵀ·a⁽²⁾ = a (3, 3) signal" in layer2 and "to W⁽²⁾" in layer2
    grad_norm = np.linalg.norm(net[2].weight.grad) if net[2].weight.grad is not None else None
    assert grad_norm is None  # drawing ran its own pass and left the gradients alone


def test_a_scalar_mlp_steps_by_layer_with_its_model():
    net = nn.MLP(2, [3, 1], seed=0)
    out = net([Value(0.5), Value(-1.0)])
    out = out[0] if isinstance(out, list) else out
    frames = viz.steps(out, model=net, collapse=True)
    assert len(frames) == 2  # the output (whose box holds the linear last layer), then layer 1
    assert "Layer 1" in text_of(Dot(frames[1].source).nodes[[k for k, a in Dot(frames[1].source).nodes.items()
                                                             if a.get("color") == viz.COLORS["current"]][0]]["label"])
    with pytest.raises(ValueError, match="needs model="):
        viz.steps(out, collapse=True)

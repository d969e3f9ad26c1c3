"""Issue 12: the backprop player at real size — shared-SVG frames, skipped leaf steps, a bound on the frames."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from autodiff import Value, viz
from tests.autodiff.test_viz import Dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot renders the frames")


def neuron():
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
    out = (w * x + b).tanh()
    out.label = "a"
    return out


def data_of(page: str) -> dict:
    return json.loads(re.search(r'class="ef-data">(.*?)</script>', page, re.S)[1].replace("<\\/", "</"))


def test_skip_leaves_leaves_out_the_leaf_steps_and_counts_the_rest():
    player = viz.BackpropPlayer(neuron(), skip_leaves=True)
    assert len(player) == 4  # the forward pass, then a, the + node and the × node
    assert player.counters == ["Forward pass", "Step 1 of 3", "Step 2 of 3", "Step 3 of 3"]
    assert all(c.startswith(f"Step {k} of 3: ") for k, c in enumerate(player.captions[1:], start=1))
    assert not any("is a leaf" in c for c in player.captions)


@needs_dot
def test_a_skipped_leaf_fills_in_with_the_step_that_sends_its_last_signal():
    player = viz.BackpropPlayer(neuron(), skip_leaves=True)
    data = data_of(player.html())
    assert data["frames"] == [-1, 0, 1, 3]  # step 2 is the leaf b
    leaves = {player._scene.ids[id(n)] for n in player._scene.order if not n._parents}
    steps = player._element_steps()
    assert {steps[v] for v in leaves} == {1, 3}  # b with the + node (step 1), w and x with the × node (step 3)


def test_max_frames_cuts_with_a_warning_and_says_so_in_the_last_caption():
    with pytest.warns(UserWarning, match=r"6 steps are more than max_frames=3.*skip_leaves=True"):
        player = viz.BackpropPlayer(neuron(), max_frames=3)
    assert len(player) == 3 and player.counters[-1] == "Step 2 of 2"
    assert "The player stops here" in player.captions[-1]
    with pytest.raises(ValueError, match="max_frames must be an int ≥ 2"):
        viz.BackpropPlayer(neuron(), max_frames=1)


def test_captions_read_well_for_any_label():
    a = Value(2.0, "a")
    out = a * Value(3.0)  # an unlabelled output and an unlabelled leaf
    captions = viz.BackpropPlayer(out).captions
    assert "starts at the output (the × node (6))" in captions[0]
    assert not any("∂out/∂the" in c for c in captions)
    assert any("∂out/∂a = 3" in c for c in captions)
    named = neuron()
    assert "starts at the output a with an error signal of 1" in viz.BackpropPlayer(named).captions[0]


def test_frames_are_still_there_as_diagrams_on_demand():
    player = viz.BackpropPlayer(neuron())
    assert len(player.frames) == len(player) == 7
    first = player.frames[0].source
    assert "dir=back" in first and "forward pass" in first  # the forward pass, arrows the forward way
    assert "grad" not in re.sub(r'<font color="#(cfe2ff|ffe3b3|f4f4f4|c9f0c5)">grad[^<]*</font>', "", first)


@needs_dot
def test_a_micrograd_mlp_of_real_size_gives_a_page_of_a_few_megabytes():
    from nn.micrograd import MLP

    model = MLP(2, [16, 16, 1])
    loss = (model([Value(0.5), Value(-1.0)]) - 1.0) ** 2
    page = viz.BackpropPlayer(loss, model=model, max_nodes=None).page()
    assert len(page.encode()) < 5_000_000  # 407 SVGs made 227 MB before issue 12
    data = data_of(page)
    assert len(data["frames"]) == len(data["captions"]) > 900


@needs_dot
@pytest.mark.parametrize("suffix", [".pdf", ".gif", ".png"])
def test_static_exports_for_where_scripts_do_not_run(tmp_path, suffix):
    from PIL import Image

    player = viz.BackpropPlayer(neuron(), skip_leaves=True)
    path = player.save(tmp_path / f"steps{suffix}", dpi=60)
    data = path.read_bytes()
    if suffix == ".pdf":
        assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1
        assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == len(player) == 4
    else:
        with Image.open(path) as image:
            assert image.n_frames == len(player) == 4 and image.is_animated


@needs_dot
def test_a_skipped_leaf_is_drawn_done_in_the_frame_of_its_last_signal():
    player = viz.BackpropPlayer(neuron(), skip_leaves=True)
    last = Dot(player.frames[-1].source)
    assert not any(v["fillcolor"] == viz.COLORS["greyed_fill"] for v in last.values().values())


def test_save_writes_the_page_for_any_other_suffix_and_checks_duration(tmp_path):
    assert viz.BackpropPlayer(neuron()).save(tmp_path / "steps.htm").read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>")
    with pytest.raises(ValueError, match="duration must be a positive number"):
        viz.BackpropPlayer(neuron()).save(tmp_path / "steps.gif", duration=0)
    assert [p.name for p in tmp_path.iterdir()] == ["steps.htm"]


def test_forward_steps_come_first_and_say_what_each_node_computes():
    player = viz.BackpropPlayer(neuron(), forward_steps=True)
    assert player.counters[:4] == ["Forward 1 of 3", "Forward 2 of 3", "Forward 3 of 3", "Forward pass"]
    assert player.captions[0].endswith("w × x = -6.") and "hold their values" in player.captions[0]
    assert player.captions[2] == "Forward 3 of 3: tanh(0.8814) = 0.7071, the value of a."
    assert len(player.frames) == len(player) == 3 + 1 + 6
    with pytest.raises(ValueError, match="does not combine with collapse=True"):
        viz.BackpropPlayer(neuron(), forward_steps=True, collapse=True)

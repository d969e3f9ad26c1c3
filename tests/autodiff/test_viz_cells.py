"""Issue 11 §3: tensors that fit are drawn as shaded tables of numbers; larger ones as a summary and a histogram."""

import html
import re
import shutil

import numpy as np
import pytest

import nn
from autodiff import Tensor, viz
from autodiff.viz import cells
from autodiff.viz.naming import _fmt
from tests.autodiff.test_viz import Dot, text_of

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make dot)")


def section6_network(batch: int = 1):
    """The notes' §6 two-layer network on Tensors: 4 inputs, 2 sigmoid units, one score."""
    net = nn.Sequential(nn.Linear(4, 2, seed=3), nn.Sigmoid(), nn.Linear(2, 1, seed=4))
    x = Tensor(np.random.default_rng(0).standard_normal((batch, 4)))
    s = net(x).sum()
    s.backward()
    return net, s


def shades(label: str) -> list[str]:
    return re.findall(r'<td bgcolor="(#[0-9a-f]{6})">', label)


def test_a_2x4_matrix_shows_all_8_values_of_data_and_of_grad_cell_by_cell():
    net, s = section6_network()
    W = net[0].weight
    dot = Dot(viz.draw(s, model=net).source)
    _, attrs = dot.node_named("W⁽¹⁾")
    words = text_of(attrs["label"]).split()
    assert words[:4] == ["W⁽¹⁾", "(2,", "4)", "float64"]
    assert words[4:12] == [_fmt(v) for v in W.data.ravel()]  # row by row, as the matrix reads
    assert words[12] == "grad" and words[13:21] == [_fmt(v) for v in W.grad.ravel()]
    assert len(words) == 21
    assert len(shades(attrs["label"])) == 16  # every cell of data and of grad is shaded


def test_cells_shade_on_a_diverging_scale_zero_white_data_and_grad_each_on_their_own():
    assert cells.shade(0.0, 3.0) == "#ffffff"
    strong_red, strong_blue = cells.shade(3.0, 3.0), cells.shade(-3.0, 3.0)
    r, g, b = (int(strong_red[i:i + 2], 16) for i in (1, 3, 5))
    assert r > g and r > b
    r, g, b = (int(strong_blue[i:i + 2], 16) for i in (1, 3, 5))
    assert b > r and b > g
    assert cells.shade(1.5, 3.0) not in ("#ffffff", strong_red)  # halfway is lighter than the largest
    assert cells.shade(float("nan"), 1.0) == "#bdbdbd"
    data = np.array([[0.0, 1.0], [-2.0, 0.5]])
    grad = data * 1e-3  # a much smaller scale, shaded just as strongly
    assert shades(cells.table(data)) == shades(cells.table(grad))
    assert shades(cells.table(data))[0] == "#ffffff" and shades(cells.table(data))[2] == strong_blue


def test_the_edge_into_W_carries_the_cells_of_its_gradient():
    net, s = section6_network(batch=5)
    W = net[0].weight
    dot = Dot(viz.draw(s, model=net, flow=True).source)
    w_id = dot.node_named("W⁽¹⁾")[0]
    (tail,) = [t for t, h, _ in dot.edges if h == w_id]
    text = dot.edge_label(tail, w_id)
    assert text.endswith(" ".join(_fmt(v) for v in W.grad.ravel()))  # one pass: the share is all of W's grad
    assert "δ⁽²⁾" in text and "(2, 4)" in text


def test_larger_tensors_keep_norm_min_max_and_add_a_histogram():
    x = Tensor(np.linspace(-1.0, 2.0, 400).reshape(20, 20), requires_grad=True)
    s = (x * x).sum()
    s.backward()
    label = Dot(viz.draw(s).source).values()
    (raw,) = [v["label"] for v in label.values() if "min -1 max 2" in text_of(v["label"])]  # x, not x*x
    big = text_of(raw)
    assert big.startswith("(20, 20) float64") and f"‖·‖ {_fmt(np.linalg.norm(x.data))}" in big
    bars = re.findall(r'<td width="5" height="3" fixedsize="true"( bgcolor="#[0-9a-f]{6}")?></td>', raw)
    assert len(bars) == 2 * 12 * 6  # data and grad: 12 bins × 6 levels each
    filled = sum(1 for b in bars[:72] if b)
    assert 12 * 6 * 0.9 <= filled <= 72  # evenly spread values: every bin near full height


def test_cells_is_a_limit_on_each_axis_and_0_turns_tables_off():
    t = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    s = (t * 2).sum()
    s.backward()
    assert shades(viz.draw(s, cells=4).source) and not shades(viz.draw(s, cells=3).source)
    assert not shades(viz.draw(s, cells=0).source)
    assert "‖·‖" in text_of(viz.draw(s, cells=3).source)
    for bad in (-1, True, 2.5, "8"):
        with pytest.raises(ValueError, match="cells must be a non-negative int"):
            viz.draw(s, cells=bad)


def test_a_3d_tensor_is_summarised_even_when_small():
    t = Tensor(np.ones((2, 2, 2)), requires_grad=True)
    s = t.sum()
    assert not shades(viz.draw(s).source)


def test_the_player_fills_in_a_nodes_grad_cells_when_the_pass_reaches_it():
    net, s = section6_network()
    frames = viz.steps(s, model=net)
    dot_first, dot_last = Dot(frames[0].source), Dot(frames[-1].source)
    first = dot_first.node_named("W⁽¹⁾")[1]["label"]
    last = dot_last.node_named("W⁽¹⁾")[1]["label"]
    assert shades(first) == []  # not reached: greyed numbers, grad cells in place but hidden in the fill colour
    assert first.count(f'<font color="{viz.COLORS["greyed_fill"]}">') >= 8
    assert first.count(f'<font color="{viz.COLORS["greyed_text"]}">') >= 8
    assert len(shades(last)) == 16


@needs_dot
def test_the_cells_render_to_svg(tmp_path):
    net, s = section6_network()
    svg = html.unescape(viz.draw(s, model=net, flow=True).svg())
    W = net[0].weight
    for value in W.grad.ravel():
        assert f">{_fmt(value)}<" in svg
    path = tmp_path / "cells.svg"
    path.write_text(svg, encoding="utf-8")
    assert path.stat().st_size > 1000

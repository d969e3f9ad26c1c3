"""The backprop player in a real browser: headless Chromium opens the saved page, Next changes frame and caption.

Chromium and Playwright as every browser test here uses them (tests/browser.py): Debian's ``chromium``, never
``playwright install``; skipped, saying why, only when Chromium cannot be installed on this machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autodiff import Value, viz
from tests.browser import CHROMIUM_FLAGS, chromium, sync_playwright

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot renders the frames (make dot)")


@pytest.fixture(scope="module")
def page_of(tmp_path_factory):
    """Open an HTML file in headless Chromium; yields a function path → Playwright page (console errors kept)."""
    executable = chromium()
    with sync_playwright() as playwright:
        profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS, timeout=60_000
        )
        errors: list[str] = []

        def open_page(path: Path):
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.goto(path.as_uri())
            return page

        open_page.errors = errors
        try:
            yield open_page
        finally:
            context.close()


def _visible(page, which: int = 0) -> dict:
    """What a person sees in player ``which`` of the page: the frame on display (the slider's position over the
    one shared SVG, issue 12), the SVG as drawn, the caption, the counter, the slider and the buttons."""
    return page.evaluate(
        """(which) => {
        const box = document.querySelectorAll('.ef-player')[which];
        const q = (s) => box.querySelector(s);
        const svgs = [...box.querySelectorAll('.ef-frame')].filter(f => getComputedStyle(f).display !== 'none');
        return {
          shown: [Number(q('.ef-slider').value)],
          svg: svgs.length === 1 ? svgs[0].querySelector('svg').outerHTML : '',
          caption: q('.ef-caption').textContent,
          counter: q('.ef-counter').textContent,
          slider: q('.ef-slider').value,
          prevDisabled: q('.ef-prev').disabled,
          nextDisabled: q('.ef-next').disabled,
          frames: Number(q('.ef-slider').max) + 1,
        };
    }""", which)


def test_next_prev_and_slider_change_the_frame_and_caption(page_of, tmp_path):
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
    out = (w * x + b).tanh()
    player = viz.BackpropPlayer(out)
    path = player.save(tmp_path / "player.html")
    page = page_of(path)

    start = _visible(page)
    assert start["frames"] == len(player) == 7
    assert start["shown"] == [0] and start["caption"] == player.captions[0]
    # issue 12: the counter counts the steps as the captions do; frame 0 is the forward pass
    assert start["counter"] == "Forward pass" and start["prevDisabled"] and not start["nextDisabled"]
    assert "<svg" in start["svg"]

    page.click("text=Next ▶")
    after = _visible(page)
    assert after["shown"] == [1]  # exactly one frame on display, and it is a different one
    assert after["svg"] != start["svg"]
    assert after["caption"] == player.captions[1] != start["caption"]
    assert "receives 1" in after["caption"] and "sends" in after["caption"]
    assert after["counter"] == "Step 1 of 6" and after["caption"].startswith("Step 1 of 6: ")
    assert after["slider"] == "1" and not after["prevDisabled"]

    page.click("text=Next ▶")
    assert _visible(page)["caption"] == player.captions[2]
    page.click("text=◀ Prev")
    assert _visible(page)["shown"] == [1]

    page.locator(".ef-slider").fill("6")  # drag the slider to the last frame
    end = _visible(page)
    assert end["shown"] == [6] and end["caption"] == player.captions[6] and end["nextDisabled"]
    assert "is a leaf" in end["caption"]
    assert page_of.errors == []


def test_a_tensor_graph_steps_in_vectorized_notation_with_cells_filling_in(page_of, tmp_path):
    """Issue 11 §5: the player on the §6 network built from Tensors (nn.Sequential of Linear and Sigmoid)."""
    import numpy as np

    import nn
    from autodiff import Tensor

    net = nn.Sequential(nn.Linear(4, 2, seed=3), nn.Sigmoid(), nn.Linear(2, 1, seed=4))
    s = net(Tensor(np.random.default_rng(0).standard_normal((1, 4)))).sum()
    player = viz.BackpropPlayer(s, model=net)
    page = page_of(player.save(tmp_path / "tensor-player.html"))

    start = _visible(page)
    assert start["frames"] == len(player) and start["shown"] == [0]
    page.click("text=Next ▶")
    page.click("text=Next ▶")
    step = _visible(page)
    assert step["shown"] == [2] and step["caption"] == player.captions[2] != start["caption"]
    assert step["counter"] == f"Step 2 of {len(player) - 1}" and step["caption"].startswith(step["counter"] + ":")
    assert any("δ⁽²⁾" in c and "σ'(z⁽²⁾)" in c for c in player.captions)  # vectorized notation, not shapes only
    assert any("δ⁽²⁾ᵀ·a⁽¹⁾" in c for c in player.captions)  # the share sent to W⁽¹⁾

    def shaded_cells() -> int:  # the numbers of a frame drawn on a coloured (not white, not hidden) cell
        return page.evaluate("""() => {
            const shown = document.querySelector('.ef-frame');
            return [...shown.querySelectorAll('polygon')].filter(p => {
                const fill = p.getAttribute('fill') || '';
                return /^#[0-9a-f]{6}$/.test(fill) && fill !== '#ffffff' && /^#(e|f|d|c|b|a|9|8)/.test(fill)
                    && !['#f4f4f4', '#ffe3b3', '#cfe2ff', '#c9f0c5', '#f7f7f7', '#fafafa', '#d0d0d0'].includes(fill);
            }).length;
        }""")

    page.locator(".ef-slider").fill("0")
    before = shaded_cells()
    page.locator(".ef-slider").fill(str(len(player) - 1))
    after = shaded_cells()
    assert after >= before + 16  # the data and gradient cells filled in as the pass reached their nodes
    assert page_of.errors == []


def test_two_displays_of_one_player_on_a_page_work_independently(page_of, tmp_path):
    """Issue 12: a notebook showing the same player twice (identical HTML) — each display steps on its own."""
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    player = viz.BackpropPlayer((w * x).tanh())
    path = tmp_path / "twice.html"
    path.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{player.html()}{player.html()}</body>",
                    encoding="utf-8")
    page = page_of(path)
    page.locator(".ef-next").nth(1).click()
    page.locator(".ef-next").nth(1).click()
    first, second = _visible(page, 0), _visible(page, 1)
    assert first["counter"] == "Forward pass" and first["caption"] == player.captions[0]
    assert second["counter"] == "Step 2 of 4" and second["caption"] == player.captions[2]
    page.locator(".ef-next").nth(0).click()
    assert _visible(page, 0)["counter"] == "Step 1 of 4" and _visible(page, 1)["counter"] == "Step 2 of 4"
    assert page_of.errors == []


def test_the_forward_frame_is_plain_and_each_step_restyles_the_shared_svg(page_of, tmp_path):
    """Issue 12: frame 0 draws the forward pass (role colours, no gradient, arrows towards the output); a step
    outlines its node and shows the signals sent so far, on the same layout."""
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    out = (w * x).tanh()
    out.label = "a"
    page = page_of(viz.BackpropPlayer(out).save(tmp_path / "p.html"))

    def look() -> dict:
        return page.evaluate("""() => {
            const svg = document.querySelector('.ef-frame svg');
            const visible = [...svg.querySelectorAll('text')].filter(t => t.getAttribute('fill') !== 'none'
                && !['#f4f4f4', '#ffe3b3', '#cfe2ff', '#c9f0c5', '#f7f7f7'].includes(t.getAttribute('fill')));
            return {grads: visible.filter(t => t.textContent.startsWith('grad')).length,
                    current: svg.querySelectorAll('.ef-cur').length,
                    boxes: [...svg.querySelectorAll('g.node path')].map(p => p.getAttribute('d')).join(' ')};
        }""")

    forward = look()
    assert forward["grads"] == 0 and forward["current"] == 0
    page.click("text=Next ▶")
    step = look()
    assert step["grads"] == 1 and step["current"] >= 2  # the output's grad 1; it and its edge outlined
    assert step["boxes"] == forward["boxes"]  # the layout stays put
    page.locator(".ef-slider").fill("4")
    assert look()["grads"] == 4 and look()["current"] >= 1
    assert page_of.errors == []


def test_the_forward_pass_can_be_stepped_too_values_filling_in(page_of, tmp_path):
    """Issue 12: forward_steps=True — the values fill in node by node, inputs first, before backpropagation."""
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    out = (w * x).tanh()
    out.label = "a"
    player = viz.BackpropPlayer(out, forward_steps=True)
    page = page_of(player.save(tmp_path / "forward.html"))

    def data_texts() -> list[str]:
        return page.evaluate("""() => [...document.querySelectorAll('.ef-frame svg text')]
            .filter(t => t.textContent.startsWith('data') && t.getAttribute('fill') !== '#f7f7f7')
            .map(t => t.textContent)""")

    start = _visible(page)
    assert start["counter"] == "Forward 1 of 2" and start["caption"] == player.captions[0]
    assert sorted(data_texts()) == ["data -3", "data -6", "data 2"]  # the inputs, and w × x just computed
    page.click("text=Next ▶")
    assert len(data_texts()) == 4 and _visible(page)["counter"] == "Forward 2 of 2"
    page.click("text=Next ▶")
    assert _visible(page)["counter"] == "Forward pass"
    page.click("text=Next ▶")
    assert _visible(page)["counter"] == "Step 1 of 4" and _visible(page)["caption"] == player.captions[3]
    page.locator(".ef-slider").fill("0")
    assert len(data_texts()) == 3
    assert page_of.errors == []

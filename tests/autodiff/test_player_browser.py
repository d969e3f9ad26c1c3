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


def _visible(page) -> dict:
    """What a person sees: the frame on display, the caption, the counter, the slider and the buttons."""
    return page.evaluate(
        """() => {
        const frames = [...document.querySelectorAll('.ef-frame')];
        const shown = frames.filter(f => getComputedStyle(f).display !== 'none');
        return {
          shown: shown.map(f => Number(f.dataset.frame)),
          svg: shown.length ? shown[0].querySelector('svg').outerHTML : '',
          caption: document.querySelector('.ef-caption').textContent,
          counter: document.querySelector('.ef-counter').textContent,
          slider: document.querySelector('.ef-slider').value,
          prevDisabled: document.querySelector('.ef-prev').disabled,
          nextDisabled: document.querySelector('.ef-next').disabled,
          frames: frames.length,
        };
    }"""
    )


def test_next_prev_and_slider_change_the_frame_and_caption(page_of, tmp_path):
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
    out = (w * x + b).tanh()
    player = viz.BackpropPlayer(out)
    path = player.save(tmp_path / "player.html")
    page = page_of(path)

    start = _visible(page)
    assert start["frames"] == len(player) == 7
    assert start["shown"] == [0] and start["caption"] == player.captions[0]
    assert start["counter"] == "1 / 7" and start["prevDisabled"] and not start["nextDisabled"]
    assert "<svg" in start["svg"]

    page.click("text=Next ▶")
    after = _visible(page)
    assert after["shown"] == [1]  # exactly one frame on display, and it is a different one
    assert after["svg"] != start["svg"]
    assert after["caption"] == player.captions[1] != start["caption"]
    assert "receives 1" in after["caption"] and "sends" in after["caption"]
    assert after["counter"] == "2 / 7" and after["slider"] == "1" and not after["prevDisabled"]

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
    assert step["counter"] == f"3 / {len(player)}"
    assert any("δ⁽²⁾" in c and "σ'(z⁽²⁾)" in c for c in player.captions)  # vectorized notation, not shapes only
    assert any("δ⁽²⁾ᵀ·a⁽¹⁾" in c for c in player.captions)  # the share sent to W⁽¹⁾

    def shaded_cells() -> int:  # the numbers of a frame drawn on a coloured (not white, not hidden) cell
        return page.evaluate("""() => {
            const shown = [...document.querySelectorAll('.ef-frame')].find(f => f.style.display !== 'none');
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

"""The documentation site as a reader gets it: ``site/`` (``make docs``) served on 127.0.0.1, opened in Chromium.

Marked ``site`` and left out of the unit suite; ``make docs-test`` builds the site strictly and runs these
(``ERRORFLOW_SITE=DIR`` tests another build). Every page opened must fetch nothing from outside the site and log
no console error. A screenshot of each page is saved in build/docs-screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

from tests.browser import CHROMIUM_FLAGS, REPO, chromium, sync_playwright

pytestmark = pytest.mark.site
SITE = Path(os.environ.get("ERRORFLOW_SITE", REPO / "site"))
SCREENSHOTS = REPO / "build" / "docs-screenshots"
DIAGRAMS = "article svg g.graph"  # a Graphviz drawing inlined in the page (not an icon)


@pytest.fixture(scope="module")
def base_url():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no site in {SITE}: build it with make docs (make docs-test builds it and runs these tests)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def open_page(base_url, tmp_path_factory):
    """path → a loaded Playwright page; ``page.problems`` lists console errors, page errors, failed requests and
    requests for anything not on the local server."""
    executable = chromium()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable, headless=True,
            args=CHROMIUM_FLAGS, timeout=60_000, viewport={"width": 1280, "height": 900},
        )

        def open_(path: str):
            page = context.new_page()
            page.problems = []
            page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
            page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
            page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url} {r.failure}"))
            page.on("request", lambda r: r.url.startswith((base_url, "data:", "blob:"))
                    or page.problems.append(f"fetched from outside the site: {r.url}"))
            page.goto(base_url + path, wait_until="load")
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise")
            return page

        try:
            yield open_
        finally:
            context.close()


def _shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _no_raw_math(page) -> None:
    text = page.locator("article").inner_text()
    assert "$$" not in text and "\\(" not in text and "\\frac" not in text


def test_home_page_has_the_picture_the_commands_and_the_comparison(open_page):
    page = open_page("")
    assert page.locator(DIAGRAMS).count() >= 1  # the error-flow picture, inline
    assert page.locator("article figure.ef-diagram svg text").count() > 20  # its labels are text, not pixels
    code = page.locator("article pre").all_inner_texts()
    assert any("make demo" in c and "make test" in c for c in code)
    assert any("viz.draw(a, flow=True)" in c for c in code)  # a neuron in ten lines
    assert page.locator("article table", has_text="micrograd").count() >= 1  # the comparison table
    _no_raw_math(page)
    _shoot(page, "home")
    assert page.problems == []


def test_notebook_02_shows_its_outputs_math_and_a_working_player(open_page):
    page = open_page("notebooks/02_backprop_by_hand.html")
    assert page.locator(DIAGRAMS).count() >= 1  # the player's picture (one SVG shared by all its frames)
    svg_outputs = "article .jp-RenderedSVG svg g.graph, article img[src^='data:image/svg+xml']"
    assert page.locator(svg_outputs).count() + page.locator(DIAGRAMS).count() >= 2  # and the error-flow diagram
    assert page.locator("article img[src^='data:image/png']").count() >= 1  # the matplotlib plot
    assert page.locator("article mjx-container").count() > 20  # the Markdown cells' math, typeset
    _no_raw_math(page)
    markdown = " ".join(page.locator(".jp-MarkdownOutput").all_inner_texts())
    assert "$" not in markdown
    _shoot(page, "notebook-02")

    player = page.locator(".ef-player").first
    player.scroll_into_view_if_needed()
    before = player.locator(".ef-caption").inner_text()
    player.locator(".ef-next").click()
    after = player.locator(".ef-caption").inner_text()
    assert after != before and after.strip()
    player.locator(".ef-next").click()
    assert player.locator(".ef-caption").inner_text() != after
    player.screenshot(path=str(SCREENSHOTS / "notebook-02-player.png"))
    assert page.problems == []


def test_api_page_renders_signatures_and_docstrings(open_page):
    page = open_page("api/autodiff.html")
    for name in ("autodiff.Value", "autodiff.Tensor", "autodiff.gradcheck", "autodiff.no_grad", "autodiff.float32"):
        assert page.locator(f"[id='{name}']").count() == 1, name
    signature = page.locator("[id='autodiff.gradcheck'] + div.doc-signature").first.inner_text()
    assert "gradcheck(" in signature and "eps" in signature
    assert "centered differences" in page.locator("article").inner_text()
    assert ":func:`" not in page.locator("article").inner_text()  # reST roles read as code, linked to their entries
    assert page.locator("article a.autorefs[href$='#autodiff.gradcheck']").count() >= 1
    _no_raw_math(page)
    _shoot(page, "api-autodiff")
    assert page.problems == []


def test_gallery_draws_every_example(open_page):
    sys.path.insert(0, str(REPO / "scripts"))
    import docs_gallery

    page = open_page("gallery.html")
    players = page.locator(".ef-player").count()
    assert page.locator("figure.ef-diagram svg g.graph").count() + players == len(docs_gallery.EXAMPLES)
    assert page.locator("article pre").count() == len(docs_gallery.EXAMPLES)
    _shoot(page, "gallery")
    assert page.problems == []


def test_search_finds_the_gradcheck_pages(open_page):
    page = open_page("")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially("gradcheck", delay=30)  # as typed: key events
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("api/autodiff.html" in h for h in hrefs), hrefs
    assert any("04_gradient_check" in h for h in hrefs), hrefs
    _shoot(page, "search")
    assert page.problems == []


def test_every_page_loads_cleanly_with_its_math_typeset(open_page):
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html") if p.name != "404.html")
    assert len(pages) >= 20
    for path in pages:
        page = open_page(path)
        _no_raw_math(page)
        for player in page.locator(".ef-player").all():  # every player steps
            before = player.locator(".ef-caption").inner_text()
            player.locator(".ef-next").click()
            assert player.locator(".ef-caption").inner_text() != before, path
        assert page.problems == [], path
        page.close()

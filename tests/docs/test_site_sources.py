"""scripts/docs_site.py: the pages it makes from README.md and bench/results.md say what their sources say."""

from __future__ import annotations

import sys

import pytest

from tests.browser import REPO

pytestmark = pytest.mark.site
sys.path.insert(0, str(REPO / "scripts"))
docs_site = pytest.importorskip("docs_site", reason="the docs packages are missing: pip install -e '.[docs]'")

README = """# proj

Intro ![pic](docs/pic.svg).

## Quick start

```bash
make demo
## not a heading inside a fence
```

More on [coming from](docs/coming-from.md) and [a notebook](notebooks/01_x.ipynb#top).

## Benchmarks

| a | b |
"""


def test_readme_sections_split_on_headings_outside_code_fences():
    sections = docs_site.readme_sections(README)
    assert list(sections) == ["", "Quick start", "Benchmarks"]
    assert "## not a heading" in sections["Quick start"]


def test_links_are_rewritten_for_the_page_that_holds_them():
    assert docs_site.relink("[c](docs/coming-from.md)", "index.md") == "[c](coming-from.md)"
    assert docs_site.relink("[c](docs/coming-from.md)", "api/index.md") == "[c](../coming-from.md)"
    assert docs_site.relink("[n](notebooks/01_x.ipynb#top)", "api/index.md") == "[n](../notebooks/01_x.ipynb#top)"
    assert docs_site.relink("![p](docs/pic.svg) [w](https://x.org/a) [s](#here)", "index.md") == (
        "![p](pic.svg) [w](https://x.org/a) [s](#here)")


def test_a_readme_section_that_is_gone_stops_the_build(monkeypatch):
    monkeypatch.setitem(docs_site.README_PAGES, "x.md", ("X", ["Layout"]))
    with pytest.raises(docs_site.PluginError, match="'Layout'.*no longer has.*'Quick start', 'Benchmarks'"):
        docs_site.readme_page("x.md", README)


def test_the_home_page_has_only_the_quick_start_commands(monkeypatch):
    monkeypatch.setitem(docs_site.README_PAGES, "index.md", (None, ["", "Quick start|commands"]))
    page = docs_site.readme_page("index.md", README)
    assert page.startswith("# proj") and "![pic](pic.svg)" in page and "make demo" in page
    assert "More on" not in page and "(getting-started.md)" in page


def test_benchmarks_come_from_make_bench_output_when_present(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_site, "BENCH_RESULTS", tmp_path / "results.md")
    assert "| a | b |" in docs_site.benchmarks_page(README)  # none yet: the README's
    (tmp_path / "results.md").write_text("# errorflow benchmarks — 2026-12-03 — x86_64, Python 3.11.7\n\n"
                                         "## Scalar engine (Value)\n\n| benchmark | result | target |\n")
    page = docs_site.benchmarks_page(README)
    assert "measured 2026-12-03 on x86_64, Python 3.11.7" in page and "### Scalar engine (Value)" in page
    assert "| a | b |" not in page

"""MkDocs hooks for errorflow's site (mkdocs.yml ``hooks:``): the pages that are made, never copied, at build time.

* ``index.md``, ``getting-started.md``, ``gradients.md``, ``api/index.md``: sections of README.md
  (:data:`README_PAGES`), so the README stays the one source of the home page; a README section that is renamed
  or missing stops the build. Links are rewritten from the README's place to the page's.
* Nav entries that are files of the repository outside ``docs/`` (``notebooks/README.md``, the glob
  ``notebooks/[0-9][0-9]_*.ipynb``) are taken from the repository as they are; mkdocs-jupyter renders the executed
  notebooks with their outputs. A glob in the nav becomes one entry per file, titled like the README's table.
* ``gallery.md``: every example of scripts/docs_gallery.py, run now; its diagrams are written beside the page.
* ``benchmarks.md``: ``bench/results.md`` (``make bench`` writes it) when present, with its date and machine; else
  the README's Benchmarks section.
* ``assets/mathjax/tex-svg-full.js``: MathJax 3 from the ``django-static-mathjax`` package (the ``[docs]`` extra),
  served by the site itself.

On every page, an ``<img>`` of an SVG of the site is replaced by the SVG itself (selectable text, crisp at any
zoom, and the tests can find the diagrams), and diagrams and players are kept out of the search index. Notebook
pages lose the MathJax 2 tag nbconvert adds (a CDN address): the site's own MathJax typesets their ``$…$``.

Check (a warning, so ``mkdocs build --strict`` fails): every name in the ``__all__`` of each module an API page
documents (``::: module``) has its entry on that page, or (a submodule) a page of its own.
"""

from __future__ import annotations

import html
import importlib
import logging
import posixpath
import re
import sys
from collections.abc import Callable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("mkdocs.errorflow")

# page → (title, README sections in order); "Quick start|commands" is that section's first code block only.
README_PAGES: dict[str, tuple[str | None, list[str]]] = {
    "index.md": (None, ["", "Quick start|commands", "A neuron in ten lines", "How errorflow compares"]),
    "getting-started.md": ("Getting started", ["Quick start", "Layout"]),
    "gradients.md": (None, ["Gradients: when they are reset and when they add up"]),
    "api/index.md": ("API reference", ["The API at a glance"]),
}
BENCH_RESULTS = REPO / "bench" / "results.md"
MATHJAX = "assets/mathjax/tex-svg-full.js"

_embeds: dict[str, str] = {}  # placeholder → HTML, filled by the gallery
_api_pages: dict[str, str] = {}  # src_uri → the module it documents


# ---- README sections -------------------------------------------------------------------------------------------

def readme_sections(text: str) -> dict[str, str]:
    """``{"": the part before the first ## heading, "Title": that section's body}`` (fenced code is not split)."""
    sections, title, lines, fenced = {}, "", [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections[title] = "\n".join(lines).strip("\n")
            title, lines = line[3:].strip(), []
        else:
            lines.append(line)
    sections[title] = "\n".join(lines).strip("\n")
    return sections


def relink(markdown: str, page: str) -> str:
    """Rewrite the README's relative links for ``page``: ``docs/x`` is the site's ``x``, the rest keeps its path."""

    def one(match: re.Match) -> str:
        target = match[2]
        if re.match(r"[a-z]+:|#|/", target):
            return match[0]
        path, _, anchor = target.partition("#")
        site_path = path[len("docs/"):] if path.startswith("docs/") else path
        new = posixpath.relpath(site_path, posixpath.dirname(page) or ".") + (f"#{anchor}" if anchor else "")
        return f"{match[1]}({new})"

    return re.sub(r"(!?\[[^\]]*\])\(([^)\s]+)\)", one, markdown)


def readme_page(page: str, readme: str) -> str:
    """The Markdown of ``page`` from README.md's sections (:data:`README_PAGES`)."""
    title, wanted = README_PAGES[page]
    sections = readme_sections(readme)
    parts = [f"# {title}"] if title else []
    for name in wanted:
        name, _, only = name.partition("|")
        if name not in sections:
            raise PluginError(f"{page} is made from README.md's section {name!r}, which README.md no longer has "
                              f"(its sections: {', '.join(repr(s) for s in sections if s)}): update README_PAGES "
                              f"in {Path(__file__).relative_to(REPO)}")
        body = sections[name]
        if only == "commands":
            body = re.search(r"```.*?\n```", body, re.S)[0] + "\n\n[Getting started](getting-started.md) says more."
        if name == "":
            parts.append(body)
        elif not title and len(wanted) == 1:
            parts.append(f"# {name}\n\n{body}")
        else:
            parts.append(f"## {name}\n\n{body}")
    return relink("\n\n".join(parts) + "\n", page)


def benchmarks_page(readme: str) -> str:
    """``make bench``'s latest output when present (its heading gives date and machine), else the README's table."""
    if BENCH_RESULTS.exists():
        text = BENCH_RESULTS.read_text(encoding="utf-8")
        heading, _, tables = text.partition("\n")
        _, date, machine = (part.strip() for part in heading.lstrip("# ").split("—", 2))
        source = (f"From `make bench`'s latest run (`bench/results.md`): measured {date} on {machine}. Your "
                  f"machine will differ, the ratios less so.")
        return f"# Benchmarks\n\n{source}\n\n{tables.strip().replace('## ', '### ')}\n"
    body = readme_sections(readme).get("Benchmarks")
    if body is None:
        raise PluginError("benchmarks.md needs bench/results.md (make bench) or README.md's Benchmarks section")
    return relink(f"# Benchmarks\n\n{body}\n\n`make bench` writes `bench/results.md`; the site then shows that run.\n",
                  "benchmarks.md")


def gallery_page(config: MkDocsConfig, files: Files) -> str:
    """Run scripts/docs_gallery.py's examples; each diagram becomes ``gallery/NAME.svg`` beside the page."""
    gallery = importlib.import_module("docs_gallery")
    parts = [gallery.INTRO]
    for example in gallery.EXAMPLES:
        result = example.run()
        parts.append(f"## {example.title}\n\n{example.text}\n\n```python\n{example.source}\n```\n")
        if hasattr(result, "svg"):
            uri = f"gallery/{example.name}.svg"
            files.append(File.generated(config, uri, content=result.svg()))
            parts.append(f"![]({uri})\n")
        else:
            key = f"<!-- errorflow-embed {example.name} -->"
            _embeds[key] = result.html()
            parts.append(f"\n{key}\n")
    return "\n".join(parts)


# ---- events ------------------------------------------------------------------------------------------------------

def _nav_paths(nav: list, expand: Callable[[str], list]) -> list:
    """The nav with every glob entry expanded; ``expand`` maps a glob to its entries."""
    out = []
    for entry in nav:
        if isinstance(entry, str) and any(c in entry for c in "*?["):
            out.extend(expand(entry))
        elif isinstance(entry, dict):
            out.append({k: _nav_paths(v, expand) if isinstance(v, list) else v for k, v in entry.items()})
        else:
            out.append(entry)
    return out


def _title(path: Path) -> str:
    """``01_neuron_and_layer.ipynb`` → ``01 neuron and layer``, as the README's notebook table names it."""
    return path.stem.replace("_", " ")


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    for path in (REPO, REPO / "scripts"):  # the gallery runs this checkout's code, whatever is installed
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))

    def expand(glob: str) -> list:
        found = sorted(REPO.glob(glob))
        if not found:
            raise PluginError(f"the nav's {glob!r} matches no file of the repository")
        return [{_title(p): p.relative_to(REPO).as_posix()} for p in found]

    config.nav = _nav_paths(config.nav or [], expand)
    return config


def _nav_files(nav: list) -> list[str]:
    out = []
    for entry in nav:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            out.extend(_nav_files(value) if isinstance(value, list) else [value])
    return [v for v in out if isinstance(v, str)]


@event_priority(100)  # before mkdocs-jupyter's on_files, so that it renders the notebooks added here
def on_files(files: Files, config: MkDocsConfig) -> Files:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for page in README_PAGES:
        files.append(File.generated(config, page, content=readme_page(page, readme)))
    files.append(File.generated(config, "benchmarks.md", content=benchmarks_page(readme)))
    files.append(File.generated(config, "gallery.md", content=gallery_page(config, files)))
    for uri in _nav_files(config.nav):
        if files.get_file_from_path(uri) is None and (REPO / uri).is_file():
            files.append(File(uri, str(REPO), config.site_dir, config.use_directory_urls))
    try:
        mathjax = importlib.util.find_spec("mathjax")
        es5 = Path(mathjax.submodule_search_locations[0]) / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    except (AttributeError, TypeError):
        es5 = None
    if es5 is None or not es5.is_file():
        raise PluginError("MathJax is missing: pip install -e '.[docs]' (the django-static-mathjax package)")
    files.append(File.generated(config, MATHJAX, abs_src_path=str(es5)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    found = re.findall(r"^::: *([\w.]+)", markdown, re.M)
    if found:
        _api_pages[page.file.src_uri] = found[0]
    return markdown


_MATHJAX2 = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_IMG = re.compile(r'<img\b[^>]*\bsrc="([^"]+\.svg)"[^>]*>')


def on_page_content(content: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    content = _MATHJAX2.sub("", content)

    by_url = {f.url: f for f in files}

    def inline(match: re.Match) -> str:
        src = html.unescape(match[1])
        if re.match(r"[a-z]+:", src):
            return match[0]
        target = by_url.get(posixpath.normpath(posixpath.join(posixpath.dirname(page.url), src)))
        if target is None:
            return match[0]
        svg = target.content_string
        svg = svg[svg.index("<svg"):]
        alt = re.search(r'\balt="([^"]*)"', match[0])
        caption = f"<figcaption>{alt[1]}</figcaption>" if alt and alt[1] else ""
        return f'<figure class="ef-diagram">{svg}{caption}</figure>'

    content = _IMG.sub(inline, content)
    for key, embed in _embeds.items():
        content = content.replace(key, embed)
    content = re.sub(r"<svg\b", "<svg data-search-exclude", content)
    # the player, and the notebooks' prompts ("In [1]:") and copy buttons ("Copied!"), are not text to search
    return re.sub(r'<div class="(ef-player|zeroclipboard-container|jp-(?:In|Out)putPrompt)',
                  r'<div data-search-exclude class="\1', content)


def on_post_build(config: MkDocsConfig) -> None:
    """Every public name of each documented module has its entry (an anchor ``module.name``) on its page."""
    site = Path(config.site_dir)
    for src_uri, module_name in _api_pages.items():
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        page = site / (src_uri[:-3] + "/index.html" if config.use_directory_urls else src_uri[:-3] + ".html")
        text = page.read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        documented = set(_api_pages.values())  # a submodule in __all__ has a page of its own
        missing = [n for n in names if f"{module_name}.{n}" not in ids | documented]
        if missing:
            log.warning(f"API reference {src_uri}: no entry for {', '.join(missing)} of {module_name}.__all__")

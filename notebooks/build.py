"""Build the notebooks: ``notebooks/src/NN_name.py`` (percent format) → executed ``notebooks/NN_name.ipynb``.

The sources are plain Python with ``# %%`` cell markers (``# %% [markdown]`` for text, each line starting ``# ``),
so they diff and review like code; ``make notebooks`` turns them into notebooks with their outputs, which is what
GitHub shows. ``make test`` executes every committed notebook from scratch (tests/test_notebooks.py).

    python notebooks/build.py            # all
    python notebooks/build.py 04 05      # the ones whose name starts with these prefixes
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"


def cells_from_source(text: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format script into notebook cells."""
    cells, kind, lines = [], None, []

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body.strip():
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def notebook_from_source(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells_from_source(path.read_text(encoding="utf-8"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 120) -> nbformat.NotebookNode:
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    return nb


def main(prefixes: list[str]) -> int:
    sources = sorted(p for p in SOURCES.glob("[0-9][0-9]_*.py") if not prefixes or p.name.startswith(tuple(prefixes)))
    for source in sources:
        start = time.perf_counter()
        nb = execute(notebook_from_source(source))
        target = HERE / (source.stem + ".ipynb")
        nbformat.write(nb, target)
        print(f"{target.name}: {len(nb.cells)} cells, executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every notebook runs from scratch (a broken engine fails its assertion cells), fast, and matches its source."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from build import cells_from_source, execute  # noqa: E402

SOURCES = sorted((NOTEBOOKS / "src").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_built_from_its_source(source: Path) -> None:
    target = NOTEBOOKS / (source.stem + ".ipynb")
    assert target.exists(), f"{target.name} is missing: run `make notebooks`"
    committed = nbformat.read(target, as_version=4)
    expected = cells_from_source(source.read_text(encoding="utf-8"))
    assert [c.source for c in committed.cells] == [c.source for c in expected], "stale notebook: run `make notebooks`"
    assert any(c.cell_type == "code" and c.outputs for c in committed.cells), "committed without outputs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_from_scratch_in_under_a_minute(source: Path) -> None:
    nb = nbformat.read(NOTEBOOKS / (source.stem + ".ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    execute(nb, timeout=60)
    assert time.perf_counter() - start < 60


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_source_runs_as_a_script_on_an_ascii_console(source: Path, tmp_path: Path) -> None:
    # LC_ALL=C, PYTHONIOENCODING=ascii, a cp1252 redirect: printing x₁ or σ must not stop the computation
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(NOTEBOOKS.parent), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(source)], cwd=tmp_path, capture_output=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr.decode("ascii", "replace")[-2000:]

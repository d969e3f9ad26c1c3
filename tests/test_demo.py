"""The main job runs end to end in --quick mode and writes every artifact it names; failures are one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autodiff", "demo", *args], capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=300,
    )


def test_quick_demo_writes_every_artifact_it_names(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = _run("--quick", "--no-progress", "--out", str(out), "--seed", "0")
    assert result.returncode == 0, result.stderr
    named = [Path(line.strip()) for line in result.stdout.splitlines() if line.strip().startswith(str(out))]
    assert {p.name for p in named} == {
        "neuron.svg", "neuron-flow.svg", "window-loss.png", "moons-boundary.png", "digits-loss.png"
    }
    for path in named:
        assert path.stat().st_size > 1000, path
    assert "<svg" in (out / "neuron-flow.svg").read_text()
    assert "gradcheck PASSED" in result.stdout
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", result.stdout).group(1))
    assert accuracy >= 95.0
    assert re.search(r"held-out ranking accuracy (\d+)%", result.stdout)


def test_unwritable_output_directory_is_one_line_and_nonzero(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = _run("--quick", "--out", str(blocker / "sub"))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot write to the output directory" in result.stderr


def test_missing_dot_fails_its_step_but_keeps_the_others(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    result = _run("--quick", "--no-progress", "--out", str(out), env=env)
    assert result.returncode == 1
    failures = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert len(failures) == 1 and "dot" in failures[0].lower()
    assert (out / "digits-loss.png").exists() and (out / "window-loss.png").exists()


@pytest.mark.parametrize("flag", ["--help"])
def test_help_lists_every_command(flag: str) -> None:
    result = subprocess.run([sys.executable, "-m", "autodiff", flag], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0
    assert "demo" in result.stdout and "graph" in result.stdout


def test_on_a_cp1252_console_every_step_succeeds_and_the_symbols_are_spelled(tmp_path: Path) -> None:
    # as on a Windows redirect: σ, ∂ and x₁ are not in cp1252; printing them must not fail the step that computed
    result = subprocess.run(
        [sys.executable, "-m", "autodiff", "demo", "--quick", "--no-progress", "--out", str(tmp_path)], cwd=ROOT,
        capture_output=True, encoding="cp1252", env={**os.environ, "PYTHONIOENCODING": "cp1252"}, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "FAILED" not in result.stdout + result.stderr
    assert "§1 neuron" in result.stdout and "a = sigma(w_1x_1 + w_2x_2 + b) = 0.707107" in result.stdout

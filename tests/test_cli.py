"""The command line: ``python -m autodiff demo`` runs, exits 0 and prints a PASSED gradcheck of the §1 neuron.

(``tests/test_demo.py`` checks the demo's artifacts; here: the §1 neuron's numbers and its gradcheck table.)
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEURON_INPUTS = ["x₁", "x₂", "w₁", "w₂", "b"]


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "autodiff", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return _run("demo", "--quick", "--no-progress", "--out", str(out))


def test_demo_exits_zero(demo):
    assert demo.returncode == 0, demo.stderr
    assert "FAILED" not in demo.stdout


def test_demo_prints_a_passed_gradcheck_report_for_the_neuron(demo):
    lines = demo.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "gradcheck PASSED" in line)
    header = lines[start + 1]
    for column in ("exact", "close", "max abs diff", "rel error", "worst element"):
        assert column in header
    rows = [line.split() for line in lines[start + 2 : start + 2 + len(NEURON_INPUTS)]]
    assert [row[0] for row in rows] == NEURON_INPUTS, "one row per input"
    assert all(row[1] == "()" and row[3] == "True" for row in rows), "every input close"
    assert all(float(row[5]) < 1e-6 for row in rows), "relative errors tiny"


def test_demo_neuron_numbers(demo):
    # a = σ(−3·2 + 1·0 + 6.8813…) = σ(0.8813…) = 1/√2; σ'(z) = a(1 − a) = 0.2071…
    assert "a = σ(w₁x₁ + w₂x₂ + b) = 0.707107" in demo.stdout
    for grad in ("∂a/∂w₁ = +0.4142", "∂a/∂x₁ = -0.6213", "∂a/∂x₂ = +0.2071", "∂a/∂b = +0.2071"):
        assert grad in demo.stdout


def test_no_command_prints_help():
    result = _run()
    assert result.returncode == 2
    assert "demo" in result.stdout

"""The command line: ``python -m autodiff demo`` runs, exits 0 and prints a PASSED gradcheck of the §1 neuron.

(``tests/test_demo.py`` checks the demo's artifacts; here: the §1 neuron's numbers and its gradcheck table.)
"""

import os
import resource
import shutil
import signal
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


# ---- issue 17: the outputs are written all or nothing ---------------------------------------------------------------
NEURON = ["graph", "tanh(w1*x1 + w2*x2 + b)", "--set", "x1=2", "x2=0", "w1=-3", "w2=1", "b=0.88"]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make dot)")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("existing", [b"<svg>the good diagram</svg>\n", None], ids=["existing", "new"])
def test_a_failing_target_leaves_the_other_untouched(tmp_path, existing):
    ok = tmp_path / "ok.svg"
    if existing is not None:
        ok.write_bytes(existing)
    result = _run(*NEURON, "-o", str(ok), "--steps", "/dev/full")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "'/dev/full' is a character device, not a regular file" in result.stderr
    assert (ok.read_bytes() if ok.exists() else None) == existing
    assert os.listdir(tmp_path) == (["ok.svg"] if existing else [])


@needs_dot
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_size_limit_on_the_second_output_leaves_both_as_they_were(tmp_path):
    """Issue 17: under a file-size limit (as on a full disk) a good file became a fragment."""
    source, page = tmp_path / "ok.gv", tmp_path / "steps.html"
    source.write_bytes(b"digraph { good }\n")

    def limit() -> None:  # the diagram's source fits, the player's page (every frame's SVG) does not
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run([sys.executable, "-m", "autodiff", *NEURON, "-o", str(source), "--steps", str(page)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "File too large" in result.stderr and "steps.html" in result.stderr
    assert source.read_bytes() == b"digraph { good }\n" and os.listdir(tmp_path) == ["ok.gv"]


def test_the_same_file_for_both_outputs_is_refused(tmp_path):
    (tmp_path / "g.gv").write_bytes(b"keep")
    (tmp_path / "link.gv").symlink_to(tmp_path / "g.gv")
    result = _run(*NEURON, "-o", str(tmp_path / "g.gv"), "--steps", str(tmp_path / "link.gv"))
    assert result.returncode == 1 and "are the same file; give each output its own path" in result.stderr
    assert (tmp_path / "g.gv").read_bytes() == b"keep"

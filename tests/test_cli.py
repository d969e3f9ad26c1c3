"""The command line: ``python -m autodiff demo`` runs, exits 0 and prints a PASSED gradcheck of the §1 neuron.

(``tests/test_demo.py`` checks the demo's artifacts; here: the §1 neuron's numbers and its gradcheck table.)
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
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


# ---- closed pipes, consoles without the notes' symbols, unusable output paths, costly drawings ---------------
NEURON = ["graph", "sigmoid(w1*x1 + w2*x2 + b)", "--set", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]


def _run_into_closed_pipe(*args, cwd=ROOT, timeout=300):
    """``autodiff … | head -0``: the reader has gone before the first line is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "autodiff", *args], cwd=cwd, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)
    finally:
        os.close(write)


def test_graph_into_a_closed_pipe_still_writes_its_files_and_exits_zero(tmp_path):
    svg, html = tmp_path / "n.svg", tmp_path / "n.html"
    result = _run_into_closed_pipe(*NEURON, "-o", str(svg), "--steps", str(html), "--flow")
    assert (result.returncode, result.stderr) == (0, "")
    assert "<svg" in svg.read_text() and "ef-player" in html.read_text(encoding="utf-8")


def test_dot_text_into_a_closed_pipe_ends_the_output_without_a_traceback():
    result = _run_into_closed_pipe(*NEURON)
    assert (result.returncode, result.stderr) == (0, "")


def test_demo_into_a_closed_pipe_finishes_its_work_and_exits_zero(tmp_path):
    result = _run_into_closed_pipe("demo", "--quick", "--no-progress", "--out", str(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")
    assert (tmp_path / "digits-loss.png").exists() and (tmp_path / "neuron-flow.svg").exists()


CONSOLES = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "LC_ALL=C PYTHONUTF8=0": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
    "cp1252 (a Windows redirect)": {"PYTHONIOENCODING": "cp1252"},
}


@pytest.mark.parametrize("env", CONSOLES.values(), ids=CONSOLES.keys())
def test_graph_prints_the_notes_symbols_in_ascii_on_a_console_without_them(env, tmp_path):
    env = {k: v for k, v in {**os.environ, **env}.items() if v != ""}
    result = subprocess.run([sys.executable, "-m", "autodiff", *NEURON, "--flow"], cwd=ROOT, capture_output=True,
                            env=env, timeout=60)
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"<b>x_1</b>" in result.stdout  # the DOT text spells x\u2081 as x_1 (and stays valid DOT)
    svg = tmp_path / "n.svg"
    result = subprocess.run([sys.executable, "-m", "autodiff", *NEURON, "-o", str(svg)], cwd=ROOT,
                            capture_output=True, env=env, timeout=60)
    assert result.returncode == 0 and "x₁" in svg.read_text(encoding="utf-8")  # files keep the real symbols


def test_an_output_name_too_long_to_examine_is_one_line_and_exit_code_1(tmp_path):
    result = _run(*NEURON, "-o", str(tmp_path / ("a" * 300 + ".svg")))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "-o: cannot use" in result.stderr and "too long" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_output_in_a_directory_that_cannot_be_searched_is_one_line_and_exit_code_1(monkeypatch, capsys):
    # in-process, so that it holds when the tests run as root (for whom no directory is unsearchable)
    from autodiff import cli

    def is_dir(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_dir", is_dir)
    assert cli.main([*NEURON, "--steps", "locked/page.html"]) == 1
    err = capsys.readouterr().err
    assert err == "autodiff graph: error: --steps: cannot use 'locked/page.html': Permission denied\n"


def test_the_issues_costly_expression_is_refused_quickly_naming_the_bound(tmp_path):
    # within every parser limit, this took 73 s, 1.3 GB and wrote a 203 MB page
    expression = "+".join(f"tanh(x{i % 9}*w)" for i in range(150))
    assert len(expression) <= 2000
    start = time.perf_counter()
    result = _run("graph", expression, "--set", *(f"x{i}=1" for i in range(9)), "w=2", "--steps",
                  str(tmp_path / "p.html"))
    assert time.perf_counter() - start < 10
    assert result.returncode == 2 and result.stdout == "" and list(tmp_path.iterdir()) == []
    assert result.stderr.count("\n") == 1 and "(the bound is" in result.stderr


def test_the_default_bounds_admit_a_step_page_of_a_few_dozen_nodes(tmp_path):
    from autodiff import cli

    page = tmp_path / "p.html"
    start = time.perf_counter()
    assert cli.main(["graph", "--set", "x=1", "--steps", str(page), "--", "-" * 30 + "x"]) == 0
    assert time.perf_counter() - start < 15  # estimated at about 1 s; the bound is 4 s
    assert 100_000 < page.stat().st_size <= cli.MAX_OUTPUT_BYTES

"""`make reliability`: re-run the heavy checks of the reliability pass (issue 17) and print their figures.

Not part of the unit suite (the unit tests hold one case of each); slow on purpose and bounded in time:

* **kills mid-save** — a child process saves a model over and over and is ``SIGKILL``-ed at a random moment, in a
  loop: the file on disk must always load and hold one of the two models that were saved (never a mixture or a
  fragment), at most the killed save's temporary file may be left, and the next save removes it;
* **concurrent backward** — 8 threads run ``backward()`` on deep graphs sharing one weight and one subgraph (Tensor
  and Value), with ``sys.setswitchinterval(1e-6)``: every run must give the sequential gradients;
* **CLI under a file-size limit** — ``autodiff graph -o … --steps …`` under ``RLIMIT_FSIZE`` limits from 1 kB to
  200 kB, over existing good files: a refused run exits 1 with one line and leaves every file exactly as it was, an
  accepted run writes whole files, no temporary file is ever left;
* **closed pipe** — ``graph`` and ``demo`` into a pipe whose reader has gone and into ``| head -1``: exit 0, no
  traceback, every file written;
* **three encodings** — ``graph``, ``demo`` and every notebook source under ``PYTHONIOENCODING=ascii``,
  ``LC_ALL=C PYTHONUTF8=0`` and cp1252: exit 0, no traceback, no demo step reported FAILED.

    python scripts/reliability.py [--kills 150] [--races 40] [--no-notebooks]

Prints one row per check (cases, defects, data lost) and exits 1 if any check found a defect.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nn  # noqa: E402
from autodiff import Tensor, Value  # noqa: E402
from nn.module import CheckpointError  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
NEURON = ["graph", "sigmoid(w1*x1 + w2*x2 + b)", "--set", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
CONSOLES = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "LC_ALL=C PYTHONUTF8=0": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": None},
    "cp1252": {"PYTHONIOENCODING": "cp1252"},
}


@dataclass
class Check:
    name: str
    cases: int = 0
    defects: list[str] = field(default_factory=list)
    lost: int = 0  # files whose previous good content was lost
    note: str = ""
    seconds: float = 0.0

    def fail(self, what: str) -> None:
        self.defects.append(what)


def _env(changes: dict[str, str | None]) -> dict[str, str]:
    env = {**ENV, **{k: v for k, v in changes.items() if v is not None}}
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
    return env


def _temps(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


# ---- kills mid-save --------------------------------------------------------------------------------------------
_SAVER = """
import sys, nn
models = [nn.Linear(200, 200, seed=1), nn.Linear(200, 200, seed=2)]
print("ready", flush=True)
i = 0
while True:
    models[i % 2].save(sys.argv[1]); i += 1
"""


def kills_mid_save(kills: int) -> Check:
    check = Check("kills mid-save")
    want = [nn.Linear(200, 200, seed=s).state_dict() for s in (1, 2)]
    rng = random.Random(0)
    mid_write = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        nn.Linear(200, 200, seed=1).save(path)
        for k in range(kills):
            child = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)], cwd=ROOT, env=ENV,
                                     stdout=subprocess.PIPE, text=True)
            try:
                if child.stdout.readline() != "ready\n":
                    check.fail(f"kill {k}: the saver did not start")
                    continue
                time.sleep(rng.uniform(0.0, 0.08))
            finally:
                child.kill()
                child.wait(timeout=60)
                child.stdout.close()
            check.cases += 1
            model = nn.Linear(200, 200, seed=3)
            try:
                model.load(path)
            except (CheckpointError, OSError, ValueError) as error:
                check.fail(f"kill {k}: the file no longer loads: {error}")
                check.lost += 1
                nn.Linear(200, 200, seed=1).save(path)
                continue
            got = model.state_dict()
            if not any(all(np.array_equal(got[n], w[n]) for n in w) for w in want):
                check.fail(f"kill {k}: the file holds neither saved model")
                check.lost += 1
            left = _temps(Path(tmp))
            mid_write += bool(left)
            if len(left) > 1:
                check.fail(f"kill {k}: {len(left)} temporary files pile up: {left}")
            if k % 5 == 4:
                nn.Linear(200, 200, seed=1).save(path)
                if _temps(Path(tmp)):
                    check.fail(f"kill {k}: the next save left {_temps(Path(tmp))}")
    check.note = f"{mid_write} killed while writing the temporary file"
    return check


# ---- concurrent backward ---------------------------------------------------------------------------------------
def _race(passes: list, threads: int) -> None:
    barrier = threading.Barrier(threads)

    def run(backward) -> None:
        barrier.wait()
        backward()

    workers = [threading.Thread(target=run, args=(p,)) for p in passes]
    for t in workers:
        t.start()
    for t in workers:
        t.join()


def _tensor_losses(w0: np.ndarray, x0: np.ndarray, threads: int, depth: int) -> tuple[Tensor, Tensor, list]:
    w, x = Tensor(w0, requires_grad=True), Tensor(x0, requires_grad=True)
    shared = (x * w).sigmoid()
    losses = []
    for k in range(threads):
        h = shared * (1.0 + k)
        for _ in range(depth):
            h = (h * w).tanh() + w
        losses.append(h.sum())
    return w, x, losses


def _value_losses(threads: int, depth: int) -> tuple[Value, list]:
    w = Value(0.3)
    shared = (w * 0.5).tanh()
    losses = []
    for k in range(threads):
        h = shared * (k + 1)
        for _ in range(depth):
            h = (h * w).tanh() + w
        losses.append(h)
    return w, losses


def concurrent_backward(runs: int, threads: int = 8) -> Check:
    check = Check(f"concurrent backward ({threads} threads)")
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal(5) * 0.5, rng.standard_normal(5)
    w, x, losses = _tensor_losses(w0, x0, threads, 60)
    for loss in losses:
        loss.backward()
    want_w, want_x = w.grad.copy(), x.grad.copy()
    v, vlosses = _value_losses(threads, 200)
    for loss in vlosses:
        loss.backward()
    want_v = v.grad
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for run in range(runs):
            w, x, losses = _tensor_losses(w0, x0, threads, 60)
            _race([loss.backward for loss in losses], threads)
            check.cases += 1
            error = max(np.max(np.abs(got - want) / np.abs(want)) for got, want in ((w.grad, want_w), (x.grad, want_x)))
            if not error <= 1e-12:
                check.fail(f"Tensor run {run}: relative error {error:.3g}")
            v, vlosses = _value_losses(threads, 200)
            _race([loss.backward for loss in vlosses], threads)
            check.cases += 1
            if not abs(v.grad - want_v) <= 1e-12 * abs(want_v):
                check.fail(f"Value run {run}: {v.grad!r} instead of {want_v!r}")
    finally:
        sys.setswitchinterval(interval)
    return check


# ---- the CLI under a file-size limit, into closed pipes, under three encodings ------------------------------------
def _cli(args: list[str], *, env: dict | None = None, limit: int | None = None, stdout=subprocess.PIPE,
         timeout: float = 300) -> subprocess.CompletedProcess:
    def preexec() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "autodiff", *args], cwd=ROOT, env=env or ENV, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=timeout, preexec_fn=preexec)


def cli_size_limit() -> Check:
    check = Check("CLI under a file-size limit")
    limits = [1_000, 3_000, 6_000, 10_000, 15_000, 20_000, 30_000, 50_000, 100_000, 200_000]
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good"
        good.mkdir()
        full = _cli([*NEURON, "-o", str(good / "n.svg"), "--steps", str(good / "n.html")])
        reference = {name: (good / name).read_bytes() for name in ("n.svg", "n.html")}
        if full.returncode != 0:
            check.fail(f"the unlimited run failed: {full.stderr.decode()[-300:]}")
            return check
        for limit in limits:
            for old in (b"<svg>the good diagram</svg>\n", None):
                case = Path(tmp) / f"{limit}-{'old' if old else 'new'}"
                case.mkdir()
                before = {}
                if old is not None:
                    for name in ("n.svg", "n.html"):
                        (case / name).write_bytes(old)
                        before[name] = old
                result = _cli([*NEURON, "-o", str(case / "n.svg"), "--steps", str(case / "n.html")], limit=limit)
                check.cases += 1
                err = result.stderr.decode()
                after = {name: (case / name).read_bytes() for name in ("n.svg", "n.html") if (case / name).exists()}
                if _temps(case):
                    check.fail(f"limit {limit}: temporary files left: {_temps(case)}")
                if result.returncode == 0:
                    if after != reference:
                        check.fail(f"limit {limit}: exit 0 but the files are not the full outputs")
                    continue
                if result.returncode != 1 or err.count("\n") != 1 or "Traceback" in err:
                    check.fail(f"limit {limit}: exit {result.returncode}, stderr {err[-200:]!r}")
                if after != before:
                    check.fail(f"limit {limit}: a refused run changed {sorted(set(after) ^ set(before)) or 'a file'}")
                    check.lost += sum(1 for name in before if after.get(name) != before[name])
        for old in (b"<svg>the good diagram</svg>\n", None):
            case = Path(tmp) / f"devfull-{'old' if old else 'new'}"
            case.mkdir()
            if old is not None:
                (case / "ok.svg").write_bytes(old)
            result = _cli([*NEURON, "-o", str(case / "ok.svg"), "--steps", "/dev/full"])
            check.cases += 1
            now = (case / "ok.svg").read_bytes() if (case / "ok.svg").exists() else None
            if result.returncode != 1 or now != old:
                check.fail(f"--steps /dev/full: exit {result.returncode}, ok.svg {'changed' if now != old else 'kept'}")
                check.lost += int(old is not None and now != old)
    return check


def closed_pipe() -> Check:
    check = Check("closed pipe")
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "graph": ([*NEURON, "--flow", "-o", f"{tmp}/g.svg", "--steps", f"{tmp}/g.html"], ["g.svg", "g.html"]),
            "graph (DOT text)": ([*NEURON, "--flow"], []),
            "demo": (["demo", "--quick", "--no-progress", "--out", f"{tmp}/demo"],
                     ["demo/neuron-flow.svg", "demo/digits-loss.png"]),
        }
        for label, (args, files) in runs.items():
            for how in ("reader gone", "| head -1"):
                for name in files:
                    Path(tmp, name).unlink(missing_ok=True)
                if how == "reader gone":
                    read, write = os.pipe()
                    os.close(read)
                    try:
                        result = _cli(args, stdout=write)
                    finally:
                        os.close(write)
                    code, err = result.returncode, result.stderr.decode()
                else:
                    process = subprocess.Popen([sys.executable, "-m", "autodiff", *args], cwd=ROOT, env=ENV,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    process.stdout.readline()
                    process.stdout.close()  # head -1 exits after its line
                    err = process.stderr.read().decode()
                    process.stderr.close()
                    code = process.wait(timeout=300)
                check.cases += 1
                missing = [name for name in files if not Path(tmp, name).exists()]
                if code != 0 or err or missing:
                    check.fail(f"{label} {how}: exit {code}, stderr {err[-200:]!r}, missing {missing}")
    return check


def encodings(notebooks: bool) -> Check:
    check = Check("three encodings")
    sources = sorted((ROOT / "notebooks" / "src").glob("*.py")) if notebooks else []
    for console, changes in CONSOLES.items():
        env = _env(changes)
        with tempfile.TemporaryDirectory() as tmp:
            cli = [sys.executable, "-m", "autodiff"]
            runs = {
                "graph --flow": [*cli, *NEURON, "--flow"],
                "graph -o": [*cli, *NEURON, "-o", f"{tmp}/n.svg", "--steps", f"{tmp}/n.html"],
                "demo": [*cli, "demo", "--quick", "--no-progress", "--out", f"{tmp}/d"],
                **{f"notebook {src.stem}": [sys.executable, str(src)] for src in sources},
            }
            for label, argv in runs.items():
                result = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, timeout=600)
                check.cases += 1
                out, err = result.stdout.decode("latin-1"), result.stderr.decode("latin-1")
                # the demo's steps all pass; the notebooks show failing gradchecks on purpose
                reports_failure = not label.startswith("notebook") and re.search(r"\bFAILED\b", out)
                if result.returncode != 0 or "Traceback" in err or reports_failure:
                    check.fail(f"{label} under {console}: exit {result.returncode}, {(err or out)[-300:]!r}")
    return check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=150, help="saves killed mid-write (default 150)")
    parser.add_argument("--races", type=int, default=40, help="concurrent-backward runs per engine (default 40)")
    parser.add_argument("--no-notebooks", action="store_true", help="skip the notebook sources under 3 encodings")
    args = parser.parse_args()
    steps = [
        lambda: kills_mid_save(args.kills),
        lambda: concurrent_backward(args.races),
        cli_size_limit,
        closed_pipe,
        lambda: encodings(not args.no_notebooks),
    ]
    checks = []
    for step in steps:
        start = time.perf_counter()
        check = step()
        check.seconds = time.perf_counter() - start
        checks.append(check)
        print(f"{check.name:<36} {check.cases:>5} cases  {len(check.defects):>3} defects  {check.lost:>3} files lost"
              f"  ({check.seconds:.0f} s){'; ' + check.note if check.note else ''}", flush=True)
        for defect in check.defects[:10]:
            print(f"    {defect}", flush=True)
    cases = sum(c.cases for c in checks)
    defects = sum(len(c.defects) for c in checks)
    lost = sum(c.lost for c in checks)
    print(f"{'total':<36} {cases:>5} cases  {defects:>3} defects  {lost:>3} files lost")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())

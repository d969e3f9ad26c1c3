"""The ``autodiff`` command line (also ``python -m autodiff``).

* ``autodiff demo [--out DIR] [--quick] [--no-progress] [--seed N]`` — the main job (:mod:`autodiff.demo`).
* ``autodiff graph "tanh(w1*x1 + w2*x2 + b)" --set x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.svg``
  — draw any expression over named scalars (``--flow``: the error-flow view; ``--steps page.html``: the
  step-through player). The expression is parsed by :mod:`autodiff.expr`'s whitelist, never ``eval``-ed; a
  rejected expression or ``--set`` gets a one-line error and exit code 2 before anything runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from .console import reader_may_leave


def demo(args: argparse.Namespace) -> int:
    """The main job (see :mod:`autodiff.demo`): neuron, window classifier, moons on both engines, digits."""
    from .demo import run_demo

    return run_demo(args.out, quick=args.quick, progress=not args.no_progress, seed=args.seed)


class _UsageError(Exception):
    """A bad argument: reported on one line, exit code 2."""


def _values(assignments: list[str]) -> dict[str, float]:
    from .expr import ExpressionError, parse_assignment

    values: dict[str, float] = {}
    for text in assignments:
        try:
            name, number = parse_assignment(text)
        except ExpressionError as error:
            raise _UsageError(f"--set: {error}") from None
        if name in values:
            raise _UsageError(f"--set: {name!r} is given twice")
        values[name] = number
    return values


def graph(args: argparse.Namespace) -> int:
    """Parse the expression, run forward and backward, and draw it (and the step-through player)."""
    from . import viz
    from .expr import ExpressionError, parse_expression

    try:
        root = parse_expression(args.expression, _values(args.set or []))
        out = Path(args.output) if args.output else None
        if out is not None and out.suffix.lower() not in (".svg", ".png", ".pdf", ".gv", ".dot"):
            raise _UsageError(f"-o: unknown format {out.suffix or '(no suffix)'!r}; use .svg, .png, .pdf or .gv")
        for option, target in (("-o", args.output), ("--steps", args.steps)):
            if target and _is_dir(option, target):
                raise _UsageError(f"{option}: {_shorten(target)!r} is a directory; give a file name")
        _check_cost(root, args)
    except (ExpressionError, _UsageError) as error:
        print(f"autodiff graph: error: {error}", file=sys.stderr)
        return 2
    except _PathError as error:
        print(f"autodiff graph: error: {error}", file=sys.stderr)
        return 1
    root.backward()
    print(f"{args.expression.strip()} = {root.data:.6g}")
    diagram = viz.draw(root, flow=args.flow, rankdir=args.rankdir, max_nodes=args.max_nodes)
    try:
        _write_outputs(root, diagram, out, args)
    except viz.GraphvizNotInstalled as error:
        print(f"autodiff graph: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # an unwritable target: say which, on one line
        print(f"autodiff graph: error: cannot write the output: {error}", file=sys.stderr)
        return 1
    if out is None and not args.steps:
        print(diagram.source)
    return 0


def _write_outputs(root: Any, diagram: Any, out: Path | None, args: argparse.Namespace) -> None:
    """Write the diagram (``-o``) and the player (``--steps``) all or nothing: both targets are checked before
    anything is rendered, both files written to temporary files, and only then renamed into place — so a failure
    on one (a full disk, a FIFO, a write-protected file) leaves the other as it was (:mod:`autodiff.fileio`)."""
    from . import fileio, viz

    targets = [t for t in (out, args.steps) if t]
    fileio.check_targets(targets, make_parents=True)
    files = []
    if out is not None:
        files.append((out, diagram.file_bytes(out)))
    if args.steps:
        files.append((args.steps, viz.BackpropPlayer(root, rankdir=args.rankdir, max_nodes=args.max_nodes).page()))
    fileio.atomic_write_all(files, make_parents=True)
    for target in targets:
        print(f"wrote {target}")


class _PathError(Exception):
    """An output path that cannot even be examined (a name too long, a directory that cannot be searched)."""


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _is_dir(option: str, target: str) -> bool:
    try:
        return Path(target).is_dir()
    except OSError as error:
        raise _PathError(f"{option}: cannot use {_shorten(target)!r}: {error.strerror or error}") from None


MAX_SECONDS = 4.0
"""Most rendering work ``autodiff graph`` accepts, in estimated seconds (see :func:`_check_cost`)."""
MAX_OUTPUT_BYTES = 5_000_000
"""Largest file (or DOT text) ``autodiff graph`` accepts to write, estimated before anything is drawn."""
_SECONDS_PER_FRAME, _SECONDS_PER_NODE, _SECONDS_PER_1000_DETOURS = 0.010, 0.001, 8.0
_BYTES_PER_NODE = 2_500


def _cost(order: list[Any], frames: int, max_nodes: int) -> tuple[float, int]:
    """Estimated (seconds, bytes) to draw ``frames`` diagrams of a graph (its nodes in topological order).

    Measured on the expressions the parser accepts: a frame costs a ``dot`` run (about 10 ms) plus about 1 ms and
    2.5 KB per node drawn; a value used many times across the expression (``x + x + … + x``) sends long edges
    through many layers, which Graphviz lays out in time growing steeply with their detours (the layers an edge
    passes without stopping): about 8 s × (detours / 1000)^4.5 per value, for the worst shape measured
    (``tanh(x) + tanh(x) + …``).
    """
    layer = {id(order[-1]): 0}
    for node in reversed(order):
        for parent in node._parents:
            layer[id(parent)] = max(layer.get(id(parent), 0), layer[id(node)] + 1)
    detours: dict[int, int] = {}
    for node in order:
        for parent in node._parents:
            detours[id(parent)] = detours.get(id(parent), 0) + layer[id(parent)] - layer[id(node)] - 1
    drawn = min(len(order), max_nodes) + 1
    layout = _SECONDS_PER_1000_DETOURS * sum((d / 1000) ** 4.5 for d in detours.values())
    per_frame = _SECONDS_PER_FRAME + _SECONDS_PER_NODE * drawn + layout
    return frames * per_frame, frames * drawn * _BYTES_PER_NODE


def _check_cost(root: Any, args: argparse.Namespace) -> None:
    """Refuse, before anything is drawn, a diagram or step-through page that would take more than a few seconds."""
    from .graph import topological_order

    order = topological_order(root)
    frames = 1 + (len(order) + 1 if args.steps else 0)  # the diagram, and the player's frame per step
    seconds, size = _cost(order, frames, args.max_nodes)
    what = f"{frames - 1} step frames and a diagram" if args.steps else "the diagram"
    if size > MAX_OUTPUT_BYTES:
        raise _UsageError(f"too much output: {what} would be about {_about(size / 1e6)} MB (the bound is "
                          f"{MAX_OUTPUT_BYTES / 1e6:g} MB); draw a smaller expression or lower --max-nodes")
    if seconds > MAX_SECONDS:
        raise _UsageError(f"too much work: drawing {what} would take about {_about(seconds)} s (the bound is "
                          f"{MAX_SECONDS:g} s of rendering); draw a smaller expression" +
                          ("" if not args.steps else " or leave out --steps"))


def _about(x: float) -> str:
    return f"{x:.2g}" if x < 100 else f"{x:,.0f}"


def _positive(text: str, least: int = 1) -> int:
    what = "a positive integer" if least == 1 else "an integer ≥ 0"
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return n


def _seed(text: str) -> int:
    return _positive(text, least=0)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit code 2), like every other refusal here."""

    def error(self, message: str) -> NoReturn:
        if "required: expression" in message:
            message += " (an expression that starts with '-' goes after '--': autodiff graph --set x=1 -- \"-x\")"
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="autodiff", description="errorflow: watch backpropagation work.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_parser = commands.add_parser(
        "demo", help="run the main job: neuron, window classifier, moons on both engines, digits; writes demo-output/"
    )
    demo_parser.add_argument("--out", default="demo-output", metavar="DIR", help="where to write (default demo-output)")
    demo_parser.add_argument("--quick", action="store_true", help="fewer epochs: a fast smoke run")
    demo_parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo_parser.add_argument("--seed", type=_seed, default=0, help="random seed, an integer ≥ 0 (default 0)")
    demo_parser.set_defaults(run=demo)
    graph_parser = commands.add_parser(
        "graph",
        help="draw an expression's graph, its error flow, or a step-through of backprop",
        description="Draw an expression over named scalars, e.g. "
        "autodiff graph \"tanh(w1*x1 + w2*x2 + b)\" --set x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o n.svg. "
        "Allowed: numbers, names, + - * / **, unary -, and exp log sqrt tanh sigmoid relu leaky_relu elu "
        "hardtanh softsign abs. An expression that starts with '-' goes after '--': "
        "autodiff graph --set x=1 -- \"-x\".",
    )
    graph_parser.add_argument("expression", help="e.g. \"sigmoid(w1*x1 + w2*x2 + b)\"")
    graph_parser.add_argument("--set", nargs="+", metavar="NAME=NUMBER", help="the value of every name used")
    graph_parser.add_argument("-o", "--output", metavar="FILE", help="write the diagram (.svg, .png, .pdf, .gv); "
                              "without -o or --steps the DOT text is printed")
    graph_parser.add_argument("--flow", action="store_true", help="draw the error flow: edges labelled with signals")
    graph_parser.add_argument("--steps", metavar="HTML", help="also write the step-through player to this file")
    graph_parser.add_argument("--rankdir", choices=["LR", "RL", "TB", "BT"], default="LR", help="layout direction")
    graph_parser.add_argument("--max-nodes", type=_positive, default=200, help="collapse the rest (default 200)")
    graph_parser.set_defaults(run=graph)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    with reader_may_leave():  # `autodiff graph … | head`: the files are still written, the exit code is 0
        return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

"""The ``autodiff`` command line: ``autodiff demo`` (and ``python -m autodiff demo``)."""

from __future__ import annotations

import argparse
import sys

from . import Value, gradcheck


def demo(args: argparse.Namespace) -> int:
    """The notes' §1 sigmoid neuron: forward, backward, and a gradient check of every input."""
    x1, x2 = Value(2.0, "x₁"), Value(0.0, "x₂")
    w1, w2 = Value(-3.0, "w₁"), Value(1.0, "w₂")
    b = Value(6.8813735870195432, "b")

    def neuron(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
        return (w1 * x1 + w2 * x2 + b).sigmoid()

    a = neuron(x1, x2, w1, w2, b)
    a.backward()
    print(f"a = σ(w₁x₁ + w₂x₂ + b) = {a.data:.6f}")
    print("error signal 1 at a, shared back by the chain rule:")
    for v in (w1, w2, x1, x2, b):
        print(f"  ∂a/∂{v.label} = {v.grad:+.6f}")
    report = gradcheck(neuron, [x1, x2, w1, w2, b])
    print(report)
    return 0 if report else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autodiff", description="errorflow: watch backpropagation work.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_parser = commands.add_parser("demo", help="run the demo: a neuron, backward, a gradient check")
    demo_parser.set_defaults(run=demo)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

"""The graph core: one backpropagation for both engines.

Every result of an operation is a node that remembers its ``parents`` (the inputs it was computed from) and the
``op`` that made it. Backpropagation is the notes' "error sharing" picture run mechanically:

1. order the nodes so that every node comes after all of its parents (a topological order);
2. seed the output with an error signal of 1 ("we start with an error signal of 1");
3. visit the nodes from the output back to the inputs. Each node sums the error signals its children sent it,
   multiplies that sum by its local gradient on each edge (the chain rule) and sends each parent its share:
   ``share to parent = error_signal × ∂node/∂parent``.

``backprop_steps`` is that walk as a generator, one :class:`Step` per node, so that a notebook or the diagram
player can watch it; :func:`backward` is the same generator run to the end.

A node type plugs in by providing ``_parents`` (a tuple), ``grad``, the same edges as the two attributes the
walk and the tight loop read (a slot read, not a tuple built per node: a fifth of a scalar backward) —

* ``_p0``, ``_p1``: ``None, None`` for a leaf; ``parent, None`` for one input; ``a, b`` for two;
  ``parents_tuple, None`` for more —

``_g0`` (the local derivatives, below), and two methods:

* ``_chain(error_signal)`` → the share sent to each parent (``None`` for a parent that needs no gradient);
  a node whose local derivatives are numbers (a ``Value``) also keeps them beside its parents, ``_g0``/``_g1``
  as ``_p0``/``_p1``, and :func:`backward` multiplies them itself (``share = error_signal × local_grad``);
  ``_g0 = None`` says "call ``_chain``" (a Tensor's VJPs);
* ``_accumulate(error_signal)`` → add a pass's signal into a leaf's ``.grad``.

Two signals arriving at the same node are summed with ``+`` (floats, numpy arrays).

Gradient policy (PyTorch's, and safe to call ``backward()`` twice): interior nodes get ``.grad`` recomputed from
zero on every pass; leaves (nodes with no parents, e.g. parameters) *accumulate* across passes until
``zero_grad()`` resets them.

Threads: the signals of a pass live in that pass's own table, never on the nodes, so two threads may run
``backward()`` at once on graphs that share leaves or whole subgraphs (a data-parallel loop over one set of
weights); a leaf adds each pass's contribution under a lock, so it ends with the sum of all of them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from .anomaly import check_backward
from .modes import MODES, ModeSwitch

__all__ = ["Step", "backprop_steps", "backward", "signals", "topological_order", "no_grad", "enable_grad",
           "is_grad_enabled"]


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` on this thread."""
    return MODES.grad


class no_grad(ModeSwitch):
    """Context manager (and decorator): operations inside record no graph, as ``torch.no_grad``.

    Thread-local: other threads keep recording. Use it for evaluation and for optimizer updates. Blocks nest, one
    instance may be entered again while open, and ``@no_grad()`` on a generator function covers the generator's
    body (see :mod:`autodiff.modes`).
    """

    _switch, _mode = "grad", False


class enable_grad(no_grad):
    """Context manager: turn recording back on inside a ``no_grad()`` block."""

    _mode = True


class _gc_paused:  # noqa: N801 -- used as a function-style context manager
    """Pause Python's cyclic garbage collector while walking a graph (``with _gc_paused(): ...``).

    A walk allocates a few short-lived, acyclic objects per node; on a graph of a million nodes the collector
    would otherwise rescan the whole live graph again and again and triple the walk's time. Nothing cyclic is
    created inside, so nothing is left for the collector to find afterwards. A plain class, not a
    ``@contextmanager`` generator: small graphs run a pass thousands of times.
    """

    __slots__ = ("was_enabled",)

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


def _check_node(root: Any) -> None:
    if not hasattr(root, "_parents") or not hasattr(root, "_chain"):
        raise TypeError(f"expected a Value or a Tensor (a graph node), got {type(root).__name__}: {root!r:.40}")


def topological_order(root: Any) -> list[Any]:
    """All nodes that ``root`` depends on, each after all of its parents (inputs first, ``root`` last).

    Iterative depth-first search with an explicit stack, so a chain a million nodes deep does not hit
    Python's recursion limit (micrograd's recursive ``build_topo`` does).
    """
    _check_node(root)
    with _gc_paused():
        return _depth_first(root)


_RUN = object()  # on the walk's stack: "the run of single-input nodes on top of `waiting` can be placed now"


def _depth_first(root: Any) -> list[Any]:
    """:func:`topological_order`'s walk (the caller pauses the collector): the order of a recursive depth-first
    search that places each node after its parents, taken in order (a leaf as soon as it is met).

    ``stack`` holds the nodes still to visit and, below a node's parents, a marker for the node itself: ``None``
    ("its parents are placed: place it", the node waiting on ``waiting``), or ``_RUN`` for a run of single-input
    nodes (a chain ``y = f(y)``), followed down in one loop and placed at once. Each node's first parent is
    visited at once, without a trip through the stack.
    """
    order: list[Any] = []
    place, place_all = order.append, order.extend
    visited: set[Any] = set()
    visit = visited.add
    waiting: list[Any] = []  # the nodes (and runs) whose parents are being placed, innermost last
    wait, done = waiting.append, waiting.pop
    stack: list[Any] = [root]
    push, push_all, take = stack.append, stack.extend, stack.pop
    while stack:
        node = take()
        if node is None:
            place(done())
            continue
        if node is _RUN:
            place_all(done())
            continue
        if node in visited:
            continue
        while True:  # visit node, then at once its first parent
            visit(node)
            p0 = node._p0
            if p0 is None:  # a leaf
                place(node)
                break
            p1 = node._p1
            if p1 is None and type(p0) is not tuple:  # one input: follow the run down to its first other node
                run = [node]
                node = p0
                while node not in visited:
                    visit(node)
                    p0 = node._p0
                    if p0 is None or node._p1 is not None or type(p0) is tuple:
                        break
                    run.append(node)
                    node = p0
                else:  # the run ends on a placed node
                    run.reverse()
                    place_all(run)
                    break
                if p0 is None:  # ... on a leaf
                    place(node)
                    run.reverse()
                    place_all(run)
                    break
                run.reverse()  # ... on a node of several inputs: the run waits for it
                wait(run)
                push(_RUN)
                p1 = node._p1
            wait(node)
            push(None)
            if p1 is None:  # n inputs (a neuron's weights, met again from every example: not pushed again)
                push_all([parent for parent in reversed(p0) if parent not in visited])
                break
            if p1 not in visited:
                push(p1)
            node = p0
            if node in visited:
                break
    return order


class Step(NamedTuple):
    """One step of backpropagation: ``node`` received ``error_signal`` and sent ``shares[i]`` to parent i.

    ``shares`` is aligned with ``node._parents``; a leaf sends nothing (``shares == ()``) and a parent that needs
    no gradient gets ``None``.
    """

    node: Any
    error_signal: Any
    shares: Sequence[Any]

    @property
    def sent(self) -> list[tuple[Any, Any]]:
        """``(parent, share)`` pairs for the parents that were sent a signal."""
        return [(p, s) for p, s in zip(self.node._parents, self.shares) if s is not None]


_leaf_lock = threading.Lock()  # one leaf may be reached by passes on several threads at once


def backprop_steps(root: Any, error_signal: Any) -> Iterator[Step]:
    """Walk the graph from ``root`` back to its inputs, yielding one :class:`Step` per node reached.

    ``error_signal`` seeds ``root`` (1 for a scalar loss). Signals from several children are summed
    ("a node reached along several paths receives the sum"). Interior ``.grad`` is set to the signal of this pass;
    leaf ``.grad`` accumulates. Stopping the generator early leaves the pass unfinished.
    """
    order = topological_order(root)
    signals = {root: error_signal}  # node -> the sum of the signals its children sent, in this pass only (nodes hash
    received = signals.pop  # by identity: Tensor's == is elementwise, but a dict compares keys by `is` first)
    new_step = tuple.__new__  # Step(...) without NamedTuple's Python-level __new__: this loop is the hot path
    for node in reversed(order):
        signal = received(node, None)
        if signal is None:
            continue
        if not node._parents:
            with _leaf_lock:
                node._accumulate(signal)
            yield new_step(Step, (node, signal, ()))
            continue
        node.grad = signal
        shares = node._chain(signal)
        if MODES.anomaly:
            check_backward(node, shares)
        for parent, share in zip(node._parents, shares):
            if share is not None:
                previous = signals.get(parent)
                signals[parent] = share if previous is None else previous + share
        yield new_step(Step, (node, signal, shares))


def backward(root: Any, error_signal: Any) -> None:
    """The pass of :func:`backprop_steps`, run to the end: fill ``.grad`` of every node ``root`` depends on.

    The same walk without a generator or :class:`Step` objects, because training runs it millions of times; a test
    checks that it leaves exactly the ``.grad`` that ``backprop_steps`` leaves, on every op and on random graphs.
    """
    _check_node(root)
    with _gc_paused():
        order = _depth_first(root)
        signals = {root: error_signal}
        received, sent_to = signals.pop, signals.get
        anomaly = MODES.anomaly
        for node in reversed(order):
            signal = received(node, None)
            if signal is None:
                continue
            p0 = node._p0
            if p0 is None:  # a leaf
                with _leaf_lock:
                    node._accumulate(signal)
                continue
            node.grad = signal
            p1, local_grad = node._p1, node._g0
            if local_grad is None or anomaly:  # the node's own VJPs (a Tensor), or shares to check
                shares = node._chain(signal)
                if anomaly:
                    check_backward(node, shares)
                if p1 is None and type(p0) is tuple:  # n inputs
                    for parent, share in zip(p0, shares):
                        if share is not None:
                            previous = sent_to(parent)
                            signals[parent] = share if previous is None else previous + share
                    continue
                share, other_share = shares[0], (shares[1] if p1 is not None else None)
            # numbers on the edges (a Value): share = error_signal × local_grad, Value._chain inlined
            elif p1 is not None:
                share, other_share = local_grad * signal, node._g1 * signal
            elif type(local_grad) is tuple:  # n inputs
                for parent, edge_grad in zip(p0, local_grad):
                    share = edge_grad * signal
                    previous = sent_to(parent)
                    signals[parent] = share if previous is None else previous + share
                continue
            else:
                share, other_share = local_grad * signal, None
            # one or two inputs (nearly every node) unrolled, read from the node's slots: no tuple, no zip
            if share is not None:
                previous = sent_to(p0)
                signals[p0] = share if previous is None else previous + share
            if other_share is not None:
                previous = sent_to(p1)
                signals[p1] = other_share if previous is None else previous + other_share


def signals(root: Any, error_signal: Any, chain: Any = None, wanted: Any = None) -> dict[Any, Any]:
    """One pass from ``root`` that writes no ``.grad``: node → the total signal it received, in visiting order.

    ``chain(node, signal)`` gives a node's shares (default ``node._chain``; :mod:`autodiff.higher` passes one that
    records them as graph nodes). ``wanted`` (nodes): only the nodes on a path from one of them to ``root`` are
    visited. Parents that need no gradient (``requires_grad=False``) are sent nothing. Used by ``autodiff.grad``.
    """
    order = topological_order(root)
    if wanted is not None:
        on_path = set(wanted)
        for node in order:
            if any(p in on_path for p in node._parents):
                on_path.add(node)
        order = [n for n in order if n in on_path]
    pending = {root: error_signal}
    totals: dict[Any, Any] = {}
    for node in reversed(order):
        signal = pending.pop(node, None)
        if signal is None:
            continue
        totals[node] = signal
        if not node._parents:
            continue
        sent = node._chain(signal) if chain is None else chain(node, signal)
        for parent, share in zip(node._parents, sent):
            if share is None or not getattr(parent, "requires_grad", True):
                continue
            if wanted is not None and parent not in on_path:
                continue
            previous = pending.get(parent)
            pending[parent] = share if previous is None else previous + share
    return totals

"""Graphviz diagrams of a graph and of each backward step: the Digraph that saves itself, the scene, draw()."""

from __future__ import annotations

import html
import os
import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .. import graph
from ..fileio import atomic_write, check_target
from . import cells as _cells
from .flow import FlowEdge, _check_root, _exponent, _is_symbolic, _Trace, _trace
from .naming import (
    _FLIPPED,
    _OP_TEXT,
    _TENSOR_PREVIEW_SIZE,
    COLORS,
    INSTALL_HINT,
    ROLE_NAMES,
    _array_lines,
    _clusters,
    _delta_name,
    _fmt,
    _is_array,
    _model_structure,
    _names,
    _neuron_sums,
    _roles,
    _signal_text,
    _signal_words,
)


# ---- rendering: a Digraph that knows how to save itself and says how to install dot ---------------------------
class GraphvizNotInstalled(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's ``dot`` executable; the message says how to install it."""

    def __init__(self, message: str = INSTALL_HINT) -> None:
        RuntimeError.__init__(self, message)


PNG_DPI = 200
"""The resolution a diagram saved as .png gets by default (dots per inch)."""


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` with ``save(path)`` that picks the format from the suffix (.svg, .png, .pdf).

    ``diagram.source`` is the DOT text (no Graphviz needed); Jupyter shows the diagram inline as SVG. Without the
    ``dot`` executable, rendering raises :class:`GraphvizNotInstalled`, whose message says how to install it.
    """

    _RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - graphviz's signature and docs
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotInstalled() from error

    def render(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotInstalled() from error

    def save(self, filename: Any = None, directory: Any = None, *, skip_existing: bool | None = False,
             dpi: float | None = None) -> str:
        """Write the diagram to ``filename``: rendered for .svg/.png/.pdf, DOT source for anything else.

        A .png is rendered at ``dpi`` dots per inch (default :data:`PNG_DPI`, 200: sharp on a slide).

        Written by :func:`autodiff.fileio.atomic_write` (missing directories are created): a failure — a full
        disk, a FIFO or write-protected file as the target — leaves the previous file as it was, never a fragment.
        (``render()`` also calls ``save`` to write its source file; that use keeps graphviz's behaviour.)
        """
        if filename is not None and directory is None and skip_existing is False:
            check_target(filename, make_parents=True, example="diagram.svg")  # refuse before rendering
            return atomic_write(filename, self.file_bytes(filename, dpi=dpi), make_parents=True,
                                example="diagram.svg")
        return super().save(filename, directory=directory, skip_existing=skip_existing)

    def file_bytes(self, filename: str | os.PathLike[str], *, dpi: float | None = None) -> bytes:
        """What :meth:`save` writes to ``filename``: the rendered .svg/.png/.pdf, or the DOT source otherwise."""
        fmt = self._RENDERED.get(Path(filename).suffix.lower())
        if fmt == "png":
            dpi = PNG_DPI if dpi is None else dpi
            if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
                raise ValueError(f"dpi must be a number between 10 and 1200, got {dpi!r}")
            sharp = self.copy()
            sharp.attr(dpi=f"{dpi:g}")
            return sharp.pipe(format="png")
        return self.pipe(format=fmt) if fmt is not None else self.source.encode(self.encoding)

    def svg(self) -> str:
        """The rendered SVG document as text (runs ``dot -Tsvg``)."""
        return self.pipe(format="svg", encoding="utf-8")


# ---- numbers and arrays as short text ---------------------------------------------------------------------------

# ---- the scene: structure shared by draw(), steps() and the player --------------------------------------------
def _node_set(nodes: Any, what: str = "highlight") -> set[int]:
    """ids of a node, an iterable of nodes, or None; a TypeError naming ``what`` for anything else."""
    if nodes is None:
        return set()
    if hasattr(nodes, "_parents"):
        return {id(nodes)}
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Iterable):
        raise TypeError(f"{what} must be a Value or Tensor, a list of them, or None; got {type(nodes).__name__}")
    nodes = list(nodes)
    for node in nodes:
        if not hasattr(node, "_parents"):
            raise TypeError(f"{what} must hold Values or Tensors; got {type(node).__name__}: {node!r:.40}")
    return {id(n) for n in nodes}


_STATES = ("forward", "past", "current", "future", "unknown")  # unknown: the forward pass has not reached it
_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")


def _natural(label: str) -> tuple:
    """A sort key reading numbers (also sub- and superscript ones) as numbers: a₂ < a₁₀, W₁₂ < W₂₁."""
    parts = re.findall(r"\d+|\D+", label.translate(_DIGITS))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _points(size: float) -> str:
    return f"{size:g}"


def _reached(root: Any) -> bool:
    """Has a backward pass reached ``root``? (Its grad is set: not None, not all zero.)"""
    grad = root.grad
    return grad is not None and bool(np.any(np.asarray(grad) != 0))


_BIG_LAYOUT = 300  # nodes above which dot's layout search is bounded (the whole MLP(2, [16, 16, 1]): 11 s → 3.6 s)


def _html(text: str) -> str:
    return html.escape(str(text), quote=False)


class _Scene:
    """What every diagram of one graph shares: node ids, names, roles, clusters and what fits in ``max_nodes``."""

    def __init__(
        self,
        root: Any,
        *,
        params: Iterable[Any] | None = None,
        model: Any = None,
        max_nodes: int | None = 200,
        rankdir: str = "LR",
        legend: bool = True,
        cells: int = _cells.DEFAULT_CELLS,
        fontsize: float = 11,
        fold: bool = False,
    ) -> None:
        if isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not 4 <= fontsize <= 72:
            raise ValueError(f"fontsize must be a number of points between 4 and 72, got {fontsize!r}")
        self.fontsize = float(fontsize)
        if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
            raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
        if rankdir not in _FLIPPED:
            raise ValueError(f"rankdir must be one of {', '.join(_FLIPPED)}, got {rankdir!r}")
        _check_root(root, "draw()")
        if model is not None and not callable(getattr(model, "named_parameters", None)):
            raise TypeError(f"model must be an nn.Module (with named_parameters()), got {type(model).__name__}")
        self.root, self.rankdir, self.legend = root, rankdir, legend
        self.cells = _cells.check_cells(cells)
        self.order = graph.topological_order(root)
        self.ids = {id(n): f"v{i}" for i, n in enumerate(self.order)}
        parameter_ids = _node_set(params, "params")
        group_of, titles, model_names = ({}, {}, {}) if model is None else _model_structure(model)
        self.names = _names(self.order, model_names)
        parameter_ids |= set(group_of)
        if model is not None:
            parameter_ids |= {id(p) for p in model.parameters()}
        self.roles = _roles(self.order, root, parameter_ids, known=params is not None or model is not None)
        self.cluster_of = _clusters(self.order, group_of, titles)
        if model is not None:  # the data a model reads sits in its own box, left of the layers
            titles = {"inputs": "Inputs", **titles}
            for node in self.order:
                if self.roles[id(node)] == "input":
                    self.cluster_of[id(node)] = "inputs"
        self.cluster_titles = titles
        self.kept = self._fit(max_nodes)
        self.hidden = len(self.order) - len(self.kept)
        self.folded: dict[int, list[tuple[Any, int, Any]]] = {}
        if fold:
            self.folded, inside = _neuron_sums(self.order)
            self.kept -= inside
        self._trace: _Trace | None = None

    def _fit(self, max_nodes: int | None) -> set[int]:
        """The ``max_nodes`` nodes nearest the output (breadth first over parents); the rest are collapsed."""
        if max_nodes is None or len(self.order) <= max_nodes:
            return {id(n) for n in self.order}
        kept = {id(self.root)}
        queue = deque([self.root])
        while queue and len(kept) < max_nodes:
            node = queue.popleft()
            for parent in node._parents:
                if id(parent) not in kept and len(kept) < max_nodes:
                    kept.add(id(parent))
                    queue.append(parent)
        return kept

    @property
    def total(self) -> int:
        """How many backward steps the walk has (one frame each, after the forward-pass frame)."""
        return len(self.trace.steps)

    def frame(self, index: int, title: str | None = None, *, skip_leaves: bool = False) -> Diagram:
        """Backward step ``index`` drawn (−1: the graph after the forward pass). ``skip_leaves``: a leaf is drawn
        done with the step that sends it its last signal (its own step is not shown)."""
        return self.diagram(flow=True, frame=index, title=title, skip_leaves=skip_leaves)

    def step_of(self, skip_leaves: bool = False) -> dict[int, int]:
        """Node id → the step at which it is drawn as current; with ``skip_leaves`` a leaf's is the step that
        sends it its last signal."""
        step_of = dict(self.trace.step_of)
        if skip_leaves:
            last: dict[int, int] = {}
            for edge in self.trace.edges:
                last[id(edge.parent)] = max(last.get(id(edge.parent), -1), edge.step)
            for node in self.order:
                if not node._parents and id(node) in last:
                    step_of[id(node)] = last[id(node)]
        return step_of

    @property
    def trace(self) -> _Trace:
        if self._trace is None:
            self._trace = _trace(self.root, self.order, self.names)
        return self._trace

    # ---- text ------------------------------------------------------------------------------------------------
    def call(self, node: Any) -> str:
        """How a caption refers to a node: its name, or "the × node"."""
        name = self.names.get(id(node))
        if name:
            return name
        if _is_array(node.data):
            return f"the {self.op_text(node)} node" if node._parents else f"the {tuple(node.data.shape)} tensor"
        if node._parents:
            return f"the {self.op_text(node)} node ({_fmt(node.data)})"
        return f"the {self.roles[id(node)]} {_fmt(node.data)}"

    def op_text(self, node: Any) -> str:
        """The operation node's text; a Python number baked into the node shows beside its symbol (``× 2``)."""
        if id(node) in self.folded:  # two links per product, one for a bias
            return "Σ w·x + b" if len(self.folded[id(node)]) % 2 else "Σ w·x"
        text = _OP_TEXT.get(node.op, node.op)
        const = getattr(node, "const", None)
        if const is not None:
            position, number = const
            return f"{text} {_fmt(number)}" if position == 1 else f"{_fmt(number)} {text}"
        if node.op == "pow_const" and not _is_array(node.data):
            p = _exponent(node)
            return f"^ {_fmt(p)}" if p is not None else "^ p"
        return text

    def value_label(self, node: Any, grad: Any, *, hide_grad: bool = False, greyed: bool = False,
                    hidden_color: str | None = None, show_grad: bool = True, hide_data: bool = False) -> str:
        """HTML-like label: the name in bold, then data and grad (4 significant digits) or a tensor's numbers.

        A tensor that fits ``cells`` shows data and grad as shaded tables of cells (:mod:`.cells`); a larger one its
        norm, min, max and a histogram. ``hide_grad`` writes the grad in ``hidden_color`` (the node's fill) so it
        keeps its place in the layout; ``show_grad=False`` leaves it out (a forward-only diagram).
        """
        rows = []
        name = self.names.get(id(node))
        if name:
            rows.append(f"<b>{_html(name)}</b>")
        data = node.data
        # a grad not known yet keeps its place in the layout, written in the node's own fill colour
        grad_color = (hidden_color or COLORS["greyed_fill"]) if hide_grad else COLORS["greyed_text"] if greyed \
            else COLORS["flow"]

        def colored(line: str) -> str:
            return f'<font color="{grad_color}">{_html(line)}</font>'

        if _is_array(data):
            rows.append(_html(f"{tuple(data.shape)} {data.dtype}"))
            data_text = COLORS["greyed_fill"] if hide_data else COLORS["greyed_text"] if greyed else None
            rows += self._array_rows(data, text=data_text, hidden=greyed or hide_data)
            if show_grad and grad is None:
                rows.append(colored("grad None"))
            elif show_grad:
                rows.append(colored("grad"))
                rows += self._array_rows(np.asarray(grad), text=grad_color, hidden=hide_grad, numbers_in_text=greyed)
        else:
            data_row = f"data {_html(_fmt(data))}"
            rows.append(f'<font color="{COLORS["greyed_fill"]}">{data_row}</font>' if hide_data else data_row)
            if show_grad:
                rows.append(colored(f"grad {_fmt(grad)}"))
        body = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
        return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{body}</table>>'

    def _array_rows(self, array: np.ndarray, *, text: str | None, hidden: bool = False,
                    numbers_in_text: bool = True) -> list[str]:
        """A tensor's numbers as label rows: its table of cells, or its summary lines and histogram.

        ``text`` colours the lines (and, with ``numbers_in_text``, the numbers in shaded cells); ``hidden`` draws
        a table's numbers in ``text`` on no shading, keeping their place in a frame the pass has not reached.
        """
        def font(line: str) -> str:
            return f'<font color="{text}">{_html(line)}</font>' if text else _html(line)

        if _cells.fits(array, self.cells):
            return [_cells.table(array, hidden_text=text if hidden else None,
                                 text_color=text if numbers_in_text else None)]
        if array.ndim == 0 or (array.size <= _TENSOR_PREVIEW_SIZE and not self.cells):
            return [font(line) for line in _array_lines(array)]
        bars = COLORS["greyed_fill"] if hidden else text or "#616161"
        return [font(line) for line in _cells.summary_lines(array)] + [_cells.histogram(array, color=bars)]

    def edge_label(self, edge: FlowEdge, *, hidden: bool = False) -> str:
        """An error-flow edge's label: the formula (if any) over its value, or a tensor's shape over its cells."""
        lines = []
        if edge.symbol:
            delta = _delta_name(self.names.get(id(edge.parent)))
            single = delta and self.trace.incoming[id(edge.parent)] == 1
            lines.append(f"{delta} = {edge.symbol}" if single and edge.symbol != delta else edge.symbol)
            lines.append(f"= {_signal_text(edge.signal)}")
        else:
            lines.append(_signal_text(edge.signal))
        color = "transparent" if hidden else COLORS["flow"]
        text = "<br/>".join(_html(line) for line in lines)
        signal = edge.signal
        if not (_is_array(signal) and _cells.fits(signal, self.cells)):
            return f'<<font color="{color}">{text}</font>>'
        grid = _cells.table(signal, hidden_text=color if hidden else None)
        return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0"><tr><td><font color="{color}">'
                f"{text}</font></td></tr><tr><td>{grid}</td></tr></table>>")

    # ---- the diagram -----------------------------------------------------------------------------------------
    def diagram(
        self,
        *,
        flow: bool,
        frame: int | None = None,
        highlight: set[int] | None = None,
        title: str | None = None,
        grads: bool = True,
        uniform: str | None = None,
        skip_leaves: bool = False,
        known: set[int] | None = None,
    ) -> Diagram:
        """Build the DOT graph. ``frame`` (a step index, −1 for the forward pass) draws one step of the walk.

        ``uniform`` ('forward', 'past', 'current' or 'future') draws every node and edge of the step layout in
        that one state: the player composes its frames from these pictures (same layout, other colours).
        ``known`` (ids of computed nodes) draws a frame of the forward pass: the others hold no value yet.
        """
        if uniform is not None and uniform not in _STATES:
            raise ValueError(f"uniform must be one of {', '.join(_STATES)}, got {uniform!r}")
        stepping = frame is not None or uniform is not None or known is not None
        trace = self.trace if flow or stepping else None
        flow = flow or stepping
        highlight = set(highlight or ())
        if frame is not None and 0 <= frame < len(trace.steps):
            current = trace.steps[frame].node
            highlight.add(id(current) if id(current) in self.kept else -1)
        step_of = self.step_of(skip_leaves) if trace is not None else {}

        def state(node: Any) -> str:
            """'forward', 'past', 'current' or 'future' for the step that processes ``node`` (frames only)."""
            if uniform is not None:
                return uniform
            if known is not None:
                return "forward" if not node._parents or id(node) in known else "unknown"
            if frame is not None and frame < 0:
                return "forward"
            index = step_of.get(id(node))
            if not stepping or index is None:
                return "past" if not stepping else "future"
            return "past" if index < frame else "current" if index == frame else "future"

        dot = Diagram(name="errorflow", format="svg")
        dot.attr(rankdir=_FLIPPED[self.rankdir] if flow else self.rankdir, fontname="Helvetica", nodesep="0.25",
                 ranksep="0.35", newrank="true")
        if len(self.kept) > _BIG_LAYOUT:  # Graphviz's crossing and rank optimisation grow fast with a graph's size
            dot.attr(nslimit="2", nslimit1="2", mclimit="0.5")
        size = self.fontsize
        dot.attr("node", fontname="Helvetica", fontsize=_points(size))
        dot.attr("edge", fontname="Helvetica", fontsize=_points(size - 2), arrowsize="0.6")
        if title:
            dot.attr(label=title, labelloc="t", fontsize=_points(size + 2))

        bodies: dict[str | None, list[tuple[str, str, dict[str, str]]]] = {}

        def add_node(key: str | None, node_id: str, label: str, attrs: dict[str, str]) -> None:
            bodies.setdefault(key, []).append((node_id, label, attrs))

        for node in self.order:
            if id(node) not in self.kept:
                continue
            vid, role, key = self.ids[id(node)], self.roles[id(node)], self.cluster_of.get(id(node))
            node_state = state(node)
            greyed = stepping and node_state in ("future", "unknown")
            unknown = node_state == "unknown"
            forward = node_state in ("forward", "unknown")
            if trace is not None and id(node) in trace.signal:
                grad = trace.signal[id(node)]
            else:
                grad = node.grad
            attrs = {
                "shape": "box",
                "style": "rounded,filled",
                "fillcolor": COLORS["greyed_fill"] if greyed else COLORS[role],
                "color": COLORS["future"] if greyed else "#555555",
                "tooltip": role,
            }
            if greyed:
                attrs["fontcolor"] = COLORS["greyed_text"]
            if id(node) in highlight or node_state == "current":
                attrs.update(penwidth="3", color=COLORS["current"])
            label = self.value_label(node, grad, hide_grad=greyed or forward, greyed=greyed,
                                     hidden_color=COLORS[role] if forward and not unknown else None,
                                     show_grad=grads, hide_data=unknown)
            add_node(key, vid, label, attrs)
            if node._parents:
                op_attrs = {
                    "shape": "ellipse",
                    "style": "filled",
                    "fillcolor": COLORS["operation"],
                    "fontsize": _points(size - 1),
                    "height": "0.3",
                    "width": "0.3",
                    "margin": "0.03,0.01",
                    "color": COLORS["future"] if greyed else "#777777",
                    "tooltip": f"operation {node.op}",
                }
                if greyed:
                    op_attrs["fontcolor"] = COLORS["greyed_text"]
                add_node(key, vid + "op", self.op_text(node), op_attrs)

        self._order_leaves(dot)
        for key, members in bodies.items():
            target = dot
            if key is not None:
                cluster = graphviz.Digraph(name=f"cluster_{key.replace('.', '_')}")
                cluster.attr(label=self.cluster_titles[key], style="rounded,dashed", color="#9e9e9e",
                             fontsize=_points(size), fontname="Helvetica")
                target = cluster
            for node_id, label, attrs in members:
                target.node(node_id, label, **attrs)
            if key is not None:
                dot.subgraph(cluster)

        sent = {}
        if trace is not None:
            sent = {(id(e.child), e.position): e for e in trace.edges}
        collapsed_links: set[str] = set()
        for node in self.order:
            if id(node) not in self.kept or not node._parents:
                continue
            vid = self.ids[id(node)]
            node_state = state(node)
            forward = node_state in ("forward", "unknown")
            color = COLORS["future"] if node_state in ("future", "unknown") else COLORS["flow"] \
                if flow and not forward else COLORS["forward"]
            width = "2.2" if node_state == "current" else "1"
            backwards = {"dir": "back"} if forward else {}  # the flow layout, arrows the forward way
            if flow:
                dot.edge(vid, vid + "op", color=color, penwidth=width, **backwards)
            else:
                dot.edge(vid + "op", vid, color=color)
            links = self.folded.get(id(node)) or [(node, p, parent) for p, parent in enumerate(node._parents)]
            for sender, position, parent in links:
                if id(parent) not in self.kept:
                    if vid not in collapsed_links:
                        collapsed_links.add(vid)
                        ends = (vid + "op", "more") if flow else ("more", vid + "op")
                        dot.edge(*ends, style="dashed", color=COLORS["future"])
                    continue
                pid = self.ids[id(parent)]
                if not flow:
                    dot.edge(pid, vid + "op", color=color)
                    continue
                edge = sent.get((id(sender), position))
                if edge is None:  # a parent that needs no gradient is sent nothing
                    dot.edge(vid + "op", pid, style="dotted", color=COLORS["future"], arrowhead="none")
                    continue
                attrs = {"color": color, "penwidth": width, **backwards}
                if node_state == "current":
                    attrs["color"] = COLORS["current"]
                attrs["label"] = self.edge_label(edge, hidden=node_state in ("future", "forward", "unknown"))
                dot.edge(vid + "op", pid, **attrs)

        if self.hidden:
            more = {"shape": "note", "style": "filled,dashed", "fillcolor": "#fafafa", "color": "#9e9e9e",
                    "fontcolor": "#616161"}
            if -1 in highlight:
                more.update(penwidth="3", color=COLORS["current"])
            dot.node("more", f"… {self.hidden} more nodes", **more)
        if self.legend:
            self._add_legend(dot, flow)
        return dot

    def _order_leaves(self, dot: Diagram) -> None:
        """Line up the leaves outside layer boxes in reading order (inputs, then parameters, each by label:
        a₁, a₂, …, W₁₁, W₁₂, …, b₁), grouped by the depth of what reads them: each group one rank, chained by
        invisible edges, so Graphviz's crossing minimisation cannot scramble them."""
        depth: dict[int, int] = {}
        for node in self.order:
            depth[id(node)] = 1 + max((depth[id(p)] for p in node._parents), default=-1)
        groups: dict[int, list[Any]] = {}
        position = {id(n): i for i, n in enumerate(self.order)}
        readers: dict[int, list[Any]] = {}
        for node in self.order:
            for parent in node._parents:
                readers.setdefault(id(parent), []).append(node)
        for node in self.order:
            if node._parents or id(node) not in self.kept or id(node) in self.cluster_of or id(node) not in readers:
                continue
            groups.setdefault(min(depth[id(r)] for r in readers[id(node)]), []).append(node)

        def key(node: Any) -> tuple:
            role = 0 if self.roles[id(node)] == "input" else 1
            name = self.names.get(id(node))
            first = min(position[id(r)] for r in readers[id(node)])
            return (role, first if role else 0, _natural(name) if name else (), position[id(node)])

        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort(key=key)
            ids = [self.ids[id(n)] for n in members]
            with dot.subgraph() as rank:
                rank.attr(rank="same")
                for vid in ids:
                    rank.node(vid)
                for a, b in zip(ids, ids[1:]):
                    rank.edge(a, b, style="invis")

    def _add_legend(self, dot: Diagram, flow: bool) -> None:
        """One small table node naming the role colours (and, in the flow view, what a red edge carries)."""
        rows = ['<tr><td colspan="2"><b>legend</b></td></tr>']
        for role, text in ROLE_NAMES.items():
            rows.append(f'<tr><td bgcolor="{COLORS[role]}" border="1" style="rounded" width="14"> </td>'
                        f'<td align="left">{_html(text)}</td></tr>')
        rows.append('<tr><td border="1" style="rounded" width="14">op</td><td align="left">operation</td></tr>')
        if flow:
            rows.append(f'<tr><td><font color="{COLORS["flow"]}">⟵</font></td><td align="left">'
                        f'<font color="{COLORS["flow"]}">error signal sent:<br/>upstream × local derivative'
                        "</font></td></tr>")
        table = "".join(rows)
        dot.node("legend", f'<<table border="0" cellborder="0" cellspacing="2" cellpadding="2">{table}</table>>',
                 shape="box", style="rounded", color="#bdbdbd", fontsize=_points(self.fontsize - 2))

    # ---- captions --------------------------------------------------------------------------------------------
    def sent(self, edge: FlowEdge) -> str:
        """A signal in words; a tensor edge also says it in the notes' notation (``δ⁽²⁾·a⁽¹⁾ᵀ = a (2, 4) …``),
        naming it δ⁽ᵏ⁾ when it is the whole signal of z⁽ᵏ⁾ (``δ⁽²⁾ = σ'(z⁽²⁾) ∘ (δ⁽³⁾·W⁽²⁾) = …``)."""
        words = _signal_words(edge.signal)
        if edge.local_grad is not None or not edge.symbol:
            return words
        delta = _delta_name(self.names.get(id(edge.parent)))
        if delta and edge.symbol != delta and self.trace.incoming[id(edge.parent)] == 1:
            return f"{delta} = {edge.symbol} = {words}"
        return f"{edge.symbol} = {words}"

    def caption(self, index: int) -> str:
        """Step ``index`` in words (−1: the moment before backpropagation starts)."""
        trace = self.trace
        root = self.names.get(id(self.root)) or "out"
        if index < 0:
            who = f"the output {root}" if id(self.root) in self.names else f"the output ({self.call(self.root)})"
            return (f"The forward pass is done: every node holds its value, computed from the inputs towards the "
                    f"output. Backpropagation starts at {who} with an error signal of 1 (∂{root}/∂{root} = 1) and "
                    f"walks back from there, each node sending its inputs the signal it received times its local "
                    f"derivative.")
        step = trace.steps[index]
        node = step.node
        who = self.call(node)
        signal = _signal_words(step.error_signal)
        prefix = f"Step {index + 1} of {len(trace.steps)}: "
        if not node._parents:
            name = self.names.get(id(node))
            result = f"∂{root}/∂{name} = {signal}" if name else f"the derivative of {root} with respect to it"
            return (prefix + f"{who} is a leaf: it receives {signal}, the sum of everything sent to it, and adds "
                    f"it to its .grad: {result}.")
        own = "1 (the starting signal)" if node is self.root else signal
        delta = _delta_name(self.names.get(id(node)))
        if delta and _is_array(node.data) and node is not self.root:
            own = f"{delta} = {own}"  # the notes' name for the signal at z⁽ᵏ⁾
        edges = [e for e in trace.edges if e.step == index]
        if not edges:
            return prefix + f"{who} receives {own}; none of its inputs needs a gradient, so it sends nothing."

        def local(edge: FlowEdge) -> str:
            symbol = trace.local_symbol.get((id(node), edge.position))
            if edge.local_grad is None:
                return ""
            number = _fmt(edge.local_grad)
            return f"{symbol} = {number}" if _is_symbolic(symbol) else number

        if len(edges) == 1:
            edge = edges[0]
            factor = local(edge)
            how = f"multiplies it by {'its local derivative ' if not factor else ''}{factor or ''}".rstrip()
            return prefix + (f"{who} receives {own}, {how} and sends {self.sent(edge)} to "
                             f"{self.call(edge.parent)}.")
        parts = []
        for edge in edges:
            factor = local(edge)
            times = f" (× {factor})" if factor else ""
            parts.append(f"{self.sent(edge)} to {self.call(edge.parent)}{times}")
        return prefix + (f"{who} receives {own} and shares it out, multiplying by each local derivative: "
                         + "; ".join(parts) + ".")


# ---- public API --------------------------------------------------------------------------------------------------
def draw(
    root: Any,
    *,
    flow: bool = False,
    rankdir: str = "LR",
    max_nodes: int | None = 200,
    highlight: Any = None,
    params: Iterable[Any] | None = None,
    model: Any = None,
    legend: bool = True,
    title: str | None = None,
    collapse: bool = False,
    cells: int = _cells.DEFAULT_CELLS,
    grads: bool | None = None,
    fontsize: float = 11,
    fold: bool | None = None,
) -> Diagram:
    """Draw the computation graph that ``root`` depends on, as a :class:`Diagram` (a ``graphviz.Digraph``).

    * Value nodes show label, ``data`` and ``grad`` (4 significant digits); Tensor nodes show label, shape, dtype
      and their numbers: a tensor with at most ``cells`` elements along each of its (at most 2) axes as a table of
      cells shaded blue (< 0), white (0), red (> 0), data and grad on their own scales — flow edges carrying such a
      signal show its cells too; a larger one as norm, min, max and a histogram (``cells=0``: always). Each result
      has a small operation node (``+``, ``×``, ``σ``, ``Σ w·x + b``; a constant operand shows beside it, ``× 2``).
    * Colours by role (:data:`COLORS`): inputs (leaves that are data), parameters (leaves passed in ``params`` or
      ``model``, Tensors that require grad; only when neither is given, Values labelled W, w, b, U, u with
      indices — ``W₁₄⁽¹⁾``, ``w1``, ``b^(2)`` — not ``beta``), intermediates, and the output; ``legend=True`` adds
      a key.
    * ``model`` (an ``nn.Module``): its parameters are parameters, boxed per layer ("Layer 1: W⁽¹⁾, b⁽¹⁾") by
      their ``named_parameters()`` names, with the layer's z and a nodes inside the box.
    * ``flow=True``: the error-flow view. Edges run from the output back towards the inputs, each labelled with the
      signal it carries, upstream signal × local derivative, as a number and (for named nodes) a formula; node
      grads show what this one pass delivers (leaves may hold more, accumulated over earlier passes).
    * ``max_nodes``: nodes beyond the ``max_nodes`` nearest the output collapse into one "… N more nodes" node.
    * ``highlight``: a node (or nodes) to outline.
    * ``grads``: show each node's ``.grad``. By default (None) only once a backward pass has reached the graph (the
      output's grad is set): a diagram drawn after the forward pass shows values only. ``flow=True`` always shows
      the signals of one pass.
    * ``fontsize``: the nodes' font size in points (edges 2 smaller, the title 2 larger); ``save("g.png",
      dpi=…)`` sets the resolution.
    * ``fold``: draw a chain of scalar ``+`` over products — ``w₁·x₁ + w₂·x₂ + b``, micrograd's
      ``sum(w * x for …) + b`` — as one ``Σ w·x + b`` node with an edge to every weight, input and the bias (the
      notes' picture of a neuron). Default (None): in the flow view.
    * ``collapse=True``: the layer-level view (notes §6): one box per layer, a⁽ᵏ⁺¹⁾ = f(W⁽ᵏ⁾a⁽ᵏ⁾ + b⁽ᵏ⁾), and only the
      signals between layers and into each layer's parameters (:mod:`autodiff.viz.layers`); scalar networks need
      ``model=``.

    The graph's ``.grad`` values are never changed. ``diagram.source`` is the DOT text; ``diagram.save("g.svg")``
    renders with Graphviz's ``dot`` (raising :class:`GraphvizNotInstalled`, with install instructions, without it).
    """
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    if collapse:
        from .layers import collapsed

        return collapsed(root, model=model, flow=flow, rankdir=rankdir, title=title)
    highlighted = _node_set(highlight, "highlight")
    if grads is not None and not isinstance(grads, bool):
        raise TypeError(f"grads must be True, False or None (automatic), got {type(grads).__name__}")
    scene = _Scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend,
                   cells=cells, fontsize=fontsize, fold=flow if fold is None else bool(fold))
    show = flow or (_reached(root) if grads is None else grads)
    return scene.diagram(flow=flow, highlight=highlighted, title=title, grads=show)


def steps(
    root: Any,
    *,
    rankdir: str = "LR",
    max_nodes: int | None = 200,
    params: Iterable[Any] | None = None,
    model: Any = None,
    legend: bool = True,
    cells: int = _cells.DEFAULT_CELLS,
    collapse: bool = False,
    fontsize: float = 11,
) -> list[Diagram]:
    """One diagram per backward step from ``root``: the node being processed outlined, the signals sent so far
    drawn and labelled, what is still to come greyed out (its labels kept invisibly so frames line up).

    ``collapse=True``: one diagram per layer of the layer-level view (see :func:`draw`), in the order the layers
    finish their backward work: the output, the top layer, …, the first layer.
    """
    options = {} if collapse else {"fontsize": fontsize}
    scene = _scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend,
                   cells=cells, collapse=collapse, **options)
    return [scene.frame(k, f"backward step {k + 1} of {scene.total}") for k in range(scene.total)]


def _scene(root: Any, *, collapse: bool, model: Any, rankdir: str, **options: Any) -> Any:
    """The scene that frames are drawn from: nodes one by one, or (``collapse``) layers."""
    if collapse:
        from .layers import _LayerScene

        return _LayerScene(root, model=model, rankdir=rankdir)
    return _Scene(root, model=model, rankdir=rankdir, **options)

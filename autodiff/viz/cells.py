"""Tensors drawn as numbers: a small table of cells when the tensor fits, a histogram when it does not.

A matrix whose axes are each at most ``cells`` long (8 by default) is drawn in full, one cell per element, shaded
on a diverging scale — blue below zero, white at zero, red above, the strongest colour at the table's largest
``|value|`` — so a 2×4 W⁽¹⁾ and its gradient can be read cell by cell beside the scalar diagram of the same
network. Data and grad are shaded separately (each on its own scale). A larger tensor keeps its norm, min and max
and adds a 12-bin histogram of its values drawn as bars of cells. All output is Graphviz HTML-like label markup.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from .naming import _fmt, _norm

DEFAULT_CELLS = 8
"""Tensors with at most this many elements along every axis (and at most 2 axes) are drawn in full."""

_NEGATIVE = (33, 102, 172)  # the blue end of the scale (ColorBrewer RdBu)
_POSITIVE = (178, 24, 43)  # the red end
_STRENGTH = 0.55  # how far the largest |value| goes from white towards its end colour (text stays readable)
_BINS, _LEVELS = 12, 6


def check_cells(cells: Any) -> int:
    """``cells`` as given to ``draw``/``steps``/``BackpropPlayer``: a non-negative int (0: never in full)."""
    if isinstance(cells, bool) or not isinstance(cells, int) or cells < 0:
        raise ValueError(f"cells must be a non-negative int (the longest axis drawn in full; 0 for never), "
                         f"got {cells!r}")
    return cells


def fits(array: np.ndarray, cells: int) -> bool:
    """Whether ``array`` is drawn as a table: 1 or 2 axes, none longer than ``cells``."""
    return 1 <= array.ndim <= 2 and array.size > 0 and max(array.shape) <= cells


def shade(value: float, scale: float) -> str:
    """The diverging colour of ``value`` on a table whose largest magnitude is ``scale``: ``#ffffff`` at zero."""
    if not np.isfinite(value):
        return "#bdbdbd" if np.isnan(value) else _mix(_POSITIVE if value > 0 else _NEGATIVE, 1.0)
    if scale == 0 or value == 0:
        return "#ffffff"
    return _mix(_POSITIVE if value > 0 else _NEGATIVE, min(abs(value) / scale, 1.0))


def _mix(end: tuple[int, int, int], t: float) -> str:
    t *= _STRENGTH
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in end)


def table(array: np.ndarray, *, hidden_text: str | None = None, text_color: str | None = None) -> str:
    """The cells of a 1-D or 2-D array as an HTML-like table (a 1-D array is one row).

    ``hidden_text`` (a colour): draw the cells unshaded with their numbers in that colour, so a grad the player has
    not reached yet keeps its place without showing; ``text_color`` colours the numbers of shaded cells.
    """
    rows = np.atleast_2d(np.asarray(array, dtype=float))
    finite = np.abs(rows[np.isfinite(rows)])
    scale = float(finite.max()) if finite.size else 0.0
    body = []
    for row in rows:
        tds = []
        for value in row:
            text = html.escape(_fmt(value))
            if hidden_text is not None:
                tds.append(f'<td><font color="{hidden_text}">{text}</font></td>')
                continue
            font = f'<font color="{text_color}">{text}</font>' if text_color else text
            tds.append(f'<td bgcolor="{shade(float(value), scale)}">{font}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    border = "#e0e0e0" if hidden_text is None else hidden_text
    return (f'<table border="0" cellborder="1" cellspacing="0" cellpadding="2" color="{border}">'
            + "".join(body) + "</table>")


def histogram(array: np.ndarray, *, color: str = "#616161") -> str:
    """A 12-bin histogram of ``array``'s finite values as bars of cells (tallest bar: 6 cells), for big tensors."""
    values = np.asarray(array, dtype=float).ravel()
    values = values[np.isfinite(values)]
    counts = np.histogram(values, bins=_BINS)[0] if values.size else np.zeros(_BINS, dtype=int)
    heights = np.ceil(counts / max(int(counts.max()), 1) * _LEVELS).astype(int)
    bar = '<td width="5" height="3" fixedsize="true"{}></td>'
    empty, full = bar.format(""), bar.format(f' bgcolor="{color}"')
    rows = ["<tr>" + "".join(full if h >= level else empty for h in heights) + "</tr>"
            for level in range(_LEVELS, 0, -1)]
    return '<table border="0" cellborder="0" cellspacing="0" cellpadding="0">' + "".join(rows) + "</table>"


def summary_lines(array: np.ndarray) -> list[str]:
    """What a tensor too big for cells shows as text: its norm, then min and max."""
    return [f"‖·‖ {_fmt(_norm(array))}", f"min {_fmt(array.min())}  max {_fmt(array.max())}"]

"""Anomaly mode: stop at the first operation that produces NaN or inf, and say where it was created.

    with autodiff.detect_anomaly():
        loss = model(x)        # a forward result with NaN/inf raises here
        loss.backward()        # a backward share with NaN/inf raises here

The error names the operation, its label, the shapes of its inputs and the line of *your* code that created it
(recorded only while the mode is on, because finding it costs a stack walk per operation).

A classic source of NaN gradients that anomaly mode will point at: ``where(x > 0, sqrt(x), 0)``. The forward
result is fine, but for x < 0 the unselected branch still computes sqrt'(x) = nan, and ``0 × nan`` is nan, so the
nan reaches x. Mask the *input* instead: ``sqrt(where(x > 0, x, 1))``.
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any

import numpy as np

from .modes import MODES, ModeSwitch

__all__ = ["detect_anomaly", "AnomalyError", "is_anomaly_enabled"]


class AnomalyError(FloatingPointError):
    """A NaN or inf appeared in a forward result or a backward share while ``detect_anomaly()`` was on."""


_creation_sites: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_PACKAGE_DIRS = tuple(
    os.path.dirname(os.path.abspath(p)) + os.sep
    for p in (__file__, os.path.join(os.path.dirname(__file__), "..", "nn", "x"),
              os.path.join(os.path.dirname(__file__), "..", "optim", "x"))
)


def is_anomaly_enabled() -> bool:
    return MODES.anomaly


class detect_anomaly(ModeSwitch):
    """Context manager (and decorator): check every forward result and backward share for NaN/inf.

    Thread-local; blocks nest and one instance may be entered again while open (see :mod:`autodiff.modes`).
    """

    _switch, _mode = "anomaly", True


def _user_line() -> str:
    """``file:line: code`` of the innermost frame outside autodiff/nn/optim: the user's line."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIRS):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    import linecache

    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}: {code}"


def _finite(x: Any) -> bool:
    return bool(np.all(np.isfinite(x)))


def _describe(node: Any) -> str:
    shapes = [np.shape(p.data) for p in node._parents]
    labels = [p.label for p in node._parents if getattr(p, "label", None)]
    named = f" labelled {node.label!r}" if getattr(node, "label", None) else ""
    inputs = f"inputs {labels} " if labels else ""
    return f"operation {node.op!r}{named} ({inputs}of shapes {shapes})"


def on_create(node: Any) -> None:
    """Called by the engines for each new node while anomaly mode is on: remember where, check the result."""
    site = _user_line()
    _creation_sites[node] = site
    if not _finite(node.data):
        raise AnomalyError(f"{_describe(node)} produced NaN or inf in its forward result; created at {site}")


def check_backward(node: Any, shares: Any) -> None:
    """Called by the graph core for each backward step while anomaly mode is on."""
    for parent, share in zip(node._parents, shares):
        if share is not None and not _finite(share):
            where = _creation_sites.get(node, "<created before detect_anomaly() was on>")
            towards = f" labelled {parent.label!r}" if getattr(parent, "label", None) else ""
            raise AnomalyError(
                f"{_describe(node)} sent NaN or inf backward to its input{towards} of shape "
                f"{np.shape(parent.data)}; created at {where}"
            )

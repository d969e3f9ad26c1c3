"""Printing that never fails a computation: an ASCII spelling for a console that cannot show the notes' symbols,
and a closed pipe (``autodiff graph … | head``) treated as the end of the output.

The notes write ``x₁``, ``σ``, ``∂``, ``§``, ``α``; a console encoded in ASCII or cp1252 (``LC_ALL=C``, a Windows
redirect, ``PYTHONIOENCODING=ascii``) cannot show all of them, and Python's default there is to raise
``UnicodeEncodeError`` from ``print``, in the middle of whatever was being computed. :func:`use_ascii_fallback`
(run when :mod:`autodiff` is imported) makes ``sys.stdout`` and ``sys.stderr`` spell such a character instead:
``x₁`` → ``x_1``, ``σ`` → ``sigma``, ``∂`` → ``d``, ``→`` → ``->``, anything else → ``?``. Consoles that can show
the symbols (UTF-8) are left alone.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import os
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["use_ascii_fallback", "reader_may_leave", "ERRORS"]

ERRORS = "errorflow-ascii"
"""The codec error handler that spells the notes' symbols in ASCII (registered with :mod:`codecs`)."""

_SPELLING = {
    "σ": "sigma", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "Δ": "Delta", "ε": "eps", "η": "eta",
    "θ": "theta", "λ": "lambda", "μ": "mu", "µ": "u", "ρ": "rho", "Σ": "Sum", "τ": "tau", "φ": "phi", "ω": "omega",
    "∂": "d", "∇": "grad ", "§": "S", "×": "x", "·": "*", "÷": "/", "−": "-", "–": "-", "—": "--", "±": "+-",
    "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "→": "->", "←": "<-", "⟵": "<-", "⟶": "->", "↦": "|->", "∈": " in ",
    "√": "sqrt", "∞": "inf", "…": "...", "‖": "||", "′": "'", "″": "''", "‘": "'", "’": "'", "“": '"', "”": '"',
    "✓": "ok", "✗": "x", "█": "#", "▏": "|", "◀": "<", "▶": ">",
}
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₓᵢⱼₖₙₘ₊₋₍₎", "0123456789xijknm+-()"))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹ᵀⁱⁿ⁺⁻⁽⁾", "0123456789Tin+-()"))


def _spell(error: UnicodeError) -> tuple[str, int]:
    """``x₁₂`` → ``x_12``, ``a⁽²⁾`` → ``a^(2)``, ``σ`` → ``sigma``, anything not in the table → ``?``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_spell_group(mark, "".join(group)) for mark, group in itertools.groupby(text, _mark)), error.end


def _mark(c: str) -> str:
    return "_" if c in _SUBSCRIPTS else "^" if c in _SUPERSCRIPTS else ""


def _spell_group(mark: str, text: str) -> str:
    if mark:
        table = _SUBSCRIPTS if mark == "_" else _SUPERSCRIPTS
        return mark + "".join(table[c] for c in text)
    return "".join(_SPELLING.get(c, "?") for c in text)


codecs.register_error(ERRORS, _spell)


def _needs_fallback(stream: Any) -> bool:
    encoding = getattr(stream, "encoding", None)
    if not encoding or not hasattr(stream, "reconfigure"):
        return False
    try:
        "x₁σ∂§α→".encode(encoding)
    except UnicodeEncodeError:
        return True
    except LookupError:
        return False
    return False


def use_ascii_fallback() -> None:
    """Make ``sys.stdout``/``sys.stderr`` spell the characters their encoding lacks instead of raising."""
    # Python's own choices (strict; surrogateescape in the C locale; backslashreplace on stderr), not a user's
    for stream, defaults in ((sys.stdout, ("strict", "surrogateescape")), (sys.stderr, ("backslashreplace",))):
        if _needs_fallback(stream) and getattr(stream, "errors", None) in defaults:
            with contextlib.suppress(ValueError, OSError):  # a closed or unusual stream: leave it as it is
                stream.reconfigure(errors=ERRORS)


class _ReaderMayLeave:
    """A text stream whose reader may go away (``| head``): from then on, what is written is dropped."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_left()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_left()

    def _reader_left(self) -> None:
        # what is still buffered, and everything written later, goes to the null device (Python's advice for
        # SIGPIPE); writing to a pipe nobody reads is not an error of the computation
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def reader_may_leave() -> Iterator[None]:
    """While open, a closed stdout or stderr pipe ends the output, not the program (the work still gets done)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (s if s is None else _ReaderMayLeave(s) for s in saved)
    try:
        yield
    finally:
        for wrapper in (sys.stdout, sys.stderr):
            if isinstance(wrapper, _ReaderMayLeave):
                wrapper.flush()
        sys.stdout, sys.stderr = saved

"""Thread-local switches (grad recording, anomaly mode) and the one context manager that flips them.

``no_grad``, ``enable_grad`` and ``detect_anomaly`` all set a per-thread flag for the length of a block and put
back what was there before. The value to restore is kept on a per-thread *stack*, not on the context-manager
instance, so blocks nest, one instance can be entered again while it is open (``with g: with g:``) and a
decorated function can call itself. As a decorator, the switch also covers a generator function: the mode holds
while the generator's body runs, and the caller's code between two ``next()`` calls keeps its own mode (as
PyTorch's ``torch.no_grad`` does).
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class ThreadModes(threading.local):
    """This thread's switches (each thread starts with the defaults): ``grad`` (operations record a graph) and
    ``anomaly`` (check every result for NaN/inf), and ``recording``, derived from both so that creating a node
    reads one thread-local flag, not two: 0 record nothing, 1 record, 2 record and check."""

    def __init__(self) -> None:  # runs once per thread
        self.grad, self.anomaly, self.recording = True, False, 1
        self.saved: dict[str, list[bool]] = {"grad": [], "anomaly": []}  # per switch, one entry per open block

    def set(self, switch: str, on: bool) -> None:
        setattr(self, switch, on)
        self.recording = (2 if self.anomaly else 1) if self.grad else 0


MODES = ThreadModes()


class ModeSwitch:
    """Context manager (and decorator) setting this thread's switch ``_switch`` to ``_mode`` for a block."""

    _switch: str  # "grad" or "anomaly"
    _mode: bool

    def __enter__(self) -> None:
        MODES.saved[self._switch].append(getattr(MODES, self._switch))
        MODES.set(self._switch, self._mode)

    def __exit__(self, *exc: object) -> None:
        MODES.set(self._switch, MODES.saved[self._switch].pop())

    def __call__(self, fn: F) -> F:
        """``@no_grad()`` / ``@detect_anomaly()``: the mode holds while ``fn`` runs (generator bodies included)."""
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}() decorates a function, got {type(fn).__name__}: {fn!r:.40}")
        if inspect.isgeneratorfunction(fn):
            return functools.wraps(fn)(functools.partial(_in_mode_generator, self, fn))  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _in_mode_generator(switch: ModeSwitch, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run the generator ``fn(*args, **kwargs)`` with the mode on each time it resumes; pass values through."""
    gen = fn(*args, **kwargs)
    try:
        with switch:
            response = gen.send(None)
        while True:
            try:
                request = yield response
            except GeneratorExit:
                with switch:
                    gen.close()
                raise
            except BaseException as error:  # thrown in by the caller: deliver it inside the mode
                with switch:
                    response = gen.throw(error)
            else:
                with switch:
                    response = gen.send(request)
    except StopIteration as stop:
        return stop.value

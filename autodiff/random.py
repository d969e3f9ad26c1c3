"""Seedable random state, as PyTorch's: ``autodiff.manual_seed(42)`` and ``g = autodiff.Generator().manual_seed(42)``.

Every random constructor (``randn``, ``rand``, ``randint``, ``randperm``, ``multinomial``) and the shuffling
``nn.data.DataLoader`` take ``generator=``; without one they draw from the default generator, which
:func:`manual_seed` reseeds. The same seed gives the same numbers, run after run, as in makemore::

    g = autodiff.Generator().manual_seed(2147483647)
    W = autodiff.randn((27, 27), generator=g, requires_grad=True)

The numbers come from numpy's PCG64, so they are *not* the numbers PyTorch draws for the same seed (PyTorch uses a
Mersenne Twister with its own transformations): a seed makes a run reproducible, not equal to a PyTorch run.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "resolve_generator"]

_SEED_RANGE = (-(2**63), 2**64 - 1)  # what torch.manual_seed accepts; negative seeds wrap to unsigned, as there


def _checked_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed(seed) needs an int, got {type(seed).__name__}: {seed!r:.40}")
    if not _SEED_RANGE[0] <= seed <= _SEED_RANGE[1]:
        raise ValueError(f"manual_seed(seed): {seed} is outside [{_SEED_RANGE[0]}, {_SEED_RANGE[1]}]")
    return int(seed) % 2**64


class Generator:
    """A source of random numbers with its own state (PyTorch's ``torch.Generator``).

    ``manual_seed(n)`` resets it and returns it (so ``Generator().manual_seed(42)`` is one expression);
    ``initial_seed()`` is the last seed; ``get_state()``/``set_state()`` save and restore the position in the
    stream. ``numpy`` is the underlying ``numpy.random.Generator`` (for ``nn.init`` and ``nn.Linear``'s ``rng=``).
    A new generator starts from a fresh, unpredictable seed, as PyTorch's default one does.
    """

    def __init__(self, device: str = "cpu") -> None:
        if device != "cpu":
            raise ValueError(f"Generator(device={device!r}): errorflow runs on the CPU only, device must be 'cpu'")
        self._initial_seed = secrets.randbits(63)
        self._rng = np.random.default_rng(self._initial_seed)

    def manual_seed(self, seed: int) -> Generator:
        self._initial_seed = _checked_seed(seed)
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        self.manual_seed(secrets.randbits(63))
        return self._initial_seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        """The position in the stream (a dict, numpy's bit-generator state): ``set_state`` it to replay draws."""
        return self._rng.bit_generator.state

    def set_state(self, state: dict[str, Any]) -> Generator:
        if not isinstance(state, dict):
            raise TypeError(f"set_state needs a state from get_state() (a dict), got {type(state).__name__}")
        try:
            self._rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"set_state: not a state from get_state(): {error}") from None
        return self

    @property
    def numpy(self) -> np.random.Generator:
        return self._rng

    def __repr__(self) -> str:
        return f"Generator(initial_seed={self._initial_seed})"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator from fresh entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's last seed."""
    return default_generator.initial_seed()


def resolve_generator(generator: Any, what: str) -> np.random.Generator:
    """The numpy generator to draw from: the default one for ``None``, else the ``Generator`` given (a
    ``numpy.random.Generator`` is accepted too)."""
    if generator is None:
        return default_generator._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{what}: generator must be an autodiff.Generator (or None), got {type(generator).__name__}")

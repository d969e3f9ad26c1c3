"""Learning-rate schedules (notes §7.7), with PyTorch's ``torch.optim.lr_scheduler`` semantics.

A scheduler rewrites ``group["lr"]`` of every parameter group of an optimizer. Construction stores the starting
rate as ``group["initial_lr"]`` (α₀ below, also ``base_lrs``) and sets ``last_epoch = 0``; each ``step()`` —
called after ``optimizer.step()``, once per epoch (or once per iteration, if t should count iterations) — adds 1
to ``last_epoch`` = t and sets the new rate. ``get_last_lr()`` returns the rates now in force, one per group::

    opt = SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

The notes' schedules:

* annealing, "reduce the learning rate by a factor after every n iterations": :class:`StepLR` (α₀·γ^⌊t/n⌋);
* exponential decay α(t) = α₀·e^{−kt}: :class:`ExponentialDecay` (or :class:`ExponentialLR` with γ = e^{−k});
* α(t) = α₀·τ / max(t, τ), constant until t = τ and then ∝ 1/t: :class:`InverseTimeLR`;
* anything else: :class:`LambdaLR`, α(t) = α₀·f(t).

``StepLR`` and ``ExponentialLR`` update the current rate multiplicatively ("chainable", as PyTorch does), so they
compose with other schedulers and with manual changes of ``group["lr"]``; ``ExponentialDecay``, ``InverseTimeLR``
and ``LambdaLR`` compute α(t) from α₀ directly. With one scheduler and no manual changes, all equal their closed
forms (up to rounding: repeated multiplication by γ vs. γ^t).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "ExponentialDecay", "InverseTimeLR", "LambdaLR"]


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"Invalid {name} value: {value} (must be a positive int)")
    return int(value)


def _real(value: Any, name: str, low: float, *, inclusive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} ({value!r:.40})")
    x = float(value)
    ok = (x >= low if inclusive else x > low) and math.isfinite(x)
    if not ok:
        bound = f"≥ {low:g}" if inclusive else f"> {low:g}"
        raise ValueError(f"Invalid {name} value: {value} (must be finite and {bound})")
    return x


class LRScheduler:
    """Base class. Subclasses define ``get_lr()``: the rates for step ``self.last_epoch``, one per group."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or last_epoch < -1:
            raise ValueError(f"Invalid last_epoch value: {last_epoch} (-1 to start, or the epoch to resume from)")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._last_lr: list[float] = [group["lr"] for group in optimizer.param_groups]
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group after the last ``step()``."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance t = ``last_epoch`` by one and write the new rate into every parameter group."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and, for LambdaLR, the functions), as PyTorch."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """The notes' annealing: multiply the rate by ``gamma`` every ``step_size`` steps.

    α(t) = α₀·γ^⌊t / step_size⌋. "Reduce α by a factor x every n iterations" is ``StepLR(opt, n, gamma=1/x)``;
    "halve it every k epochs" is ``StepLR(opt, k, gamma=0.5)``.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = _positive_int(step_size, "step_size")
        self.gamma = _real(gamma, "gamma", 0.0, inclusive=False)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step: α(t) = α₀·γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _real(gamma, "gamma", 0.0, inclusive=False)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class ExponentialDecay(LRScheduler):
    """The notes' exponential decay α(t) = α₀·e^{−kt} (§7.7), computed from α₀ at every step.

    The same schedule as ``ExponentialLR(opt, gamma=math.exp(-k))``, parametrised by the decay rate k ≥ 0 as in the
    notes. Not in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, k: float, last_epoch: int = -1) -> None:
        self.k = _real(k, "k", 0.0, inclusive=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * math.exp(-self.k * self.last_epoch) for base in self.base_lrs]


class InverseTimeLR(LRScheduler):
    """The notes' α(t) = α₀·τ / max(t, τ) (§7.7): constant α₀ until t = τ, then decaying like 1/t.

    τ > 0 is the step at which the rate starts to fall (α(2τ) = α₀/2, α(10τ) = α₀/10). Not in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, tau: float, last_epoch: int = -1) -> None:
        self.tau = _real(tau, "tau", 0.0, inclusive=False)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * self.tau / max(self.last_epoch, self.tau) for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """α(t) = α₀·f(t) for a function f of the step (one function, or one per parameter group), as PyTorch."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n_groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if callable(lr_lambda):
            self.lr_lambdas: list[Callable[[int], float]] = [lr_lambda] * n_groups
        else:
            lambdas = list(lr_lambda)
            if len(lambdas) != n_groups:
                raise ValueError(f"Expected {n_groups} lr_lambdas, but got {len(lambdas)}")
            for i, f in enumerate(lambdas):
                if not callable(f):
                    raise TypeError(f"lr_lambda[{i}] must be callable, got {type(f).__name__}")
            self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

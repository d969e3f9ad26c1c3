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
from collections.abc import Callable, Mapping, Sequence
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


def _epoch(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < -1:
        raise ValueError(f"Invalid {name} value: {value!r:.40} (an int ≥ -1: the number of steps taken)")
    return int(value)


def _rates(value: Any, name: str, n_groups: int) -> list[float]:
    """One finite learning rate ≥ 0 per parameter group."""
    if not isinstance(value, (list, tuple)) or len(value) != n_groups:
        raise ValueError(f"Invalid {name} value: {value!r:.60} (a list of {n_groups} learning rate(s), one per "
                         "parameter group)")
    return [_real(lr, f"{name}[{i}]", 0.0, inclusive=True) for i, lr in enumerate(value)]


def _above_zero(value: Any, name: str) -> float:
    return _real(value, name, 0.0, inclusive=False)


def _checked_lr(lr: Any, scheduler: LRScheduler, group: int) -> float:
    where = f"{type(scheduler).__name__} at step {scheduler.last_epoch}, parameter group {group}"
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"{where}: the learning rate must be a real number, got {type(lr).__name__} ({lr!r:.40})")
    if not 0 <= lr < math.inf:
        raise ValueError(f"{where}: the learning rate must be finite and ≥ 0, got {lr}")
    return lr


class LRScheduler:
    """Base class. Subclasses define ``get_lr()``: the rates for step ``self.last_epoch``, one per group."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or last_epoch < -1:
            raise ValueError(f"Invalid last_epoch value: {last_epoch} (-1 to start, or the epoch to resume from)")
        self.optimizer = optimizer
        had_initial_lr = ["initial_lr" in group for group in optimizer.param_groups]
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
        try:
            self.step()
        except Exception:
            if last_epoch == -1:  # leave the optimizer as it was: without the initial_lr this constructor added
                for group, had in zip(optimizer.param_groups, had_initial_lr):
                    if not had:
                        group.pop("initial_lr", None)
            raise

    def get_lr(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} must define get_lr(): the rates for step last_epoch")

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group after the last ``step()``."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance t = ``last_epoch`` by one and write the new rate into every parameter group.

        A schedule that yields something other than a finite rate ≥ 0 (a ``LambdaLR`` function returning NaN, a
        string, a negative number) raises ``ValueError``/``TypeError`` and changes nothing.
        """
        self.last_epoch += 1
        try:
            lrs = [_checked_lr(lr, self, i) for i, lr in enumerate(self.get_lr())]
        except BaseException:
            self.last_epoch -= 1
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and, for LambdaLR, the functions), as PyTorch."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (keys of this scheduler's own state only).

        Every value is checked as the constructor checks it (``gamma`` finite and > 0, ``step_size`` a positive
        int, …; ``last_epoch`` an int ≥ -1; ``base_lrs`` one finite rate ≥ 0 per parameter group) before any is
        assigned, so a refused state leaves the scheduler as it was.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict needs the dict returned by state_dict(), got {type(state_dict).__name__}")
        unknown = sorted(map(str, set(state_dict) - set(self.state_dict())))
        if unknown:
            raise ValueError(
                f"not a {type(self).__name__} state: unexpected key(s) {', '.join(map(repr, unknown))}; "
                f"expected {', '.join(map(repr, sorted(self.state_dict())))}"
            )
        checks = self._state_checks()
        checked = {key: checks[key](value, key) if key in checks else value for key, value in state_dict.items()}
        self.__dict__.update(checked)

    def _state_checks(self) -> dict[str, Callable[[Any, str], Any]]:
        """How :meth:`load_state_dict` checks each entry: name → ``check(value, name)`` returning the value to keep
        (or raising). Subclasses add their own hyper-parameters."""
        n_groups = len(self.optimizer.param_groups)
        return {"last_epoch": _epoch, "base_lrs": lambda v, k: _rates(v, k, n_groups),
                "_last_lr": lambda v, k: _rates(v, k, n_groups)}


class StepLR(LRScheduler):
    """The notes' annealing: multiply the rate by ``gamma`` every ``step_size`` steps.

    α(t) = α₀·γ^⌊t / step_size⌋. "Reduce α by a factor x every n iterations" is ``StepLR(opt, n, gamma=1/x)``;
    "halve it every k epochs" is ``StepLR(opt, k, gamma=0.5)``.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = _positive_int(step_size, "step_size")
        self.gamma = _above_zero(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def _state_checks(self) -> dict[str, Callable[[Any, str], Any]]:
        return {**super()._state_checks(), "step_size": _positive_int, "gamma": _above_zero}

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step: α(t) = α₀·γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _above_zero(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def _state_checks(self) -> dict[str, Callable[[Any, str], Any]]:
        return {**super()._state_checks(), "gamma": _above_zero}

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

    def _state_checks(self) -> dict[str, Callable[[Any, str], Any]]:
        return {**super()._state_checks(), "k": lambda v, k: _real(v, k, 0.0, inclusive=True)}

    def get_lr(self) -> list[float]:
        return [base * math.exp(-self.k * self.last_epoch) for base in self.base_lrs]


class InverseTimeLR(LRScheduler):
    """The notes' α(t) = α₀·τ / max(t, τ) (§7.7): constant α₀ until t = τ, then decaying like 1/t.

    τ > 0 is the step at which the rate starts to fall (α(2τ) = α₀/2, α(10τ) = α₀/10). Not in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, tau: float, last_epoch: int = -1) -> None:
        self.tau = _above_zero(tau, "tau")
        super().__init__(optimizer, last_epoch)

    def _state_checks(self) -> dict[str, Callable[[Any, str], Any]]:
        return {**super()._state_checks(), "tau": _above_zero}

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
        elif not isinstance(lr_lambda, (list, tuple)):
            raise TypeError(
                f"lr_lambda must be a function of the step (or a list of them, one per group), "
                f"got {type(lr_lambda).__name__}"
            )
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
        factors = [f(self.last_epoch) for f in self.lr_lambdas]
        for i, factor in enumerate(factors):
            if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
                raise TypeError(f"lr_lambda of group {i} must return a number, got {type(factor).__name__} "
                                f"({factor!r:.40}) at step {self.last_epoch}")
        return [base * factor for base, factor in zip(self.base_lrs, factors)]

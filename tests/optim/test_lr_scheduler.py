"""Learning-rate schedules against their closed forms (notes §7.7), with PyTorch's stepping semantics."""

from __future__ import annotations

import math

import pytest

from autodiff import Value
from optim import SGD, Adam
from optim.lr_scheduler import ExponentialDecay, ExponentialLR, InverseTimeLR, LambdaLR, StepLR

T = 40


def two_groups(lr0: float = 0.1, lr1: float = 0.03) -> SGD:
    return SGD([{"params": [Value(1.0)]}, {"params": [Value(2.0)], "lr": lr1}], lr=lr0)


def run(opt, sched, steps: int = T) -> list[list[float]]:
    """The rates in force at t = 0, 1, …, steps (one optimizer step and one scheduler step per t)."""
    rates = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr())
    return rates


def assert_schedule(rates, closed_form) -> None:
    for t, lrs in enumerate(rates):
        for i, lr in enumerate(lrs):
            assert lr == pytest.approx(closed_form(t, i), rel=1e-12, abs=1e-300), f"t={t}, group {i}"


BASES = (0.1, 0.03)


def test_step_lr_is_the_notes_annealing():
    opt = two_groups()
    sched = StepLR(opt, step_size=7, gamma=0.5)
    rates = run(opt, sched)
    assert_schedule(rates, lambda t, i: BASES[i] * 0.5 ** (t // 7))
    assert sched.last_epoch == T
    assert [g["lr"] for g in opt.param_groups] == rates[-1]
    assert sched._get_closed_form_lr() == pytest.approx(rates[-1], rel=1e-12)


def test_exponential_lr():
    opt = two_groups()
    sched = ExponentialLR(opt, gamma=0.9)
    assert_schedule(run(opt, sched), lambda t, i: BASES[i] * 0.9**t)


def test_exponential_decay_is_alpha0_exp_minus_kt():
    opt = two_groups()
    sched = ExponentialDecay(opt, k=0.15)
    assert_schedule(run(opt, sched), lambda t, i: BASES[i] * math.exp(-0.15 * t))
    opt2 = two_groups()
    assert_schedule(run(opt2, ExponentialLR(opt2, gamma=math.exp(-0.15))), lambda t, i: BASES[i] * math.exp(-0.15 * t))


@pytest.mark.parametrize("tau", [1, 5, 12.5])
def test_inverse_time_lr(tau):
    opt = two_groups()
    rates = run(opt, InverseTimeLR(opt, tau=tau))
    assert_schedule(rates, lambda t, i: BASES[i] * tau / max(t, tau))
    if tau == 5:
        assert rates[3] == list(BASES)  # constant until t = τ
        assert rates[10] == pytest.approx([b / 2 for b in BASES])  # halved at 2τ


def test_lambda_lr_single_and_per_group():
    opt = two_groups()
    assert_schedule(run(opt, LambdaLR(opt, lambda t: 1 / (1 + t))), lambda t, i: BASES[i] / (1 + t))
    opt = two_groups()
    sched = LambdaLR(opt, [lambda t: 0.5**t, lambda t: 1.0 + t])
    assert_schedule(run(opt, sched), lambda t, i: BASES[i] * (0.5**t if i == 0 else 1.0 + t))
    assert "lr_lambdas" not in sched.state_dict()


def test_initial_lr_base_lrs_and_construction_does_not_change_lr():
    opt = two_groups()
    sched = StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASES)
    assert sched.base_lrs == list(BASES)
    assert sched.last_epoch == 0
    assert sched.get_last_lr() == list(BASES) == [g["lr"] for g in opt.param_groups]


def test_scheduler_drives_the_optimizer():
    p = Value(0.0)
    opt = SGD([p], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(4):
        p.grad = -1.0  # each step adds the current lr
        opt.step()
        sched.step()
    assert p.data == pytest.approx(1 + 0.5 + 0.25 + 0.125)


def test_chainable_step_lr_respects_manual_changes():
    opt = two_groups()
    sched = StepLR(opt, step_size=2, gamma=0.1)
    sched.step()
    opt.param_groups[0]["lr"] = 1.0  # a manual change is kept and then annealed
    sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(0.1)


def test_resume_with_last_epoch():
    opt = two_groups()
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(opt, step_size=3, last_epoch=5)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    run(opt, sched, 7)
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 7
    resumed = StepLR(opt, step_size=3, gamma=0.5, last_epoch=6)  # step() in __init__ moves to 7, as PyTorch
    assert resumed.last_epoch == 7
    fresh = StepLR(two_groups(), step_size=100)
    fresh.load_state_dict(state)
    assert fresh.last_epoch == 7 and fresh.step_size == 3


def test_works_with_every_optimizer_kind():
    opt = Adam([Value(1.0)], lr=0.01)
    sched = ExponentialDecay(opt, k=1.0)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01 * math.exp(-1))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda opt: StepLR(opt, step_size=0), "Invalid step_size value: 0"),
        (lambda opt: StepLR(opt, step_size=2.5), "Invalid step_size value: 2.5"),
        (lambda opt: StepLR(opt, step_size=2, gamma=0), "Invalid gamma value: 0"),
        (lambda opt: ExponentialLR(opt, gamma=-0.5), "Invalid gamma value: -0.5"),
        (lambda opt: ExponentialDecay(opt, k=-1), "Invalid k value: -1"),
        (lambda opt: InverseTimeLR(opt, tau=0), "Invalid tau value: 0"),
        (lambda opt: InverseTimeLR(opt, tau=float("inf")), "Invalid tau value: inf"),
        (lambda opt: LambdaLR(opt, [lambda t: 1.0]), "Expected 2 lr_lambdas, but got 1"),
        (lambda opt: StepLR(opt, step_size=2, last_epoch=-2), "Invalid last_epoch value: -2"),
    ],
)
def test_invalid_arguments(make, message):
    with pytest.raises(ValueError) as info:
        make(two_groups())
    assert message in str(info.value)


def test_needs_an_optimizer():
    with pytest.raises(TypeError, match="needs an Optimizer"):
        StepLR([Value(1.0)], step_size=2)

"""Optimizer state dicts (issue 17): every optimizer's own state loads back and continues the same trajectory,
and a damaged or foreign one is refused at load — not by the next ``step()``, after it moved the first parameter
or filled the weights with NaN. (The refusals and their messages are rows of ``tests/optim/test_bad_input.py``.)"""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Tensor
from optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from tests.optim.helpers import KINDS, grad_fn, make_params, read, write_grad

CONFIGS = {
    "SGD": lambda p: SGD(p, lr=0.1),
    "SGD nesterov": lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "RMSprop": lambda p: RMSprop(p, lr=0.01),
    "RMSprop centered momentum": lambda p: RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Adam": lambda p: Adam(p, lr=0.05),
    "Adam amsgrad": lambda p: Adam(p, lr=0.05, amsgrad=True),
    "AdamW": lambda p: AdamW(p, lr=0.05),
}


def steps(kind: str, params: list, opt: Optimizer, n: int) -> np.ndarray:
    for _ in range(n):
        write_grad(kind, params, grad_fn(read(kind, params)))
        opt.step()
    return read(kind, params)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_every_optimizers_own_state_loads_and_continues_the_same_trajectory(config, kind):
    a = make_params(kind)
    opt = config(a)
    steps(kind, a, opt, 4)
    b = make_params(kind, read(kind, a))
    resumed = config(b)
    resumed.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(steps(kind, b, resumed, 4), steps(kind, a, opt, 4))


def test_a_refused_state_leaves_an_optimizer_that_steps_as_before():
    """Issue 17: Adam accepted a state without 'exp_avg_sq'; the next step moved the first parameter, then raised."""
    a, b = make_params("tensor"), make_params("tensor")
    opt, twin = Adam(a, lr=0.05), Adam(b, lr=0.05)
    steps("tensor", a, opt, 2)
    steps("tensor", b, twin, 2)
    broken = opt.state_dict()
    del broken["state"][0]["exp_avg_sq"]
    with pytest.raises(ValueError, match="missing buffer 'exp_avg_sq'"):
        opt.load_state_dict(broken)
    np.testing.assert_array_equal(steps("tensor", a, opt, 3), steps("tensor", b, twin, 3))


def test_buffers_are_stored_in_the_parameters_dtype_and_steps_as_ints():
    w = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    opt = Adam([w], lr=0.1)
    w.grad = np.ones((2, 2), np.float32)
    opt.step()
    state = opt.state_dict()
    state["state"][0] = {"step": np.array(3.0), "exp_avg": np.ones((2, 2), int), "exp_avg_sq": np.ones((2, 2))}
    opt.load_state_dict(state)
    loaded = opt.state[w]
    assert loaded["step"] == 3 and type(loaded["step"]) is int
    assert loaded["exp_avg"].dtype == np.float32 and loaded["exp_avg_sq"].dtype == np.float32


def test_a_value_parameters_buffers_may_be_plain_numbers():
    v = make_params("value")[:1]
    opt = Adagrad(v, lr=0.1)
    opt.load_state_dict({"state": {0: {"step": 2, "sum": 0.5}}, "param_groups": opt.state_dict()["param_groups"]})
    assert opt.state[v[0]]["sum"] == 0.5


def test_a_subclass_declaring_no_buffers_keeps_its_own_state():
    class Counting(Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def _update(self, theta, grad, state, group, lr):
            state["seen"] = state.get("seen", 0) + 1
            state["last"] = np.array(grad, copy=True)
            return theta - lr * grad

    a = make_params("tensor")
    opt = Counting(a)
    steps("tensor", a, opt, 2)
    fresh = Counting(make_params("tensor"))
    fresh.load_state_dict(opt.state_dict())
    assert fresh.state[fresh.param_groups[0]["params"][0]]["seen"] == 2
    with pytest.raises(ValueError, match=r"'last' has shape \(3,\), expected \(2, 3\)"):
        fresh.load_state_dict({**opt.state_dict(), "state": {0: {"seen": 2, "last": np.ones(3)}}})

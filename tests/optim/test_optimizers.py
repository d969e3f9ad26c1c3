"""Optimizer trajectories against PyTorch's documented update rules written out in plain numpy (to 1e-12)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autodiff import Value
from optim import SGD, Adagrad, Adam, AdamW, RMSprop

from .helpers import KINDS, THETA0, Tensor, grad_fn, make_params, read, trajectory, write_grad

STEPS = 15
TOL = dict(rtol=1e-12, atol=1e-12)


# ---- the reference rules, one loop each, in the form the PyTorch documentation states them ------------------------
def ref_sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False, lr_scale=1.0):
    theta, b, out = THETA0.copy(), None, []
    lr = lr * lr_scale
    for t in range(1, STEPS + 1):
        g = grad_fn(theta)
        if maximize:
            g = -g
        if weight_decay:
            g = g + weight_decay * theta
        if momentum:
            b = g.copy() if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return np.array(out)


def ref_adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    theta, out = THETA0.copy(), []
    state_sum = np.full_like(theta, initial_accumulator_value)
    for t in range(1, STEPS + 1):
        g = grad_fn(theta)
        if weight_decay:
            g = g + weight_decay * theta
        clr = lr / (1 + (t - 1) * lr_decay)
        state_sum = state_sum + g**2
        theta = theta - clr * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return np.array(out)


def ref_rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    theta, out = THETA0.copy(), []
    v, g_avg, b = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    for _ in range(STEPS):
        g = grad_fn(theta)
        if weight_decay:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v - g_avg**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return np.array(out)


def ref_adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    theta, out = THETA0.copy(), []
    beta1, beta2 = betas
    m, v, v_max = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, STEPS + 1):
        g = grad_fn(theta)
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return np.array(out)


# ---- trajectories -------------------------------------------------------------------------------------------------
SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, momentum=0.5, weight_decay=0.1),
    dict(lr=0.02, momentum=0.9, dampening=0.1, weight_decay=0.05),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hp", SGD_CASES, ids=str)
def test_sgd_trajectory(kind, hp):
    np.testing.assert_allclose(trajectory(kind, lambda ps: SGD(ps, **hp), STEPS), ref_sgd(**hp), **TOL)


ADAGRAD_CASES = [
    dict(),
    dict(lr=0.5),
    dict(lr=0.3, lr_decay=0.1),
    dict(lr=0.3, weight_decay=0.2, initial_accumulator_value=0.5),
    dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-3),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hp", ADAGRAD_CASES, ids=str)
def test_adagrad_trajectory(kind, hp):
    np.testing.assert_allclose(trajectory(kind, lambda ps: Adagrad(ps, **hp), STEPS), ref_adagrad(**hp), **TOL)


RMSPROP_CASES = [
    dict(),
    dict(lr=0.05, alpha=0.9),
    dict(lr=0.01, alpha=0.9, centered=True),
    dict(lr=0.01, alpha=0.95, momentum=0.9),
    dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1, eps=1e-6),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hp", RMSPROP_CASES, ids=str)
def test_rmsprop_trajectory(kind, hp):
    np.testing.assert_allclose(trajectory(kind, lambda ps: RMSprop(ps, **hp), STEPS), ref_rmsprop(**hp), **TOL)


ADAM_CASES = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.05, amsgrad=True),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.02, betas=(0.5, 0.9), weight_decay=0.05, amsgrad=True),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hp", ADAM_CASES, ids=str)
def test_adam_trajectory(kind, hp):
    np.testing.assert_allclose(trajectory(kind, lambda ps: Adam(ps, **hp), STEPS), ref_adam(**hp), **TOL)


ADAMW_CASES = [dict(), dict(lr=0.05), dict(lr=0.05, weight_decay=0.3), dict(lr=0.05, weight_decay=0.1, amsgrad=True)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hp", ADAMW_CASES, ids=str)
def test_adamw_trajectory(kind, hp):
    expected = ref_adam(**{"weight_decay": 1e-2, **hp}, decoupled=True)
    np.testing.assert_allclose(trajectory(kind, lambda ps: AdamW(ps, **hp), STEPS), expected, **TOL)


def test_adamw_default_weight_decay_and_difference_from_adam():
    assert AdamW([Value(1.0)]).defaults["weight_decay"] == 1e-2
    assert Adam([Value(1.0)]).defaults["weight_decay"] == 0
    coupled = trajectory("value", lambda ps: Adam(ps, lr=0.05, weight_decay=0.3))
    decoupled = trajectory("value", lambda ps: AdamW(ps, lr=0.05, weight_decay=0.3))
    assert np.abs(coupled - decoupled).max() > 1e-3
    np.testing.assert_allclose(
        trajectory("value", lambda ps: AdamW(ps, lr=0.05, weight_decay=0)),
        trajectory("value", lambda ps: Adam(ps, lr=0.05)),
        **TOL,
    )


# ---- the notes' snippets ------------------------------------------------------------------------------------------
def test_notes_momentum_snippet_equals_pytorch_form_without_dampening():
    """Snippet 2.2, ``v = mu*v - alpha*grad; x += v``, is SGD(momentum=mu, dampening=0) with v = −α·b."""
    mu, alpha = 0.9, 0.05
    x, v, out = THETA0.copy(), np.zeros_like(THETA0), []
    for _ in range(STEPS):
        v = mu * v - alpha * grad_fn(x)
        x = x + v
        out.append(x)
    np.testing.assert_allclose(trajectory("value", lambda ps: SGD(ps, lr=alpha, momentum=mu)), out, **TOL)


def test_first_momentum_step_is_undamped():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = 2.0
    opt.step()
    assert opt.state[p]["momentum_buffer"] == 2.0  # b₁ = g, not (1 − τ)g
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0, abs=1e-15)
    p.grad = 2.0
    opt.step()
    assert opt.state[p]["momentum_buffer"] == pytest.approx(0.9 * 2.0 + 0.5 * 2.0, abs=1e-15)


def test_notes_rmsprop_snippet_is_rmsprop():
    """Snippet 2.4 is RMSprop with alpha = decay_rate and no momentum/centering."""
    decay_rate, lr, eps = 0.9, 0.05, 1e-8
    x, cache, out = THETA0.copy(), np.zeros_like(THETA0), []
    for _ in range(STEPS):
        dx = grad_fn(x)
        cache = decay_rate * cache + (1 - decay_rate) * dx**2
        x = x + -lr * dx / (np.sqrt(cache) + eps)
        out.append(x)
    ours = trajectory("value", lambda ps: RMSprop(ps, lr=lr, alpha=decay_rate, eps=eps))
    np.testing.assert_allclose(ours, out, **TOL)


def test_adam_bias_correction_vs_notes_snippet():
    """Snippet 2.5 has no bias correction: its first step is ≈ 3.16·lr, Adam's ≈ lr."""
    lr, beta1, beta2, eps = 1e-3, 0.9, 0.999, 1e-8
    p = Value(0.5)
    opt = Adam([p], lr=lr)
    p.grad = 0.7
    opt.step()
    assert 0.5 - p.data == pytest.approx(lr, rel=1e-6)
    m, v = (1 - beta1) * 0.7, (1 - beta2) * 0.7**2
    snippet_step = lr * m / (np.sqrt(v) + eps)
    assert snippet_step == pytest.approx(lr * 0.1 / math.sqrt(0.001), rel=1e-6)


def test_adam_eps_is_added_after_the_bias_corrected_root():
    """With a tiny gradient, eps placement matters: denominator is √v/√c₂ + ε, not √(v + ε)/√c₂ or √(v/c₂ + ε)."""
    lr, eps, g = 1.0, 1e-3, 1e-3
    p = Value(0.0)
    opt = Adam([p], lr=lr, eps=eps)
    p.grad = g
    opt.step()
    m_hat, v_hat = g, g**2  # bias-corrected first moments at t = 1
    assert p.data == pytest.approx(-lr * m_hat / (math.sqrt(v_hat) + eps), rel=1e-12)


# ---- parameter groups, state, zero_grad ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_per_group_lr(kind):
    a, b = make_params(kind), make_params(kind)
    opt = SGD([{"params": a}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9  # filled from the defaults
    for _ in range(STEPS):
        write_grad(kind, a, grad_fn(read(kind, a)))
        write_grad(kind, b, grad_fn(read(kind, b)))
        opt.step()
    np.testing.assert_allclose(read(kind, a), ref_sgd(lr=0.1, momentum=0.9)[-1], **TOL)
    np.testing.assert_allclose(read(kind, b), ref_sgd(lr=0.5, momentum=0.9)[-1], **TOL)


def test_groups_accept_single_parameters_and_generators():
    w, b = Value(1.0), Value(2.0)
    opt = Adam([{"params": w}, {"params": (x for x in [b]), "betas": (0.5, 0.6)}])
    assert opt.param_groups[0]["params"] == [w]
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["betas"] == (0.5, 0.6)
    opt2 = SGD(p for p in [w, b])
    assert opt2.param_groups[0]["params"] == [w, b]


def test_add_param_group_and_repr():
    w, b = Value(1.0), Value(2.0)
    opt = SGD([w], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01, "name": "biases"})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["name"] == "biases"
    assert "Parameter Group 1" in repr(opt) and "lr: 0.01" in repr(opt)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})


@pytest.mark.parametrize("kind", KINDS)
def test_zero_grad(kind):
    params = make_params(kind)
    opt = SGD(params, lr=0.1)
    write_grad(kind, params, np.ones_like(THETA0))
    opt.zero_grad()
    for p in params:
        assert p.grad == 0.0 if kind == "value" else p.grad is None


@pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing")
def test_zero_grad_set_to_none_false_and_grad_none_skipped():
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    opt = Adam([w, b], lr=0.1)
    w.grad = np.ones((2, 2))
    opt.step()
    assert b not in opt.state and b.grad is None
    np.testing.assert_array_equal(b.data, np.zeros(2))  # no gradient: not touched
    assert np.all(w.data < 1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad, np.zeros((2, 2)))
    assert b.grad is None


@pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing")
def test_tensor_updated_in_place_and_dtype_kept():
    w = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    array = w.data
    opt = Adam([w], lr=0.1, amsgrad=True)
    w.grad = np.full((2, 3), 0.5, dtype=np.float32)
    opt.step()
    assert w.data is array and w.data.dtype == np.float32
    assert opt.state[w]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(w.data, 0.9, rtol=1e-6)


@pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing")
def test_tensor_training_with_backward():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(32, 3)))
    y = Tensor(x.data @ np.array([1.0, -2.0, 0.5]) + 0.3)
    w = Tensor(np.zeros(3), requires_grad=True)
    b = Tensor(np.zeros(()), requires_grad=True)
    opt = SGD([w, b], lr=0.1, momentum=0.9)
    for _ in range(200):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w.data, [1.0, -2.0, 0.5], atol=1e-4)
    assert float(b.data) == pytest.approx(0.3, abs=1e-4)


def test_scalar_mlp_training_with_backward():
    """The optimizer on nn.MLP's Value parameters, through a real backward pass."""
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    data = [([0.0, 1.0], 1.0), ([1.0, 0.0], -1.0), ([1.0, 1.0], 0.5), ([0.0, 0.0], -0.5)]
    opt = Adam(model.parameters(), lr=0.05)

    def loss_fn():
        return sum(((model(x) - y) ** 2 for x, y in data), Value(0.0))

    first = loss_fn().data
    for _ in range(100):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
    assert loss_fn().data < 0.05 * first
    assert all(p.grad != 0.0 for p in model.parameters())  # grads were there for the last step


def test_step_closure_returns_loss():
    p = Value(3.0)
    opt = SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = p * p
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.data == 9.0 and p.data == pytest.approx(3.0 - 0.1 * 6.0)


def test_state_dict_round_trip():
    a = make_params("value")
    opt = Adam(a, lr=0.05, amsgrad=True)
    for _ in range(5):
        write_grad("value", a, grad_fn(read("value", a)))
        opt.step()
    saved = opt.state_dict()
    b = make_params("value", read("value", a))
    opt2 = Adam(b, lr=0.5)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.05 and opt2.param_groups[0]["params"] == b
    for _ in range(5):
        write_grad("value", a, grad_fn(read("value", a)))
        write_grad("value", b, grad_fn(read("value", b)))
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(read("value", a), read("value", b))
    with pytest.raises(ValueError, match="parameter groups"):
        SGD([{"params": [Value(1.0)]}, {"params": [Value(2.0)]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="has 6 parameters"):
        Adam([Value(1.0)]).load_state_dict(saved)


# ---- fan-in scaling -----------------------------------------------------------------------------------------------
@pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing")
def test_fan_in_scaling_tensor_weight_and_bias():
    W = Tensor(THETA0.copy(), requires_grad=True)  # W ∈ R^{2×3}: fan_in 3
    b = Tensor(np.zeros(2), requires_grad=True)
    opt = SGD([W, b], lr=0.1, momentum=0.9, fan_in_scaling=True)
    for _ in range(STEPS):
        W.grad = grad_fn(W.data)
        b.grad = np.ones(2)
        opt.step()
    np.testing.assert_allclose(W.data, ref_sgd(lr=0.1, momentum=0.9, lr_scale=1 / math.sqrt(3))[-1], **TOL)
    b_expected = 0.0
    buf = 0.0
    for t in range(STEPS):
        buf = 1.0 if t == 0 else 0.9 * buf + 1.0
        b_expected -= 0.1 * buf  # biases: no fan-in, unscaled
    np.testing.assert_allclose(b.data, b_expected, **TOL)


def test_fan_in_scaling_value_weights_with_group_fan_in():
    layer = nn.Layer(3, 2, seed=0)
    weights = [w for row in layer.W for w in row]
    start = np.array([w.data for w in weights])
    opt = SGD([{"params": weights, "fan_in": 3}, {"params": layer.b}], lr=0.3, fan_in_scaling=True)
    for w in weights:
        w.grad = 1.0
    for b in layer.b:
        b.grad = 1.0
    opt.step()
    np.testing.assert_allclose([w.data for w in weights], start - 0.3 / math.sqrt(3), **TOL)
    np.testing.assert_allclose([b.data for b in layer.b], -0.3, **TOL)


def test_fan_in_scaling_off_by_default_and_per_group():
    w1, w2 = Value(1.0), Value(1.0)
    opt = SGD([{"params": [w1], "fan_in": 4}, {"params": [w2], "fan_in": 4, "fan_in_scaling": True}], lr=0.2)
    w1.grad = w2.grad = 1.0
    opt.step()
    assert w1.data == pytest.approx(0.8) and w2.data == pytest.approx(0.9)


# ---- invalid arguments --------------------------------------------------------------------------------------------
INVALID = [
    (SGD, dict(lr=-1), "Invalid learning rate: -1"),
    (SGD, dict(lr=float("nan")), "Invalid learning rate: nan"),
    (SGD, dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    (SGD, dict(weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
    (SGD, dict(dampening=1.5), "Invalid dampening value: 1.5"),
    (SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires"),
    (SGD, dict(fan_in_scaling=True, lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0), None),
    (Adagrad, dict(lr=-0.5), "Invalid learning rate: -0.5"),
    (Adagrad, dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    (Adagrad, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (Adagrad, dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (Adagrad, dict(eps=-1e-10), "Invalid epsilon value: -1e-10"),
    (RMSprop, dict(lr=-1), "Invalid learning rate: -1"),
    (RMSprop, dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    (RMSprop, dict(alpha=1.5), "Invalid alpha value: 1.5"),
    (RMSprop, dict(eps=-1), "Invalid epsilon value: -1"),
    (RMSprop, dict(momentum=-1), "Invalid momentum value: -1"),
    (RMSprop, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (Adam, dict(lr=-1), "Invalid learning rate: -1"),
    (Adam, dict(eps=-1), "Invalid epsilon value: -1"),
    (Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (Adam, dict(betas=(0.9,)), "Invalid betas value"),
    (Adam, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (AdamW, dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (AdamW, dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
]


@pytest.mark.parametrize("cls, kwargs, message", INVALID, ids=lambda x: str(x))
def test_invalid_hyper_parameters_raise(cls, kwargs, message):
    if message is None:  # a valid combination, for contrast
        cls([Value(1.0)], **kwargs)
        return
    with pytest.raises(ValueError) as info:
        cls([Value(1.0)], **kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam, AdamW])
def test_group_overrides_are_validated_too(cls):
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        cls([{"params": [Value(1.0)]}, {"params": [Value(2.0)], "lr": -0.1}])


def test_invalid_fan_in_and_types():
    with pytest.raises(ValueError, match="Invalid fan_in value: 0"):
        SGD([{"params": [Value(1.0)], "fan_in": 0}])
    with pytest.raises(TypeError, match="lr must be a real number"):
        SGD([Value(1.0)], lr="0.1")
    with pytest.raises(TypeError, match="amsgrad must be True or False"):
        Adam([Value(1.0)], amsgrad="yes")


def test_invalid_params():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match="wrap a single parameter in a list"):
        SGD(Value(1.0))
    with pytest.raises(TypeError, match=r"pass model.parameters\(\)"):
        SGD(nn.MLP(2, [1], seed=0))
    with pytest.raises(TypeError, match=r"params\[1\] is float"):
        SGD([Value(1.0), 2.0])
    with pytest.raises(TypeError, match="ordered collections"):
        SGD([{"params": {Value(1.0)}}])
    with pytest.raises(ValueError, match="more than once"):
        p = Value(1.0)
        SGD([p, p])
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([Value(1.0) * 2])


def test_notes_adagrad_snippet_differs_only_in_eps_placement():
    """Snippet 2.3 puts ε inside the root (``dx / np.sqrt(cache + 1e-8)``); with ε = 0 outside, PyTorch's rule
    agrees with it to about ε/Σg² relative."""
    lr = 0.3
    x, cache, out = THETA0.copy(), np.zeros_like(THETA0), []
    for _ in range(STEPS):
        dx = grad_fn(x)
        cache += dx**2
        x = x + -lr * dx / np.sqrt(cache + 1e-8)
        out.append(x)
    ours = trajectory("value", lambda ps: Adagrad(ps, lr=lr, eps=0.0))
    np.testing.assert_allclose(ours, out, rtol=1e-6, atol=1e-6)
    assert np.abs(ours - np.array(out)).max() > 0  # not bit-identical: the ε differs

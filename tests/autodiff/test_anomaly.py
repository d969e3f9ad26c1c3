"""Anomaly mode: the first NaN/inf in a forward result or a backward share stops with the op and the user's line."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autodiff as ad
from autodiff import AnomalyError, Tensor, Value, detect_anomaly


def test_forward_nan_names_the_op_its_inputs_and_the_users_line():
    x = Tensor([1.0, -1.0], requires_grad=True, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        x.log()  # the line the message must point at
    message = str(error.value)
    assert "'log'" in message and "['x']" in message and "(2,)" in message
    assert "test_anomaly.py" in message and "x.log()" in message


def test_backward_inf_names_the_op_that_sent_it():
    v = Value(0.0, "v")
    with detect_anomaly():
        out = v.sqrt() * 0.0 + 1.0  # forward is finite; sqrt'(0) = inf makes the backward share nan
        with pytest.raises(AnomalyError, match=r"'sqrt'.*sent NaN or inf backward.*'v'"):
            out.backward()


def test_where_with_sqrt_poisons_the_gradient_and_masking_the_input_does_not():
    x = Tensor([4.0, -1.0], requires_grad=True, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError, match="sqrt"):
        ad.where(x.data > 0, x.sqrt(), 0.0).sum().backward()
    x.zero_grad()
    with detect_anomaly():
        masked = ad.where(x.data > 0, x, 1.0)  # mask the input, not the output
        ad.where(x.data > 0, masked.sqrt(), 0.0).sum().backward()
    assert np.array_equal(x.grad, [0.25, 0.0])


def test_outside_the_mode_nothing_is_checked_or_recorded():
    assert not ad.is_anomaly_enabled()
    x = Tensor([-1.0], requires_grad=True)
    y = x.log()  # nan, silently, as PyTorch
    assert np.isnan(y.data).all()
    with detect_anomaly():
        assert ad.is_anomaly_enabled()
        with detect_anomaly():
            pass
        assert ad.is_anomaly_enabled()
    assert not ad.is_anomaly_enabled()


def test_one_detect_anomaly_instance_entered_twice_turns_the_mode_off_afterwards():
    # A thread of its own: the mode is thread-local, so the bug cannot leak into later tests.
    modes = []

    def nest():
        guard = detect_anomaly()
        with guard:
            with guard:
                pass
            modes.append(ad.is_anomaly_enabled())
        modes.append(ad.is_anomaly_enabled())

    thread = threading.Thread(target=nest)
    thread.start()
    thread.join(10)
    assert modes == [True, False]


def test_detect_anomaly_as_a_decorator():
    @detect_anomaly()
    def logs(x):
        return x.log()

    with pytest.raises(AnomalyError, match="'log'"):
        logs(Value(-1.0))
    assert not ad.is_anomaly_enabled()

"""nn.micrograd: micrograd's demo.ipynb training loop and trace_graph.ipynb's tracing on errorflow's Value."""

from __future__ import annotations

import random

import numpy as np
import pytest

from autodiff import Value
from nn.micrograd import MLP, Neuron

# demo.ipynb's printed losses of steps 0-2 (micrograd 0.1.0, random.seed(1337), np.random.seed(1337))
MICROGRAD_DEMO_LOSSES = [0.8958441028683222, 1.7235905336972022, 0.7429006313851131]


def _train(value, mlp_class, steps, n_samples=100, weights=None):
    """demo.ipynb's loop: moons, SVM max-margin loss + 1e-4 L2, SGD with a decaying learning rate."""
    from sklearn.datasets import make_moons

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=n_samples, noise=0.1)
    y = y * 2 - 1
    model = mlp_class(2, [16, 16, 1])
    if weights is not None:
        for p, w in zip(model.parameters(), weights):
            p.data = w
    losses = []
    for k in range(steps):
        inputs = [list(map(value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)) * (1.0 / len(scores))
        total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(total_loss.data)
    return losses, model


def test_demo_reaches_micrograds_printed_losses():
    losses, model = _train(Value, MLP, 3)
    assert len(model.parameters()) == 337  # demo.ipynb: "number of parameters 337"
    np.testing.assert_allclose(losses, MICROGRAD_DEMO_LOSSES, rtol=0, atol=1e-9)


def test_demo_loop_agrees_with_micrograd_itself():
    engine = pytest.importorskip("micrograd.engine", reason="micrograd==0.1.0 is the live oracle (dev extra)")
    micro_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    theirs_model = micro_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours_model = MLP(2, [16, 16, 1])
    assert [p.data for p in ours_model.parameters()] == [p.data for p in theirs_model.parameters()]
    assert repr(ours_model) == repr(theirs_model)
    weights = [p.data for p in theirs_model.parameters()]
    theirs, _ = _train(engine.Value, micro_nn.MLP, 2, n_samples=30, weights=weights)
    ours, _ = _train(Value, MLP, 2, n_samples=30, weights=weights)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_trace_graph_sees_micrograds_prev_and_op():
    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    assert y._op == "ReLU" and next(iter(y._prev))._op == "+" and x._op == "" and x._prev == set()
    assert (x**2)._op == "**2" and x.grad == 2.0
    random.seed(1337)
    n = Neuron(2)
    out = n([Value(1.0), Value(-2.0)])
    nodes, stack = set(), [out]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            stack.extend(v._prev)
    assert sorted(v._op for v in nodes if v._op) == ["*", "*", "+", "+", "ReLU"]
    assert repr(n) == "ReLUNeuron(2)" and repr(MLP(2, [3, 1])).startswith("MLP of [Layer of [ReLUNeuron(2)")

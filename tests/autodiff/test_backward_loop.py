"""``backward()`` runs its own tight loop (no generator, no Step objects); ``backward_steps()`` is the teaching walk.

The two must leave exactly the same ``.grad`` on every node: on every op of the op table (both engines) and on
random scalar graphs with shared leaves, double edges and diamonds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import autodiff as ad
from autodiff import Tensor, Value
from tests.autodiff.test_graph import programs, run
from tests.optable import OPS


def _grads(nodes):
    return [None if n.grad is None else np.array(n.grad, dtype=float, copy=True) for n in nodes]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_array_equal(x, y)  # bit for bit, NaN where NaN


def _both_ways(build):
    """(grads after backward(), grads after running backward_steps() to the end), on two fresh graphs."""
    out, leaves = build()
    out.backward(*([] if np.size(out.data) == 1 else [np.ones(np.shape(out.data))]))
    tight = _grads(ad.topological_order(out))
    out, leaves = build()
    seed = [] if np.size(out.data) == 1 else [np.ones(np.shape(out.data))]
    for _ in out.backward_steps(*seed):
        pass
    walked = _grads(ad.topological_order(out))
    return tight, walked


@pytest.mark.parametrize("op", [op for op in OPS if op.tensor is not None], ids=lambda op: op.name)
def test_tight_backward_equals_the_step_walk_on_every_tensor_op(op):
    def build():
        arrays = op.sample(op.shapes[-1], np.random.default_rng(3))
        leaves = [Tensor(a, requires_grad=True) for a in arrays]
        return op.tensor(*leaves), leaves

    _same(*_both_ways(build))


@pytest.mark.parametrize("op", [op for op in OPS if op.value is not None], ids=lambda op: op.name)
def test_tight_backward_equals_the_step_walk_on_every_scalar_op(op):
    scalar_shapes = next((s for s in op.shapes if all(x == () for x in s)), None)
    if scalar_shapes is None:
        pytest.skip(f"{op.name} has no scalar sample")

    def build():
        values = [Value(float(a)) for a in op.sample(scalar_shapes, np.random.default_rng(3))]
        return op.value(*values), values

    _same(*_both_ways(build))


@given(programs())
def test_tight_backward_equals_the_step_walk_on_random_graphs(program):
    data, ops = program

    def build():
        leaves = [Value(d) for d in data]
        return run(ops, leaves)[0], leaves

    _same(*_both_ways(build))


def test_leaves_accumulate_the_same_way_across_passes():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    out = (w * w).tanh().sum()
    out.backward()
    for _ in out.backward_steps():
        pass
    walked = w.grad.copy()
    w.zero_grad()
    out.backward()
    out.backward()
    np.testing.assert_array_equal(w.grad, walked)

"""docs/coming-from.md: each difference from PyTorch and micrograd it states holds (so the page cannot go stale)."""

import inspect

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.micrograd
from autodiff import Tensor, Value


def test_the_pytorch_differences_the_page_lists():
    assert ad.Tensor([1.0]).dtype == np.float64 and ad.zeros(2).dtype == np.float64 and ad.randn(2).dtype == np.float64
    assert ad.tensor([1, 2]).dtype == np.int64 and ad.tensor([True]).dtype == np.bool_
    assert Tensor([1, 2]).dtype.kind == "f"
    assert not any(hasattr(Tensor, m) for m in ("cuda", "cpu", "device", "add_", "mul_", "zero_"))
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    loss = h.sum()
    loss.backward()
    assert isinstance(x.grad, np.ndarray) and h.grad is not None
    loss.backward(retain_graph=False)  # graphs are always kept
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])  # leaves accumulate
    np.testing.assert_array_equal(h.grad, [1.0, 1.0])  # interior recomputed
    assert h.grad_fn == "mul"
    with pytest.raises(TypeError):
        np.asarray(x)
    linear = nn.Linear(3, 2, seed=0)
    assert list(linear.state_dict()) == ["W", "b"] and linear.weight is linear.W and linear.W.shape == (2, 3)
    assert inspect.signature(nn.Linear).parameters["init"].default == "xavier_uniform"
    assert inspect.signature(nn.MLP).parameters["activation"].default == "sigmoid"
    with pytest.raises(ValueError, match="only 'mean'"):
        nn.losses.CrossEntropyLoss(reduction="sum")
    report = ad.gradcheck(lambda t: (t * t).sum(), [Tensor([1.0], requires_grad=True)])
    assert report and not isinstance(report, bool)


def test_the_micrograd_differences_the_page_lists():
    a = Value(2.0)
    b = a * a + a
    assert b._op == "+" and len(b._prev) == 2 and isinstance(b._prev, set)
    b.backward()
    b.backward()  # micrograd would double the interior grads; errorflow recomputes them
    assert a.grad == 10.0  # leaves accumulate: 5 + 5
    deep = Value(1.0)
    y = deep
    for _ in range(5000):
        y = y * 1.0
    y.backward()  # deeper than micrograd's recursion limit
    assert deep.grad == 1.0
    mlp = nn.micrograd.MLP(2, [4, 1])
    assert mlp.layers[0].neurons[0].nonlin and not mlp.layers[-1].neurons[0].nonlin  # ReLU hidden, linear output
    assert (Value(1.0) < Value(2.0)) is True

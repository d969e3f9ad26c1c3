"""nn.functional and the module forms: PyTorch's names over errorflow's implementations."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F
from autodiff import Tensor, gradcheck


def test_functional_is_the_existing_implementation():
    rng = np.random.default_rng(0)
    z = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    y = ad.tensor([2, 0, 1, 2])
    np.testing.assert_array_equal(F.cross_entropy(z, y).data, nn.cross_entropy(z, y.data).data)
    np.testing.assert_array_equal(nn.CrossEntropyLoss()(z, y).data, nn.cross_entropy(z, y.data).data)
    np.testing.assert_array_equal(F.softmax(z, dim=1).data, ad.softmax(z, 1).data)
    np.testing.assert_array_equal(nn.Softmax(dim=1)(z).data, ad.softmax(z, 1).data)
    np.testing.assert_array_equal(F.log_softmax(z, dim=1).data, ad.log_softmax(z, 1).data)
    np.testing.assert_array_equal(F.relu(z).data, z.relu().data)
    np.testing.assert_array_equal(F.tanh(z).data, z.tanh().data)
    np.testing.assert_array_equal(F.sigmoid(z).data, z.sigmoid().data)
    t = Tensor(rng.normal(size=(4, 3)))
    np.testing.assert_array_equal(nn.MSELoss()(z, t).data, nn.mse_loss(z, t).data)
    W, b = Tensor(rng.normal(size=(2, 3)), requires_grad=True), Tensor(rng.normal(size=2), requires_grad=True)
    assert gradcheck(lambda z, W, b: F.cross_entropy(F.linear(z, W, b), ad.tensor([0, 1, 1, 0])), [z, W, b])
    with pytest.raises(TypeError, match="needs the dim"):
        F.softmax(z)


def test_one_hot_flatten_dropout():
    encoded = F.one_hot(ad.tensor([0, 2]), num_classes=4)
    assert encoded.dtype == np.int64 and encoded.data.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0]]
    assert F.one_hot(np.array([[1], [0]])).shape == (2, 1, 2)  # torch: num_classes=-1 → max + 1
    with pytest.raises(TypeError, match="integer class indices"):
        F.one_hot(Tensor([0.0, 1.0]))
    assert nn.Flatten()(Tensor(np.zeros((2, 3, 4)))).shape == (2, 12)
    x = Tensor(np.ones((1000,)))
    ad.manual_seed(0)
    dropped = F.dropout(x, p=0.25).data
    assert set(np.unique(dropped)) <= {0.0, 1 / 0.75} and abs((dropped == 0).mean() - 0.25) < 0.05
    assert F.dropout(x, p=0.25, training=False) is x

"""BatchNorm1d and LayerNorm: values pinned to PyTorch 2.13, gradients by gradcheck and HIPS autograd."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

import nn
from autodiff import Tensor, gradcheck

X = np.arange(12.0).reshape(4, 3) ** 1.5 / 7

# torch.nn.BatchNorm1d(3).double(), weight [1.5, -0.5, 2], bias [0.1, 0.2, 0.3] (float64): y = bn(X); bn(2 * X); then
# bn.running_mean, bn.running_var; bn.eval(); bn(X[:1])
TORCH_Y = [[-1.611509825945053, 0.7968323582216323, -2.1442114532405436],
           [-0.852910572895918, 0.49377856740134823, -0.8230415917955309],
           [0.5341328781913195, 0.03832079252438347, 0.9877451955662331],
           [2.3302875206496516, -0.5289317181473638, 3.1795078494698408]]  # fmt: skip
TORCH_RUNNING_MEAN = [0.48567844125098764, 0.6125528705696223, 0.757304515864142]
TORCH_RUNNING_VAR = [2.217531689813165, 2.588417765689873, 2.941336288915909]
TORCH_EVAL = [[-0.38921998325007623, 0.3459716742786451, -0.11193727675817201]]
# torch.nn.LayerNorm(3).double()(X)
TORCH_LN = [[-1.0895066533540698, -0.2357565743894874, 1.325263227743557],
            [-1.198220758253473, -0.05133353465828564, 1.2495542929117587],
            [-1.2098468529625674, -0.029216035959829457, 1.239062888922396],
            [-1.2143813963944767, -0.020431273192494173, 1.2348126695869734]]  # fmt: skip


def _bn():
    bn = nn.BatchNorm1d(3)
    bn.weight.data = np.array([1.5, -0.5, 2.0])
    bn.bias.data = np.array([0.1, 0.2, 0.3])
    return bn


def test_batchnorm_training_running_stats_and_eval_match_torch():
    bn = _bn()
    np.testing.assert_allclose(bn(Tensor(X)).data, TORCH_Y, rtol=0, atol=1e-12)
    bn(Tensor(2 * X))
    np.testing.assert_allclose(bn.running_mean.data, TORCH_RUNNING_MEAN, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, TORCH_RUNNING_VAR, rtol=0, atol=1e-12)
    assert bn.num_batches_tracked == 2
    bn.eval()
    np.testing.assert_allclose(bn(Tensor(X[:1])).data, TORCH_EVAL, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="more than one value per feature"):
        bn.train()(Tensor(X[:1]))


def test_batchnorm_gradients_gradcheck_and_autograd():
    bn = _bn()
    x = Tensor(X, requires_grad=True)
    g = np.random.default_rng(0).normal(size=X.shape)
    assert gradcheck(lambda x, w, b: (bn(x) * g).sum(), [x, bn.weight, bn.bias])

    def oracle(x, w, b):
        mu = anp.mean(x, axis=0, keepdims=True)
        var = anp.mean((x - mu) ** 2, axis=0, keepdims=True)
        return anp.sum(((x - mu) / anp.sqrt(var + 1e-5) * w + b) * g)

    (bn(x) * g).sum().backward()
    np.testing.assert_allclose(x.grad, grad(oracle, 0)(X, bn.weight.data, bn.bias.data), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.weight.grad, grad(oracle, 1)(X, bn.weight.data, bn.bias.data), rtol=1e-10)


def test_batchnorm_3d_input_and_layernorm():
    x3 = np.random.default_rng(1).normal(size=(2, 3, 4))
    out = nn.BatchNorm1d(3)(Tensor(x3)).data
    np.testing.assert_allclose(out.mean(axis=(0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(nn.LayerNorm(3)(Tensor(X)).data, TORCH_LN, rtol=0, atol=1e-12)
    ln = nn.LayerNorm((3, 4))
    x = Tensor(x3, requires_grad=True)
    g = np.random.default_rng(2).normal(size=x3.shape)
    assert gradcheck(lambda x, w, b: (ln(x) * g).sum(), [x, ln.weight, ln.bias])
    with pytest.raises(ValueError, match="last dims"):
        nn.LayerNorm(5)(Tensor(X))


# ---- buffers: the running statistics are state, saved and loaded with the parameters ------------------------------
def _trained_bn(seed: int = 0):
    bn = nn.BatchNorm1d(3)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        bn(Tensor(rng.standard_normal((8, 3)) * 2 + 1))
    return bn


def test_state_dict_holds_the_running_statistics_under_pytorchs_keys():
    bn = _trained_bn()
    # torch 2.13: list(nn.BatchNorm1d(3).state_dict()) == the five keys below, in this order
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert bn.state_dict()["num_batches_tracked"].dtype == np.int64 and bn.state_dict()["num_batches_tracked"] == 3
    assert [p for p in bn.parameters()] == [bn.weight, bn.bias]  # buffers are never trained
    net = nn.Sequential(nn.Linear(3, 3, seed=0), nn.BatchNorm1d(3))
    assert [n for n, _ in net.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]


def test_a_saved_and_loaded_batchnorm_evaluates_exactly_as_the_original(tmp_path):
    bn = _trained_bn()
    bn.save(tmp_path / "bn.npz")
    fresh = nn.BatchNorm1d(3)
    fresh.load(tmp_path / "bn.npz")
    x = Tensor(np.random.default_rng(5).standard_normal((4, 3)))
    np.testing.assert_array_equal(fresh.eval()(x).data, bn.eval()(x).data)
    assert int(fresh.num_batches_tracked) == 3
    other = nn.BatchNorm1d(3)
    other.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(other.running_var.data, bn.running_var.data)


def test_loading_bad_buffers_is_refused_and_changes_nothing():
    bn = _trained_bn()
    before = bn.state_dict()
    state = dict(before, num_batches_tracked=np.array(2.5))
    with pytest.raises(nn.StateDictError, match="num_batches_tracked.*integers"):
        bn.load_state_dict(state)
    state = dict(before, running_mean=np.zeros(4))
    with pytest.raises(nn.StateDictError, match="running_mean.*shape mismatch"):
        bn.load_state_dict(state)
    missing = {k: v for k, v in before.items() if k != "running_var"}
    with pytest.raises(nn.StateDictError, match="missing key.*running_var"):
        bn.load_state_dict(missing)
    for key, value in bn.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_register_buffer_refuses_parameters_and_non_tensors():
    module = nn.Linear(2, 2, seed=0)
    with pytest.raises(TypeError, match="a parameter"):
        module.register_buffer("w2", Tensor([1.0], requires_grad=True))
    with pytest.raises(TypeError, match="got list"):
        module.register_buffer("stats", [1.0])
    module.register_buffer("stats", Tensor([1.0, 2.0]))
    assert "stats" in module.state_dict() and all(p is not module.stats for p in module.parameters())
    assert not nn.BatchNorm1d(2, track_running_stats=False).buffers()

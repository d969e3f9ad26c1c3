"""nn.init: bounds, variances (seeded, statistical), in-place filling of Tensors and Value matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autodiff import Value
from nn import Layer, init

try:
    from autodiff import Tensor
except ImportError:
    Tensor = None

needs_tensor = pytest.mark.skipif(Tensor is None, reason="autodiff.Tensor missing")

OUT, IN = 200, 300  # 60 000 samples: the sample std of a variance estimate is ≈ √(2/60000) ≈ 0.6 %


def big(dtype=np.float64):
    return Tensor(np.zeros((OUT, IN), dtype=dtype), requires_grad=True) if Tensor else np.zeros((OUT, IN), dtype)


def data(x):
    return x if isinstance(x, np.ndarray) else x.data


def test_xavier_uniform_bounds_and_variance():
    w = big()
    assert init.xavier_uniform_(w, seed=0) is w
    bound = math.sqrt(6 / (IN + OUT))
    d = data(w)
    assert np.abs(d).max() <= bound
    assert np.abs(d).max() > 0.99 * bound  # the whole interval is used
    assert d.var() == pytest.approx(2 / (IN + OUT), rel=0.03)
    assert abs(d.mean()) < 4 * bound / math.sqrt(3 * d.size)


def test_xavier_uniform_gain():
    d = data(init.xavier_uniform_(big(), gain=2.0, seed=1))
    assert np.abs(d).max() <= 2.0 * math.sqrt(6 / (IN + OUT))
    assert d.var() == pytest.approx(4 * 2 / (IN + OUT), rel=0.03)


@pytest.mark.parametrize(
    "fill, variance",
    [
        (lambda w: init.xavier_normal_(w, seed=2), 2 / (IN + OUT)),
        (lambda w: init.lecun_normal_(w, seed=3), 1 / IN),
        (lambda w: init.kaiming_normal_(w, seed=4), 2 / IN),
        (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", seed=5), 2 / OUT),
        (lambda w: init.kaiming_normal_(w, nonlinearity="tanh", seed=6), (5 / 3) ** 2 / IN),
        (lambda w: init.normal_(w, mean=0.0, std=0.01, seed=7), 1e-4),
    ],
)
def test_normal_variances(fill, variance):
    d = data(fill(big()))
    assert d.var() == pytest.approx(variance, rel=0.03)
    assert abs(d.mean()) < 4 * math.sqrt(variance / d.size)
    kurtosis = ((d - d.mean()) ** 4).mean() / d.var() ** 2
    assert kurtosis == pytest.approx(3.0, abs=0.1)  # normal, not uniform (1.8)


def test_lecun_normal_is_the_notes_snippet():
    """``randn(fan_in, fan_out) / sqrt(fan_in)`` has std 1/√fan_in (not the comment's 1e-2)."""
    fan_in, fan_out = 300, 200
    snippet = np.random.default_rng(0).standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
    ours = data(init.lecun_normal_(big(), seed=0))
    assert ours.std() == pytest.approx(snippet.std(), rel=0.03)
    assert ours.std() == pytest.approx(1 / math.sqrt(fan_in), rel=0.03)
    assert abs(ours.std() - 1e-2) > 0.04


def test_seeded_and_rng():
    a, b = data(init.xavier_uniform_(big(), seed=42)), data(init.xavier_uniform_(big(), seed=42))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, data(init.xavier_uniform_(big(), seed=43)))
    c = data(init.xavier_uniform_(big(), rng=np.random.default_rng(42)))
    np.testing.assert_array_equal(a, c)
    with pytest.raises(ValueError, match="not both"):
        init.xavier_uniform_(big(), rng=np.random.default_rng(0), seed=0)


@needs_tensor
def test_tensor_filled_in_place_dtype_kept():
    w = Tensor(np.zeros((4, 3), dtype=np.float32), requires_grad=True)
    array = w.data
    assert init.xavier_normal_(w, seed=0) is w
    assert w.data is array and w.data.dtype == np.float32 and np.all(w.data != 0)
    assert init.zeros_(w) is w and np.all(w.data == 0)


def test_fan_in_and_fan_out():
    assert init.fan_in_and_fan_out(np.zeros((8, 20))) == (20, 8)  # W ∈ R^{out×in}
    assert init.fan_in_and_fan_out(np.zeros((8, 4, 3, 3))) == (36, 72)
    layer = Layer(5, 3, seed=0)
    assert init.fan_in_and_fan_out(layer.W) == (5, 3)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.fan_in_and_fan_out(np.zeros(5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(layer.b, seed=0)


def test_value_matrix_of_a_scalar_layer():
    """A list of rows of Values (``nn.Layer(...).W``) is filled in place, row-major, same numbers as an array."""
    layer = Layer(4, 3, seed=0)
    W = layer.W
    ids = [id(v) for row in W for v in row]
    assert init.xavier_uniform_(W, seed=7) is W
    reference = init.xavier_uniform_(np.zeros((3, 4)), seed=7)
    np.testing.assert_array_equal([[v.data for v in row] for row in layer.W], reference)
    assert [id(v) for row in layer.W for v in row] == ids  # the same Value objects: the model sees the change
    bound = math.sqrt(6 / (4 + 3))
    assert all(abs(v.data) <= bound for row in layer.W for v in row)
    assert all(isinstance(v.data, float) for row in layer.W for v in row)
    init.zeros_(layer.b)
    assert [b.data for b in layer.b] == [0.0, 0.0, 0.0]
    init.kaiming_normal_(W, seed=0)
    init.lecun_normal_([layer.neurons[0].w], seed=0)  # one neuron's weights as a 1×n matrix


def test_shape_free_fillers_on_values():
    v = Value(3.0)
    assert init.zeros_(v) is v and v.data == 0.0
    vs = [Value(1.0), Value(2.0)]
    init.constant_(vs, 0.5)
    assert [x.data for x in vs] == [0.5, 0.5]
    init.ones_(vs)
    assert [x.data for x in vs] == [1.0, 1.0]
    init.uniform_(vs, -1, 1, seed=0)
    assert all(-1 <= x.data < 1 for x in vs)


def test_calculate_gain():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("softsign")


def test_errors():
    with pytest.raises(TypeError, match="cannot initialize a str"):
        init.zeros_("W")
    with pytest.raises(TypeError, match="float array"):
        init.zeros_(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="ragged"):
        init.xavier_uniform_([[Value(1.0)], [Value(1.0), Value(2.0)]], seed=0)
    with pytest.raises(ValueError, match="empty list"):
        init.zeros_([])
    with pytest.raises(TypeError, match="expected a Value or a list of Values"):
        init.zeros_([[Value(1.0), 2.0]])
    with pytest.raises(ValueError, match="Mode 'fan_avg' not supported"):
        init.kaiming_normal_(np.zeros((2, 2)), mode="fan_avg")
    with pytest.raises(ValueError, match="gain must be > 0"):
        init.xavier_uniform_(np.zeros((2, 2)), gain=0)
    with pytest.raises(ValueError, match="need a <= b"):
        init.uniform_(np.zeros(2), 1.0, -1.0)

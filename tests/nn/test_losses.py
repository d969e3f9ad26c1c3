"""Losses against their numpy formulas and the gradient check, on Tensors and on Values; clear errors."""

import math

import numpy as np
import pytest

from autodiff import Tensor, Value, gradcheck
from nn.losses import binary_cross_entropy, cross_entropy, max_margin_loss, mse_loss

RNG = np.random.default_rng(7)


def tensor(x) -> Tensor:
    return Tensor(np.array(x, dtype=float), requires_grad=True)


def values(x) -> list[Value]:
    return [Value(float(v)) for v in np.ravel(x)]


# ---- max-margin -------------------------------------------------------------------------------------------------
def test_max_margin_matches_numpy_and_its_gradient():
    s, s_c = RNG.normal(size=8), RNG.normal(size=8)
    s[0], s_c[0] = 3.0, 0.0  # a pair that already wins by more than Δ: no loss, no gradient
    S, S_c = tensor(s), tensor(s_c)
    J = max_margin_loss(S, S_c)
    np.testing.assert_allclose(J.item(), np.mean(np.maximum(1.0 + s_c - s, 0)), rtol=1e-14)
    J.backward()
    active = (1.0 + s_c - s) > 0
    np.testing.assert_array_equal(S.grad, -1.0 * active / 8)
    np.testing.assert_array_equal(S_c.grad, active / 8)
    assert S.grad[0] == 0.0
    assert gradcheck(lambda a, b: max_margin_loss(a, b, margin=0.5), [S, S_c])


def test_max_margin_on_values_matches_tensors():
    s, s_c = RNG.normal(size=5), RNG.normal(size=5)
    vs, vc = values(s), values(s_c)
    J = max_margin_loss(vs, vc, margin=2.0)
    np.testing.assert_allclose(J.data, max_margin_loss(Tensor(s), Tensor(s_c), margin=2.0).item(), rtol=1e-14)
    J.backward()
    np.testing.assert_allclose([v.grad for v in vs], -1.0 * ((2.0 + s_c - s) > 0) / 5)
    single = max_margin_loss(Value(0.3), Value(0.1))  # the notes' J = max(1 + s_c − s, 0) for one pair
    assert single.data == pytest.approx(0.8)
    assert max_margin_loss(Value(5.0), Value(0.1)).data == 0.0
    assert gradcheck(lambda a, b: max_margin_loss(a, b), [Value(0.3), Value(0.1)])


def test_max_margin_errors():
    with pytest.raises(ValueError, match="pair them up"):
        max_margin_loss(Tensor(np.zeros(3)), Tensor(np.zeros((3, 1))))
    with pytest.raises(ValueError, match="3 true scores but 2"):
        max_margin_loss(values([1, 2, 3]), values([1, 2]))
    with pytest.raises(ValueError, match="margin"):
        max_margin_loss(Value(1.0), Value(0.0), margin=-1)


# ---- cross-entropy ----------------------------------------------------------------------------------------------
def numpy_cross_entropy(f: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    p = np.exp(f - f.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    onehot = np.eye(f.shape[1])[y]
    return -np.mean(np.log(p[np.arange(n), y])), (p - onehot) / n


def test_cross_entropy_matches_numpy_and_softmax_minus_onehot():
    f, y = RNG.normal(size=(6, 4)) * 3, np.array([0, 3, 2, 2, 1, 0])
    F = tensor(f)
    J = cross_entropy(F, y)
    expected, grad = numpy_cross_entropy(f, y)
    np.testing.assert_allclose(J.item(), expected, rtol=1e-13)
    J.backward()
    np.testing.assert_allclose(F.grad, grad, rtol=1e-12, atol=1e-15)
    assert gradcheck(lambda F: cross_entropy(F, y), [F])
    assert cross_entropy(F, [0, 3, 2, 2, 1, 0]).item() == J.item()  # a list of ints is fine


def test_cross_entropy_is_stable_for_huge_scores():
    f = np.array([[1000.0, 0.0, -1000.0], [-5000.0, 5000.0, 0.0]])
    J = cross_entropy(tensor(f), np.array([0, 0]))
    np.testing.assert_allclose(J.item(), (0.0 + 10000.0) / 2)
    assert np.isfinite(J.item())


def test_cross_entropy_single_example_and_values():
    f = np.array([0.5, -1.0, 2.0])
    single = cross_entropy(tensor(f), 2)
    np.testing.assert_allclose(single.item(), -(f[2] - np.log(np.exp(f).sum())), rtol=1e-14)
    vs = values(f)
    J = cross_entropy(vs, 2)
    np.testing.assert_allclose(J.data, single.item(), rtol=1e-14)
    J.backward()
    p = np.exp(f) / np.exp(f).sum()
    np.testing.assert_allclose([v.grad for v in vs], p - np.eye(3)[2], rtol=1e-12)
    batch = RNG.normal(size=(3, 4))
    rows = [values(row) for row in batch]
    y = np.array([1, 0, 3])
    np.testing.assert_allclose(cross_entropy(rows, y).data, numpy_cross_entropy(batch, y)[0], rtol=1e-13)
    flat = [v for row in rows for v in row]
    assert gradcheck(lambda *ps: cross_entropy(rows, y), flat)
    assert cross_entropy([Value(1000.0), Value(0.0)], 1).data == pytest.approx(1000.0)


@pytest.mark.parametrize(
    "targets, error, match",
    [
        (np.array([0.0, 1.0, 2.0]), TypeError, r"integer class indices, got dtype float64 \(use targets.astype"),
        (np.array([True, False, True]), TypeError, "integer class indices, got dtype bool"),
        (Tensor([0.0, 1.0, 2.0]), TypeError, "not a Tensor"),
        (np.array([0, 1, 4]), ValueError, r"target 4 is out of range for 4 classes \[0, 4\)"),
        (np.array([0, -1, 2]), ValueError, "target -1 is out of range"),
        (np.array([0, 1]), ValueError, r"targets have shape \(2,\), expected \(3,\)"),
        (np.array([[0], [1], [2]]), ValueError, "targets have shape"),
        (["a", "b", "c"], TypeError, "integer class indices"),
    ],
)
def test_cross_entropy_target_errors(targets, error, match):
    with pytest.raises(error, match=match):
        cross_entropy(tensor(np.zeros((3, 4))), targets)


def test_cross_entropy_shape_errors():
    with pytest.raises(ValueError, match=r"\(N, C\) or \(C,\)"):
        cross_entropy(tensor(np.zeros((2, 3, 4))), np.array([0, 1]))
    with pytest.raises(ValueError, match="same number of class scores"):
        cross_entropy([values([1, 2]), values([1, 2, 3])], np.array([0, 0]))


# ---- mean squared error -----------------------------------------------------------------------------------------
def test_mse_matches_numpy_and_gradcheck():
    pred, target = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    P = tensor(pred)
    J = mse_loss(P, target)
    np.testing.assert_allclose(J.item(), np.mean((pred - target) ** 2), rtol=1e-14)
    J.backward()
    np.testing.assert_allclose(P.grad, 2 * (pred - target) / 12, rtol=1e-14)
    T = tensor(target)
    assert gradcheck(mse_loss, [P, T])
    vs = values(pred[0])
    np.testing.assert_allclose(mse_loss(vs, target[0]).data, np.mean((pred[0] - target[0]) ** 2), rtol=1e-14)
    assert gradcheck(lambda *ps: mse_loss(list(ps), list(target[0])), vs)
    assert mse_loss(Value(3.0), 1.0).data == 4.0
    with pytest.raises(ValueError, match=r"prediction has shape \(4, 3\) but target has \(3,\)"):
        mse_loss(P, target[0])
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        mse_loss(vs, [1.0, 2.0])


# ---- binary cross-entropy ---------------------------------------------------------------------------------------
def test_bce_matches_numpy_and_gradcheck():
    p, y = RNG.uniform(0.05, 0.95, size=7), np.array([1.0, 0, 0, 1, 1, 0, 0.3])
    P = tensor(p)
    J = binary_cross_entropy(P, y)
    np.testing.assert_allclose(J.item(), -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-14)
    J.backward()
    np.testing.assert_allclose(P.grad, (p - y) / (p * (1 - p)) / 7, rtol=1e-12)
    assert gradcheck(lambda P: binary_cross_entropy(P, y), [P])
    vs = values(p)
    Jv = binary_cross_entropy(vs, list(y))
    np.testing.assert_allclose(Jv.data, J.item(), rtol=1e-14)
    assert gradcheck(lambda *ps: binary_cross_entropy(list(ps), list(y)), vs)


def test_bce_clamps_logs_at_minus_100_like_pytorch():
    P = tensor([0.0, 1.0, 0.0, 1.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    J = binary_cross_entropy(P, y)
    assert J.item() == pytest.approx((100 + 100 + 0 + 0) / 4)
    J.backward()
    assert np.all(np.isfinite(P.grad))
    np.testing.assert_array_equal(P.grad[:2], 0.0)  # the clamped term is a constant: no gradient
    tiny = binary_cross_entropy(tensor([1e-300]), np.array([1.0]))
    assert tiny.item() == pytest.approx(100.0)
    Jv = binary_cross_entropy([Value(0.0), Value(1.0)], [1.0, 0.0])
    assert Jv.data == pytest.approx(100.0)
    Jv.backward()
    assert math.isfinite(Jv.data)


def test_bce_errors():
    with pytest.raises(ValueError, match=r"every probability must lie in \[0, 1\], got 1.5"):
        binary_cross_entropy(tensor([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="every target must lie in"):
        binary_cross_entropy(tensor([0.5, 0.5]), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match="probabilities have shape"):
        binary_cross_entropy(tensor([0.5, 0.5]), np.array([0.0]))
    with pytest.raises(ValueError, match="every probability"):
        binary_cross_entropy([Value(-0.1)], [0.0])


def test_values_and_tensors_do_not_mix():
    with pytest.raises(TypeError, match="cannot mix Values with Tensors"):
        mse_loss(Tensor([1.0]), [Value(1.0)])


def test_cross_entropy_takes_int64_tensor_targets_as_pytorch_and_refuses_float_ones_naming_long():
    import autodiff as ad

    logits = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    from_array = cross_entropy(logits, np.array([0, 2, 1, 1]))
    from_tensor = cross_entropy(logits, ad.tensor([0, 2, 1, 1]))
    assert from_tensor.item() == from_array.item()
    with pytest.raises(TypeError, match=r"use targets.long\(\)"):
        cross_entropy(logits, Tensor([0.0, 2.0, 1.0, 1.0]))
    assert cross_entropy(logits, Tensor([0.0, 2.0, 1.0, 1.0]).long()).item() == from_array.item()

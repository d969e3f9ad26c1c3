"""The notes' vectorized backpropagation (§5–6), built with ``Tensor`` ops and checked against the formulas.

For a layer z = Wx + b, a = f(z) and score s = uᵀa:   δ = f'(z) ∘ u,   ∇_W = δ xᵀ,   ∇_b = δ,   ∇_x = Wᵀδ.
In a two-layer net the error signal at layer k is δ⁽ᵏ⁾ = f'(z⁽ᵏ⁾) ∘ (W⁽ᵏ⁾ᵀ δ⁽ᵏ⁺¹⁾), and every weight matrix's gradient
is the outer product of the error arriving at its output and the activations it forwarded. The reference side is
plain numpy with f' written out by hand (independent of ``autodiff.rules``); agreement is to 1e-12.

Then the two engines: the same small network on scalar ``Value``s (``nn.MLP`` with its weights copied, and a
hand-written cross-entropy net) and on ``Tensor``s gives the same gradients to 1e-12.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import Tensor, Value
from nn.scalar import MLP

TOL = {"rtol": 1e-12, "atol": 1e-12}
FEW = settings(max_examples=25)
dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# activation name → (f, f') in plain numpy, written from the notes' §7.4 / §9 definitions
ACTIVATIONS = {
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "elu": (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))), lambda z: np.where(z > 0, 1.0, np.exp(z))),
    "hardtanh": (lambda z: np.clip(z, -1.0, 1.0), lambda z: ((z > -1) & (z < 1)).astype(float)),
    "softsign": (lambda z: z / (1.0 + np.abs(z)), lambda z: 1.0 / (1.0 + np.abs(z)) ** 2),
}


def activate(t, name):
    return getattr(t, name)()


def param(a):
    return Tensor(a, requires_grad=True)


# ---- one layer: s = uᵀ f(Wx + b) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
@FEW
@given(n=dims, m=dims, seed=seeds)
def test_single_layer_gradients_are_the_outer_product_formulas(name, n, m, seed):
    f, df = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    W, x, b, u = rng.standard_normal((m, n)), rng.standard_normal(n), rng.standard_normal(m), rng.standard_normal(m)

    Wt, xt, bt, ut = param(W), param(x), param(b), param(u)
    z = Wt @ xt + bt
    s = ut @ activate(z, name)
    assert s.shape == ()
    s.backward()

    zn = W @ x + b
    np.testing.assert_allclose(s.item(), u @ f(zn), **TOL)
    delta = df(zn) * u  # δ = f'(z) ∘ u
    np.testing.assert_allclose(z.grad, delta, **TOL)  # the error signal at z is δ
    np.testing.assert_allclose(Wt.grad, np.outer(delta, x), **TOL)  # ∇_W = δ xᵀ
    np.testing.assert_allclose(bt.grad, delta, **TOL)  # ∇_b = δ
    np.testing.assert_allclose(xt.grad, W.T @ delta, **TOL)  # ∇_x = Wᵀ δ
    np.testing.assert_allclose(ut.grad, f(zn), **TOL)  # ∇_u = a


# ---- two layers: δ⁽ᵏ⁾ = f'(z⁽ᵏ⁾) ∘ (W⁽ᵏ⁾ᵀ δ⁽ᵏ⁺¹⁾) --------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
@FEW
@given(n=dims, h=dims, m=dims, seed=seeds)
def test_two_layer_error_signals_and_gradients(name, n, h, m, seed):
    """x = a⁽¹⁾ → z⁽²⁾ = W⁽¹⁾a⁽¹⁾ + b⁽¹⁾ → a⁽²⁾ = f(z⁽²⁾) → z⁽³⁾ = W⁽²⁾a⁽²⁾ + b⁽²⁾ → a⁽³⁾ = f(z⁽³⁾) → s = uᵀa⁽³⁾."""
    f, df = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    W1, b1 = rng.standard_normal((h, n)), rng.standard_normal(h)
    W2, b2 = rng.standard_normal((m, h)), rng.standard_normal(m)
    u = rng.standard_normal(m)

    W1t, b1t, W2t, b2t, xt = param(W1), param(b1), param(W2), param(b2), param(x)
    z2 = W1t @ xt + b1t
    a2 = activate(z2, name)
    z3 = W2t @ a2 + b2t
    s = (Tensor(u) * activate(z3, name)).sum()
    s.backward()

    # plain numpy, backwards from the score: error signals first, then the outer products
    z2n = W1 @ x + b1
    a2n = f(z2n)
    z3n = W2 @ a2n + b2
    delta3 = df(z3n) * u
    delta2 = df(z2n) * (W2.T @ delta3)
    np.testing.assert_allclose(s.item(), u @ f(z3n), **TOL)
    np.testing.assert_allclose(z3.grad, delta3, **TOL)
    np.testing.assert_allclose(z2.grad, delta2, **TOL)
    np.testing.assert_allclose(a2.grad, W2.T @ delta3, **TOL)  # the error received at a⁽²⁾: Σᵢ δᵢ⁽³⁾ Wᵢⱼ⁽²⁾
    np.testing.assert_allclose(W2t.grad, np.outer(delta3, a2n), **TOL)
    np.testing.assert_allclose(b2t.grad, delta3, **TOL)
    np.testing.assert_allclose(W1t.grad, np.outer(delta2, x), **TOL)
    np.testing.assert_allclose(b1t.grad, delta2, **TOL)
    np.testing.assert_allclose(xt.grad, W1.T @ delta2, **TOL)


def test_elemental_formula_of_section_5():
    """One hidden layer, linear score s = W⁽²⁾a⁽²⁾, element by element:

    ∂s/∂W_ij⁽¹⁾ = W_i⁽²⁾ f'(z_i⁽²⁾) a_j⁽¹⁾ = δ_i⁽²⁾ a_j⁽¹⁾ and ∂s/∂b_i⁽¹⁾ = δ_i⁽²⁾.
    """
    f, df = ACTIVATIONS["sigmoid"]
    rng = np.random.default_rng(4)
    x, W1, b1, W2 = rng.standard_normal(4), rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal(3)
    W1t, b1t = param(W1), param(b1)
    s = Tensor(W2) @ (W1t @ Tensor(x) + b1t).sigmoid()
    s.backward()
    z = W1 @ x + b1
    for i in range(3):
        for j in range(4):
            assert abs(W1t.grad[i, j] - W2[i] * df(z[i]) * x[j]) <= 1e-15
        assert abs(b1t.grad[i] - W2[i] * df(z[i])) <= 1e-15  # the bias's input is 1
    np.testing.assert_allclose(s.item(), W2 @ f(z), **TOL)


@FEW
@given(batch=dims, n=dims, h=dims, seed=seeds)
def test_minibatch_gradient_is_a_sum_of_outer_products(batch, n, h, seed):
    """Rows of X are examples: Z = X Wᵀ + b; ∇_W = Σ_examples δ xᵀ = Δᵀ X and ∇_b = Σ δ."""
    _, df = ACTIVATIONS["tanh"]
    rng = np.random.default_rng(seed)
    X, W, b = rng.standard_normal((batch, n)), rng.standard_normal((h, n)), rng.standard_normal(h)
    U = rng.standard_normal((batch, h))
    Wt, bt = param(W), param(b)
    ((Tensor(X) @ Wt.T + bt).tanh() * Tensor(U)).sum().backward()
    Delta = df(X @ W.T + b) * U
    np.testing.assert_allclose(Wt.grad, Delta.T @ X, **TOL)
    np.testing.assert_allclose(Wt.grad, sum(np.outer(d, xr) for d, xr in zip(Delta, X)), **TOL)
    np.testing.assert_allclose(bt.grad, Delta.sum(axis=0), **TOL)


def test_max_margin_objective_section_4():
    """J = max(0, 1 + s_c − s): when positive, ∂J/∂s = −1 and ∂J/∂s_c = +1; when zero, no update at all."""
    _, df = ACTIVATIONS["sigmoid"]
    rng = np.random.default_rng(8)
    W, b, U = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal(3)
    x, xc = rng.standard_normal(4), rng.standard_normal(4)
    for margin in (1.0, -100.0):  # an active and an inactive hinge
        Wt, bt = param(W), param(b)
        s = Tensor(U) @ (Wt @ Tensor(x) + bt).sigmoid()
        sc = Tensor(U) @ (Wt @ Tensor(xc) + bt).sigmoid()
        J = autodiff.maximum(0.0, margin + sc - s)
        J.backward()
        if J.item() > 0:
            dz, dzc = df(W @ x + b) * U, df(W @ xc + b) * U
            np.testing.assert_allclose(Wt.grad, np.outer(dzc, xc) - np.outer(dz, x), **TOL)
            np.testing.assert_allclose(bt.grad, dzc - dz, **TOL)
        else:
            np.testing.assert_array_equal(Wt.grad, np.zeros((3, 4)))
            np.testing.assert_array_equal(bt.grad, np.zeros(3))


# ---- Value and Tensor agree -------------------------------------------------------------------------------------


def _copy_mlp_to_tensors(mlp):
    """[(W, b)] per layer as Tensors holding the MLP's current numbers."""
    params = []
    for layer in mlp.layers:
        W = np.array([[w.data for w in row] for row in layer.W])
        b = np.array([v.data for v in layer.b])
        params.append((param(W), param(b)))
    return params


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "hardtanh", "softsign"])
@pytest.mark.parametrize("sizes", [[1], [3, 1], [4, 3, 2]])
def test_value_mlp_and_tensor_mlp_give_the_same_gradients(activation, sizes):
    rng = np.random.default_rng(len(sizes) * 31 + len(activation))
    nin = 3
    mlp = MLP(nin, sizes, activation=activation, seed=17)
    for layer in mlp.layers:  # non-zero biases, so they matter (positive: keep some relu units alive)
        for v in layer.b:
            v.data = float(rng.uniform(0.1, 0.5))
    x = rng.standard_normal(nin)
    u = rng.standard_normal(sizes[-1])

    # scalar engine
    out = mlp([float(v) for v in x])
    outs = out if isinstance(out, list) else [out]
    s_value = sum((float(ui) * o for ui, o in zip(u, outs)), Value(0.0))
    s_value.backward()

    # tensor engine, same numbers
    params = _copy_mlp_to_tensors(mlp)
    a = Tensor(x)
    for k, (W, b) in enumerate(params):
        z = W @ a + b
        a = activate(z, activation) if k < len(params) - 1 else z  # nn.MLP: the last layer is linear
    s_tensor = (a * Tensor(u)).sum()
    s_tensor.backward()

    np.testing.assert_allclose(s_tensor.item(), s_value.data, **TOL)
    for layer, (W, b) in zip(mlp.layers, params):
        W_value_grad = np.array([[w.grad for w in row] for row in layer.W])
        b_value_grad = np.array([v.grad for v in layer.b])
        assert W.grad.shape == W_value_grad.shape
        np.testing.assert_allclose(W.grad, W_value_grad, **TOL)
        np.testing.assert_allclose(b.grad, b_value_grad, **TOL)
    assert all(np.any(W.grad != 0) for W, _ in params), "the error signal must reach every layer"


@FEW
@given(seed=seeds, batch=st.integers(1, 4))
def test_hand_written_value_net_with_cross_entropy_matches_tensor_net(seed, batch):
    """tanh hidden layer, softmax cross-entropy over 3 classes, a mini-batch: Value by hand vs Tensor ops."""
    rng = np.random.default_rng(seed)
    X, W1, b1 = rng.standard_normal((batch, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    W2, b2 = rng.standard_normal((3, 5)), rng.standard_normal(3)
    labels = rng.integers(0, 3, batch)

    # Values
    vW1 = [[Value(float(w)) for w in row] for row in W1]
    vb1 = [Value(float(v)) for v in b1]
    vW2 = [[Value(float(w)) for w in row] for row in W2]
    vb2 = [Value(float(v)) for v in b2]
    total = Value(0.0)
    for xr, y in zip(X, labels):
        h = [(sum((w * float(xj) for w, xj in zip(row, xr)), bi)).tanh() for row, bi in zip(vW1, vb1)]
        logits = [sum((w * hj for w, hj in zip(row, h)), bi) for row, bi in zip(vW2, vb2)]
        log_norm = sum((z.exp() for z in logits), Value(0.0)).log()
        total = total + (log_norm - logits[y])
    loss_value = total / batch
    loss_value.backward()

    # Tensors
    tW1, tb1, tW2, tb2 = param(W1), param(b1), param(W2), param(b2)
    hidden = (Tensor(X) @ tW1.T + tb1).tanh()
    logp = autodiff.log_softmax(hidden @ tW2.T + tb2, axis=1)
    loss_tensor = -logp[np.arange(batch), labels].mean()
    loss_tensor.backward()

    np.testing.assert_allclose(loss_tensor.item(), loss_value.data, **TOL)
    for tensor, values in ((tW1, vW1), (tb1, vb1), (tW2, vW2), (tb2, vb2)):
        value_grads = np.array(
            [[v.grad for v in row] for row in values] if isinstance(values[0], list) else [v.grad for v in values]
        )
        np.testing.assert_allclose(tensor.grad, value_grads, **TOL)


ELEMENTWISE = {
    "neg": (lambda v: -v, "smooth"),
    "abs": (abs, "away0"),
    "exp": (lambda v: v.exp(), "smooth"),
    "log": (lambda v: v.log(), "positive"),
    "sqrt": (lambda v: v.sqrt(), "positive"),
    "tanh": (lambda v: v.tanh(), "smooth"),
    "sigmoid": (lambda v: v.sigmoid(), "wide"),
    "relu": (lambda v: v.relu(), "away0"),
    "leaky_relu": (lambda v: v.leaky_relu(0.1), "away0"),
    "elu": (lambda v: v.elu(0.7), "away0"),
    "hardtanh": (lambda v: v.hardtanh(), "wide"),
    "softsign": (lambda v: v.softsign(), "wide"),
    "pow_const": (lambda v: v**2.5, "positive"),
    "add_const": (lambda v: 3.0 + v, "smooth"),
    "rsub": (lambda v: 1.5 - v, "smooth"),
    "rdiv": (lambda v: 2.0 / v, "positive"),
    "rpow": (lambda v: 1.7**v, "smooth"),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=10)
@given(seed=seeds)
def test_every_elementwise_rule_agrees_between_value_and_tensor(name, seed):
    """The rules are shared (autodiff.rules); the scalar path (math) and the array path (numpy) agree."""
    fn, domain = ELEMENTWISE[name]
    rng = np.random.default_rng(seed)
    x = {
        "smooth": lambda: rng.uniform(-2.0, 2.0, 7),
        "wide": lambda: rng.uniform(-30.0, 30.0, 7),
        "positive": lambda: rng.uniform(0.1, 5.0, 7),
        "away0": lambda: rng.choice([-1.0, 1.0], 7) * rng.uniform(0.05, 3.0, 7),
    }[domain]()
    t = param(x)
    fn(t).backward(np.ones(7))
    for xi, ti_grad, ti_out in zip(x, t.grad, fn(Tensor(x)).data):
        v = Value(float(xi))
        out = fn(v)
        out.backward()
        np.testing.assert_allclose(out.data, ti_out, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(v.grad, ti_grad, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
@settings(max_examples=10)
@given(seed=seeds)
def test_binary_rules_agree_between_value_and_tensor(op, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.2, 3.0, 6), rng.choice([-1.0, 1.0], 6) * rng.uniform(0.2, 3.0, 6)
    fn = {
        "+": lambda p, q: p + q,
        "-": lambda p, q: p - q,
        "*": lambda p, q: p * q,
        "/": lambda p, q: p / q,
        "**": lambda p, q: p**q,
    }[op]
    ta, tb = param(a), param(b)
    fn(ta, tb).backward(np.ones(6))
    for i in range(6):
        va, vb = Value(float(a[i])), Value(float(b[i]))
        fn(va, vb).backward()
        np.testing.assert_allclose([va.grad, vb.grad], [ta.grad[i], tb.grad[i]], rtol=1e-12, atol=1e-300)

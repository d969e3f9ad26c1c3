# %% [markdown]
# # 03 · Vectorized backpropagation (notes §6)
#
# Section 5 followed the error signal one weight at a time. Here we move whole vectors and matrices at once.
# For a layer $z^{(k+1)} = W^{(k)} a^{(k)} + b^{(k)}$ the notes give two formulas:
#
# * the error at layer $k$: $\delta^{(k)} = f'(z^{(k)}) \circ \big(W^{(k)T} \delta^{(k+1)}\big)$
# * the gradient of a whole weight matrix: $\nabla_{W^{(k)}} = \delta^{(k+1)} a^{(k)T}$ — an **outer product** of
#   the error arriving at the layer's output and the activation it forwarded; and $\nabla_{b^{(k)}} = \delta^{(k+1)}$.
#
# (The notes write $\sigma$ for the error in some places and $\delta$ in others; it is the same quantity.)
# We compute both by hand with numpy, then let the `Tensor` engine do it, and check they agree.

# %%
import numpy as np

from autodiff import Tensor, Value, gradcheck

rng = np.random.default_rng(0)
n, h1, h2 = 4, 3, 2  # input, first hidden layer, second hidden layer
x = rng.normal(size=n)
W1, b1 = rng.normal(size=(h1, n)), rng.normal(size=h1)
W2, b2 = rng.normal(size=(h2, h1)), rng.normal(size=h2)
u = rng.normal(size=h2)  # score weights: s = uᵀ a⁽³⁾


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# %% [markdown]
# ## By hand: forward, then the δ recursion
# $z^{(2)} = W^{(1)}x + b^{(1)}$, $a^{(2)} = \sigma(z^{(2)})$, $z^{(3)} = W^{(2)}a^{(2)} + b^{(2)}$,
# $a^{(3)} = \sigma(z^{(3)})$, $s = u^T a^{(3)}$. The error at the score is 1; at $z^{(3)}$ it is
# $\delta^{(3)} = \sigma'(z^{(3)}) \circ u$; one layer down,
# $\delta^{(2)} = \sigma'(z^{(2)}) \circ (W^{(2)T}\delta^{(3)})$.

# %%
z2 = W1 @ x + b1
a2 = sigmoid(z2)
z3 = W2 @ a2 + b2
a3 = sigmoid(z3)
s = u @ a3

delta3 = a3 * (1 - a3) * u                # σ'(z) = σ(z)(1 − σ(z))
delta2 = a2 * (1 - a2) * (W2.T @ delta3)  # δ⁽²⁾ = f'(z⁽²⁾) ∘ (W⁽²⁾ᵀ δ⁽³⁾)
by_hand = {
    "W2": np.outer(delta3, a2),  # ∇W⁽²⁾ = δ⁽³⁾ a⁽²⁾ᵀ
    "b2": delta3,
    "W1": np.outer(delta2, x),   # ∇W⁽¹⁾ = δ⁽²⁾ xᵀ
    "b1": delta2,
}
print("s =", s)
print("δ⁽³⁾ =", delta3)
print("δ⁽²⁾ =", delta2)

# %% [markdown]
# ## The same network on the `Tensor` engine
# Every operation records a vector-Jacobian rule; `backward()` starts with an error signal of 1 at `s` and walks
# the graph back. The engine never builds a Jacobian: at `W @ a` it sends `δ aᵀ` to `W` and `Wᵀ δ` to `a` — the
# notes' two formulas.

# %%
params = {name: Tensor(value, requires_grad=True, label=name) for name, value in
          {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items()}
a2_t = (params["W1"] @ Tensor(x) + params["b1"]).sigmoid()
s_t = (Tensor(u) @ (params["W2"] @ a2_t + params["b2"]).sigmoid())
s_t.backward()

for name, expected in by_hand.items():
    diff = np.abs(params[name].grad - expected).max()
    print(f"{name:3} engine vs outer-product formula: max abs diff {diff:.2e}")

# %%
for name, expected in by_hand.items():
    assert np.allclose(params[name].grad, expected, rtol=0, atol=1e-12), name
print("the engine reproduces ∇W = δaᵀ and δ⁽ᵏ⁾ = f'(z⁽ᵏ⁾) ∘ (W⁽ᵏ⁾ᵀδ⁽ᵏ⁺¹⁾) to 1e-12")

# %% [markdown]
# ## And a gradient check, to be sure the formulas themselves are right
# Centered differences $(J(\theta+\epsilon) - J(\theta-\epsilon))/2\epsilon$ for every element of every
# parameter (notes §7.1):

# %%
def score(W1, b1, W2, b2):
    return Tensor(u) @ (W2 @ (W1 @ Tensor(x) + b1).sigmoid() + b2).sigmoid()


report = gradcheck(score, params)
print(report)
assert report

# %% [markdown]
# ## Value vs Tensor: one engine, two node types
# The scalar engine builds the same network out of individual numbers. Both engines share one backprop core and
# one table of derivative rules, so they must agree to rounding error.

# %%
Wv1 = [[Value(w) for w in row] for row in W1]
Wv2 = [[Value(w) for w in row] for row in W2]
bv1, bv2 = [Value(b) for b in b1], [Value(b) for b in b2]
a2_v = [(sum((w * xi for w, xi in zip(row, x)), Value(0.0)) + b).sigmoid() for row, b in zip(Wv1, bv1)]
a3_v = [(sum((w * ai for w, ai in zip(row, a2_v)), Value(0.0)) + b).sigmoid() for row, b in zip(Wv2, bv2)]
s_v = sum((ui * ai for ui, ai in zip(u, a3_v)), Value(0.0))
s_v.backward()

grad_W1_values = np.array([[w.grad for w in row] for row in Wv1])
print("max |Value − Tensor| for ∇W⁽¹⁾:", np.abs(grad_W1_values - params["W1"].grad).max())
assert np.allclose(grad_W1_values, params["W1"].grad, rtol=0, atol=1e-12)

# %% [markdown]
# ## The error flow, drawn on tensors
# Notebook 02 drew §5's network one number at a time: the edge into $W_{14}^{(1)}$ carries
# $\delta_1^{(2)} \cdot a_4^{(1)}$. Built from tensors, the same network has one edge into the whole matrix
# $W^{(1)}$, and it carries the notes' vectorized formula $\delta^{(2)} a^{(1)T}$ — written by the `linear` node
# itself, which knows the layout it computes (one example as a column: $\delta x^T$; a batch in rows:
# $\delta^T X$). The names $W^{(1)}$, $z^{(2)}$, $a^{(2)}$ and $\delta^{(2)}$ are the ones the notes use; the engine
# gives them to every layer it recognises.

# %%
from autodiff import linear, viz, weighted_sum  # noqa: E402

rng5 = np.random.default_rng(4)  # notebook 02's §5 network: 4 inputs, 2 sigmoid hidden units, a score
x5 = np.array([0.5, -1.0, 2.0, 0.8])
W1_5, b1_5 = rng5.normal(size=(2, 4)), rng5.normal(scale=0.5, size=2)
W2_5 = np.array([1.5, -0.8])

W1_t, b1_t = Tensor(W1_5, requires_grad=True), Tensor(b1_5, requires_grad=True)
W2_t, b2_t = Tensor(W2_5[None, :], requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
s5 = linear(linear(Tensor(x5), W1_t, b1_t).sigmoid(), W2_t, b2_t).sum()
tensor_flow = viz.error_flow(s5)
into_W1 = next(e for e in tensor_flow if e.parent is W1_t)
print("edge into W⁽¹⁾:", into_W1.symbol, "\n", into_W1.signal)
viz.draw(s5, flow=True, title="§5's network on tensors: one edge per matrix, the notes' formulas on the edges")

# %% [markdown]
# The scalar diagram of the same network, for comparison (labels as in notebook 02):

# %%
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
W1_s = [[Value(float(W1_5[i, j]), f"W{i + 1}{j + 1}⁽¹⁾".translate(SUB)) for j in range(4)] for i in range(2)]
b1_s = [Value(float(b1_5[i]), f"b{i + 1}⁽¹⁾".translate(SUB)) for i in range(2)]
W2_s = [Value(float(W2_5[i]), f"W{i + 1}⁽²⁾".translate(SUB)) for i in range(2)]
a1_s = [Value(float(v), f"a{j + 1}⁽¹⁾".translate(SUB)) for j, v in enumerate(x5)]
s5_scalar = weighted_sum(W2_s, [weighted_sum(W1_s[i], a1_s, b1_s[i]).sigmoid() for i in range(2)])
scalar_flow = viz.error_flow(s5_scalar)
into_W14 = next(e for e in scalar_flow if e.parent is W1_s[0][3])
print("edge into W₁₄⁽¹⁾:", into_W14.symbol, "=", into_W14.signal)
viz.draw(s5_scalar, flow=True, title="the same network on Values: one edge per number")

# %%
assert into_W1.symbol == "δ⁽²⁾·a⁽¹⁾ᵀ" and into_W14.symbol.startswith("δ₁⁽²⁾·a₄⁽¹⁾")
assert abs(into_W1.signal[0, 3] - into_W14.signal) < 1e-15  # cell (1, 4) of ∇W⁽¹⁾ is ∂s/∂W₁₄⁽¹⁾
s5.backward()
assert np.array_equal(into_W1.signal, W1_t.grad)
print("cell (1, 4) of the tensor edge =", into_W1.signal[0, 3], "= the scalar edge into W₁₄⁽¹⁾")

# %% [markdown]
# ## A whole network, layer by layer
# For a network of real size even the tensor graph is more than one needs to see. `collapse=True` draws each
# layer as one box, $a^{(k+1)} = f(W^{(k)} a^{(k)} + b^{(k)})$, and only the signals that travel between layers
# ($\delta^{(k+1)} \to \delta^{(k)}$) and into each layer's parameters — the picture of §6.

# %%
import nn  # noqa: E402

net = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1))
batch = Tensor(rng5.normal(size=(5, 4)))
viz.draw(net(batch).sum(), flow=True, collapse=True, title="layer-level error flow, batch of 5")

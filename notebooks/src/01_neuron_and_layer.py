# %% [markdown]
# # 01 · A neuron and a layer of neurons (notes §1–3)
#
# A neuron takes a vector of numbers and returns one number. It computes a weighted sum of its inputs, adds a
# bias and squashes the result with a non-linearity. Put several neurons side by side on the same input and
# you have a layer. Stack a layer and a score on top and you have the window classifier of §3. This notebook
# builds each of these by hand with numpy and then on the engine: the scalar engine (`Value`, one node per
# number) for the neuron, both engines for the layer (`Tensor`: one node per array), and the `Tensor` model
# `nn.WindowClassifier` for §3. An assertion cell after each step checks that the versions agree, and the
# diagrams show the graph the engine built.
#
# The notes' formulas:
#
# * **§1, one sigmoid neuron:** with $x \in \mathbb{R}^n$, $w \in \mathbb{R}^n$ and $b \in \mathbb{R}$,
#   $$a = \frac{1}{1 + \exp(-(w^Tx + b))} = \frac{1}{1 + \exp(-[w^T\; b]\cdot[x\; 1])}$$
# * **§2, a layer of $m$ neurons:** with $W \in \mathbb{R}^{m\times n}$ (row $i$ is neuron $i$'s $w^{(i)T}$) and
#   $b \in \mathbb{R}^m$, $\;z = Wx + b,\;\; a = \sigma(z)$.
# * **§3, a score on top:** $s = u^Ta = u^Tf(Wx + b)$.
#
# **A sign slip in the notes.** §2 writes $a_i = \dfrac{1}{1+\exp(w^{(i)T}x + b_i)}$ and
# $\sigma(z) = \dfrac{1}{1+\exp(z)}$. The minus sign is missing. $\dfrac{1}{1+e^{z}} = \sigma(-z) = 1 - \sigma(z)$,
# which *falls* as $z$ grows. The sigmoid of §1 and §7.4 is $\sigma(z) = \dfrac{1}{1 + \exp(-z)}$, and that is the
# one the engine computes (checked below).

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
from autodiff import Tensor, Value, gradcheck, viz, weighted_sum

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})
rng = np.random.default_rng(0)


def sigmoid(z):
    """The logistic function, by hand: σ(z) = 1 / (1 + exp(−z))."""
    return 1 / (1 + np.exp(-z))


# %% [markdown]
# ## σ(z): the notes' §2 version against the correct one
# Both curves are plotted, together with the engine's `Value.sigmoid` at a few points. The engine's points must
# sit on the correct curve.

# %%
z_grid = np.linspace(-6, 6, 241)
z_points = [-4.0, -1.5, 0.0, 0.7, 3.0]
engine_points = [Value(z).sigmoid().data for z in z_points]

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(z_grid, sigmoid(z_grid), label=r"$\sigma(z) = 1/(1+e^{-z})$  (correct, §1 and §7.4)")
ax.plot(z_grid, 1 / (1 + np.exp(z_grid)), "--", label=r"$1/(1+e^{z})$  (§2's slip) $= 1-\sigma(z)$")
ax.plot(z_points, engine_points, "ko", label="engine: Value(z).sigmoid()")
ax.set_xlabel("z")
ax.legend(fontsize=8, loc="center right")
ax.set_title("The sigmoid, and the notes' sign slip")
plt.show()

# %%
for z, a in zip(z_points, engine_points):
    assert abs(a - 1 / (1 + np.exp(-z))) < 1e-15  # the engine computes the correct sigmoid
    assert z == 0 or abs(a - 1 / (1 + np.exp(z))) > 0.1  # and not the slip (they agree only at z = 0)
    assert abs(1 / (1 + np.exp(z)) - (1 - a)) < 1e-15  # the slip is 1 − σ(z)
print("Value.sigmoid is 1/(1 + exp(−z)); the notes' §2 expression 1/(1 + exp(z)) is 1 − σ(z)")

# %% [markdown]
# ## §1 · One sigmoid neuron
# Three inputs, three weights, a bias. First with numpy:

# %%
x = np.array([0.5, -1.2, 2.0])
w = rng.normal(size=3)
b = 0.3

z_by_hand = w @ x + b
a_by_hand = sigmoid(z_by_hand)

# the bias trick: append 1 to x and b to w, and the bias becomes one more weight
w_aug = np.append(w, b)  # [wᵀ b]
x_aug = np.append(x, 1.0)  # [x 1]
a_bias_trick = sigmoid(w_aug @ x_aug)
print(f"a = σ(wᵀx + b)         = {a_by_hand:.12f}")
print(f"a = σ([wᵀ b]·[x 1])    = {a_bias_trick:.12f}")

# %% [markdown]
# Now the same neuron on the engine. Every input and parameter is a `Value` with a label, so the diagram can name
# it. `weighted_sum` is the neuron's input $z = \sum_i w_i x_i + b$ as a single node. It keeps the local
# derivatives on its edges: $\partial z/\partial w_i = x_i$, $\partial z/\partial x_i = w_i$ and
# $\partial z/\partial b = 1$.

# %%
xs = [Value(float(v), f"x{i + 1}") for i, v in enumerate(x)]
ws = [Value(float(v), f"w{i + 1}") for i, v in enumerate(w)]
bv = Value(b, "b")
z_v = weighted_sum(ws, xs, bv)
z_v.label = "z"
a_v = z_v.sigmoid()
a_v.label = "a"
a_v.backward()
print(f"engine: a = {a_v.data:.12f}")
print("∂a/∂w =", [round(wi.grad, 6) for wi in ws], " ∂a/∂b =", round(bv.grad, 6))

# %% [markdown]
# By hand, $\partial a/\partial w_i = \sigma'(z)\,x_i = a(1-a)\,x_i$ and $\partial a/\partial b = a(1-a)$. The bias
# trick writes $b$ as a weight whose input is the constant 1, so its gradient is the same $\sigma'(z)\cdot 1$.
# On the engine that is `weighted_sum(w + [b], x + [1.0])`, where the constant 1.0 is a plain number rather than
# a node.

# %%
ws2 = [Value(float(v)) for v in w_aug]
a_trick_v = weighted_sum(ws2, [*x, 1.0]).sigmoid()
a_trick_v.backward()

sigma_prime = a_by_hand * (1 - a_by_hand)
assert abs(a_v.data - a_by_hand) < 1e-15 and abs(a_bias_trick - a_by_hand) < 1e-15
assert abs(a_trick_v.data - a_by_hand) < 1e-15
assert np.allclose([wi.grad for wi in ws], sigma_prime * x, rtol=0, atol=1e-15)
assert abs(bv.grad - sigma_prime) < 1e-15
assert abs(ws2[-1].grad - bv.grad) < 1e-15  # the "bias as a weight on input 1" gets the bias's gradient
report = gradcheck(lambda *p: weighted_sum(p[:3], xs, p[3]).sigmoid(), [*ws, bv])
print(report)
assert report

# %% [markdown]
# ### The neuron, drawn
# `viz.draw(a)` shows the graph behind `a`. Inputs are blue, parameters orange and the output green. Each box
# holds a value and its gradient $\partial a/\partial(\cdot)$ from the `backward()` above. The small ellipses are
# the operations.

# %%
viz.draw(a_v, title="one sigmoid neuron: a = σ(w·x + b)")

# %% [markdown]
# ## §2 · A layer: a = σ(Wx + b)
# $m = 3$ neurons on the same $n = 4$ inputs. `nn.Layer(4, 3)` holds one `Neuron` per row of $W$, with its
# parameters labelled as in the notes. By hand the layer is one matrix–vector product. The `Tensor` engine does
# the same product on whole arrays.

# %%
layer = nn.Layer(4, 3, activation="sigmoid", seed=1)
W = np.array([[wij.data for wij in row] for row in layer.W])  # (3, 4): row i = neuron i's weights
b_vec = rng.normal(size=3)
for bi, value in zip(layer.b, b_vec):
    bi.data = float(value)  # non-zero biases, so a wrong bias path would show
x4 = np.array([1.0, -0.5, 0.25, 2.0])

a_layer_by_hand = sigmoid(W @ x4 + b_vec)
a_layer_values = [a.data for a in layer(list(x4))]
W_t, b_t = Tensor(W, requires_grad=True, label="W"), Tensor(b_vec, requires_grad=True, label="b")
a_layer_tensor = (W_t @ Tensor(x4) + b_t).sigmoid()

print("labels of row 1 of W:", [wij.label for wij in layer.W[0]])
print("by hand    :", a_layer_by_hand)
print("nn.Layer   :", np.array(a_layer_values))
print("Tensor     :", a_layer_tensor.data)
print("shapes: W", W.shape, " x", x4.shape, " b", b_vec.shape, " a", a_layer_tensor.shape)

# %%
assert W.shape == (3, 4) and a_layer_tensor.shape == (3,)
assert np.allclose(a_layer_values, a_layer_by_hand, rtol=0, atol=1e-15)
assert np.allclose(a_layer_tensor.data, a_layer_by_hand, rtol=0, atol=1e-15)
# the gradients of Σᵢ aᵢ agree as well: scalar layer vs Tensor vs the formula σ'(z) xᵀ
layer.zero_grad()
total = sum(layer(list(x4)), Value(0.0))
total.backward()
a_layer_tensor.sum().backward()
grad_W_values = np.array([[wij.grad for wij in row] for row in layer.W])
by_hand_grad_W = np.outer(a_layer_by_hand * (1 - a_layer_by_hand), x4)
assert np.allclose(grad_W_values, by_hand_grad_W, rtol=0, atol=1e-15)
assert np.allclose(W_t.grad, by_hand_grad_W, rtol=0, atol=1e-15)
print("nn.Layer, Tensor and numpy agree on a = σ(Wx + b) and on ∂(Σa)/∂W = σ'(z) xᵀ")

# %% [markdown]
# ### A small layer with a score, drawn by layer
# Passing `model=` groups each layer's parameters, and the nodes computed from them, into a dashed box. Here are
# 3 inputs, a layer of 2 sigmoid neurons and a linear score unit, the §3 network in miniature:
# $s = u^T\sigma(Wx + b)$ (the score unit also has a bias, $b_1^{(2)}$). The inputs carry the notes' §5 names,
# $x_j = a_j^{(1)}$. With these labels the engine names the rest by itself: $z_i^{(2)}$ is the input of hidden
# unit $i$ and $a_i^{(2)}$ its output.

# %%
small = nn.MLP(3, [2, 1], activation="sigmoid", seed=3)
inputs = [Value(v, f"a{'₁₂₃'[j]}⁽¹⁾") for j, v in enumerate([1.0, -2.0, 0.5])]
s_small = small(inputs)
s_small.label = "s"
s_small.backward()
viz.draw(s_small, model=small, title="3 inputs → layer of 2 sigmoid units → score s")

# %% [markdown]
# ## §3 · The window classifier: analysis of dimensions
# The notes classify the centre word of a 5-word window ("Museums in Paris are amazing": is *Paris* a location?).
# Each word is a 4-dimensional vector, so the concatenated window is $x \in \mathbb{R}^{20}$. With 8 sigmoid
# hidden units and one score:
#
# $$x \in \mathbb{R}^{20},\quad W \in \mathbb{R}^{8\times 20},\quad b \in \mathbb{R}^{8},\quad
# a = \sigma(Wx+b) \in \mathbb{R}^8,\quad u \in \mathbb{R}^{8},\quad s = u^Ta \in \mathbb{R}.$$
#
# (The notes write $U \in \mathbb{R}^{8\times 1}$. That is the same eight numbers as a column, and $u^Ta$ is a
# scalar either way.) `nn.data.window_dataset` holds the notes' sentences with 4-d word vectors, and
# `nn.WindowClassifier` is the model. We check every shape and compute $s$ by hand from the model's own
# parameters.

# %%
data = nn.data.window_dataset(seed=0)
model = nn.WindowClassifier(data.word_vectors, hidden=8, seed=0)
window = data.train.true_windows[0]
print("window:", repr(data.decode(window)), "→ word ids", window)

x_window = data.vectors(window)  # the five 4-d vectors, concatenated
W_w, b_w, u_w = model.W.data, model.b.data, model.u.data
s_by_hand = u_w @ sigmoid(W_w @ x_window + b_w)
s_engine = model(window)

shapes = {
    "word vector": data.word_vectors[window[2]].shape,
    "x": model.features(window).shape,
    "W": model.W.shape,
    "b": model.b.shape,
    "a": model.hidden_activations(window).shape,
    "u": model.u.shape,
    "s": s_engine.shape,
}
for name, shape in shapes.items():
    print(f"{name:12} {shape}")
print(f"s by hand = {s_by_hand:.12f}   engine = {s_engine.item():.12f}")

# %%
assert shapes == {"word vector": (4,), "x": (20,), "W": (8, 20), "b": (8,), "a": (8,), "u": (8,), "s": ()}
assert np.allclose(model.features(window).data, x_window, rtol=0, atol=0)
assert abs(s_engine.item() - s_by_hand) < 1e-13
batch = data.train.true_windows[:6]
assert model(batch).shape == (6,)  # a batch of windows gives one score each
assert np.allclose(model(batch).data, sigmoid(data.vectors(batch) @ W_w.T + b_w) @ u_w, rtol=0, atol=1e-13)
print("x ∈ R^20, W ∈ R^{8×20}, b ∈ R^8, u ∈ R^8, s ∈ R, and s = uᵀσ(Wx + b) to 1e-13")

# %% [markdown]
# The window classifier drawn on the `Tensor` engine. Each node shows its shape, so the analysis of dimensions can
# be read off the diagram: the word-vector table $L$ (one row per vocabulary word) is indexed by the five word ids
# and gives a (5, 4) block, which is reshaped into $x \in \mathbb{R}^{20}$. Then come $xW^T$ (8 numbers), $+b$,
# $\sigma$, and $\cdot u$, giving a scalar.

# %%
viz.draw(s_engine, model=model, title="s = uᵀσ(Wx + b) for one window (Tensor engine)")

# %% [markdown]
# # 02 · Backpropagation by hand (notes §5)
#
# The notes work one gradient out in full on a toy network: 4 inputs, one hidden layer of sigmoid units and a
# single linear score $s$. The question is how the score changes when one first-layer weight, $W_{14}^{(1)}$,
# changes. We answer it three ways and check that the answers agree:
#
# 1. with the chain rule, written out in numpy;
# 2. with the engine's `backward()`;
# 3. by watching the error signal travel through the graph, in the error-flow diagram and then step by step in
#    the player.
#
# Notation, as in the notes: layer 1 is the input layer, so $x_j = z_j^{(1)} = a_j^{(1)}$. Hidden unit $i$ computes
# $z_i^{(2)} = \sum_j W_{ij}^{(1)}a_j^{(1)} + b_i^{(1)}$ and $a_i^{(2)} = f(z_i^{(2)})$ with $f = \sigma$. The score is
# $s = W^{(2)}a^{(2)} = \sum_i W_i^{(2)}a_i^{(2)}$. There is one output unit, so the notes drop its row index:
# $W_i^{(2)}$ is `nn.MLP`'s $W_{1i}^{(2)}$. The error signal that reaches $z_i^{(k)}$ is $\delta_i^{(k)}$. (The notes
# sometimes print it as $\sigma_i^{(k)}$; that is the same quantity and has nothing to do with the sigmoid.)
#
# The notes' result:
# $$\frac{\partial s}{\partial W_{14}^{(1)}} = W_1^{(2)}\, f'(z_1^{(2)})\, a_4^{(1)} = \delta_1^{(2)}\, a_4^{(1)},
# \qquad \delta_1^{(2)} = f'(z_1^{(2)})\,W_1^{(2)}.$$

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

import nn
from autodiff import Value, gradcheck, viz, weighted_sum

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


rng = np.random.default_rng(4)
x = np.array([0.5, -1.0, 2.0, 0.8])  # a⁽¹⁾ = x: the input layer
W1 = rng.normal(size=(2, 4))  # W⁽¹⁾: input layer → 2 hidden units
b1 = rng.normal(scale=0.5, size=2)  # b⁽¹⁾
W2 = np.array([1.5, -0.8])  # W⁽²⁾: hidden units → the score (the notes' U)

# %% [markdown]
# ## 1 · The chain rule, by hand with numpy
# Forward pass, then the notes' derivation. $W_{14}^{(1)}$ only feeds $z_1^{(2)}$, which only feeds $a_1^{(2)}$,
# which reaches $s$ through the weight $W_1^{(2)}$. So
# $$\frac{\partial s}{\partial W_{14}^{(1)}} = W_1^{(2)}\;\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}}\;
# \frac{\partial z_1^{(2)}}{\partial W_{14}^{(1)}} = W_1^{(2)}\,f'(z_1^{(2)})\,a_4^{(1)},\qquad
# f'(z) = \sigma(z)(1-\sigma(z)).$$

# %%
z2 = W1 @ x + b1
a2 = sigmoid(z2)
s_by_hand = W2 @ a2

f_prime = a2 * (1 - a2)  # σ'(z⁽²⁾)
delta2 = f_prime * W2  # δᵢ⁽²⁾ = f'(zᵢ⁽²⁾)·Wᵢ⁽²⁾: the error signal at zᵢ⁽²⁾
dW14_by_hand = W2[0] * f_prime[0] * x[3]  # W₁⁽²⁾ · f'(z₁⁽²⁾) · a₄⁽¹⁾

print(f"s = {s_by_hand:.6f}")
print(f"z⁽²⁾ = {z2},  a⁽²⁾ = {a2}")
print(f"δ₁⁽²⁾ = f'(z₁⁽²⁾)·W₁⁽²⁾ = {f_prime[0]:.6f} × {W2[0]} = {delta2[0]:.6f}")
print(f"∂s/∂W₁₄⁽¹⁾ = δ₁⁽²⁾ · a₄⁽¹⁾ = {delta2[0]:.6f} × {x[3]} = {dW14_by_hand:.6f}")

# %% [markdown]
# ## 2 · The same network on the engine
# Every number is a labelled `Value`. Each hidden unit's input $z_i^{(2)}$ is one `weighted_sum` node. The score is
# a weighted sum with no bias, exactly the notes' $s = W^{(2)}a^{(2)}$.

# %%
def build(inputs, input_nodes=True):
    """The toy network on Values; returns the score and the named nodes (for printing and checking).

    With ``input_nodes=False`` the inputs enter as plain numbers: constants inside the weighted sums, not nodes.
    """
    a1 = [Value(float(v), f"a{j + 1}⁽¹⁾".translate(SUB)) for j, v in enumerate(inputs)]
    if not input_nodes:
        a1 = [float(v) for v in inputs]
    z, a = [], []
    for i in range(2):
        zi = weighted_sum(W1_v[i], a1, b1_v[i])
        zi.label = f"z{i + 1}⁽²⁾".translate(SUB)
        ai = zi.sigmoid()
        ai.label = f"a{i + 1}⁽²⁾".translate(SUB)
        z.append(zi)
        a.append(ai)
    s = weighted_sum(W2_v, a)
    s.label = "s"
    return s, a1, z, a


W1_v = [[Value(float(W1[i, j]), f"W{i + 1}{j + 1}⁽¹⁾".translate(SUB)) for j in range(4)] for i in range(2)]
b1_v = [Value(float(b1[i]), f"b{i + 1}⁽¹⁾".translate(SUB)) for i in range(2)]
W2_v = [Value(float(W2[i]), f"W{i + 1}⁽²⁾".translate(SUB)) for i in range(2)]
parameters = [w for row in W1_v for w in row] + b1_v + W2_v


def zero_grad():
    """Leaves (parameters and inputs) accumulate gradients across passes, as in PyTorch: reset them."""
    for p in parameters + a1:
        p.zero_grad()


s, a1, z, a = build(x)
s.backward()
W14 = W1_v[0][3]
print(f"engine: s = {s.data:.6f}")
print(f"engine: ∂s/∂{W14.label} = {W14.grad:.6f}   (by hand {dW14_by_hand:.6f})")

# %%
assert abs(s.data - s_by_hand) < 1e-14
assert abs(W14.grad - dW14_by_hand) < 1e-15
# every first-layer weight follows the same rule: ∂s/∂Wᵢⱼ⁽¹⁾ = δᵢ⁽²⁾ · aⱼ⁽¹⁾ (an outer product, see notebook 03)
grad_W1 = np.array([[w.grad for w in row] for row in W1_v])
assert np.allclose(grad_W1, np.outer(delta2, x), rtol=0, atol=1e-15)
assert np.allclose([zi.grad for zi in z], delta2, rtol=0, atol=1e-15)  # the signal at zᵢ⁽²⁾ is δᵢ⁽²⁾
report = gradcheck(lambda *p: build(x)[0], parameters)
print(report)
assert report

# %% [markdown]
# ## 3 · Watching the error flow
# `viz.draw(s, flow=True)` draws the same graph with the arrows reversed. Each edge carries the signal sent back
# along it, which is the signal its node received times the local derivative of that edge. Follow the notes'
# "sample sequence" from right to left:
#
# 1. $s$ starts with an error signal of 1;
# 2. it sends $1 \cdot W_1^{(2)}$ to $a_1^{(2)}$ (the "fair share" for $a_1^{(2)}$);
# 3. the $\sigma$ node multiplies by its local gradient $f'(z_1^{(2)})$, so $z_1^{(2)}$ receives
#    $\delta_1^{(2)} = W_1^{(2)}f'(z_1^{(2)})$;
# 4. the weighted sum sends $\delta_1^{(2)}$ times the input each weight forwarded, so the edge into
#    $W_{14}^{(1)}$ is labelled $\delta_1^{(2)} \cdot a_4^{(1)}$.

# %%
viz.draw(s, flow=True, title="error flow from s: every edge carries (signal received) × (local derivative)")

# %% [markdown]
# The signals drawn on the edges are also available as data: `viz.error_flow(s)` returns one `FlowEdge` per edge.
# Here is the edge into $W_{14}^{(1)}$, with its formula and its value:

# %%
flow = viz.error_flow(s)
edge_W14 = next(e for e in flow if e.parent is W14)
print(f"{edge_W14.child.label} → {edge_W14.parent.label}: {edge_W14.symbol} = {edge_W14.signal:.6f}")
print(f"  = (signal at {edge_W14.child.label}: {edge_W14.upstream:.6f}) × (local derivative a₄⁽¹⁾: "
      f"{edge_W14.local_grad})")
assert edge_W14.symbol == "δ₁⁽²⁾·a₄⁽¹⁾"
assert abs(edge_W14.signal - dW14_by_hand) < 1e-15
assert abs(edge_W14.upstream - delta2[0]) < 1e-15 and edge_W14.local_grad == x[3]

# %% [markdown]
# ### Step by step
# `s.backward_steps()` is the same backward pass as `backward()`, but it yields one step per node. Each step shows
# the node being processed, the error signal it received (the sum of everything its children sent it) and the
# shares it passes on to its inputs. Nodes are visited from the output back to the inputs, and a node is processed
# only after all of its children have sent their shares.

# %%
zero_grad()
for k, step in enumerate(s.backward_steps(), 1):
    sent = ", ".join(f"{p.label} ← {share:+.4f}" for p, share in step.sent)
    print(f"step {k:2}: {step.node.label:7} error signal {step.error_signal:+.6f}", f"  sends {sent}" if sent else "")

# %% [markdown]
# The same walk as an interactive player. Use ◀ Prev / Next ▶, the slider, or the arrow keys. The node being
# processed is outlined in purple, signals already sent are red and labelled, and the part of the graph not yet
# reached is grey. The caption under the buttons describes each step in words. (The player is plain HTML and
# JavaScript, so it also works in the notebook exported to HTML. GitHub's viewer does not run scripts, so there
# you see the finished pass, every signal drawn; `player.save("steps.pdf")` or `player.save("steps.gif")` gives
# the frames for slides.)
#
# To keep the player small, the inputs enter this copy of the network as plain numbers. The data is never trained,
# so the inputs need no gradient. A number is a constant inside the weighted sum, not a node, so the edge into
# $W_{14}^{(1)}$ now reads $\delta_1^{(2)}\cdot 0.8$. The legend is the one in the diagram above.

# %%
s_player, *_ = build(x, input_nodes=False)
player = viz.BackpropPlayer(s_player, legend=False)
caption_z1 = next(c for c in player.captions if "z₁⁽²⁾ receives" in c)
print(f"{len(player)} frames; the caption of the step that processes z₁⁽²⁾:\n{caption_z1}")
assert abs(s_player.data - s_by_hand) < 1e-14 and f"{dW14_by_hand:.4g} to W₁₄⁽¹⁾" in caption_z1
display(HTML(player.html()))

# %% [markdown]
# ## Bias updates: ∂s/∂bᵢ⁽¹⁾ = δᵢ⁽²⁾
# A bias is a weight whose input is always 1. Its gradient is therefore the error signal at the unit's input, times 1:
# $\partial s/\partial b_1^{(1)} = f'(z_1^{(2)})\,W_1^{(2)} = \delta_1^{(2)}$. (The notes write this as
# "$\sigma_1^{(k)}$" for neuron $i$. The index should read $i$, and the unit's input is $z_i^{(2)}$, so it is
# $\delta_i^{(2)}$.)

# %%
zero_grad()
s.backward()
for i in range(2):
    print(f"∂s/∂{b1_v[i].label} = {b1_v[i].grad:+.6f}    δ{'₁₂'[i]}⁽²⁾ by hand = {delta2[i]:+.6f}")
assert np.allclose([b.grad for b in b1_v], delta2, rtol=0, atol=1e-15)

# %% [markdown]
# ## The "fair share" at a node with two children
# The notes' normalized sequence: $a_j^{(k-1)}$ feeds *every* unit of layer $k$. It receives a share
# $\delta_i^{(k)}W_{ij}^{(k-1)}$ from each of them, and the error it ends up with is the sum
# $$\text{error at } a_j^{(k-1)} = \sum_i \delta_i^{(k)}\,W_{ij}^{(k-1)}
# \qquad (\text{all } j\text{ at once: } W^{(k-1)T}\delta^{(k)}).$$
# In the toy network every input $a_j^{(1)}$ has two children, $z_1^{(2)}$ and $z_2^{(2)}$. Here are the two
# shares arriving at $a_4^{(1)}$ and their sum:

# %%
into_a4 = [e for e in flow if e.parent is a1[3]]
for e in into_a4:
    print(f"{e.child.label} sends {e.symbol:14} = {e.signal:+.6f}")
print(f"sum of shares = {sum(e.signal for e in into_a4):+.6f};  a₄⁽¹⁾.grad = {a1[3].grad:+.6f}")
print("Σᵢ δᵢ⁽²⁾ Wᵢⱼ⁽¹⁾ for every j (W⁽¹⁾ᵀ δ⁽²⁾):", W1.T @ delta2)

# %%
assert len(into_a4) == 2 and {e.child.label for e in into_a4} == {"z₁⁽²⁾", "z₂⁽²⁾"}
assert abs(sum(e.signal for e in into_a4) - a1[3].grad) < 1e-15
assert np.allclose([aj.grad for aj in a1], W1.T @ delta2, rtol=0, atol=1e-15)
print("the error at each aⱼ⁽¹⁾ is the sum of the shares sent by its two children, Σᵢ δᵢ⁽²⁾ Wᵢⱼ⁽¹⁾")

# %% [markdown]
# ### The same network as `nn.MLP(4, [2, 1])`
# `nn.MLP` builds this network from `Neuron`s, with the same labels. One difference: its score unit has a bias
# $b_1^{(2)}$ (0 here), which adds a constant to $s$ and changes no other gradient. Copy our weights in and the
# engine gives the same $\partial s/\partial W_{14}^{(1)}$.

# %%
mlp = nn.MLP(4, [2, 1], activation="sigmoid", seed=0)
for i, neuron in enumerate(mlp.layers[0].neurons):
    for j, w in enumerate(neuron.w):
        w.data = float(W1[i, j])
    neuron.b.data = float(b1[i])
for i, w in enumerate(mlp.layers[1].neurons[0].w):
    w.data = float(W2[i])
s_mlp = mlp(list(x))
s_mlp.backward()
mlp_W14 = mlp.layers[0].neurons[0].w[3]
print(f"{mlp_W14.label}: ∂s/∂W = {mlp_W14.grad:.6f}; the score's bias {mlp.layers[1].neurons[0].b.label} gets "
      f"{mlp.layers[1].neurons[0].b.grad}")
assert mlp_W14.label == "W₁₄⁽¹⁾" and abs(mlp_W14.grad - dW14_by_hand) < 1e-15
assert abs(s_mlp.data - s_by_hand) < 1e-14

# %% [markdown]
# ## Where the "−1" comes from: the max-margin loss
# §5 trains on the §4 objective $J = \max(1 + s_c - s,\ 0)$, where $s$ scores a true window and $s_c$ a corrupted
# one. When $J > 0$ the loss is $1 + s_c - s$, so
# $$\frac{\partial J}{\partial s} = -\frac{\partial J}{\partial s_c} = -1,$$
# and the gradient of $J$ with respect to any weight is $-\partial s/\partial W + \partial s_c/\partial W$. That is
# why the notes work with $\partial s/\partial W$ only. When $J = 0$ (the true window already wins by the margin)
# every gradient is 0 and nothing is updated. (At the start of §5 the notes quote $J = \max(s_c - s, 0)$, without
# the margin. The derivative is the same wherever $J > 0$.)
#
# Below, a corrupted input $x_c$ goes through the same network, and `nn.max_margin_loss` computes $J$:

# %%
x_c = np.array([0.5, -1.0, 1.0, 0.8])  # the "corrupted" input: x₃ changed from 2 to 1
zero_grad()
s_true, *_ = build(x)
s_corrupt, *_ = build(x_c)
J = nn.max_margin_loss(s_true, s_corrupt)  # max(1 + s_c − s, 0)
J.backward()

a2_c = sigmoid(W1 @ x_c + b1)
J_by_hand = max(1 + W2 @ a2_c - s_by_hand, 0.0)
dJ_dW14_by_hand = -dW14_by_hand + W2[0] * a2_c[0] * (1 - a2_c[0]) * x_c[3]
print(f"s = {s_true.data:.4f}, s_c = {s_corrupt.data:.4f}, J = {J.data:.4f} (by hand {J_by_hand:.4f})")
print(f"∂J/∂s = {s_true.grad:+.0f}, ∂J/∂s_c = {s_corrupt.grad:+.0f}")
print(f"∂J/∂W₁₄⁽¹⁾ = {W14.grad:.6f}  (by hand −∂s/∂W₁₄⁽¹⁾ + ∂s_c/∂W₁₄⁽¹⁾ = {dJ_dW14_by_hand:.6f})")

# %%
assert J.data > 0 and abs(J.data - J_by_hand) < 1e-14
assert s_true.grad == -1.0 and s_corrupt.grad == 1.0
assert abs(W14.grad - dJ_dW14_by_hand) < 1e-15

# %% [markdown]
# $J$ and $\partial J/\partial s$ as the true score $s$ varies, with $s_c$ fixed. The engine's derivative is $-1$
# while the margin is violated and $0$ once $s \ge s_c + 1$.

# %%
s_c_fixed = s_corrupt.data
s_grid = np.linspace(s_c_fixed - 1.5, s_c_fixed + 2.5, 161)
J_values, dJ_ds = [], []
for s_value in s_grid:
    s_leaf = Value(float(s_value))
    J_s = nn.max_margin_loss(s_leaf, Value(s_c_fixed))
    J_s.backward()
    J_values.append(J_s.data)
    dJ_ds.append(s_leaf.grad)
J_values, dJ_ds = np.array(J_values), np.array(dJ_ds)

fig, ax = plt.subplots(figsize=(6.5, 3.2))
ax.plot(s_grid, J_values, label=r"$J = \max(1 + s_c - s, 0)$")
ax.plot(s_grid, dJ_ds, label=r"engine: $\partial J/\partial s$")
ax.axvline(s_c_fixed + 1, color="grey", ls=":", label=r"$s = s_c + 1$")
ax.set_xlabel("true score s")
ax.legend(fontsize=8)
plt.show()

inside = s_grid < s_c_fixed + 1 - 1e-9
assert np.all(dJ_ds[inside] == -1.0) and np.all(dJ_ds[~inside] == 0.0)
assert np.allclose(J_values, np.maximum(1 + s_c_fixed - s_grid, 0), rtol=0, atol=1e-12)

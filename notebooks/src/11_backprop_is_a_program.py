# %% [markdown]
# # 11 · Backprop is a program too (second derivatives)
#
# The error signal is computed by the same multiplications and additions as the forward pass: at a tanh node the
# signal is multiplied by $1 - \tanh^2(z)$, at a product node by the other factor. So the backward pass is itself a
# computation graph — and the engine can differentiate it again. `backward(create_graph=True)` and
# `autodiff.grad(..., create_graph=True)` record the backward pass; what they return is a node like any other.
#
# This notebook: second derivatives of the activations checked against the hand-derived formulas, the backward
# graph of the §1 neuron drawn, a Hessian-vector product of a small network's loss checked against finite
# differences, Newton's method against gradient descent, and a gradient penalty used as a loss term.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autodiff as ad
import nn
import optim
from autodiff import Tensor, Value, viz

# %% [markdown]
# ## σ'' and tanh'', by hand and by the engine
# Differentiating $\sigma'(z) = \sigma(z)(1-\sigma(z))$ once more gives $\sigma''(z) = \sigma'(z)(1 - 2\sigma(z))$;
# from $\tanh'(z) = 1 - \tanh^2(z)$ we get $\tanh''(z) = -2\tanh(z)\,(1-\tanh^2(z))$.

# %%
z = Tensor(np.linspace(-5, 5, 201), requires_grad=True)
(dsig,) = ad.grad(z.sigmoid().sum(), [z], create_graph=True)  # σ'(z), as a node with a graph
(d2sig,) = ad.grad(dsig.sum(), [z])  # σ''(z)
(dtanh,) = ad.grad(z.tanh().sum(), [z], create_graph=True)
(d2tanh,) = ad.grad(dtanh.sum(), [z])

s, t = 1 / (1 + np.exp(-z.data)), np.tanh(z.data)
by_hand_sig, by_hand_tanh = s * (1 - s) * (1 - 2 * s), -2 * t * (1 - t**2)
print(f"max |σ'' engine − by hand| = {np.abs(d2sig.data - by_hand_sig).max():.1e}")
print(f"max |tanh'' engine − by hand| = {np.abs(d2tanh.data - by_hand_tanh).max():.1e}")
assert np.allclose(d2sig.data, by_hand_sig, atol=1e-15) and np.allclose(d2tanh.data, by_hand_tanh, atol=1e-15)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, name, f1, f2 in ((axes[0], "σ", dsig, d2sig), (axes[1], "tanh", dtanh, d2tanh)):
    ax.plot(z.data, f1.data, label=f"{name}'")
    ax.plot(z.data, f2.data, label=f"{name}'' (engine)")
    ax.plot(z.data[::10], (by_hand_sig if name == "σ" else by_hand_tanh)[::10], "k.", label="by hand")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set(title=f"{name}' and {name}''", xlabel="z")
    ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# `gradgradcheck` is the second-order `gradcheck`: the recorded backward pass against centered differences of
# the first-order gradients, with the same per-input report.

# %%
z0 = Tensor(np.array([-1.5, 0.2, 2.0]), requires_grad=True)
report = ad.gradgradcheck(lambda z: (z.sigmoid() * z.tanh()).sum(), {"z": z0})
print(report)
assert report

# %% [markdown]
# ## The backward pass of the §1 neuron, drawn
# $a = \tanh(w_1x_1 + w_2x_2 + b)$. Recording the pass that computes $\partial a/\partial w_1$ and drawing it shows
# what backprop does to get there: $1 - a\cdot a$ (tanh's local derivative, computed from the output), times the
# starting signal 1, times $x_1$ (the product's local derivative). The signals are named after the nodes they reach.

# %%
x1, x2, w1, w2 = Value(2.0, "x₁"), Value(0.0, "x₂"), Value(-3.0, "w₁"), Value(1.0, "w₂")
b = Value(6.8813735870195432, "b")
z_neuron = w1 * x1 + w2 * x2 + b
z_neuron.label = "z"
a = z_neuron.tanh()
a.label = "a"
(da_dw1,) = ad.grad(a, [w1], create_graph=True)
print(f"∂a/∂w₁ = {da_dw1.data:.4f} (= (1 − a²)·x₁ = {(1 - a.data**2) * x1.data:.4f})")
assert abs(da_dw1.data - (1 - a.data**2) * x1.data) < 1e-12
viz.draw(da_dw1, title="the backward pass that computes ∂a/∂w₁, as a graph")

# %% [markdown]
# ## A Hessian-vector product
# For a small MLP's loss $L(\theta)$, $Hv = \nabla_\theta(\nabla_\theta L \cdot v)$ costs two backward passes — no
# Hessian is ever formed. Check it against centered differences of the gradient,
# $Hv \approx (\nabla L(\theta + \epsilon v) - \nabla L(\theta - \epsilon v)) / 2\epsilon$.

# %%
rng = np.random.default_rng(0)
X, y = rng.standard_normal((16, 3)), rng.integers(0, 2, 16)
net = nn.Sequential(nn.Linear(3, 5, seed=1), nn.Tanh(), nn.Linear(5, 2, seed=2))
W = net[0].weight
v = rng.standard_normal(W.shape)


def loss_at(weight):
    """The loss as a function of the first layer's weight alone."""
    hidden = ad.linear(Tensor(X), weight, net[0].bias).tanh()
    return ad.softmax_cross_entropy(net[2](hidden), y)


_, Hv = ad.hvp(loss_at, W, v)


def gradient(weight_data):
    w = Tensor(weight_data, requires_grad=True)
    (g,) = ad.grad(loss_at(w), [w])
    return g.data


eps = 1e-5
numeric = (gradient(W.data + eps * v) - gradient(W.data - eps * v)) / (2 * eps)
print(f"|Hv − finite differences| ≤ {np.abs(Hv.data - numeric).max():.1e}  (|Hv| ~ {np.abs(Hv.data).max():.2f})")
assert np.allclose(Hv.data, numeric, rtol=1e-6, atol=1e-8)

# %% [markdown]
# ## Newton's method against gradient descent
# Newton's step $\theta \leftarrow \theta - H^{-1}\nabla L$ uses the second derivatives the engine now provides
# (`autodiff.hessian`). On a quadratic it lands on the minimum in one step; on Rosenbrock's banana valley,
# $f(x, y) = (1-x)^2 + 100(y - x^2)^2$, it needs a handful while gradient descent crawls along the valley floor.

# %%
def quadratic(p):
    A = np.array([[3.0, 1.0], [1.0, 0.5]])
    return 0.5 * (p @ Tensor(A) * p).sum() - (p * Tensor([1.0, -2.0])).sum()


def rosenbrock(p):
    x, y_ = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y_ - x * x) ** 2


def newton(f, start, steps):
    p, path = np.array(start, dtype=float), []
    for _ in range(steps):
        t = Tensor(p, requires_grad=True)
        (g,) = ad.grad(f(t), [t])
        H = ad.hessian(f, t).data
        path.append(f(Tensor(p)).item())
        p = p - np.linalg.solve(H, g.data)
    return p, path


def gradient_descent(f, start, steps, lr):
    p, path = np.array(start, dtype=float), []
    for _ in range(steps):
        t = Tensor(p, requires_grad=True)
        (g,) = ad.grad(f(t), [t])
        path.append(f(Tensor(p)).item())
        p = p - lr * g.data
    return p, path


runs = {
    "quadratic": (quadratic, [2.0, 2.0], 0.3),
    "Rosenbrock": (rosenbrock, [-1.2, 1.0], 1e-3),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
results = {}
for ax, (name, (f, start, lr)) in zip(axes, runs.items()):
    p_newton, newton_path = newton(f, start, 8 if name == "quadratic" else 12)
    p_gd, gd_path = gradient_descent(f, start, 2000, lr)
    best = min(newton_path[-1], gd_path[-1])
    ax.semilogy(np.array(newton_path) - best + 1e-16, "o-", label="Newton")
    ax.semilogy(np.array(gd_path) - best + 1e-16, label=f"gradient descent (lr {lr})")
    ax.set(title=name, xlabel="step", ylabel="f − f_min")
    ax.set_xscale("symlog")
    ax.legend(fontsize=8)
    results[name] = (p_newton, p_gd, newton_path, gd_path)
plt.show()

# %%
p_quadratic = results["quadratic"][0]
p_rosen, p_rosen_gd = results["Rosenbrock"][0], results["Rosenbrock"][1]
exact = np.linalg.solve([[3.0, 1.0], [1.0, 0.5]], [1.0, -2.0])
print(f"quadratic: Newton at {p_quadratic.round(6)}, at the minimum from its first step on (exact minimum {exact})")
print(f"Rosenbrock: Newton at {p_rosen.round(6)} after 12 steps; gradient descent at {p_rosen_gd.round(3)} after 2000")
assert np.allclose(p_quadratic, exact) and abs(results["quadratic"][2][1] - results["quadratic"][2][-1]) < 1e-12
assert np.allclose(p_rosen, [1.0, 1.0], atol=1e-6) and np.linalg.norm(p_rosen_gd - 1) > 1e-3

# %% [markdown]
# ## A gradient penalty as a loss term
# Penalising $\lVert\nabla_x s\rVert^2$ — how sharply the network's score reacts to its input — needs the gradient
# of a gradient: the penalty is built from $\nabla_x s$ recorded with `create_graph=True`, then `backward()` sends
# its error signal through the recorded backward pass into the weights.

# %%
X_moons, y_moons = nn.data.make_moons(64, noise=0.1, seed=0)


def train(penalty_weight, steps=150):
    """Adam on cross-entropy + penalty_weight·mean ‖∇ₓ s‖² (s: the score difference of the two classes)."""
    model = nn.Sequential(nn.Linear(2, 16, seed=4), nn.Tanh(), nn.Linear(16, 2, seed=5))
    opt = optim.Adam(model.parameters(), lr=0.02)
    history = []
    for _ in range(steps):
        x_in = Tensor(X_moons, requires_grad=True)
        logits = model(x_in)
        data_loss = ad.softmax_cross_entropy(logits, y_moons)
        (dx,) = ad.grad((logits[:, 1] - logits[:, 0]).sum(), [x_in], create_graph=True)  # recorded
        penalty = (dx * dx).sum() / len(X_moons)
        opt.zero_grad()
        (data_loss + penalty_weight * penalty).backward()  # through the recorded backward pass into the weights
        opt.step()
        history.append((data_loss.item(), penalty.item()))
    return np.array(history)


plain, penalised = train(0.0), train(0.01)
print(f"without the penalty: cross-entropy {plain[-1, 0]:.3f}, mean ‖∇ₓs‖² {plain[-1, 1]:.3f}")
print(f"with it (weight 0.01): cross-entropy {penalised[-1, 0]:.3f}, mean ‖∇ₓs‖² {penalised[-1, 1]:.3f}")
assert penalised[-1, 1] < 0.5 * plain[-1, 1]  # a smoother score function…
assert penalised[-1, 0] < penalised[0, 0]  # …that still learned the data
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, column, title in ((axes[0], 0, "cross-entropy"), (axes[1], 1, "mean ‖∇ₓ s‖²")):
    ax.plot(plain[:, column], label="no penalty")
    ax.plot(penalised[:, column], label="penalty 0.01")
    ax.set(title=title, xlabel="step")
    ax.legend(fontsize=8)
plt.show()

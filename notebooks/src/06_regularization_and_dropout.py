# %% [markdown]
# # 06 · Regularization and dropout (notes §7.2–7.3)
#
# A network with enough weights can fit the noise in its training set as well as the signal. Two remedies from
# the notes:
#
# * **Weight penalties (§7.2).** Add a term to the loss that grows with the size of the weights. The optimizer
#   then trades a little training loss for smaller weights, which means a smoother function that generalizes
#   better. The L2 penalty shrinks all weights, and the L1 penalty pushes many of them to (almost) exactly zero.
#   Biases are left out; we show why.
# * **Dropout (§7.3).** During training each unit is switched off at random, so no unit can rely on a particular
#   other unit being present. At test time every unit is on, and the outputs must be rescaled so that their
#   expected size matches training. The notes leave the rescaling factor as an exercise, which we answer by
#   experiment.
#
# The notes' formula for L2 regularization is
# $$J_R = J + \lambda \sum_{i=1}^{L} \lVert W^{(i)} \rVert_F, \qquad
# \lVert U \rVert_F = \sqrt{\textstyle\sum_i\sum_j U_{ij}^2}.$$
#
# **A correction to the notes:** the norm must be **squared**, $J_R = J + \lambda\sum_i \lVert W^{(i)}\rVert_F^2$.
# The notes' own text describes "the sum of the squared elements of a matrix". L2 regularization (weight decay,
# a Gaussian prior on the weights) is the squared norm, and so is the notes' later
# $J(\theta) = \ldots + \lambda\sum_k\theta_k^2$. The two versions have different gradients:
#
# * squared: $\nabla_W\, \lambda\lVert W\rVert_F^2 = 2\lambda W$, so each weight is pulled toward 0 in proportion to
#   its size ("weight decay");
# * unsquared: $\nabla_W\, \lambda\lVert W\rVert_F = \lambda W/\lVert W\rVert_F$, a pull of fixed total length
#   $\lambda$ whatever the size of $W$, and undefined at $W = 0$.
#
# `nn.l2_penalty(model, λ)` is the squared one; `nn.l1_penalty(model, λ)` is $\lambda\sum|W_{ij}|$, with gradient
# $\lambda\,\mathrm{sgn}(W)$. Both skip biases.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
import optim
from autodiff import Tensor, gradcheck, no_grad

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})


def mlp(hidden=32, seed=0):
    """2 → hidden → hidden → 2 with tanh units (Xavier-initialised weights, zero biases)."""
    return nn.Sequential(
        nn.Linear(2, hidden, seed=seed), nn.Tanh(),
        nn.Linear(hidden, hidden, seed=seed + 1), nn.Tanh(),
        nn.Linear(hidden, 2, seed=seed + 2),
    )


def weights(model):
    """The matrices the penalties act on: every parameter that is not a bias."""
    return [p for name, p in model.named_parameters() if not name.endswith("b")]


# %% [markdown]
# ## The penalties by hand and on the engine
# On a small model, compute $\lambda\sum\lVert W\rVert_F^2$ and $\lambda\sum|W_{ij}|$ and their gradients with
# numpy, then let the engine do it. Then a gradient check of a whole regularized loss
# $J_R = J_{\text{cross-entropy}} + \lambda\sum\lVert W\rVert_F^2$.

# %%
lam = 0.01
model = mlp(hidden=5, seed=3)
for p in model.parameters():
    if p.ndim == 1:
        p.data[...] = np.linspace(-1, 1, p.numel())  # non-zero biases, to show that they are left alone
Ws = [p.data for p in weights(model)]

l2_by_hand = lam * sum((W**2).sum() for W in Ws)
l1_by_hand = lam * sum(np.abs(W).sum() for W in Ws)
l2_unsquared = lam * sum(np.sqrt((W**2).sum()) for W in Ws)  # the notes' formula, literally

l2 = nn.l2_penalty(model, lam)
l2.backward()
l2_grads = {name: p.grad for name, p in model.named_parameters()}
model.zero_grad()
l1 = nn.l1_penalty(model, lam)
l1.backward()
l1_grads = {name: p.grad for name, p in model.named_parameters()}

print(f"L2 (squared): by hand {l2_by_hand:.10f}  engine {l2.item():.10f}")
print(f"L1          : by hand {l1_by_hand:.10f}  engine {l1.item():.10f}")
print(f"the notes' unsquared λΣ‖W‖_F would be {l2_unsquared:.6f}, a different function")
for name in l2_grads:
    kind = "bias" if name.endswith("b") else "weight"
    print(f"{name:4} ({kind:6}) ∇L2 is {'None' if l2_grads[name] is None else 'an array'}")

# %%
assert abs(l2.item() - l2_by_hand) < 1e-14 and abs(l1.item() - l1_by_hand) < 1e-14
for name, p in model.named_parameters():
    if name.endswith("b"):  # biases: untouched by either penalty
        assert l2_grads[name] is None and l1_grads[name] is None, name
    else:
        assert np.allclose(l2_grads[name], 2 * lam * p.data, rtol=0, atol=1e-15), name  # 2λW
        assert np.allclose(l1_grads[name], lam * np.sign(p.data), rtol=0, atol=1e-15), name  # λ·sgn(W)
# the whole regularized loss J_R = J + λΣ‖W‖²_F on a few points: gradcheck every parameter
X_few, y_few = nn.data.make_moons(10, noise=0.3, seed=5)


def J_R(*params):
    return nn.cross_entropy(model(Tensor(X_few)), y_few) + nn.l2_penalty(model, lam)


report = gradcheck(J_R, model.named_parameters())
print(report)
assert report

# %% [markdown]
# The unsquared version, built on the engine from the same `Tensor` operations, has the gradient
# $\lambda W/\lVert W\rVert_F$, not $2\lambda W$. Its pull has the same length $\lambda$ for a tiny $W$ and a huge
# one:

# %%
W = Tensor(Ws[0].copy(), requires_grad=True)
for scale in (0.1, 1.0, 10.0):
    W.data[...] = scale * Ws[0]
    W.zero_grad()
    (lam * (W * W).sum().sqrt()).backward()
    unsquared_grad = W.grad.copy()
    W.zero_grad()
    (lam * (W * W).sum()).backward()
    print(f"‖W‖_F = {np.linalg.norm(W.data):6.3f}:  ‖∇ λ‖W‖_F‖ = {np.linalg.norm(unsquared_grad):.4f}   "
          f"‖∇ λ‖W‖²_F‖ = {np.linalg.norm(W.grad):.4f}")
    assert np.allclose(unsquared_grad, lam * W.data / np.linalg.norm(W.data), rtol=1e-12, atol=0)
    assert np.allclose(W.grad, 2 * lam * W.data, rtol=1e-12, atol=0)

# %% [markdown]
# ## What the penalties do to a trained network
# Two interleaving moons with plenty of noise: 200 training points and 1000 held-out points from the same
# distribution. The same network (2 → 32 → 32 → 2, tanh) is trained three times with Adam: without a penalty,
# with L2 and with L1, both at $\lambda = 10^{-3}$.

# %%
X, y = nn.data.make_moons(200, noise=0.3, seed=0)
X_test, y_test = nn.data.make_moons(1000, noise=0.3, seed=1)


def accuracy(model, X, y):
    with no_grad():
        return float((model(Tensor(X)).data.argmax(axis=1) == y).mean())


def train(penalty=None, lam=0.0, steps=400, seed=0):
    model = mlp(seed=seed)
    opt = optim.Adam(model.parameters(), lr=0.01)
    inputs = Tensor(X)
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.cross_entropy(model(inputs), y)
        if penalty is not None:
            loss = loss + penalty(model, lam)
        loss.backward()
        opt.step()
    return model


runs = {
    "no penalty": train(),
    "L2, λ=1e-3": train(nn.l2_penalty, 1e-3),
    "L1, λ=1e-3": train(nn.l1_penalty, 1e-3),
}
summary = {}
print(f"{'':12} {'train acc':>9} {'test acc':>9} {'Σ‖W‖²_F':>9} {'Σ|W|':>8} {'|w|<0.01':>9} {'Σ|b|':>7}")
for name, model in runs.items():
    w = np.concatenate([p.data.ravel() for p in weights(model)])
    b = np.concatenate([p.data.ravel() for n, p in model.named_parameters() if n.endswith("b")])
    summary[name] = dict(train=accuracy(model, X, y), test=accuracy(model, X_test, y_test),
                         l2=float((w**2).sum()), l1=float(np.abs(w).sum()), tiny=float(np.mean(np.abs(w) < 0.01)),
                         w=w, b=b)
    r = summary[name]
    print(f"{name:12} {r['train']:9.3f} {r['test']:9.3f} {r['l2']:9.2f} {r['l1']:8.1f} {r['tiny']:9.1%} "
          f"{np.abs(b).sum():7.2f}")

# %% [markdown]
# The weights as histograms (log-scale counts), and each model's decision regions with the training points.
# Without a penalty the weights spread wide and the boundary bends to fit individual noisy points. L2 squeezes
# the whole distribution toward 0. L1 puts almost all weights in a spike at 0 and leaves a handful of large ones.

# %%
fig, axes = plt.subplots(2, 3, figsize=(12, 7))
bins = np.linspace(-4, 4, 81)
grid = np.stack(np.meshgrid(np.linspace(-1.7, 2.7, 120), np.linspace(-1.3, 1.8, 100)), axis=-1).reshape(-1, 2)
for col, (name, model) in enumerate(runs.items()):
    r = summary[name]
    ax = axes[0, col]
    ax.hist(np.clip(r["w"], -4, 4), bins=bins, color=f"C{col}")
    ax.set_yscale("log")
    ax.set_title(f"{name}: weights\nΣ‖W‖²_F = {r['l2']:.1f}, {r['tiny']:.0%} with |w| < 0.01", fontsize=10)
    ax = axes[1, col]
    with no_grad():
        region = model(Tensor(grid)).data.argmax(axis=1).reshape(100, 120)
    ax.contourf(grid[:, 0].reshape(100, 120), grid[:, 1].reshape(100, 120), region, alpha=0.25, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=10, cmap="coolwarm", edgecolors="k", linewidths=0.3)
    ax.set_title(f"train acc {r['train']:.2f}, test acc {r['test']:.2f}", fontsize=10)
plt.tight_layout()
plt.show()

# %%
none, l2_run, l1_run = summary["no penalty"], summary["L2, λ=1e-3"], summary["L1, λ=1e-3"]
assert l2_run["l2"] < 0.5 * none["l2"]  # L2 shrinks the weights
assert l1_run["tiny"] > 0.5 and l1_run["tiny"] > 5 * none["tiny"]  # L1 makes most weights (almost) exactly 0
assert l2_run["test"] >= none["test"] and l1_run["test"] >= none["test"]  # and here both generalize better
print("L2 shrinks all weights; L1 zeroes most of them; both beat the unpenalized net on held-out data here")

# %% [markdown]
# ## Why are the biases not penalized?
# The notes leave this as a question. A weight $W_{ij}$ multiplies an input. Large weights make the function steep,
# so it reacts strongly to small changes in $x$ and can fit noise; shrinking them reduces that sensitivity. A bias
# multiplies nothing. It shifts a unit's output by the same constant for every input, so it adds no steepness and
# hardly any capacity (one number per unit, against $n_{in}$ weights). Penalizing it reduces no variance. It only
# pulls every offset toward the arbitrary value 0, which hurts whenever the data are not centred at 0.
#
# A one-dimensional example: fit $\hat y = wx + b$ to data around $y = 0.5x + 5$ with a strong penalty
# $\lambda = 0.5$, once on $w$ only and once on $w$ and $b$. This is ridge regression, and the minimum can be
# solved by hand:
# $$\min_{w,b}\ \tfrac1n\textstyle\sum (wx_n + b - y_n)^2 + \lambda w^2 \;[+\ \lambda b^2]
# \iff \begin{bmatrix}\overline{x^2} + \lambda & \bar x\\ \bar x & 1\ [+\lambda]\end{bmatrix}
# \begin{bmatrix}w\\ b\end{bmatrix} = \begin{bmatrix}\overline{xy}\\ \bar y\end{bmatrix}.$$
# The engine finds the same minimum by gradient descent, with `nn.l2_penalty` (weights only) or a penalty that
# includes the bias.

# %%
rng = np.random.default_rng(0)
x1 = rng.uniform(-2, 2, size=100)
y1 = 0.5 * x1 + 5 + rng.normal(scale=0.3, size=100)
lam_b = 0.5


def ridge_by_hand(penalize_bias):
    A = np.array([[np.mean(x1**2) + lam_b, np.mean(x1)], [np.mean(x1), 1 + (lam_b if penalize_bias else 0)]])
    return np.linalg.solve(A, [np.mean(x1 * y1), np.mean(y1)])


def ridge_engine(penalize_bias, steps=1500):
    line = nn.Linear(1, 1, seed=0)
    opt = optim.SGD(line.parameters(), lr=0.2)
    inputs = Tensor(x1[:, None])
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.mse_loss(line(inputs)[:, 0], y1) + nn.l2_penalty(line, lam_b)
        if penalize_bias:
            loss = loss + lam_b * (line.b * line.b).sum()
        loss.backward()
        opt.step()
    return np.array([line.W.data[0, 0], line.b.data[0]]), float(nn.mse_loss(line(inputs)[:, 0], y1).item())


results = {}
for penalize_bias in (False, True):
    (w_e, b_e), mse = ridge_engine(penalize_bias)
    w_h, b_h = ridge_by_hand(penalize_bias)
    results[penalize_bias] = (w_e, b_e, w_h, b_h, mse)
    label = "w and b penalized" if penalize_bias else "w penalized only"
    print(f"{label:18}: engine w={w_e:.5f} b={b_e:.5f} | by hand w={w_h:.5f} b={b_h:.5f} | training MSE {mse:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(x1, y1, s=8, color="grey", label="data: y ≈ 0.5x + 5")
line_x = np.linspace(-2, 2, 2)
for penalize_bias, style in ((False, "-"), (True, "--")):
    w_e, b_e, *_ = results[penalize_bias]
    ax.plot(line_x, w_e * line_x + b_e, style, label=("w and b" if penalize_bias else "w only") + " penalized")
ax.legend(fontsize=8)
ax.set_title("λ = 0.5: penalizing the bias drags the whole line toward 0", fontsize=10)
plt.show()

# %%
for w_e, b_e, w_h, b_h, _ in results.values():
    assert abs(w_e - w_h) < 1e-6 and abs(b_e - b_h) < 1e-6  # the engine finds the closed-form minimum
assert abs(results[False][1] - 5) < 0.2  # weights-only: the offset stays where the data are
assert results[True][1] < 4  # bias penalized: the offset is pulled toward 0 ...
assert results[True][4] > 3 * results[False][4]  # ... and the fit gets much worse, for no gain
print("penalizing the bias only hurts: the offset moves toward 0 and the training error grows")

# %% [markdown]
# ## Dropout: training vs evaluation
# `nn.Dropout(p)` follows PyTorch's convention: `p` is the probability of **dropping** a unit. The notes' $p$ is
# the probability of **keeping** it, so notes-$p$ = 1 − `p`. In training mode (`model.train()`, the default)
# each unit is zeroed with probability `p` and the kept ones are multiplied by $1/(1-p)$. This is **inverted
# dropout**. In evaluation mode (`model.eval()`) it is the identity. Backpropagation sends signal only through
# the kept units, times the same factor.

# %%
drop = nn.Dropout(p=0.5, seed=0)
h = Tensor(np.full((3, 10), 0.8), requires_grad=True)

out_train = drop(h)  # training mode
out_train.sum().backward()
drop.eval()
out_eval = drop(h)
drop.train()
print("h (every unit 0.8):\n", h.data[0])
print("training output, row 1 (zeros, or 0.8 / (1 − 0.5) = 1.6):\n", out_train.data[0])
print("gradient of Σ output w.r.t. h, row 1 (0 where dropped, 2 where kept):\n", h.grad[0])
print("evaluation output, row 1:\n", out_eval.data[0])

# %%
kept = out_train.data != 0
assert np.all((out_train.data == 0) | np.isclose(out_train.data, 1.6, rtol=0, atol=1e-15))
assert np.array_equal(h.grad, np.where(kept, 2.0, 0.0))  # gradient flows only through the kept units, × 1/(1−p)
assert out_eval is h or np.array_equal(out_eval.data, h.data)  # eval: identity

# %% [markdown]
# ## The notes' exercise: what to do at test time
# The notes: keep each unit with probability $p$, and at test time "divide the outputs of each neuron by a certain
# value" so that the expected outputs match. Work it out for one unit with activation $h$. In training its output is
# $h$ with probability $p$ and $0$ otherwise, so
# $$\mathbb{E}[\text{training output}] = p\cdot h + (1-p)\cdot 0 = p\,h.$$
# At test time the full network outputs $h$. To match, the test-time output must be **multiplied by $p$**
# (equivalently, divided by $1/p$). Dividing by $p$ would be wrong by a factor $1/p^2$. For $p = \tfrac12$ this is
# Srivastava et al.'s "halve the model weights". Inverted dropout, which `nn.Dropout` implements, applies the
# factor during training instead (it divides by $p$ there), so nothing needs to change at test time.
#
# We measure it on 200 000 units with random activations $h \sim U(0, 1)$, first with the notes' plain dropout
# written by hand in numpy, then with `nn.Dropout`:

# %%
rng = np.random.default_rng(1)
h_big = rng.uniform(0, 1, size=200_000)
rows = []
for p_keep in (0.2, 0.5, 0.8):
    mask = rng.random(h_big.shape) < p_keep  # the notes' dropout: keep with probability p, no rescaling
    train_mean = (mask * h_big).mean()
    test_mean = h_big.mean()  # full network at test time
    inverted = nn.Dropout(p=1 - p_keep, seed=2)  # the engine: drop probability 1 − p, rescales in training
    inverted_out = inverted(Tensor(h_big)).data
    inverted.eval()
    inverted_test = inverted(Tensor(h_big)).data.mean()
    # a sample mean of n draws is uncertain by about std/√n: allow 4 of those
    tol = 4 * max((mask * h_big).std(), inverted_out.std()) / np.sqrt(h_big.size)
    rows.append((p_keep, train_mean, test_mean, test_mean * p_keep, test_mean / p_keep, inverted_out.mean(),
                 inverted_test, tol))

print("plain dropout (notes)                                          | inverted dropout (nn.Dropout)")
print(f"{'p keep':>6} {'train E':>8} {'test raw':>9} {'test × p':>9} {'test ÷ p':>9} | {'train E':>8} {'test':>8}")
for row in rows:
    print(f"{row[0]:6.1f} {row[1]:8.4f} {row[2]:9.4f} {row[3]:9.4f} {row[4]:9.4f} | {row[5]:8.4f} {row[6]:8.4f}")

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
labels = ["plain: training", "plain: test, raw", "plain: test × p", "plain: test ÷ p (wrong)",
          "inverted: training", "inverted: test"]
width = 0.13
for k, label in enumerate(labels):
    ax.bar(np.arange(3) + (k - 2.5) * width, [row[k + 1] for row in rows], width, label=label)
ax.set_xticks(range(3), [f"p = {row[0]}" for row in rows])
ax.set_ylabel("mean output")
ax.legend(fontsize=7, ncol=2)
ax.set_title("Expected output in training vs test: multiply by p, or rescale in training", fontsize=10)
plt.show()

# %%
for p_keep, train_mean, test_mean, times_p, divided, inv_train, inv_test, tol in rows:
    assert abs(train_mean - p_keep * test_mean) < tol  # E[training output] = p·h ...
    assert abs(times_p - train_mean) < tol  # ... so multiplying by p at test time matches training
    assert abs(divided - train_mean) > 20 * tol  # dividing by p does not
    assert abs(inv_train - inv_test) < tol and inv_test == test_mean  # inverted: nothing to do at test time
print("plain dropout: multiply by p at test time; inverted dropout (nn.Dropout): leave test time alone")

# %% [markdown]
# The matching expectation carries through to the next layer. The pre-activations $z = W\,\mathrm{dropout}(h)$,
# averaged over many random masks, equal the evaluation-mode $z = Wh$:

# %%
layer = nn.Linear(64, 3, seed=4)
dropout = nn.Dropout(p=0.5, seed=5)
h_row = rng.uniform(0, 1, size=(1, 64))
many = Tensor(np.repeat(h_row, 20_000, axis=0))  # the same h under 20 000 different masks
with no_grad():
    z_train_mean = layer(dropout(many)).data.mean(axis=0)
    dropout.eval()
    z_eval = layer(dropout(Tensor(h_row))).data[0]
print("mean z over masks (training):", z_train_mean)
print("z in evaluation mode        :", z_eval)
assert np.allclose(z_train_mean, z_eval, atol=0.03)

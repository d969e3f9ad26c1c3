# %% [markdown]
# # 07 · Data preprocessing and weight initialization (notes §7.5–7.6)
#
# Two things happen before the first gradient step, and both decide how well that step works.
#
# **Preprocessing the inputs (§7.5).** Features measured in different units with different offsets give the loss
# surface long, narrow valleys. Three standard fixes, each one going further than the last:
#
# * **mean subtraction:** $x \leftarrow x - \mu$, with $\mu$ the mean feature vector;
# * **normalization:** also divide each feature by its standard deviation, $x \leftarrow (x - \mu)/\sigma$;
# * **whitening:** also remove the correlations, so the covariance becomes the identity. **PCA whitening** rotates
#   the centred data into the eigenbasis $U$ of its covariance and divides each direction by its standard
#   deviation. **ZCA whitening** then rotates back, so each output feature stays close to the input feature of the
#   same name.
#
# The statistics ($\mu$, $\sigma$, $U$, $S$) are computed **on the training set only**. The same numbers are then
# applied to the validation and test sets.
#
# **Initializing the weights (§7.6).** Weights that start too small make the signal shrink layer by layer, both
# forward (activations) and backward (gradients). Weights that start too large saturate tanh units. Xavier
# initialization picks the scale that keeps both variances roughly constant:
# $$W \sim U\Big[-\sqrt{\tfrac{6}{n_{in}+n_{out}}},\ \sqrt{\tfrac{6}{n_{in}+n_{out}}}\Big],\qquad
# \operatorname{Var}(W_{ij}) = \frac{2}{n_{in}+n_{out}}.$$
#
# **Corrections to the notes, checked below:**
#
# 1. The snippet `W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)` carries the comment "Gaussian with zero
#    mean and 1e-2 standard deviation". The standard deviation of that $W$ is $1/\sqrt{\text{fan\_in}}$ (0.1 for
#    fan_in = 100), not $10^{-2}$. A fixed $10^{-2}$ would be `0.01 * np.random.randn(...)`, a different recipe
#    whose scale ignores the layer width. (The snippet is also not Xavier's formula: it is LeCun's
#    $\operatorname{Var} = 1/n_{in}$. For a square layer the two coincide.)
# 2. The whitening recipe takes "the SVD of $X'$" and computes "$UX'$", then divides by the singular values. With
#    examples as columns, the projection onto the basis $U$ is $U^TX'$, not $UX'$. Dividing by the singular values
#    *of $X'$* also gives covariance $I/n$, not $I$. The singular values of $X'$ are $\sqrt{n}$ times the standard
#    deviations along the principal directions. The usual recipe (CS231n, and `nn.preprocessing.Whiten`) takes the
#    SVD of the covariance $X'X'^T/n$ and divides by the square roots of its singular values.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
from autodiff import Tensor
from nn.preprocessing import MeanCenter, Standardize, Whiten

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})


def covariance(X):
    """Covariance of the rows of X (population: divides by n), the statistic whitening sets to I."""
    centred = X - X.mean(axis=0)
    return centred.T @ centred / len(X)


# %% [markdown]
# ## A dataset with offsets, different scales and correlations
# Four features that mix the same hidden causes (so they are correlated), have standard deviations from about 1
# to 5, and sit far from 0. There are 400 training rows and 200 test rows from the same distribution.

# %%
rng = np.random.default_rng(0)
d = 4
mixing = rng.normal(size=(d, d)) * np.array([5.0, 1.0, 0.3, 2.0])[:, None]
offset = np.array([10.0, -3.0, 0.5, 4.0])
X_train = rng.normal(size=(400, d)) @ mixing + offset
X_test = rng.normal(size=(200, d)) @ mixing + offset
print("training mean:", X_train.mean(axis=0).round(2))
print("training std :", X_train.std(axis=0).round(2))
print("training covariance:\n", covariance(X_train).round(2))

# %% [markdown]
# ## By hand with numpy, then with `nn.preprocessing`
# By hand, following CS231n: $\mu$ and $\sigma$ from the training rows. Then $\Sigma = X'^TX'/n$ with
# $X' = X - \mu$ (one example per row), and its SVD $\Sigma = U\,\mathrm{diag}(S)\,U^T$.
#
# * PCA whitening: $X'U\,\mathrm{diag}(1/\sqrt{S+\epsilon})$. With one example per row, the notes' $U^TX'$ becomes
#   $X'U$.
# * ZCA whitening: the same, followed by $\cdot\,U^T$.
#
# `Whiten` fixes the sign of each eigenvector (largest entry positive) so that its output is deterministic. We
# apply the same convention by hand.

# %%
eps = 1e-5
mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
centred = X_train - mu
U, S, _ = np.linalg.svd(centred.T @ centred / len(X_train))
U = U * np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(d)])  # sign convention: largest entry positive
by_hand = {
    "mean-centred": centred,
    "standardized": centred / sigma,
    "PCA-whitened": centred @ U / np.sqrt(S + eps),
    "ZCA-whitened": centred @ U / np.sqrt(S + eps) @ U.T,
}
transforms = {
    "mean-centred": MeanCenter(),
    "standardized": Standardize(),
    "PCA-whitened": Whiten("pca", eps=eps),
    "ZCA-whitened": Whiten("zca", eps=eps),
}
library = {name: t.fit(X_train).transform(X_train) for name, t in transforms.items()}
for name in by_hand:
    diff = np.abs(library[name] - by_hand[name]).max()
    print(f"{name:13} max |nn.preprocessing − by hand| = {diff:.1e}")
    C = covariance(library[name])
    print("   covariance diagonal:", np.diag(C).round(4),
          f"  largest off-diagonal: {np.abs(C - np.diag(np.diag(C))).max():.1e}")

# %%
for name in by_hand:
    assert np.allclose(library[name], by_hand[name], rtol=0, atol=1e-10), name
    assert np.allclose(library[name].mean(axis=0), 0, atol=1e-12), name  # every transform centres the data
assert np.allclose(library["standardized"].std(axis=0), 1, atol=1e-12)
for name in ("PCA-whitened", "ZCA-whitened"):
    assert np.allclose(covariance(library[name]), np.eye(d), rtol=0, atol=1e-3), name  # diag(S/(S+ε)) ≈ I
# ZCA's output stays closest to its input: it correlates feature by feature with the standardized data
zca_match = np.diag(np.corrcoef(library["ZCA-whitened"].T, library["standardized"].T)[:d, d:])
print("correlation of each ZCA feature with the same standardized feature:", zca_match.round(3))
assert np.all(zca_match > 0.5)
print("mean subtraction, normalization, PCA and ZCA whitening agree with numpy; whitened covariance ≈ I")

# %% [markdown]
# ## Covariance before and after, and the first two features
# In the top row, the raw covariance is dominated by the large, correlated features. Standardizing puts 1 on the
# diagonal but keeps the correlations, and both whitenings leave the identity. In the bottom row, the same steps
# for the first two features: the cloud is moved to the origin, rescaled, and finally made round.

# %%
stages = {"raw": X_train, **library}
fig, axes = plt.subplots(2, 5, figsize=(15, 6))
for col, (name, Z) in enumerate(stages.items()):
    C = covariance(Z)
    limit = np.abs(C).max()
    ax = axes[0, col]
    image = ax.imshow(C, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for i in range(d):
        for j in range(d):
            ax.text(j, i, f"{C[i, j]:.2g}", ha="center", va="center", fontsize=7)
    ax.set_title(f"{name}: covariance", fontsize=10)
    ax.set_xticks(range(d))
    ax.set_yticks(range(d))
    ax.grid(False)
    ax = axes[1, col]
    ax.scatter(Z[:, 0], Z[:, 1], s=4, alpha=0.6)
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(f"{name}: features 1 and 2", fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The notes' whitening recipe, taken literally
# Store the examples as columns, $X' \in \mathbb{R}^{d\times n}$, and take the SVD of $X'$ itself,
# $X' = U S V^T$. Then $U^TX' = SV^T$, and dividing each row by its singular value gives $V^T$. The rows of $V^T$
# are orthonormal, so the covariance is $V^TV/n = I/n$. The recipe whitens only up to a factor $\sqrt n$.
# Written as "$UX'$" without the transpose, it does not decorrelate at all.

# %%
n = len(X_train)
Xp = centred.T  # d × n: examples as columns, as in the notes
U_x, S_x, Vt_x = np.linalg.svd(Xp, full_matrices=False)
literal = (U_x.T @ Xp) / S_x[:, None]  # UᵀX′, divided by the singular values of X′
no_transpose = (U_x @ Xp) / S_x[:, None]  # "UX′"
fixed = (U_x.T @ Xp) / (S_x[:, None] / np.sqrt(n))  # divide by the std along each direction, S/√n
print("UᵀX′ / S, covariance × n:\n", (literal @ literal.T / n * n).round(6))
print("UX′ / S, covariance × n (not diagonal):\n", (no_transpose @ no_transpose.T / n * n).round(2))
print("singular values of X′ / √n:", (S_x / np.sqrt(n)).round(4), "   √(eigenvalues of Σ):", np.sqrt(S).round(4))

# %%
assert np.allclose(literal @ literal.T / n, np.eye(d) / n, atol=1e-12)  # covariance I/n, not I
off_diagonal = no_transpose @ no_transpose.T - np.diag(np.diag(no_transpose @ no_transpose.T))
assert np.abs(off_diagonal).max() > 0.1 * np.abs(np.diag(no_transpose @ no_transpose.T)).max()  # "UX′" fails
assert np.allclose(fixed @ fixed.T / n, np.eye(d), atol=1e-12)  # dividing by S/√n whitens
assert np.allclose(S_x / np.sqrt(n), np.sqrt(S), rtol=1e-12)  # S/√n = the standard deviations √eig(Σ)

# %% [markdown]
# ## Statistics from the training set only
# Once fitted, the transforms hold the training statistics, and they apply *those* numbers to the test set. So the
# transformed test set is only approximately centred and white. That is expected: it tells you honestly how
# similar the test data is to the training data. Fitting on the test set, or on train and test together, would
# leak information about the held-out data into the preprocessing.

# %%
scaler = Standardize().fit(X_train)
whitener = Whiten("zca").fit(X_train)
assert np.array_equal(scaler.mean_, X_train.mean(axis=0)) and np.array_equal(scaler.std_, X_train.std(axis=0))
test_std = scaler.transform(X_test)
test_white = whitener.transform(X_test)
print("test set, standardized with training statistics: mean", test_std.mean(axis=0).round(3),
      " std", test_std.std(axis=0).round(3))
print("test set, ZCA-whitened with training statistics: covariance\n", covariance(test_white).round(3))
# the test set is transformed with the training numbers, not its own: it is close to, but not exactly, white
assert np.allclose(test_std, (X_test - X_train.mean(axis=0)) / X_train.std(axis=0), rtol=0, atol=1e-12)
assert not np.allclose(test_std.mean(axis=0), 0, atol=1e-6)
assert np.allclose(covariance(test_white), np.eye(d), atol=0.25)
# Tensors in, Tensors out (preprocessing is not part of the graph)
assert isinstance(whitener.transform(Tensor(X_test)), Tensor)

# %% [markdown]
# ## Initialization: the notes' snippet and Xavier's variance
# First the claims about single matrices. `randn(fan_in, fan_out) / √fan_in` has standard deviation
# $1/\sqrt{\text{fan\_in}}$. `nn.init.lecun_normal_` is that recipe (W stored as out × in). Xavier's uniform
# distribution on $[-r, r]$ has variance $r^2/3 = 2/(n_{in}+n_{out})$, and `nn.init.xavier_uniform_` draws from it.

# %%
np_rng = np.random.default_rng(1)
print(f"{'fan_in':>7} {'std of randn/√fan_in':>21} {'1/√fan_in':>10} {'the comment says':>17}")
for fan_in in (20, 100, 400, 10_000):
    W_notes = np_rng.standard_normal((fan_in, 100)) / np.sqrt(fan_in)  # the notes' snippet, fan_out = 100
    W_engine = nn.init.lecun_normal_(np.zeros((100, fan_in)), seed=fan_in)
    print(f"{fan_in:7} {W_notes.std():21.4f} {1 / np.sqrt(fan_in):10.4f} {0.01:17}")
    assert abs(W_notes.std() * np.sqrt(fan_in) - 1) < 0.03 and abs(W_engine.std() * np.sqrt(fan_in) - 1) < 0.03
    if fan_in < 10_000:
        assert W_notes.std() > 2 * 0.01  # nowhere near "1e-2 standard deviation"
print("the comment's 1e-2 is right only for fan_in = 10 000")

n_in, n_out = 300, 200
W_xavier = nn.init.xavier_uniform_(np.zeros((n_out, n_in)), seed=0)
r = np.sqrt(6 / (n_in + n_out))
print(f"\nXavier U[−r, r], r = √(6/(n_in + n_out)) = {r:.4f}: max |W| = {np.abs(W_xavier).max():.4f}")
print(f"Var(W) measured {W_xavier.var():.6f}   r²/3 = {r**2 / 3:.6f}   2/(n_in + n_out) = {2 / (n_in + n_out):.6f}")
assert np.abs(W_xavier).max() <= r and abs(W_xavier.var() / (2 / (n_in + n_out)) - 1) < 0.02

# %% [markdown]
# ## A deep tanh network under four initializations
# A stack of 10 tanh layers, each 100 → 100 with zero biases, gets a batch of 500 inputs drawn from $N(0, 1)$.
# The loss is a fixed random projection of the last layer, $J = \frac1N\sum G \circ a^{(10)}$. That gives every
# layer a gradient without favouring any unit. For each layer we record the spread (standard deviation) of its
# activations, of the error signal $\partial J/\partial a$ reaching it, and of its weight gradient. Four schemes:
#
# * $N(0, 0.01^2)$: the fixed "1e-2 standard deviation" of the notes' comment;
# * `randn/√fan_in` (the notes' snippet, $\operatorname{Var} = 1/100$);
# * Xavier uniform ($\operatorname{Var} = 2/(100+100) = 1/100$: for square layers the same variance);
# * $N(0, 1)$: "just use randn".
#
# In the near-linear regime of tanh (small $z$), $\operatorname{Var}(z^{(l)}) \approx n_{in}\operatorname{Var}(W)
# \operatorname{Var}(a^{(l-1)})$. With $N(0, 0.01^2)$ the factor is $100\cdot10^{-4} = 0.01$, so the standard
# deviation drops 10× per layer. Backward, $\partial J/\partial a^{(l-1)} = W^T(f'(z)\circ\partial J/\partial a^{(l)})$
# shrinks by the same factor. We first check that the engine's per-layer numbers match a by-hand numpy
# forward/backward pass, and then plot them.

# %%
L, width, batch = 10, 100, 500
data_rng = np.random.default_rng(2)
inputs = data_rng.normal(size=(batch, width))
G = data_rng.normal(size=(batch, width))
schemes = {
    "N(0, 0.01²)": lambda W, seed: nn.init.normal_(W, 0.0, 0.01, seed=seed),
    "randn/√fan_in": lambda W, seed: nn.init.lecun_normal_(W, seed=seed),
    "Xavier uniform": lambda W, seed: nn.init.xavier_uniform_(W, seed=seed),
    "N(0, 1)": lambda W, seed: nn.init.normal_(W, 0.0, 1.0, seed=seed),
}


def by_hand_pass(Ws):
    """Forward and backward through the tanh stack with numpy: activations, ∂J/∂a and ∂J/∂W per layer."""
    acts, a = [], inputs
    for W in Ws:
        a = np.tanh(a @ W.T)
        acts.append(a)
    d_a, d_acts, d_Ws = G / batch, [None] * L, [None] * L
    for layer in reversed(range(L)):
        d_acts[layer] = d_a
        d_z = (1 - acts[layer] ** 2) * d_a  # tanh'(z) = 1 − tanh²(z)
        previous = acts[layer - 1] if layer > 0 else inputs
        d_Ws[layer] = d_z.T @ previous  # ∇W = δᵀ a (one example per row)
        d_a = d_z @ Ws[layer]  # Wᵀδ, batched
    return acts, d_acts, d_Ws


stats = {}
for name, init in schemes.items():
    Ws = [Tensor(init(np.zeros((width, width)), seed=layer), requires_grad=True) for layer in range(L)]
    a, acts = Tensor(inputs), []
    for W in Ws:
        a = (a @ W.T).tanh()
        acts.append(a)  # interior nodes keep their .grad after backward()
    ((a * G).sum() / batch).backward()
    hand_acts, hand_d_acts, hand_d_Ws = by_hand_pass([W.data for W in Ws])
    for layer in range(L):
        assert np.allclose(acts[layer].data, hand_acts[layer], rtol=1e-12, atol=1e-300), (name, layer)
        assert np.allclose(acts[layer].grad, hand_d_acts[layer], rtol=1e-9, atol=1e-300), (name, layer)
        assert np.allclose(Ws[layer].grad, hand_d_Ws[layer], rtol=1e-9, atol=1e-300), (name, layer)
    stats[name] = {
        "activation std": np.array([x.data.std() for x in acts]),
        "∂J/∂a std": np.array([x.grad.std() for x in acts]),
        "∂J/∂W std": np.array([W.grad.std() for W in Ws]),
        "activations": [x.data.ravel() for x in acts],
    }
print("engine and numpy agree on every layer's activations, ∂J/∂a and ∂J/∂W, for all four schemes\n")
print(f"{'':15} " + " ".join(f"{'layer ' + str(k):>9}" for k in (1, 4, 7, 10)))
for name, s in stats.items():
    for key in ("activation std", "∂J/∂a std", "∂J/∂W std"):
        row = " ".join(f"{s[key][k - 1]:9.2e}" for k in (1, 4, 7, 10))
        print(f"{name if key == 'activation std' else '':15} {row}   {key}")

# %%
layers = np.arange(1, L + 1)
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for key, ax in zip(("activation std", "∂J/∂a std", "∂J/∂W std"), axes):
    for name, s in stats.items():
        ax.semilogy(layers, s[key], "o-", label=name, ms=4)
    ax.set_xlabel("layer")
    ax.set_title(key + " per layer", fontsize=11)
    ax.set_xticks(layers)
axes[0].legend(fontsize=8)
plt.tight_layout()
plt.show()

fig, axes = plt.subplots(len(schemes), 4, figsize=(13, 8), sharey="row")
for row, (name, s) in enumerate(stats.items()):
    for col, layer in enumerate((1, 4, 7, 10)):
        values = s["activations"][layer - 1]
        axes[row, col].hist(values, bins=np.linspace(-1, 1, 51), color=f"C{row}")
        axes[row, col].set_title(f"{name}, layer {layer}: std {values.std():.1e}", fontsize=9)
        axes[row, col].set_yticks([])
fig.suptitle("Activations per layer (tanh: all in [−1, 1])", fontsize=11)
plt.tight_layout()
plt.show()

# %% [markdown]
# Reading the plots:
#
# * $N(0, 0.01^2)$: the activations lose a factor of 10 per layer (about $10^{-10}$ by layer 10). The error signals
#   shrink by the same factor on the way back toward the input. A weight gradient is the product of an activation
#   and an error signal, so it is about $10^{-10}$ in *every* layer, and nothing learns. From layer 2 on, the
#   histograms are a single spike at 0.
# * `randn/√fan_in` and Xavier (identical variance here): the activations shrink only slowly (tanh compresses a
#   little at each layer) and the error signal keeps its size across layers, so every layer learns at a similar
#   rate. With layers of different widths the two differ: $1/n_{in}$ preserves the forward variance,
#   $1/n_{out}$ the backward one, and Xavier's $2/(n_{in}+n_{out})$ is the compromise between them.
# * $N(0, 1)$: $z$ has standard deviation about 10, so nearly every tanh unit is saturated at ±1 (the histograms
#   pile up at the ends). The error signal grows on its way back toward the input (an exploding gradient), and the
#   saturated units learn very slowly.

# %%
small, lecun, xavier, big = (stats[k] for k in schemes)
ratios = small["activation std"][1:] / small["activation std"][:-1]
print("N(0, 0.01²): activation std ratio per layer", ratios.round(4), "(predicted √(100·1e-4) = 0.1)")
assert np.allclose(ratios, 0.1, rtol=0.05)  # Var(z) = n_in·Var(W)·Var(a): std × 0.1 per layer
assert small["activation std"][-1] < 1e-9 and small["∂J/∂a std"][0] < 1e-10  # vanishing, both ways
for s in (lecun, xavier):
    assert s["activation std"][-1] > 0.15  # the signal survives 10 layers
    assert s["∂J/∂a std"].max() / s["∂J/∂a std"].min() < 5  # the error signal keeps its size
    assert s["∂J/∂W std"].max() / s["∂J/∂W std"].min() < 2  # every layer gets a similar gradient
saturated = np.mean(np.abs(big["activations"][4]) > 0.99)
print(f"N(0, 1): {saturated:.0%} of layer-5 units have |a| > 0.99 (saturated)")
assert saturated > 0.5 and big["∂J/∂a std"][0] > 100 * big["∂J/∂a std"][-1]  # saturation, exploding gradient

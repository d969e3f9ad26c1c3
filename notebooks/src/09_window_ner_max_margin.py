# %% [markdown]
# # 09 · Named-entity windows and the max-margin objective (notes §3–4)
#
# The notes' running example asks whether the centre word of a 5-word window is a location. *Paris* in "Museums in
# Paris are amazing" is one. There are no class probabilities here. The model gives each window an unnormalized
# **score**, and training only asks that a true window score higher than a "corrupted" copy of it, one whose
# centre word has been replaced by a random non-location word ("Museums in *quiet* are amazing"), by a margin
# of at least 1.
#
# The model (§3) and the objective (§4):
# $$s = u^T f(Wx + b),\qquad x = [x_{c-2}; x_{c-1}; x_c; x_{c+1}; x_{c+2}] \in \mathbb{R}^{20},\qquad
# J = \max(1 + s_c - s,\ 0),$$
# where $s_c = u^Tf(Wx_c + b)$ is the score of the corrupted window, $f = \sigma$, and there are 8 hidden units. A
# pair whose true window already wins by the margin has $J = 0$ and contributes no gradient. For the others
# $\partial J/\partial s = -1$ and $\partial J/\partial s_c = +1$ (notebook 02). Over a batch of $N$ pairs
# `nn.max_margin_loss` takes the mean, so each active pair contributes $\mp 1/N$.
#
# The plan: check one batch's loss and gradient by hand, gradcheck the whole model, train with SGD on fresh
# corruptions, and inspect what it learned on held-out sentences.

# %%
import html
import sys

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from tqdm import tqdm  # text progress bar (tqdm.auto would pick the Jupyter widget when ipywidgets is installed)

import nn
import optim
from autodiff import gradcheck, no_grad

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

data = nn.data.window_dataset(seed=0)
train, test = data.train, data.test
print(f"vocabulary: {len(data.vocab)} words, each a {data.dim}-d vector; window = {data.window_size} words")
print(f"training: {len(train.sentences)} sentences, {len(train.true_windows)} true windows (centre = location)")
print(f"held out: {len(test.sentences)} other sentences, {len(test.true_windows)} true windows")
for true_w, corrupt_w in zip(train.true_windows[:4], train.corrupted_windows[:4]):
    print(f"   true: {data.decode(true_w):38} corrupted: {data.decode(corrupt_w)}")

# %% [markdown]
# ## One batch by hand
# Before training, compute the loss of the first 8 training pairs with numpy from the model's own parameters. Then
# compute the gradient with respect to $u$ and $b$, using only the pairs inside the margin (the active ones):
# $$\frac{\partial J}{\partial u} = \frac1N\sum_{\text{active}}(a_c - a),\qquad
# \frac{\partial J}{\partial b} = \frac1N\sum_{\text{active}}\big(f'(z_c) - f'(z)\big)\circ u,$$
# with $z = Wx + b$, $a = f(z)$, and $f'(z) = a(1-a)$ for the sigmoid. The embedding table $L$ (the word vectors)
# is a parameter too, so training also moves the word vectors.

# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


model = nn.WindowClassifier(data.word_vectors, hidden=8, seed=0)
print(model)
true_batch, corrupt_batch = train.true_windows[:8], train.corrupted_windows[:8]
W, b, u = model.W.data, model.b.data, model.u.data
z, z_c = data.vectors(true_batch) @ W.T + b, data.vectors(corrupt_batch) @ W.T + b
a, a_c = sigmoid(z), sigmoid(z_c)
s_hand, s_c_hand = a @ u, a_c @ u
margins = 1 + s_c_hand - s_hand
active = margins > 0
N = len(true_batch)
J_hand = np.maximum(margins, 0).mean()
grad_u_hand = (a_c - a)[active].sum(axis=0) / N
grad_b_hand = ((a_c * (1 - a_c) - a * (1 - a)) * u)[active].sum(axis=0) / N

J = nn.max_margin_loss(model(true_batch), model(corrupt_batch))
model.zero_grad()
J.backward()
print(f"J by hand {J_hand:.12f}   engine {J.item():.12f}   ({active.sum()} of {N} pairs inside the margin)")
print(f"max |∂J/∂u engine − by hand| = {np.abs(model.u.grad - grad_u_hand).max():.1e}")
print(f"max |∂J/∂b engine − by hand| = {np.abs(model.b.grad - grad_b_hand).max():.1e}")

# %%
assert abs(J.item() - J_hand) < 1e-14
assert np.allclose(model.u.grad, grad_u_hand, rtol=0, atol=1e-15)
assert np.allclose(model.b.grad, grad_b_hand, rtol=0, atol=1e-15)

# %% [markdown]
# ## A gradient check of every parameter
# Centered differences on a tiny batch of 3 pairs, for all four parameters: the word vectors $L$ (118 × 4), $W$
# (8 × 20), $b$ and $u$. $J$ has a kink where $1 + s_c - s = 0$, and a difference quotient taken across it would
# be meaningless, so we first check that no pair sits near the kink.

# %%
tiny_true, tiny_corrupt = train.true_windows[:3], train.corrupted_windows[:3]
with no_grad():
    tiny_margins = 1 + model(tiny_corrupt).data - model(tiny_true).data
print("1 + s_c − s for the three pairs:", tiny_margins.round(4))
assert np.abs(tiny_margins).min() > 1e-3  # far from the kink at 0, relative to eps = 1e-6


def tiny_loss(*params):
    return nn.max_margin_loss(model(tiny_true), model(tiny_corrupt))


report = gradcheck(tiny_loss, model.named_parameters())
print(report)
assert report

# %% [markdown]
# ## Training
# Stochastic gradient descent on minibatches of 6 true windows, each paired with a **fresh** corruption every time
# it is drawn. New negatives at every step keep the model from memorizing a fixed set of wrong words. After each
# epoch we measure the **held-out ranking accuracy**: over the true windows of the held-out sentences, each against
# 20 random corruptions, the fraction of pairs with $s > s_c$. An untrained model does no better than chance.

# %%
def ranking_accuracy(windows, draws=20):
    """Fraction of (true, corrupted) pairs with s > s_c, over `draws` fixed corruptions of each true window."""
    with no_grad():
        s = model(windows).data
        s_c = np.stack([model(data.corrupt(windows, seed=1000 + k)).data for k in range(draws)])
    return float((s[None, :] > s_c).mean())


model = nn.WindowClassifier(data.word_vectors, hidden=8, seed=0)
before = ranking_accuracy(test.true_windows)
optimizer = optim.SGD(model.parameters(), lr=0.05)
rng = np.random.default_rng(0)
epochs, batch_size = 40, 6
step_losses, epoch_losses, held_out = [], [], [before]

progress = tqdm(range(epochs), desc="training", file=sys.stdout, ncols=90, mininterval=0.5)
for _ in progress:
    order = rng.permutation(len(train.true_windows))
    losses = []
    for start in range(0, len(order), batch_size):
        true_windows = train.true_windows[order[start:start + batch_size]]
        corrupted = data.corrupt(true_windows, rng=rng)  # fresh negatives
        optimizer.zero_grad()
        loss = nn.max_margin_loss(model(true_windows), model(corrupted))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    step_losses += losses
    epoch_losses.append(np.mean(losses))
    held_out.append(ranking_accuracy(test.true_windows))
    progress.set_postfix(loss=f"{epoch_losses[-1]:.3f}", held_out=f"{held_out[-1]:.0%}", refresh=False)
progress.close()
print(f"held-out ranking accuracy: {before:.1%} before training, {held_out[-1]:.1%} after")

# %%
fig, ax = plt.subplots(figsize=(8, 3.6))
steps_per_epoch = len(step_losses) // epochs
ax.plot(np.arange(len(step_losses)) / steps_per_epoch, step_losses, color="C0", alpha=0.35, lw=1,
        label="J per minibatch")
ax.plot(np.arange(1, epochs + 1), epoch_losses, "o-", color="C0", ms=3, label="J, epoch mean")
ax.set_xlabel("epoch")
ax.set_ylabel("max-margin loss J")
ax2 = ax.twinx()
ax2.plot(np.arange(epochs + 1), held_out, "s-", color="C2", ms=3, label="held-out ranking accuracy")
ax2.set_ylim(0, 1.05)
ax2.set_ylabel("held-out: fraction s > s_c")
ax2.grid(False)
lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
ax.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
ax.set_title("Max-margin training of the window classifier", fontsize=11)
plt.show()

# %% [markdown]
# ## Learned scores on held-out sentences
# Each held-out true window against one corruption of it. The model has never seen these sentences, and some of
# their locations never occur in training. It can still rank them, because their word vectors resemble other
# locations and their context ("in ___", "to ___") looks like a location's context.

# %%
held_true = test.true_windows
held_corrupt = data.corrupt(held_true, seed=7)
with no_grad():
    s_true, s_corrupt = model(held_true).data, model(held_corrupt).data


def table(header, rows):
    cells = "".join(f"<th style='text-align:left'>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{c}</td>" for c in row) + "</tr>" for row in rows)
    return HTML(f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>")


def centred(window):
    """The window's words, HTML-escaped (for the <s> padding), with the centre word in bold."""
    words = [html.escape(w) for w in data.decode(window).split()]
    words[2] = f"<b>{words[2]}</b>"
    return " ".join(words)


def verdict(s, s_c):
    return "✓" if s - s_c >= 1 else "✓ (inside the margin)" if s > s_c else "✗"


rows = [(centred(t), f"{s:+.2f}", centred(c), f"{sc:+.2f}", f"{s - sc:+.2f}", verdict(s, sc))
        for t, c, s, sc in zip(held_true, held_corrupt, s_true, s_corrupt)]
display(table(["true window", "s", "corrupted window", "s_c", "s − s_c", ""], rows))

# %% [markdown]
# The same scores rank *every* window of the held-out sentences, not only the true/corrupted pairs. The windows the
# model scores highest are the ones centred on a location:

# %%
with no_grad():
    s_all = model(test.windows).data
order = np.argsort(-s_all)
n_locations = int(test.labels.sum())
top = [(k + 1, centred(test.windows[i]), f"{s_all[i]:+.2f}", "location" if test.labels[i] else "—")
       for k, i in enumerate(order[: n_locations + 4])]
display(table(["rank", "held-out window", "score s", "centre word"], top))
precision = test.labels[order[:n_locations]].mean()
print(f"{precision:.0%} of the {n_locations} top-scored held-out windows (of {len(s_all)}) are centred on a location")

# %%
after = ranking_accuracy(test.true_windows)
print(f"held-out ranking accuracy {after:.1%} (before training {before:.1%}); "
      f"on training windows {ranking_accuracy(train.true_windows):.1%}")
assert before < 0.6  # untrained: chance level
assert after >= 0.85
assert ranking_accuracy(train.true_windows) >= 0.95
assert np.mean(epoch_losses[-5:]) < 0.25 * epoch_losses[0]  # the loss fell
assert precision >= 0.8

# %% [markdown]
# # 12 · Backprop ninja (makemore part 4, on errorflow)
#
# The exercise of Karpathy's *Building makemore part 4*: take a character-level MLP — an embedding table, a
# hidden layer with BatchNorm and tanh, a softmax output — write its forward pass as small steps, and then
# **backpropagate through every step by hand** with numpy. Each hand-derived gradient is compared with the
# engine's with `cmp` (exact? approximately? largest difference), exactly as in the lecture. errorflow keeps the
# `.grad` of every interior node after `backward()`, so no `retain_grad()` calls are needed.
#
# Then the two big simplifications of the lecture: the cross-entropy backward in one line,
# `softmax(logits) − onehot(y)` over N, and the BatchNorm backward in one formula — each written as an
# `autodiff.Function` (a custom op with a hand-written backward) and gradchecked. Everything runs on a small
# generated dataset: no downloads.

# %%
import numpy as np

from autodiff import Function, Tensor, cmp, gradcheck

rng = np.random.default_rng(42)

# %% [markdown]
# ## A small generated "names" dataset
# A vocabulary of 12 tokens (0 is the end/start marker `.`); "names" come from a random Markov chain over the
# letters, so there is structure for the model to learn. As in makemore, each example is a context of
# `block_size = 3` previous tokens and the target is the next token.

# %%
vocab = ".abcdefghijk"
V, block_size = len(vocab), 3
transition = rng.dirichlet(np.full(V, 0.3), size=V)  # next-token probabilities per current token


def make_name() -> list[int]:
    tokens, current = [], 0
    while len(tokens) < 10:
        current = int(rng.choice(V, p=transition[current]))
        if current == 0:
            break
        tokens.append(current)
    return tokens + [0]


X, Y = [], []
for _ in range(300):
    context = [0] * block_size
    for token in make_name():
        X.append(context)
        Y.append(token)
        context = context[1:] + [token]
X, Y = np.array(X), np.array(Y)
print(f"{len(X)} examples, e.g. context {''.join(vocab[t] for t in X[5])!r} → {vocab[Y[5]]!r}")

# %% [markdown]
# ## The network, and its forward pass in small steps
# Embedding $C \in \mathbb{R}^{V\times 5}$, hidden layer of 32 tanh units with BatchNorm, output layer of $V$
# logits. The weights get the lecture's small, non-zero initialisation (so that no gradient is accidentally
# zero and hides a mistake).

# %%
n_embd, n_hidden, n = 5, 32, 32
C = Tensor(rng.standard_normal((V, n_embd)), requires_grad=True, label="C")
W1 = Tensor(rng.standard_normal((n_embd * block_size, n_hidden)) * (5 / 3) / (n_embd * block_size) ** 0.5,
            requires_grad=True, label="W1")
b1 = Tensor(rng.standard_normal(n_hidden) * 0.1, requires_grad=True, label="b1")
W2 = Tensor(rng.standard_normal((n_hidden, V)) * 0.1, requires_grad=True, label="W2")
b2 = Tensor(rng.standard_normal(V) * 0.1, requires_grad=True, label="b2")
bngain = Tensor(rng.standard_normal((1, n_hidden)) * 0.1 + 1.0, requires_grad=True, label="bngain")
bnbias = Tensor(rng.standard_normal((1, n_hidden)) * 0.1, requires_grad=True, label="bnbias")
parameters = [C, W1, b1, W2, b2, bngain, bnbias]

batch = rng.integers(0, len(X), n)
Xb, Yb = X[batch], Y[batch]

# %%
emb = C[Xb]  # (n, 3, 5): look up the embeddings
embcat = emb.view(n, -1)  # (n, 15): concatenate the three vectors
hprebn = embcat @ W1 + b1  # hidden layer pre-activation
bnmeani = 1 / n * hprebn.sum(0, keepdim=True)  # BatchNorm: batch mean
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)  # Bessel's correction, as the lecture (and PyTorch's running var)
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = hpreact.tanh()
logits = h @ W2 + b2  # output layer
logit_maxes = logits.max(1, keepdim=True).values  # as PyTorch: max(dim) returns (values, indices)
norm_logits = logits - logit_maxes  # subtract the max for numerical stability
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdim=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[np.arange(n), Yb].mean()
loss.backward()
print(f"loss {loss.item():.4f} (a uniform guess would give log {V} = {np.log(V):.4f})")

# %% [markdown]
# ## Exercise 1: backprop through every step by hand
# Each line applies the chain rule to one forward line, in reverse order: the signal arriving at a node times the
# node's local derivative, **summed** where a node was used more than once (broadcasting in the forward pass is a
# sum in the backward pass). Compare each with the engine's `.grad`.

# %%
d = {}  # the hand-derived gradients, by name
d["logprobs"] = np.zeros((n, V))
d["logprobs"][np.arange(n), Yb] = -1.0 / n
d["probs"] = d["logprobs"] / probs.data
d["counts_sum_inv"] = (counts.data * d["probs"]).sum(1, keepdims=True)
d["counts"] = counts_sum_inv.data * d["probs"]
d["counts_sum"] = -counts_sum.data**-2 * d["counts_sum_inv"]
d["counts"] += np.ones_like(counts.data) * d["counts_sum"]  # counts was used twice: the two shares add
d["norm_logits"] = counts.data * d["counts"]
d["logits"] = d["norm_logits"].copy()
d["logit_maxes"] = -d["norm_logits"].sum(1, keepdims=True)
d["logits"] += np.eye(V)[logits.data.argmax(1)] * d["logit_maxes"]  # max routes its signal to the argmax
d["h"] = d["logits"] @ W2.data.T
d["W2"] = h.data.T @ d["logits"]
d["b2"] = d["logits"].sum(0)
d["hpreact"] = (1.0 - h.data**2) * d["h"]  # tanh'(z) = 1 − tanh²(z)
d["bngain"] = (bnraw.data * d["hpreact"]).sum(0, keepdims=True)
d["bnraw"] = bngain.data * d["hpreact"]
d["bnbias"] = d["hpreact"].sum(0, keepdims=True)
d["bndiff"] = bnvar_inv.data * d["bnraw"]
d["bnvar_inv"] = (bndiff.data * d["bnraw"]).sum(0, keepdims=True)
d["bnvar"] = -0.5 * (bnvar.data + 1e-5) ** -1.5 * d["bnvar_inv"]
d["bndiff2"] = 1 / (n - 1) * np.ones_like(bndiff2.data) * d["bnvar"]
d["bndiff"] += 2 * bndiff.data * d["bndiff2"]  # bndiff was used twice
d["hprebn"] = d["bndiff"].copy()
d["bnmeani"] = -d["bndiff"].sum(0, keepdims=True)
d["hprebn"] += 1 / n * np.ones_like(hprebn.data) * d["bnmeani"]
d["embcat"] = d["hprebn"] @ W1.data.T
d["W1"] = embcat.data.T @ d["hprebn"]
d["b1"] = d["hprebn"].sum(0)
d["emb"] = d["embcat"].reshape(emb.shape)
d["C"] = np.zeros_like(C.data)
np.add.at(d["C"], Xb, d["emb"])  # each row of C gets the signal of every place it was looked up

nodes = {"logprobs": logprobs, "probs": probs, "counts_sum_inv": counts_sum_inv, "counts_sum": counts_sum,
         "counts": counts, "norm_logits": norm_logits, "logit_maxes": logit_maxes, "logits": logits, "h": h,
         "W2": W2, "b2": b2, "hpreact": hpreact, "bngain": bngain, "bnbias": bnbias, "bnraw": bnraw,
         "bnvar_inv": bnvar_inv, "bnvar": bnvar, "bndiff2": bndiff2, "bndiff": bndiff, "bnmeani": bnmeani,
         "hprebn": hprebn, "embcat": embcat, "W1": W1, "b1": b1, "emb": emb, "C": C}
results = [cmp(name, d[name], node) for name, node in nodes.items()]

# %%
assert all(results), [r.name for r in results if not r]
print(f"{sum(r.exact for r in results)} of {len(results)} exact, all {len(results)} within np.allclose; "
      f"largest difference {max(r.max_abs_diff for r in results):.1e}")

# %% [markdown]
# `logit_maxes` gets a gradient that is (nearly) zero, as the lecture points out: subtracting any per-row constant
# leaves the softmax unchanged, so the loss does not depend on it.

# %%
print(f"|dlogit_maxes| ≤ {np.abs(d['logit_maxes']).max():.1e}")
assert np.abs(d["logit_maxes"]).max() < 1e-12

# %% [markdown]
# ## Exercise 2: the cross-entropy backward in one line
# Differentiating $-\frac1N\sum_n \log \mathrm{softmax}(\text{logits}_n)_{y_n}$ directly gives
# $\frac{\partial \ell}{\partial\,\text{logits}}
#   = \frac1N\big(\mathrm{softmax}(\text{logits}) - \mathrm{onehot}(y)\big)$
# — the whole chain above collapses. As a custom op with that backward:

# %%
class CrossEntropy(Function):
    """−(1/N) Σₙ log softmax(logitsₙ)_{yₙ}; backward (softmax(logits) − onehot(y)) / N."""

    @staticmethod
    def forward(ctx, logits, targets):
        z = logits.data - logits.data.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        ctx.probs, ctx.targets = np.exp(logp), targets
        return Tensor(-logp[np.arange(len(targets)), targets].mean())

    @staticmethod
    def backward(ctx, grad):
        dlogits = ctx.probs.copy()
        dlogits[np.arange(len(ctx.targets)), ctx.targets] -= 1
        return grad.data * dlogits / len(ctx.targets), None


fused_loss = CrossEntropy.apply(logits, Yb)
dlogits_fused = (probs.data - np.eye(V)[Yb]) / n
print(f"fused loss {fused_loss.item():.12f}, stepwise loss {loss.item():.12f}")
assert cmp("logits (fused)", dlogits_fused, logits)
logits_leaf = Tensor(logits.data.copy(), requires_grad=True)
ce_report = gradcheck(lambda z: CrossEntropy.apply(z, Yb), {"logits": logits_leaf})
print(ce_report)
assert ce_report and abs(fused_loss.item() - loss.item()) < 1e-12

# %% [markdown]
# Read as error flow: each row of the signal sums to zero, pulls the correct class's logit up by $(1-p)/N$ and
# pushes every other logit down by its probability $p/N$ — the softmax "force" of the lecture.

# %%
print("row sums of dlogits:", np.abs(dlogits_fused.sum(1)).max())
assert np.abs(dlogits_fused.sum(1)).max() < 1e-15

# %% [markdown]
# ## Exercise 3: the BatchNorm backward in one formula
# With $\hat x = (x-\mu)/\sqrt{\sigma^2+\epsilon}$ (Bessel-corrected $\sigma^2$) and $y = \gamma\hat x + \beta$, the
# whole BatchNorm chain folds into
# $$\frac{\partial\ell}{\partial x} = \frac{\gamma}{n\sqrt{\sigma^2+\epsilon}}\Big(n\,\delta - \sum_i \delta_i
#   - \frac{n}{n-1}\,\hat x \sum_i \delta_i \hat x_i\Big), \qquad \delta = \frac{\partial\ell}{\partial y}.$$

# %%
class BatchNorm(Function):
    """y = γ·(x − μ)/√(σ² + ε) + β over the batch (σ² with n − 1, as above), with the folded backward."""

    @staticmethod
    def forward(ctx, x, gain, bias):
        xs = x.data
        var_inv = (xs.var(0, ddof=1, keepdims=True) + 1e-5) ** -0.5
        raw = (xs - xs.mean(0, keepdims=True)) * var_inv
        ctx.raw, ctx.var_inv, ctx.gain = raw, var_inv, gain.data
        return Tensor(gain.data * raw + bias.data)

    @staticmethod
    def backward(ctx, grad):
        g, raw = grad.data, ctx.raw
        m = len(g)
        dx = ctx.gain * ctx.var_inv / m * (m * g - g.sum(0) - m / (m - 1) * raw * (g * raw).sum(0))
        return dx, (g * raw).sum(0, keepdims=True), g.sum(0, keepdims=True)


dy = d["hpreact"]
raw = bnraw.data
dhprebn_fused = bngain.data * bnvar_inv.data / n * (n * dy - dy.sum(0) - n / (n - 1) * raw * (dy * raw).sum(0))
assert cmp("hprebn (fused)", dhprebn_fused, hprebn)
x_leaf = Tensor(hprebn.data.copy(), requires_grad=True)
gain_leaf, bias_leaf = Tensor(bngain.data.copy(), requires_grad=True), Tensor(bnbias.data.copy(), requires_grad=True)
weights = Tensor(rng.standard_normal((n, n_hidden)))  # a random downstream loss, so no signal is trivially zero
bn_report = gradcheck(lambda x, g, b: (BatchNorm.apply(x, g, b) * weights).sum(),
                      {"x": x_leaf, "γ": gain_leaf, "β": bias_leaf})
print(bn_report)
assert bn_report
assert np.allclose(BatchNorm.apply(hprebn, bngain, bnbias).data, hpreact.data, atol=1e-12)

# %% [markdown]
# ## Exercise 4: train with the fused ops
# The same network trained for a few hundred steps with the two custom ops in place of the stepwise chain; the
# engine runs the hand-written backwards.

# %%
def forward(xb, yb):
    hidden = BatchNorm.apply(C[xb].view(len(xb), -1) @ W1 + b1, bngain, bnbias).tanh()
    return CrossEntropy.apply(hidden @ W2 + b2, yb)


losses = []
for step in range(300):
    idx = rng.integers(0, len(X), n)
    step_loss = forward(X[idx], Y[idx])
    for p in parameters:
        p.zero_grad()
    step_loss.backward()
    lr = 0.1 if step < 200 else 0.01
    for p in parameters:
        p.data -= lr * p.grad
    losses.append(step_loss.item())
full = forward(X, Y).item()
print(f"loss: first 20 steps {np.mean(losses[:20]):.3f}, last 20 steps {np.mean(losses[-20:]):.3f}; "
      f"whole dataset {full:.3f} (uniform guess {np.log(V):.3f})")
assert np.mean(losses[-20:]) < np.mean(losses[:20]) and full < np.log(V)

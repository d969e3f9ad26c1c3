# %% [markdown]
# # 10 · Vectorization (notes §8)
#
# The same arithmetic can be fast or slow depending on how it is handed to the machine. A Python loop pays the
# interpreter's overhead for every small operation; one large matrix product hands all the work to optimized
# BLAS code in a single call. The notes' example: scoring N = 500 windows (d = 300 features each) for C = 5
# classes, once as a loop of 500 matrix-vector products and once as one matrix-matrix product. They measured
# **639 µs** for the loop and **53.8 µs** for the product — about 12×.
#
# The same lesson applies to errorflow's two engines. The scalar `Value` engine builds one graph node per
# number — ideal for seeing every error signal, slow for real work. The `Tensor` engine builds one node per
# *array operation* and runs the arithmetic in numpy. Below we time both on the same MLP and check that they
# compute the same loss and the same gradients.

# %%
import timeit

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

import nn
from autodiff import Tensor, topological_order
from nn.layers import Linear, Sequential, Tanh
from nn.losses import mse_loss

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

# One BLAS thread: the loop runs on one core, so the product should too. (On a busy machine a multi-threaded
# matrix product can also stall for milliseconds waiting for a descheduled helper thread, which would make the
# timings meaningless.) threadpoolctl comes with scikit-learn.
threadpool_limits(limits=1, user_api="blas")


def best_time(fn, repeat=5, min_total=0.05):
    """Seconds per call: the best of ``repeat`` rounds, each running ``fn`` enough times to last ≥ min_total s."""
    timer = timeit.Timer(fn)
    number = 1
    while timer.timeit(number) < min_total and number < 10**6:
        number *= 4
    return min(timer.repeat(repeat=repeat, number=number)) / number


# %% [markdown]
# ## The notes' experiment
# The snippet in the notes, with its names as printed:
#
# ```python
# W = random.rand(C, d)
# wordvectors_list = [random.rand(d,1) for i in range(N)]
# wordvectors_one_matrix = random.rand(d,N)
# %timeit [W.dot(wordvecotrs_list[i]) for i in range(N)]
# %timeit W.dot(wordvectros_one_matrix)
# ```
#
# As printed it does not run: `wordvecotrs_list` and `wordvectros_one_matrix` are misspelled (NameError). It
# also draws the list and the matrix independently, so the two results cannot be compared. Here the matrix is
# the list's vectors side by side, so both ways must give the same C × N scores; the data are seeded, and the
# timing uses the `timeit` module (the `%timeit` magic measures the same thing).

# %%
N, d, C = 500, 300, 5
rng = np.random.default_rng(0)
W = rng.random((C, d))
wordvectors_list = [rng.random((d, 1)) for _ in range(N)]
wordvectors_one_matrix = np.hstack(wordvectors_list)  # d × N, column i is window i


def loop():
    return [W.dot(wordvectors_list[i]) for i in range(N)]


def one_product():
    return W.dot(wordvectors_one_matrix)


by_loop = np.hstack(loop())  # C × N
by_product = one_product()
t_loop, t_product = best_time(loop), best_time(one_product)
print(f"loop of {N} matrix-vector products: {1e6 * t_loop:7.1f} µs   (notes: 639 µs)")
print(f"one matrix-matrix product:        {1e6 * t_product:7.1f} µs   (notes: 53.8 µs)")
print(f"speed-up {t_loop / t_product:.0f}×   (notes: {639 / 53.8:.0f}×)")
print(f"max |loop − product| = {np.abs(by_loop - by_product).max():.1e}")

# %%
assert by_product.shape == (C, N)
assert np.allclose(by_loop, by_product, rtol=1e-12, atol=0)
assert t_product < t_loop
print("same scores, and the single product is faster")

# %% [markdown]
# The exact numbers depend on the machine and its numpy. Today's numpy makes one small matrix-vector call much
# cheaper than in the notes (well under a microsecond instead of about 1.3 µs), so the loop loses by a smaller
# factor here — but it still loses, at every N: each of its N calls pays Python's and numpy's per-call overhead,
# while the single product pays it once and spends the rest on arithmetic.

# %%
sizes = [10, 30, 100, 300, 1000, 3000]
loop_times, product_times = [], []
for n in sizes:
    vectors = [rng.random((d, 1)) for _ in range(n)]
    matrix = np.hstack(vectors)
    loop_times.append(best_time(lambda vectors=vectors: [W.dot(v) for v in vectors], repeat=5, min_total=0.02))
    product_times.append(best_time(lambda matrix=matrix: W.dot(matrix), repeat=5, min_total=0.02))

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(sizes, 1e6 * np.array(loop_times), "o-", label="loop: N products W·xᵢ")
ax.loglog(sizes, 1e6 * np.array(product_times), "s-", label="one product W·X")
ax.loglog([500, 500], [639, 53.8], "k*", ms=10, label="the notes' measurements (N = 500)")
ax.set(xlabel="N (windows)", ylabel="time per call (µs)", title=f"scoring N windows, d = {d}, C = {C}")
ax.legend(fontsize=8)
plt.show()

# %%
# best-of-5 timings; at N = 10 the two are within a few µs, so a busy machine may swap them there: check N ≥ 30
assert all(tl > tp for n, tl, tp in zip(sizes, loop_times, product_times) if n >= 30)
for n, tl, tp in zip(sizes, loop_times, product_times):
    print(f"N = {n:5}: loop {1e6 * tl:8.1f} µs, product {1e6 * tp:7.1f} µs, ratio {tl / tp:4.1f}")

# %% [markdown]
# ## The same MLP on the `Value` engine and on the `Tensor` engine
# A 2 → 16 → 16 → 1 tanh network fitting $y = \sin(2x_1)\cos(x_2)$ on 64 points with a mean squared error.
# `nn.MLP` builds it from `Value`s (each weight a node, each neuron a `weighted_sum` node); `nn.layers` builds it
# from `Linear` layers on `Tensor`s (each layer one node for $XW^T + b$). We copy the `Value` network's weights
# into the `Tensor` network so both start from identical numbers.

# %%
n_points = 64
X = rng.uniform(-2, 2, size=(n_points, 2))
y = np.sin(2 * X[:, 0]) * np.cos(X[:, 1])

value_model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
tensor_model = Sequential(Linear(2, 16), Tanh(), Linear(16, 16), Tanh(), Linear(16, 1))
linears = [m for m in tensor_model if isinstance(m, Linear)]
for layer, linear in zip(value_model.layers, linears):
    linear.W.data[...] = [[w.data for w in row] for row in layer.W]
    linear.b.data[...] = [b.data for b in layer.b]


def value_loss():
    predictions = [value_model(list(x)) for x in X]
    return mse_loss(predictions, list(y))


def tensor_loss():
    return mse_loss(tensor_model(Tensor(X)).reshape(-1), Tensor(y))


def value_step():
    value_model.zero_grad()
    loss = value_loss()
    loss.backward()
    return loss


def tensor_step():
    tensor_model.zero_grad()
    loss = tensor_loss()
    loss.backward()
    return loss


print(f"{value_model.num_parameters()} parameters in each model")
v_loss, t_loss = value_step(), tensor_step()
print(f"loss: Value engine {v_loss.data:.15f}, Tensor engine {t_loss.item():.15f}")
gaps = []
for layer, linear in zip(value_model.layers, linears):
    grad_W = np.array([[w.grad for w in row] for row in layer.W])
    grad_b = np.array([b.grad for b in layer.b])
    gaps += [np.abs(grad_W - linear.W.grad).max(), np.abs(grad_b - linear.b.grad).max()]
print(f"largest gradient difference over all {len(gaps)} weight matrices and bias vectors: {max(gaps):.1e}")

# %% [markdown]
# Both engines share one table of derivative rules, so agreeing with each other is not enough. The third opinion
# is the notes' §6 recursion written by hand in numpy, vectorized over the whole batch (one example per row, so
# $\delta^{(k)}$ is a matrix and $W^{(k)T}\delta^{(k+1)}$ becomes `delta @ W`):
# $\delta^{(k)} = f'(z^{(k)}) \circ (W^{(k)T}\delta^{(k+1)})$, $\nabla_{W^{(k)}} = \delta^{(k+1)T} a^{(k)}$ summed
# over the batch, $\nabla_{b^{(k)}} = \sum_n \delta^{(k+1)}_n$.

# %%
(W1, b1), (W2, b2), (W3, b3) = [(linear.W.data, linear.b.data) for linear in linears]
A1 = np.tanh(X @ W1.T + b1)
A2 = np.tanh(A1 @ W2.T + b2)
out = (A2 @ W3.T + b3).ravel()
loss_by_hand = np.mean((out - y) ** 2)
delta3 = (2 * (out - y) / n_points)[:, None]  # ∂J/∂(score), one row per example
delta2 = (delta3 @ W3) * (1 - A2**2)  # tanh'(z) = 1 − tanh²(z)
delta1 = (delta2 @ W2) * (1 - A1**2)
by_hand = [(delta1.T @ X, delta1.sum(axis=0)), (delta2.T @ A1, delta2.sum(axis=0)), (delta3.T @ A2, delta3.sum(axis=0))]
hand_gap = max(max(np.abs(gW - linear.W.grad).max(), np.abs(gb - linear.b.grad).max())
               for (gW, gb), linear in zip(by_hand, linears))
print(f"loss by hand {loss_by_hand:.15f}; largest |by hand − Tensor engine| over all gradients {hand_gap:.1e}")

# %%
assert abs(v_loss.data - t_loss.item()) < 1e-12 and abs(loss_by_hand - t_loss.item()) < 1e-12
assert max(gaps) < 1e-12 and hand_gap < 1e-12
print("Value engine = Tensor engine = numpy by hand: same loss, same gradient for every parameter")

# %% [markdown]
# Now the timing of one forward + backward pass, and a few steps of gradient descent on both, which must follow
# the same trajectory:

# %%
t_value = best_time(value_step, repeat=3, min_total=0.2)
t_tensor = best_time(tensor_step, repeat=5, min_total=0.05)
value_nodes, tensor_nodes = len(topological_order(value_loss())), len(topological_order(tensor_loss()))
print(f"Value engine : {1e3 * t_value:8.2f} ms per forward+backward ({value_nodes} graph nodes)")
print(f"Tensor engine: {1e3 * t_tensor:8.3f} ms per forward+backward ({tensor_nodes} graph nodes)")
print(f"speed-up {t_value / t_tensor:.0f}×")

lr = 0.1
value_losses, tensor_losses = [], []
for _ in range(5):
    value_losses.append(value_step().data)
    tensor_losses.append(tensor_step().item())
    for p in value_model.parameters():
        p.data -= lr * p.grad
    for p in tensor_model.parameters():
        p.data -= lr * p.grad
print("Value losses :", np.round(value_losses, 12))
print("Tensor losses:", np.round(tensor_losses, 12))

# %%
assert t_tensor < t_value
assert np.allclose(value_losses, tensor_losses, rtol=0, atol=1e-12)
assert value_losses[-1] < value_losses[0]
final_gap = max(
    np.abs(np.array([[w.data for w in row] for row in layer.W]) - linear.W.data).max()
    for layer, linear in zip(value_model.layers, linears)
)
assert final_gap < 1e-12
print(f"after 5 steps the weights agree to {final_gap:.1e}; the Tensor engine is {t_value / t_tensor:.0f}× faster")

# %% [markdown]
# ## How the gap scales with the batch
# The `Value` engine's work grows with the number of scalar nodes, i.e. linearly in the batch size; the `Tensor`
# engine's graph has the same handful of nodes whatever the batch, and numpy does the rest.

# %%
batch_sizes = [4, 8, 16, 32, 64]
value_times, tensor_times = [], []
for n in batch_sizes:
    Xb, yb = X[:n], y[:n]

    def value_pass(Xb=Xb, yb=yb):
        mse_loss([value_model(list(x)) for x in Xb], list(yb)).backward()

    def tensor_pass(Xb=Xb, yb=yb):
        mse_loss(tensor_model(Tensor(Xb)).reshape(-1), Tensor(yb)).backward()

    value_times.append(best_time(value_pass, repeat=3, min_total=0.05))
    tensor_times.append(best_time(tensor_pass, repeat=3, min_total=0.02))

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(batch_sizes, 1e3 * np.array(value_times), "o-", label="Value engine (one node per number)")
ax.loglog(batch_sizes, 1e3 * np.array(tensor_times), "s-", label="Tensor engine (one node per array op)")
ax.set(xlabel="batch size", ylabel="ms per forward + backward", title="the same 2-16-16-1 MLP on two engines")
ax.set_xticks(batch_sizes, labels=[str(n) for n in batch_sizes])
ax.tick_params(axis="x", which="minor", bottom=False, labelbottom=False)
ax.legend(fontsize=8)
plt.show()

# %%
# Timings wobble on a busy machine; the node counts behind them do not: count the nodes each engine records.
value_counts = [len(topological_order(mse_loss([value_model(list(x)) for x in X[:n]], list(y[:n]))))
               for n in batch_sizes]
tensor_counts = [len(topological_order(mse_loss(tensor_model(Tensor(X[:n])).reshape(-1), Tensor(y[:n]))))
                for n in batch_sizes]
per_example = np.diff(value_counts) / np.diff(batch_sizes)  # nodes each extra example adds
value_slope = np.polyfit(np.log(batch_sizes), np.log(value_times), 1)[0]
assert len(set(per_example)) == 1 and len(set(tensor_counts)) == 1  # Value: linear in the batch; Tensor: constant
assert all(tv > tt for tv, tt in zip(value_times, tensor_times))
print(f"Value nodes {value_counts} (+{per_example[0]:.0f} per example), Tensor nodes {tensor_counts}; measured Value "
      f"time ∝ batch^{value_slope:.2f}; the Tensor engine is faster at every batch size")

# %% [markdown]
# **Take-away (the notes' advice):** always try to use vectors and matrices rather than for loops. The `Value`
# engine remains the right tool for *looking* — every number has a node, every edge a signal — and the `Tensor`
# engine, which computes the same gradients, is the one to train with.

# %% [markdown]
# ## Seeing a vectorized network
# The digits MLP of the benchmarks (64 → 128 → 64 → 10) has about twenty tensor nodes but 17,000 numbers: a
# scalar diagram of it is hopeless, and even the tensor graph is busy. Its layer-level view is small — one box per
# layer, the signals $\delta^{(k)}$ between them and the gradient sent to each $W^{(k)}$ and $b^{(k)}$, each with
# the formula the layer computes it by:

# %%
from autodiff import softmax_cross_entropy, viz  # noqa: E402

digits_net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
images = Tensor(np.random.default_rng(0).normal(size=(32, 64)))
labels = np.random.default_rng(1).integers(0, 10, 32)
layer_view = viz.draw(softmax_cross_entropy(digits_net(images), labels), flow=True, collapse=True,
                      title="digits MLP, batch of 32: one box per layer")
assert layer_view.source.count("Layer ") == 3 and "δ⁽²⁾ᵀ·a⁽¹⁾" in layer_view.source
layer_view  # noqa: B018 -- the cell shows the diagram


# %% [markdown]
# The same view steps: one frame per layer, in the order backpropagation finishes them — the loss, then layer 3,
# layer 2, layer 1 — each caption saying which signal the layer received and what it sent where.

# %%
layer_player = viz.BackpropPlayer(softmax_cross_entropy(digits_net(images), labels), collapse=True)
assert len(layer_player) == 5 and "Layer 2 receives" in layer_player.captions[3]
print(layer_player.captions[3])
layer_player  # noqa: B018 -- the cell shows the player

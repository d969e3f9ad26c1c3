# %% [markdown]
# # 04 · Gradient check (notes §7.1)
#
# Backpropagation gives exact derivatives, but only if every local derivative in the rule table is right and the
# graph is not cut anywhere. A **gradient check** is the independent witness: nudge one parameter by a small ε,
# run the forward pass again, and see whether the loss moved by as much as the analytic gradient predicts. It costs
# two forward passes per parameter, far too slow for training, but it catches wrong formulas immediately.
#
# The notes give two difference quotients:
#
# * the first, introduced as "the centered difference formula": $f'(\theta) \approx
#   \dfrac{J(\theta^{(i+)}) - J(\theta^{(i)})}{\epsilon}$;
# * the derivative's definition: $f'(x) \approx \dfrac{f(x+\epsilon) - f(x)}{\epsilon}$.
#
# **A correction to the notes:** the first formula is *not* centered. It uses $J(\theta^{(i+)})$ and the
# unperturbed $J(\theta^{(i)})$, so it is the same one-sided (forward) difference as the second formula, even
# though the sentence right after it talks about $J(\theta^{(i-)})$. The centered difference, the one snippet 2.1
# actually implements and the one `autodiff.gradcheck` uses, is
#
# $$f'(\theta_i) \approx \frac{J(\theta^{(i+)}) - J(\theta^{(i-)})}{2\epsilon}.$$
#
# (Snippet 2.1 also names `f(x + h)` `fxh_left` and `f(x - h)` `fxh_right`, backwards, but its slope
# `(fxh_left - fxh_right) / (2*h)` is the right centered difference.)
#
# Taylor's theorem says why centered is better:
# $f(x\pm\epsilon) = f \pm \epsilon f' + \tfrac{\epsilon^2}{2} f'' \pm \tfrac{\epsilon^3}{6} f''' + \dots$, so
#
# * one-sided: $\dfrac{f(x+\epsilon) - f(x)}{\epsilon} = f' + \tfrac{\epsilon}{2} f'' + O(\epsilon^2)$ — error
#   $O(\epsilon)$;
# * centered: $\dfrac{f(x+\epsilon) - f(x-\epsilon)}{2\epsilon} = f' + \tfrac{\epsilon^2}{6} f''' + O(\epsilon^4)$
#   — the $f''$ terms cancel, error $O(\epsilon^2)$.
#
# Shrinking ε does not help forever: $f(x\pm\epsilon)$ are rounded to about 16 significant digits, and dividing
# their rounding error $u \approx 10^{-16}$ by ε gives a **round-off** error $\approx u\,|f|/\epsilon$ that *grows*
# as ε shrinks.

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

import nn
from autodiff import Tensor, Value, cmp, gradcheck, numerical_grad
from nn.layers import Linear, Sequential, Tanh
from nn.losses import cross_entropy, max_margin_loss

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## One function, three derivatives
# Take $f(\theta) = e^{\theta}\tanh\theta$ at $\theta = 0.7$. By hand, with the product rule,
# $f'(\theta) = e^{\theta}\tanh\theta + e^{\theta}(1 - \tanh^2\theta)$. The engine gets the same number by
# backpropagation through an `exp` node, a `tanh` node and a product.

# %%
theta0 = 0.7


def f(theta):
    return theta.exp() * theta.tanh()


def J(theta: float) -> float:
    """The loss as a plain number: one forward pass of the engine."""
    return f(Value(theta)).data


by_hand = np.exp(theta0) * np.tanh(theta0) + np.exp(theta0) * (1 - np.tanh(theta0) ** 2)

theta = Value(theta0, "θ")
f(theta).backward()
engine = theta.grad

print(f"by hand: f'(0.7) = {by_hand:.15f}")
print(f"engine : f'(0.7) = {engine:.15f}")

# %%
assert abs(engine - by_hand) < 1e-14
print("backprop agrees with the product rule to 1e-14")

# %% [markdown]
# ## Error against ε, one-sided vs centered
# For 57 values of ε from $10^{-15}$ to $10^{-1}$ we compute both quotients and their distance from the exact
# derivative. On a log-log plot a power law $\text{error} \propto \epsilon^p$ is a straight line of slope $p$.

# %%
eps_grid = np.logspace(-15, -1, 57)
one_sided = np.array([(J(theta0 + e) - J(theta0)) / e for e in eps_grid])
centered = np.array([(J(theta0 + e) - J(theta0 - e)) / (2 * e) for e in eps_grid])
err_one = np.abs(one_sided - engine)
err_centered = np.maximum(np.abs(centered - engine), 1e-17)  # an exact hit would be log(0) on the plot


def slope(errors, low, high):
    """Least-squares slope of log(error) against log(ε) for low ≤ ε ≤ high."""
    keep = (eps_grid >= low) & (eps_grid <= high)
    return np.polyfit(np.log10(eps_grid[keep]), np.log10(errors[keep]), 1)[0]


slopes = {
    "one-sided, truncation (1e-6 ≤ ε ≤ 1e-2)": slope(err_one, 1e-6, 1e-2),
    "centered,  truncation (1e-3 ≤ ε ≤ 1e-1)": slope(err_centered, 1e-3, 1e-1),
    "one-sided, round-off  (1e-15 ≤ ε ≤ 1e-10)": slope(err_one, 1e-15, 1e-10),
    "centered,  round-off  (1e-15 ≤ ε ≤ 1e-8)": slope(err_centered, 1e-15, 1e-8),
}
for name, value in slopes.items():
    print(f"{name}: slope {value:+.2f}")

best_one, best_centered = eps_grid[np.argmin(err_one)], eps_grid[np.argmin(err_centered)]
print(f"best ε one-sided: {best_one:.1e} (error {err_one.min():.1e}); "
      f"best ε centered: {best_centered:.1e} (error {err_centered.min():.1e})")
at_notes_eps = np.argmin(np.abs(eps_grid - 1e-5))
print(f"at the notes' ε = 1e-5: one-sided error {err_one[at_notes_eps]:.1e}, "
      f"centered error {err_centered[at_notes_eps]:.1e}")

# %%
u = np.finfo(np.float64).eps
fig, ax = plt.subplots(figsize=(7.5, 4.8))
ax.loglog(eps_grid, err_one, "o-", ms=3, label="one-sided  (J(θ+ε) − J(θ)) / ε   — the notes' first formula")
ax.loglog(eps_grid, err_centered, "s-", ms=3, label="centered  (J(θ+ε) − J(θ−ε)) / 2ε  — snippet 2.1")
ref = eps_grid >= 1e-8
ax.loglog(eps_grid[ref], 0.2 * err_one[-1] * eps_grid[ref] / eps_grid[-1], "k--", lw=1, label="slope 1: O(ε)")
ax.loglog(eps_grid[ref], 0.2 * err_centered[-1] * (eps_grid[ref] / eps_grid[-1]) ** 2, "k:", lw=1.3,
          label="slope 2: O(ε²)")
ax.loglog(eps_grid, u * abs(J(theta0)) / eps_grid, color="0.6", lw=1, label="round-off ≈ u·|f| / ε (slope −1)")
ax.axvline(1e-5, color="tab:red", lw=0.8, alpha=0.6)
ax.text(1.2e-5, 1e-1, "notes' ε = 1e-5", color="tab:red", fontsize=8)
ax.set(xlabel="ε", ylabel="|numeric − exact|", ylim=(1e-13, 1e1),
       title="Finite-difference error: truncation (right) vs round-off (left)")
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
plt.show()

# %% [markdown]
# Right of each minimum the Taylor remainder dominates (slope 1 for one-sided, 2 for centered); left of it the
# rounding of $J$ dominates and the error grows like $1/\epsilon$. The centered difference gets down to about
# $10^{-12}$ near ε ≈ 5e-6, the one-sided one only to a few $10^{-9}$ near ε ≈ 2e-8. (Balancing the two terms
# predicts the best ε: $\sim u^{1/2} \approx 10^{-8}$ for one-sided, $\sim u^{1/3} \approx 6\times10^{-6}$ for
# centered.) At the notes' ε = 1e-5 the one-sided quotient is off by about $10^{-5}$ — the centered one by six
# orders of magnitude less.
#
# The library's `numerical_grad` is exactly this centered quotient:

# %%
assert numerical_grad(f, Value(theta0), eps=1e-6) == (J(theta0 + 1e-6) - J(theta0 - 1e-6)) / (2 * 1e-6)
assert 0.8 < slopes["one-sided, truncation (1e-6 ≤ ε ≤ 1e-2)"] < 1.2
assert 1.8 < slopes["centered,  truncation (1e-3 ≤ ε ≤ 1e-1)"] < 2.2
assert slopes["one-sided, round-off  (1e-15 ≤ ε ≤ 1e-10)"] < -0.5
assert slopes["centered,  round-off  (1e-15 ≤ ε ≤ 1e-8)"] < -0.5
assert 1e-10 <= best_one <= 1e-6 and 1e-7 <= best_centered <= 1e-3
assert err_centered.min() < err_one.min() / 100
assert err_centered[at_notes_eps] < 1e-9 < 1e-6 < err_one[at_notes_eps]
print("O(ε) vs O(ε²) confirmed; centered is ≥ 100× more accurate at its best ε")

# %% [markdown]
# ## `gradcheck` on a small network
# `gradcheck(f, inputs)` runs backprop once and the centered difference for **every element** of every input, and
# prints one line per input in the spirit of Karpathy's `cmp`: exact? close? largest absolute difference, largest
# relative error $|a - n| / \max(|a|, |n|)$, the worst element and the ratio $a / n$ there ("exact" reads `·` on
# a row that is close without being bitwise equal). An element passes when
# $|a - n| \le \text{atol} + \text{rtol}\cdot|n|$; a failing row is followed by every element that fails.
#
# First a two-layer `Tensor` network with a softmax cross-entropy loss on five examples:

# %%
rng = np.random.default_rng(0)
X = Tensor(rng.normal(size=(5, 3)))
y = np.array([0, 1, 1, 0, 1])
model = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1))


def loss(*params):  # gradcheck perturbs the parameters in place, so the model always sees the current values
    return cross_entropy(model(X), y)


report = gradcheck(loss, dict(model.named_parameters()))
print(report)

# %% [markdown]
# And the notes' own §3–4 setting on the scalar engine: a sigmoid hidden layer, score $s = u^Ta$, and the
# max-margin loss $J = \max(1 + s_c - s, 0)$ for a true window $x$ and a corrupted one $x_c$. Every `Value`
# weight is one row of the report, named as in the notes' §5. The score's bias $b_1^{(2)}$ gets exactly 0: it
# is added to both $s$ and $s_c$ and cancels in $s_c - s$ (and the numeric check agrees, "exact True").

# %%
window_model = nn.MLP(4, [3, 1], activation="sigmoid", seed=3)
x_true, x_corrupt = list(rng.normal(size=4)), list(rng.normal(size=4))


def margin(*params):
    return max_margin_loss(window_model(x_true), window_model(x_corrupt))


print(f"J = {margin().data:.4f} (positive, so every weight gets a gradient)")
window_report = gradcheck(margin, window_model.parameters())  # rows named by the labels W_ij^(k), b_i^(k)
print(window_report)

# %% [markdown]
# For big models, checking every element costs two forward passes per parameter. `fast=True` checks each input
# along a few random unit directions $u$ instead: $(J(\theta + \epsilon u) - J(\theta - \epsilon u)) / 2\epsilon$
# against $\nabla J \cdot u$. Here is the cost difference on a layer with a few thousand weights — and the reason
# the notes give for never *training* with numeric gradients:

# %%
big = Sequential(Linear(20, 64, seed=0), Tanh(), Linear(64, 3, seed=1))
X_big, y_big = Tensor(rng.normal(size=(32, 20))), rng.integers(0, 3, size=32)


def big_loss(*params):
    return cross_entropy(big(X_big), y_big)


n_params = big.num_parameters()
start = time.perf_counter()
big_loss().backward()
t_backprop = time.perf_counter() - start
start = time.perf_counter()
full = gradcheck(big_loss, dict(big.named_parameters()))
t_full = time.perf_counter() - start
start = time.perf_counter()
fast = gradcheck(big_loss, dict(big.named_parameters()), fast=True)
t_fast = time.perf_counter() - start
print(f"{n_params} parameters: one backprop {1e3 * t_backprop:.2f} ms, "
      f"every-element check ({2 * n_params} forward passes) {t_full:.2f} s, fast check {1e3 * t_fast:.0f} ms")
print(fast)

# %%
assert report and window_report and full and fast
assert all(row.max_abs_diff < 1e-8 for row in [*report.rows, *window_report.rows, *full.rows])
assert window_report.rows[-1].exact and window_report.rows[-1].analytic == 0  # b⁽²⁾ cancels in s_c − s
assert t_fast < t_full
print("backprop passes every element of three networks' gradient checks (max abs diff < 1e-8)")

# %% [markdown]
# ## A wrong derivative, caught
# A gradient check earns its keep when something is wrong. Three realistic mistakes:
#
# **1. A cut graph.** A learner writes softsign $z/(1+|z|)$ but computes $|z|$ from the *number* `z.data`, so the
# denominator becomes a constant and backprop never sees that it depends on $z$. Forward values are perfect; the
# gradient is $1/(1+|z|)$ instead of $1/(1+|z|)^2$.

# %%
z = Tensor(np.linspace(-2.5, 2.5, 11) + 0.01, requires_grad=True, label="z")  # + 0.01: stay off the kink at 0


def softsign_with_cut_graph(z):
    return z / (1 + Tensor(np.abs(z.data)))  # Tensor(...) of raw data: no edge back to z


assert np.allclose(softsign_with_cut_graph(z).data, z.softsign().data, rtol=0, atol=1e-15)  # forward is right
cut_report = gradcheck(lambda z: softsign_with_cut_graph(z).sum(), {"z": z})
print(cut_report)

# %% [markdown]
# **2. and 3. The notes' two wrong derivative formulas.** §7.4 states
#
# * $\sigma'(z) = \dfrac{-\exp(-z)}{1+\exp(-z)} = \sigma(z)(1-\sigma(z))$ — the right-hand side is correct, the
#   middle expression is not: it has the wrong sign and is missing a square. The correct middle term is
#   $\dfrac{\exp(-z)}{(1+\exp(-z))^2}$.
# * $\text{softsign}'(z) = \dfrac{\text{sgn}(z)}{(1+z)^2}$ — correct only for $z > 0$. Since
#   softsign is increasing, its slope is never negative; the correct formula is $\dfrac{1}{(1+|z|)^2}$. (The
#   notes' version even blows up at $z = -1$, where $(1+z)^2 = 0$: hence the huge error at $z = -0.99$ below.)
#
# To let the gradient check judge a *formula*, hand it the formula's values as the gradient to check:
# `gradcheck(f, inputs, analytic=[...])` compares a gradient derived by hand — a homework answer — with centered
# differences of `f`, instead of the engine's. A failing report lists **every** element outside the tolerance
# with the ratio analytic / numeric, so the kind of mistake shows at a glance: a ratio of −1 is a sign slip, 2 or
# ½ a lost factor, and a ratio that changes from element to element a wrong formula.

# %%
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


formulas = {
    "σ' notes: −e^(−z)/(1+e^(−z))": (Tensor.sigmoid, lambda x: -np.exp(-x) / (1 + np.exp(-x))),
    "σ' correct: e^(−z)/(1+e^(−z))²": (Tensor.sigmoid, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "σ' correct: σ(z)(1 − σ(z))": (Tensor.sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    "softsign' notes: sgn(z)/(1+z)²": (Tensor.softsign, lambda x: np.sign(x) / (1 + x) ** 2),
    "softsign' correct: 1/(1+|z|)²": (Tensor.softsign, lambda x: 1 / (1 + np.abs(x)) ** 2),
}
formula_reports = {}
for name, (forward, derivative) in formulas.items():
    formula_reports[name] = gradcheck(lambda z, f=forward: f(z).sum(), {"z": z}, analytic={"z": derivative(z.data)})
    row = formula_reports[name].rows[0]
    verdict = "PASSED" if formula_reports[name] else "FAILED"
    print(f"{name:34} {verdict}  max abs diff {row.max_abs_diff:.2e}  worst at z = {z.data[row.worst_index]:+.2f}: "
          f"formula {row.analytic:+.4f}, numeric {row.numeric:+.4f}")

# %% [markdown]
# The whole report of the notes' softsign formula: right for $z > 0$, so only the negative elements are listed,
# and their ratios are far from 1 (at $z = -0.99$, where $(1+z)^2$ nearly vanishes, by four orders of magnitude).

# %%
softsign_notes = formula_reports["softsign' notes: sgn(z)/(1+z)²"]
print(softsign_notes)

# %% [markdown]
# Once a backward pass has run, `autodiff.cmp(name, manual, node)` — Karpathy's helper from the backprop-ninja
# lecture — compares a hand-derived gradient with the engine's `.grad` instead: exact, close, largest difference.

# %%
z.zero_grad()
z.sigmoid().sum().backward()
cmp_right = cmp("σ' = σ(1 − σ)", sigmoid(z.data) * (1 - sigmoid(z.data)), z)
cmp_notes = cmp("σ' of the notes", -np.exp(-z.data) / (1 + np.exp(-z.data)), z)
z.zero_grad()

# %% [markdown]
# The engine's own rules are the correct ones — `Value` and `Tensor` both:

# %%
engine_reports = {
    "sigmoid": gradcheck(lambda z: z.sigmoid().sum(), {"z → σ(z)": z}),
    "softsign": gradcheck(lambda z: z.softsign().sum(), {"z → softsign(z)": z}),
}
for report_ in engine_reports.values():
    print(report_)
z.zero_grad()
z.sigmoid().sum().backward()
sigmoid_grad = z.grad.copy()
z.zero_grad()
z.softsign().sum().backward()
softsign_grad = z.grad.copy()
z.zero_grad()
value_softsign = []
for zi in z.data:
    v = Value(float(zi))
    v.softsign().backward()
    value_softsign.append(v.grad)

# %%
assert not cut_report and not formula_reports["σ' notes: −e^(−z)/(1+e^(−z))"]
assert not formula_reports["softsign' notes: sgn(z)/(1+z)²"]
assert [e.index for e in softsign_notes.rows[0].bad] == [(i,) for i in np.flatnonzero(z.data < 0)]
assert all(abs(e.ratio - 1) > 0.1 for e in softsign_notes.rows[0].bad)
assert cmp_right.close and not cmp_notes.close
assert all(formula_reports[name] for name in formulas if "correct" in name)
assert all(engine_reports.values())
assert np.allclose(sigmoid_grad, sigmoid(z.data) * (1 - sigmoid(z.data)), rtol=0, atol=1e-15)
assert np.allclose(softsign_grad, 1 / (1 + np.abs(z.data)) ** 2, rtol=0, atol=1e-15)
assert np.allclose(value_softsign, softsign_grad, rtol=0, atol=1e-15)
notes_softsign = np.sign(z.data) / (1 + z.data) ** 2
assert np.allclose(notes_softsign[z.data > 0], softsign_grad[z.data > 0])  # the notes are right for z > 0 ...
assert np.all(np.abs(notes_softsign[z.data < 0] - softsign_grad[z.data < 0]) > 0.1)  # ... and wrong for z < 0
print("gradcheck rejects the cut graph and both of the notes' wrong formulas, and accepts the engine's rules")

# %% [markdown]
# ## float32 vs float64
# The round-off term $u\,|f|/\epsilon$ depends on the precision. In float32 $u \approx 1.2\times10^{-7}$ instead of
# $2.2\times10^{-16}$, so at the default ε = 1e-6 the round-off error is of the order of $0.1$ — larger than many
# gradients. `gradcheck` warns when its inputs are not float64. The same network as above, in float32:

# %%
model32 = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1))
for p in model32.parameters():
    p.data = p.data.astype(np.float32)
X32 = Tensor(X.data.astype(np.float32))


def loss32(*params):
    return cross_entropy(model32(X32), y)


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    report32 = gradcheck(loss32, dict(model32.named_parameters()))
    report32_big_eps = gradcheck(loss32, dict(model32.named_parameters()), eps=1e-2)
for w in caught[:1]:
    print("warning:", w.message)
print(report32)
print(report32_big_eps)

# %% [markdown]
# With ε = 1e-2 the float32 check passes, but its errors stay orders of magnitude above float64's. The sweep
# from before, repeated in float32, shows why: the round-off line moves up by nine orders of magnitude and pushes
# the best ε to the right. Below ε ≈ 3e-8 (half the 6e-8 spacing of float32 numbers near 0.7) the nudge is lost
# entirely: θ + ε rounds back to θ, the difference is 0 and the error is the whole derivative — the flat plateau.

# %%
def J32(theta):
    theta = np.float32(theta)
    return np.exp(theta) * np.tanh(theta)


t32 = np.float32(theta0)
one_sided32 = np.array([(J32(t32 + np.float32(e)) - J32(t32)) / np.float32(e) for e in eps_grid])
centered32 = np.array([(J32(t32 + np.float32(e)) - J32(t32 - np.float32(e))) / np.float32(2 * e) for e in eps_grid])
err_one32 = np.abs(one_sided32.astype(np.float64) - engine)
err_centered32 = np.abs(centered32.astype(np.float64) - engine)
best32 = eps_grid[np.argmin(err_centered32)]
print(f"float32 best centered ε: {best32:.1e}, error {err_centered32.min():.1e} "
      f"(float64: {best_centered:.1e}, error {err_centered.min():.1e})")

fig, ax = plt.subplots(figsize=(7.5, 4.2))
ax.loglog(eps_grid, err_centered, "s-", ms=3, label="centered, float64")
ax.loglog(eps_grid, err_one, "o-", ms=3, alpha=0.5, label="one-sided, float64")
ax.loglog(eps_grid, np.maximum(err_centered32, 1e-17), "s-", ms=3, label="centered, float32")
ax.loglog(eps_grid, np.maximum(err_one32, 1e-17), "o-", ms=3, alpha=0.5, label="one-sided, float32")
ax.set(xlabel="ε", ylabel="|numeric − exact|", ylim=(1e-13, 1e2), title="Same derivative, two precisions")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %%
assert len(caught) >= 1 and "not float64" in str(caught[0].message)
assert not report32 and report32_big_eps
worst64 = max(row.max_abs_diff for row in report.rows)
worst32 = max(row.max_abs_diff for row in report32_big_eps.rows)
print(f"largest gradcheck error: float64 (ε=1e-6) {worst64:.1e}, float32 (ε=1e-2) {worst32:.1e}")
assert worst32 > 1000 * worst64
assert err_centered32.min() > 1000 * err_centered.min() and best32 > best_centered
print("float32: gradcheck warns, fails at ε = 1e-6, and even at its best ε is ≥ 1000× less accurate")

# %% [markdown]
# **Take-aways.** Use the centered difference (the notes' first formula is one-sided despite its description),
# ε around 1e-5 to 1e-6 in float64, and always check in float64: a float32 gradient check mostly measures
# round-off. A failing row names the input and lists every element that fails with its ratio analytic / numeric,
# which is usually enough to find the mistake; `analytic=[...]` checks a gradient derived by hand the same way.

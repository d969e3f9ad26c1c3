# %% [markdown]
# # 05 · Activation functions and their derivatives (notes §7.4 and §9)
#
# Backpropagation through a neuron multiplies the arriving error by the activation's local derivative $f'(z)$
# (notes §5, step 5). So every activation comes with two formulas, $f$ and $f'$, and a wrong $f'$ silently trains
# the wrong model. The notes list seven nonlinearities — sigmoid, tanh, hard tanh, soft sign, ReLU, leaky ReLU and
# ELU. For each we
#
# 1. plot $f$ and $f'$ (the $f'$ curve is the engine's gradient, not a formula typed in here);
# 2. evaluate the notes' derivative formula by hand with numpy;
# 3. compare it with the engine's derivative — on the scalar `Value` engine and the array `Tensor` engine — and
#    with a numeric centered difference, the independent judge (notebook 04).
#
# Four places where the notes are wrong or imprecise come out of this, and each is shown with numbers:
# σ' in §7.4 (middle expression), softsign' in §7.4, σ in §2, and hardtanh' at the kinks z = ±1.

# %%
import matplotlib.pyplot as plt
import numpy as np

from autodiff import Tensor, Value, gradcheck, numerical_grad
from autodiff.rules import UNARY

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

K_LEAKY = 0.1  # leaky ReLU slope k (0 < k < 1); larger than PyTorch's 0.01 default so it shows on the plot
ALPHA_ELU = 1.0  # ELU's α


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# %% [markdown]
# ## The notes' formulas, written out with numpy
#
# | name | $f(z)$ (notes) | $f'(z)$ (notes) |
# |---|---|---|
# | sigmoid | $\dfrac{1}{1+\exp(-z)}$ | $\dfrac{-\exp(-z)}{1+\exp(-z)} = \sigma(z)(1-\sigma(z))$ |
# | tanh | $\dfrac{\exp(z)-\exp(-z)}{\exp(z)+\exp(-z)} = 2\sigma(2z)-1$ | *(not given)* |
# | hardtanh | $-1$ for $z<-1$; $z$ for $-1\le z\le1$; $1$ for $z>1$ | $1$ for $-1\le z\le 1$, $0$ otherwise |
# | softsign | $\dfrac{z}{1+\lvert z\rvert}$ | $\dfrac{\text{sgn}(z)}{(1+z)^2}$ |
# | ReLU | $\max(z, 0)$ | $1$ for $z>0$, $0$ otherwise |
# | leaky ReLU | $\max(z, kz)$, $0<k<1$ | $1$ for $z>0$, $k$ otherwise |
# | ELU | $z$ for $z>0$; $\alpha(\exp(z)-1)$ for $z\le0$ | *(not given)* |
#
# Where the notes give no derivative we supply the textbook one ($\tanh' = 1-\tanh^2$;
# $\text{ELU}'(z) = 1$ for $z>0$, $\alpha e^z$ otherwise) and check it the same way.

# %%
notes_forward = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "hardtanh": lambda z: np.where(z < -1, -1.0, np.where(z > 1, 1.0, z)),
    "softsign": lambda z: z / (1 + np.abs(z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.maximum(z, K_LEAKY * z),
    "elu": lambda z: np.where(z > 0, z, ALPHA_ELU * (np.exp(z) - 1)),
}
# the derivative formulas: the notes' where they give one (σ' has two expressions), ours where they don't
derivative_formulas = {
    "sigmoid": {"notes, middle: −e^(−z)/(1+e^(−z))": lambda z: -np.exp(-z) / (1 + np.exp(-z)),
                "notes, right: σ(z)(1 − σ(z))": lambda z: sigmoid(z) * (1 - sigmoid(z))},
    "tanh": {"(not in notes): 1 − tanh²(z)": lambda z: 1 - np.tanh(z) ** 2},
    "hardtanh": {"notes: 1 on [−1, 1], else 0": lambda z: np.where((z >= -1) & (z <= 1), 1.0, 0.0)},
    "softsign": {"notes: sgn(z)/(1+z)²": lambda z: np.sign(z) / (1 + z) ** 2,
                 "correct: 1/(1+|z|)²": lambda z: 1 / (1 + np.abs(z)) ** 2},
    "relu": {"notes: 1 if z > 0 else 0": lambda z: np.where(z > 0, 1.0, 0.0)},
    "leaky_relu": {"notes: 1 if z > 0 else k": lambda z: np.where(z > 0, 1.0, K_LEAKY)},
    "elu": {"(not in notes): 1 if z > 0 else α·e^z": lambda z: np.where(z > 0, 1.0, ALPHA_ELU * np.exp(z))},
}
params = {"leaky_relu": {"k": K_LEAKY}, "elu": {"alpha": ALPHA_ELU}}
NAMES = list(notes_forward)


def engine(node, name):
    """Apply the engine's activation ``name`` to a Value or Tensor."""
    return getattr(node, name)(**params.get(name, {}))


# %% [markdown]
# ## All seven, with their derivatives
# The derivative curves are the engine's: one `Tensor` of 801 points, `f(z).sum().backward()`, and `z.grad` holds
# $f'(z)$ at every point (the sum's error signal is 1 for each element). Dashed red: the notes' formula where it
# disagrees with the engine.

# %%
z_plot = Tensor(np.linspace(-4, 4, 801), requires_grad=True)
curves = {}
for name in NAMES:
    z_plot.zero_grad()
    out = engine(z_plot, name)
    out.sum().backward()
    curves[name] = (out.data.copy(), z_plot.grad.copy())

titles = {"sigmoid": "sigmoid σ", "tanh": "tanh", "hardtanh": "hard tanh", "softsign": "soft sign",
          "relu": "ReLU", "leaky_relu": f"leaky ReLU (k = {K_LEAKY})", "elu": f"ELU (α = {ALPHA_ELU:g})"}
zs = z_plot.data
fig, axes = plt.subplots(2, 4, figsize=(13, 6), sharex=True)
for ax, name in zip(axes.flat, NAMES):
    y, dy = curves[name]
    ax.plot(zs, y, lw=2, label="f(z)")
    ax.plot(zs, dy, lw=2, label="f'(z) (engine)")
    if name == "sigmoid":
        ax.plot(zs, derivative_formulas[name]["notes, middle: −e^(−z)/(1+e^(−z))"](zs), "r--", lw=1.3,
                label=r"notes' $-e^{-z}/(1+e^{-z})$")
    if name == "softsign":
        with np.errstate(divide="ignore"):
            wrong = derivative_formulas[name]["notes: sgn(z)/(1+z)²"](zs)
        wrong[(np.abs(wrong) > 5) | (zs == 0)] = np.nan  # break the line at the pole z = −1 and the jump at 0
        ax.plot(zs, wrong, "r--", lw=1.3, label=r"notes' $\mathrm{sgn}(z)/(1+z)^2$")
    ax.set(title=titles[name], ylim=(-1.6, 1.6) if name not in ("relu", "leaky_relu", "elu") else (-1.6, 4.2))
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.legend(fontsize=7, loc="upper left")
ax = axes.flat[-1]
for name in NAMES:
    ax.plot(zs, curves[name][0], lw=1.5, label=titles[name].split(" (")[0])
ax.set(title="all seven", ylim=(-1.6, 2.5))
ax.legend(fontsize=7, loc="upper left")
for ax in axes[1]:
    ax.set_xlabel("z")
fig.tight_layout()
plt.show()

# %% [markdown]
# Already visible: the notes' σ' (middle expression) is negative everywhere, while σ is increasing; the notes'
# softsign' is negative for $z<0$ and explodes at $z=-1$, while softsign is increasing with a slope of at most 1.
#
# ## Every formula against the engine and a numeric gradient
# 13 points from −2.96 to 3.04 (shifted by 0.037 to stay off the kinks at 0 and ±1, where no derivative exists).
# For each formula: the largest difference from the centered difference, and the engine's (`Value` one node at a
# time, `Tensor` all at once).

# %%
z_check = np.linspace(-3, 3, 13) + 0.037
results = {}
print(f"{'function':11} {'formula':40} {'|formula − numeric|':>20} {'|Value − numeric|':>18} "
      f"{'|Tensor − numeric|':>18}")
for name in NAMES:
    zt = Tensor(z_check.copy(), requires_grad=True)
    engine(zt, name).sum().backward()
    tensor_grad = zt.grad.copy()
    value_grad = []
    for zi in z_check:
        v = Value(float(zi))
        engine(v, name).backward()
        value_grad.append(v.grad)
    value_grad = np.array(value_grad)
    numeric = numerical_grad(lambda t, name=name: engine(t, name).sum(), Tensor(z_check.copy(), requires_grad=True))
    forward_ok = np.allclose(engine(Tensor(z_check), name).data, notes_forward[name](z_check), rtol=0, atol=1e-15)
    for label, formula in derivative_formulas[name].items():
        by_hand = formula(z_check)
        results[name, label] = dict(
            formula=np.abs(by_hand - numeric).max(),
            value=np.abs(value_grad - numeric).max(),
            tensor=np.abs(tensor_grad - numeric).max(),
            value_vs_tensor=np.abs(value_grad - tensor_grad).max(),
            formula_vs_engine=np.abs(by_hand - tensor_grad).max(),
            forward_ok=forward_ok,
        )
        r = results[name, label]
        flag = "   ← WRONG" if r["formula"] > 1e-6 else ""
        print(f"{name:11} {label:40} {r['formula']:20.2e} {r['value']:18.2e} {r['tensor']:18.2e}{flag}")

# %%
for (name, label), r in results.items():
    assert r["forward_ok"], f"engine's {name} differs from the notes' forward formula"
    assert r["value"] < 1e-8 and r["tensor"] < 1e-8, f"engine's {name}' disagrees with the numeric gradient"
    assert r["value_vs_tensor"] < 1e-15, f"Value and Tensor disagree on {name}'"
    notes_wrong = label in ("notes, middle: −e^(−z)/(1+e^(−z))", "notes: sgn(z)/(1+z)²")
    if notes_wrong:
        assert r["formula"] > 0.1, f"{label} was expected to be wrong"
    else:
        assert r["formula"] < 1e-8 and r["formula_vs_engine"] < 1e-15, f"{name}: {label}"
print("engine (Value and Tensor) = numeric gradient for all seven; the notes' formulas hold except the two marked")

# %% [markdown]
# ## The notes' errors, one by one
#
# ### 1. σ'(z) in §7.4: sign error and a missing square
# The notes write $\sigma'(z) = \dfrac{-\exp(-z)}{1+\exp(-z)} = \sigma(z)(1-\sigma(z))$. The right-hand side is
# right; the middle is not equal to it. By the quotient rule,
# $\dfrac{d}{dz}(1+e^{-z})^{-1} = \dfrac{e^{-z}}{(1+e^{-z})^2}$, and since
# $\dfrac{e^{-z}}{1+e^{-z}} = 1-\sigma(z)$ this is $\sigma(z)(1-\sigma(z))$. The notes' middle expression is
# $-(1-\sigma(z))$: the derivative without its σ(z) factor and with the wrong sign.
#
# ### 2. softsign'(z) in §7.4
# For $z>0$, $\text{softsign}(z) = z/(1+z)$ and the derivative is $1/(1+z)^2$; for $z<0$ it is $z/(1-z)$ with
# derivative $1/(1-z)^2$. Both cases are $\dfrac{1}{(1+|z|)^2}$ — always positive, 1 at $z=0$. The notes'
# $\text{sgn}(z)/(1+z)^2$ agrees for $z>0$ only; for $z<0$ it has the wrong sign and the wrong magnitude.
#
# The engine's gradcheck is the proof. `with_derivative` (notebook 04) makes a node whose forward value is the
# activation and whose backward uses a formula we hand it; gradcheck then compares that formula with the numeric
# slope of the forward values.

# %%
def with_derivative(z, f, derivative):
    """A node with value f(z) and local derivative ``derivative(z)`` (numpy functions)."""
    z0 = z.data.copy()
    return Tensor(f(z0)) + (z - z0) * derivative(z0)


z_t = Tensor(z_check.copy(), requires_grad=True)
proofs = {
    "σ' notes": ("sigmoid", derivative_formulas["sigmoid"]["notes, middle: −e^(−z)/(1+e^(−z))"]),
    "σ(1 − σ)": ("sigmoid", derivative_formulas["sigmoid"]["notes, right: σ(z)(1 − σ(z))"]),
    "softsign' notes": ("softsign", derivative_formulas["softsign"]["notes: sgn(z)/(1+z)²"]),
    "1/(1 + |z|)²": ("softsign", derivative_formulas["softsign"]["correct: 1/(1+|z|)²"]),
}
proof_reports = {}
for label, (name, derivative) in proofs.items():
    proof_reports[label] = gradcheck(
        lambda z, f=notes_forward[name], d=derivative: with_derivative(z, f, d).sum(), {label: z_t}
    )
    print(proof_reports[label].rows[0], "→", "PASSED" if proof_reports[label] else "FAILED")

print()
print("the engine's own rules:", UNARY["sigmoid"].formula, "|", UNARY["softsign"].formula)
print(gradcheck(lambda z: z.sigmoid().sum() + z.softsign().sum(), {"z": z_t}))

# %%
assert not proof_reports["σ' notes"] and not proof_reports["softsign' notes"]
assert proof_reports["σ(1 − σ)"] and proof_reports["1/(1 + |z|)²"]
assert gradcheck(lambda z: z.sigmoid().sum() + z.softsign().sum(), {"z": z_t})
middle = derivative_formulas["sigmoid"]["notes, middle: −e^(−z)/(1+e^(−z))"](z_check)
assert np.allclose(middle, -(1 - sigmoid(z_check)), rtol=0, atol=1e-15)  # the notes' middle is −(1 − σ)
wrong_softsign = derivative_formulas["softsign"]["notes: sgn(z)/(1+z)²"](z_check)
right_softsign = 1 / (1 + np.abs(z_check)) ** 2
assert np.allclose(wrong_softsign[z_check > 0], right_softsign[z_check > 0], rtol=0, atol=1e-15)
assert np.all(wrong_softsign[z_check < 0] < 0) and np.all(right_softsign > 0)
print("gradcheck fails the notes' σ' and softsign', passes σ(1 − σ) and 1/(1+|z|)², and the engine uses the latter")

# %% [markdown]
# ### 3. σ in §2: `exp(z)` instead of `exp(−z)`
# §1 defines the neuron correctly, $a = 1/(1+\exp(-(w^Tx+b)))$, but §2 writes the layer's activations as
# $a_i = 1/(1+\exp(w^{(i)T}x+b_i))$ and $\sigma(z) = [1/(1+\exp(z_i))]_i$ — the minus sign is lost. That function
# is $\sigma(-z) = 1 - \sigma(z)$: a *decreasing* S-curve, the mirror image of the sigmoid.

# %%
z_grid = np.linspace(-4, 4, 9)
section2 = 1 / (1 + np.exp(z_grid))
engine_sigmoid = Tensor(z_grid).sigmoid().data
print("z          ", np.round(z_grid, 2))
print("σ (engine) ", np.round(engine_sigmoid, 4))
print("§2's 1/(1+e^z)", np.round(section2, 4))
assert np.allclose(engine_sigmoid, 1 / (1 + np.exp(-z_grid)), rtol=0, atol=1e-15)
assert np.allclose(section2, 1 - engine_sigmoid, rtol=0, atol=1e-15)
assert np.all(np.diff(section2) < 0) and np.all(np.diff(engine_sigmoid) > 0)
print("§2's formula is σ(−z) = 1 − σ(z), decreasing; the engine's σ is the §1/§7.4 one")

# %% [markdown]
# ### 4. hardtanh'(±1): a kink, not an error — but a choice
# At $z=\pm1$ hard tanh has a corner: slope 1 on the inside, 0 on the outside, so no derivative exists there.
# The notes' piecewise formula says 1 at the corners ($-1 \le z \le 1$); PyTorch, and errorflow following it, say
# 0. Both are fine: at a kink any value between the two one-sided slopes is a valid (Clarke) subgradient, and the
# centered difference lands halfway, at 0.5. The same holds at $z=0$ for ReLU (notes and engine: 0) and leaky
# ReLU (notes and engine: $k$). Softsign and ELU with α = 1 are piecewise formulas too, but differentiable at 0
# (both one-sided slopes are 1), so there the derivative is not a choice. Column "formula": the notes' derivative
# where they give one, the textbook one for ELU.

# %%
eps = 1e-6
kinks = [("hardtanh", -1.0), ("hardtanh", 1.0), ("relu", 0.0), ("leaky_relu", 0.0), ("softsign", 0.0), ("elu", 0.0)]
print(f"{'f':11} {'z':>5} {'left slope':>11} {'right slope':>12} {'centered':>9} {'formula':>8} {'engine':>7}")
kink_rows = []
for name, z0 in kinks:
    f = notes_forward[name]
    left = (f(np.array(z0)) - f(np.array(z0 - eps))) / eps
    right = (f(np.array(z0 + eps)) - f(np.array(z0))) / eps
    centered = (f(np.array(z0 + eps)) - f(np.array(z0 - eps))) / (2 * eps)
    notes_value = next(iter(derivative_formulas[name].values()))(np.array(z0))
    v = Value(z0)
    engine(v, name).backward()
    kink_rows.append((name, z0, float(left), float(right), float(centered), float(notes_value), v.grad))
    print(f"{name:11} {z0:5.0f} {left:11.4f} {right:12.4f} {centered:9.4f} {notes_value:8.3g} {v.grad:7.3g}")

# %% [markdown]
# Softsign's row is one more failure of the notes' formula: $\text{sgn}(0)/(1+0)^2 = 0$, but both one-sided
# slopes are 1. A gradient check *at* a kink fails even for a correct engine, because the centered difference
# averages the two sides. That is why the checks above stay off the corners:

# %%
at_kink = gradcheck(lambda z: z.hardtanh().sum(), {"z at ±1": Tensor(np.array([-1.0, 1.0]), requires_grad=True)})
print(at_kink)

# %%
engine_at = {(name, z0): g for name, z0, *_, g in kink_rows}
assert engine_at["hardtanh", -1.0] == 0.0 and engine_at["hardtanh", 1.0] == 0.0  # PyTorch's choice
assert engine_at["relu", 0.0] == 0.0 and engine_at["leaky_relu", 0.0] == K_LEAKY
assert engine_at["softsign", 0.0] == 1.0 and engine_at["elu", 0.0] == 1.0  # differentiable there
for name, z0, left, right, _centered, formula_value, g in kink_rows:
    low, high = min(left, right) - 1e-6, max(left, right) + 1e-6
    assert low <= g <= high, f"engine's {name}'({z0}) is not between the one-sided slopes"
    if name != "softsign":
        assert low <= formula_value <= high, f"notes' {name}'({z0}) is not between the one-sided slopes"
assert [row[5] for row in kink_rows if row[0] == "softsign"] == [0.0]  # the notes' sgn(0)/(1+0)² — but slope is 1
assert not at_kink
print("at every kink the notes' value and the engine's are valid subgradients (softsign excepted: it has no kink,")
print("its derivative at 0 is 1 and the notes' formula says 0); gradcheck at a kink fails")

# %% [markdown]
# ## §9: tanh is a rescaled, shifted sigmoid
# $\tanh(z) = 2\sigma(2z) - 1$ (the notes write $2\sigma(2x)-1$ in §7.4, mixing up $x$ and $z$). Differentiating
# both sides, $\tanh'(z) = 4\sigma'(2z) = 4\sigma(2z)(1-\sigma(2z))$, so at $z=0$ tanh has slope 1 against σ's
# 1/4: the §9 slide's "2× as steep" undersells it — the argument is doubled *and* the output range is doubled, so
# the slope at the origin is 4× σ's. We check the identity by hand, on the engine's forward values, and on the
# engine's gradients of both sides.

# %%
z_id = np.linspace(-5, 5, 41)
by_hand_gap = np.abs(np.tanh(z_id) - (2 * sigmoid(2 * z_id) - 1)).max()
lhs, rhs = Tensor(z_id.copy(), requires_grad=True), Tensor(z_id.copy(), requires_grad=True)
lhs.tanh().sum().backward()
(2 * (2 * rhs).sigmoid() - 1).sum().backward()
forward_gap = np.abs(Tensor(z_id).tanh().data - (2 * (2 * Tensor(z_id)).sigmoid() - 1).data).max()
grad_gap = np.abs(lhs.grad - rhs.grad).max()
hand_grad_gap = np.abs(lhs.grad - 4 * sigmoid(2 * z_id) * (1 - sigmoid(2 * z_id))).max()
slope_tanh0, slope_sigmoid0 = 1 - np.tanh(0.0) ** 2, sigmoid(0.0) * (1 - sigmoid(0.0))
print(f"max |tanh(z) − (2σ(2z) − 1)|: numpy {by_hand_gap:.1e}, engine {forward_gap:.1e}")
print(f"max |tanh'(z) − d/dz[2σ(2z) − 1]| (both by backprop): {grad_gap:.1e}; vs 4σ(2z)(1 − σ(2z)): "
      f"{hand_grad_gap:.1e}")
print(f"slope at 0: tanh {slope_tanh0}, σ {slope_sigmoid0} (ratio {slope_tanh0 / slope_sigmoid0:g})")

# %%
assert by_hand_gap < 1e-15 and forward_gap < 1e-15
assert grad_gap < 1e-15 and hand_grad_gap < 1e-15
assert slope_tanh0 == 4 * slope_sigmoid0
print("tanh(z) = 2σ(2z) − 1 holds for values and gradients")

# %% [markdown]
# ## Summary
#
# | function | derivative used by errorflow | the notes |
# |---|---|---|
# | sigmoid | $\sigma(z)(1-\sigma(z))$ | middle $-e^{-z}/(1+e^{-z})$ **wrong**, right side right; §2 drops σ's minus |
# | tanh | $1-\tanh^2(z)$ | derivative not given; $2\sigma(2z)-1$ verified |
# | hardtanh | 1 on $(-1,1)$, else 0 | 1 on $[-1,1]$: differs only at the kinks, both valid |
# | softsign | $1/(1+\lvert z\rvert)^2$ | $\text{sgn}(z)/(1+z)^2$ **wrong** for $z \le 0$ |
# | ReLU | 1 for $z>0$, else 0 | same |
# | leaky ReLU | 1 for $z>0$, else $k$ | same |
# | ELU | 1 for $z>0$, else $\alpha e^z$ $(=\text{ELU}(z)+\alpha)$ | derivative not given |

"""Gradient checking (notes §7.1): ``numerical_grad`` and ``gradcheck`` on functions of ``Value``s."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import GradcheckReport, GradcheckRow, Tensor, Value, gradcheck, numerical_grad, weighted_sum

HEADER_LINES = 2


def neuron(x1, x2, w1, w2, b):
    return (w1 * x1 + w2 * x2 + b).sigmoid()


def _leaves(*data):
    return [Value(d, f"v{i}") for i, d in enumerate(data)]


# ---- numerical_grad ------------------------------------------------------------------------------------------


def test_numerical_grad_is_the_centered_difference():
    x = Value(1.0)
    cube = lambda v: v**3
    eps = 1e-3
    expected = ((1 + eps) ** 3 - (1 - eps) ** 3) / (2 * eps)  # = 3 + eps², the centered difference exactly
    assert numerical_grad(cube, x, eps=eps) == pytest.approx(expected, rel=1e-12)
    assert numerical_grad(cube, x, eps=eps) != pytest.approx(3.0, rel=1e-9), "not the exact derivative"
    one_sided = ((1 + eps) ** 3 - 1) / eps
    assert abs(numerical_grad(cube, x, eps=eps) - 3) < abs(one_sided - 3) / 100


def test_numerical_grad_shapes_and_values():
    x, y = Value(2.0), Value(-0.5)
    g = numerical_grad(lambda x: x * x, x)
    assert isinstance(g, float) and g == pytest.approx(4.0, abs=1e-6)
    gs = numerical_grad(lambda x, y: x * y, [x, y])
    assert isinstance(gs, list) and len(gs) == 2
    assert gs == [pytest.approx(-0.5, abs=1e-8), pytest.approx(2.0, abs=1e-8)]


def test_numerical_grad_records_nothing():
    x = Value(2.0)
    outs = []

    def f(v):
        out = v * v
        outs.append(out)
        return out

    numerical_grad(f, x)
    assert outs and all(out.parents == () for out in outs)


def test_numerical_grad_restores_inputs_exactly():
    # 1/3 is one of the values for which stepping back by +ε, −2ε, +ε does not land on the same float.
    third = 1 / 3
    assert (third + 1e-6) - 2e-6 + 1e-6 != third
    x, y = Value(third), Value(0.1)
    numerical_grad(lambda x, y: (x * y).tanh(), [x, y])
    assert x.data.hex() == third.hex() and y.data.hex() == (0.1).hex()


@pytest.mark.parametrize("fail_on_call", [1, 2, 3, 4])
def test_numerical_grad_restores_inputs_even_when_f_raises(fail_on_call):
    third = 1 / 3
    x, y = Value(third), Value(-2.7)
    calls = []

    def f(x, y):
        calls.append(1)
        if len(calls) == fail_on_call:
            raise ZeroDivisionError("boom")
        return x * y

    with pytest.raises(ZeroDivisionError):
        numerical_grad(f, [x, y])
    assert x.data.hex() == third.hex() and y.data == -2.7


@given(x=st.floats(-3, 3), y=st.floats(-3, 3))
def test_numerical_grad_matches_backprop(x, y):
    xs = _leaves(x, y)
    f = lambda a, b: (a * b + a.sigmoid()).tanh() + b**2
    f(*xs).backward()
    for leaf, n in zip(xs, numerical_grad(f, xs)):
        assert abs(leaf.grad - n) <= 1e-6 + 1e-5 * abs(n)


# ---- gradcheck passes on correct functions -------------------------------------------------------------------

CORRECT = {
    "neuron": (neuron, [2.0, 0.0, -3.0, 1.0, 6.8813735870195432]),
    "polynomial": (lambda x, y: x**3 - 2 * x * y + y**2 / 4, [1.3, -0.7]),
    "pow": (lambda x, y: x**y + 2**y, [1.7, 0.6]),
    "exp-log": (lambda x: (x.exp() + 1).log() * x.sqrt(), [0.8]),
    "activations": (
        lambda x: x.tanh() + x.relu() + x.leaky_relu(0.1) + x.elu() + x.hardtanh() + x.softsign() + abs(x),
        [0.37],
    ),
    "weighted_sum": (lambda w1, w2, x, b: weighted_sum([w1, w2], [x, 3.0], b).sigmoid(), [0.5, -1.0, 2.0, 0.1]),
}


@pytest.mark.parametrize("name", list(CORRECT))
def test_gradcheck_passes_on_correct_functions(name):
    f, data = CORRECT[name]
    xs = _leaves(*data)
    report = gradcheck(f, xs)
    assert isinstance(report, GradcheckReport)
    assert report and report.passed and report.failures == []
    assert len(report.rows) == len(xs)
    for row, x in zip(report.rows, xs):
        assert isinstance(row, GradcheckRow)
        assert row.name == x.label and row.close and row.shape == ()
        assert row.max_abs_diff <= 1e-5 and row.rel_error <= 1e-3


def test_report_table_has_one_row_per_input():
    xs = _leaves(2.0, 0.0, -3.0, 1.0, 6.8813735870195432)
    report = gradcheck(neuron, xs)
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("gradcheck PASSED")
    for column in ("exact", "close", "max abs diff", "rel error", "worst element"):
        assert column in lines[1]
    rows = lines[HEADER_LINES:]
    assert len(rows) == len(xs)
    for line, row, x in zip(rows, report.rows, xs):
        assert line.split()[0] == x.label
        assert line == str(row)
        assert "True" in line and "analytic" in line and "numeric" in line
    assert repr(report) == text


def test_report_names_from_dict_pairs_and_defaults():
    x, y = Value(0.3), Value(-1.2)
    f = lambda x, y: (x * y).tanh()
    assert [r.name for r in gradcheck(f, {"first": x, "second": y}).rows] == ["first", "second"]
    assert [r.name for r in gradcheck(f, [("p", x), ("q", y)]).rows] == ["p", "q"]
    assert [r.name for r in gradcheck(f, [x, y]).rows] == ["input 0", "input 1"]
    single = gradcheck(lambda x: x * x, x)
    assert single and len(single.rows) == 1


def test_gradcheck_fast_mode_on_values():
    xs = _leaves(0.3, -1.2)
    report = gradcheck(lambda x, y: (x * y).tanh() + x**2, xs, fast=True, n_directions=4)
    assert report and len(report.rows) == 2 and all(r.shape == (4,) for r in report.rows)
    assert "4 random directions" in str(report)


def test_values_are_float64_so_no_precision_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda x: x.exp(), Value(0.5))


# ---- gradcheck catches wrong gradients -----------------------------------------------------------------------


@pytest.mark.parametrize("data", [3.0, -0.5, 1e-2])
def test_gradcheck_catches_a_silently_cut_graph(data):
    """f = x·Value(x.data): backprop sees a constant and says x; the numeric derivative of x² is 2x."""
    x = Value(data, "x")
    report = gradcheck(lambda x: x * Value(x.data), x)
    assert not report and not report.passed
    (row,) = report.rows
    assert report.failures == [row]
    assert not row.close and not row.exact
    assert row.analytic == data
    assert row.numeric == pytest.approx(2 * data, rel=1e-6)
    assert row.max_abs_diff == pytest.approx(abs(data), rel=1e-6)
    assert row.rel_error == pytest.approx(0.5, rel=1e-6)
    assert str(report).startswith("gradcheck FAILED (1 of 1 inputs)")
    assert "False" in str(report).splitlines()[HEADER_LINES]


def test_gradcheck_marks_only_the_wrong_input():
    x, y = Value(1.5, "x"), Value(0.5, "y")
    report = gradcheck(lambda x, y: x * Value(x.data) + y.tanh(), [x, y])
    assert not report
    assert [r.close for r in report.rows] == [False, True]
    assert "FAILED (1 of 2 inputs)" in str(report)


def test_gradcheck_respects_tolerances():
    x = Value(1.0)
    # A gradient off by a relative 1e-4: passes with rtol=1e-3, fails with rtol=1e-6 and a tiny atol.
    f = lambda x: x * Value(1e-4 * x.data) + x * x
    assert gradcheck(f, x, rtol=1e-3)
    assert not gradcheck(f, x, atol=1e-9, rtol=1e-6)


def test_nan_gradient_fails():
    x = Value(-2.0)
    assert gradcheck(lambda x: x ** Value(2.0), x), "a negative base is fine for ∂/∂base"
    w = Value(2.0)
    report = gradcheck(lambda w: Value(-2.0) ** w, w)  # ∂/∂exponent = out·ln(−2) = nan
    assert math.isnan(report.rows[0].analytic)
    assert not report and not report.rows[0].close


def test_exact_column():
    # With eps a power of two, the centered difference of 2x is exactly 2.
    report = gradcheck(lambda x: x * 2, Value(1.0), eps=2.0**-20)
    assert report.rows[0].exact and report.rows[0].max_abs_diff == 0.0 and report.rows[0].rel_error == 0.0
    assert not gradcheck(lambda x: x.tanh(), Value(0.3)).rows[0].exact


# ---- gradcheck leaves no trace -------------------------------------------------------------------------------


def test_gradcheck_leaves_grads_and_data_unchanged():
    x, y = Value(0.7, "x"), Value(-0.4, "y")
    w = Value(1.9, "w")  # a leaf f closes over, not an input
    x.grad, y.grad, w.grad = 0.125, -3.5, 42.0
    third = Value(1 / 3, "third")
    report = gradcheck(lambda x, y, t: (w * x + y * t).tanh(), [x, y, third])
    assert report
    assert (x.grad, y.grad, w.grad, third.grad) == (0.125, -3.5, 42.0, 0.0)
    assert (x.data, y.data, w.data, third.data) == (0.7, -0.4, 1.9, 1 / 3)


def test_gradcheck_leaves_grads_unchanged_when_it_fails():
    x = Value(2.0)
    x.grad = 7.0
    assert not gradcheck(lambda x: x * Value(x.data), x)
    assert x.grad == 7.0 and x.data == 2.0


# ---- bad arguments -------------------------------------------------------------------------------------------


def test_bad_arguments_raise():
    x = Value(1.0)
    f = lambda x: x * x
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(f, [])
    with pytest.raises(TypeError, match="float"):
        gradcheck(f, [1.0])
    with pytest.raises(TypeError, match="str"):
        gradcheck(f, ["x"])
    with pytest.raises(ValueError, match="not a leaf"):
        gradcheck(f, [x * 2])
    with pytest.raises(ValueError, match="eps"):
        gradcheck(f, x, eps=0.0)
    with pytest.raises(ValueError, match="atol"):
        gradcheck(f, x, atol=-1.0)
    with pytest.raises(ValueError, match="rtol"):
        gradcheck(f, x, rtol=-1e-3)
    with pytest.raises(ValueError, match="scalar"):
        gradcheck(lambda x: [x, x], x)
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(f, {})  # an empty dict, e.g. a model without parameters (was an IndexError)
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(f, iter([]))
    with pytest.raises(ValueError, match="at least one input"):
        numerical_grad(f, [])
    with pytest.raises(ValueError, match="at least one input"):
        numerical_grad(f, {})
    with pytest.raises(TypeError):
        numerical_grad(f, [None])
    assert x.grad == 0.0 and x.data == 1.0


@pytest.mark.parametrize("fast", [False, True])
def test_an_f_that_modifies_its_input_is_named_and_every_input_restored(fast):
    """Regression: only the perturbed element was restored and the report said just FAILED."""
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, label="x")
    w = Value(0.5, "w")
    before_x, before_w = x.data.copy(), w.data

    def f(t):
        t.data *= 1.5  # a learner's "in-place" step inside the function under test
        return (t * t).sum()

    with pytest.raises(RuntimeError, match=r"f modified its input 'x'"):
        gradcheck(f, x, fast=fast)
    np.testing.assert_array_equal(x.data, before_x)

    def g(v):
        v.data += 1.0
        return v * v

    with pytest.raises(RuntimeError, match=r"f modified its input 'w'"):
        gradcheck(g, w)
    assert w.data == before_w
    with pytest.raises(RuntimeError, match="f modified its input"):
        numerical_grad(f, [x])
    np.testing.assert_array_equal(x.data, before_x)


# ---- cmp: a hand-derived gradient against the engine's (Karpathy's backprop-ninja helper) ---------------------------
def test_cmp_reports_exact_close_and_the_largest_difference(capsys):
    import autodiff as ad

    x = ad.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    same = ad.cmp("x", 2 * x.data, x)
    assert same == ("x", True, True, 0.0) and same
    assert capsys.readouterr().out == "x               | exact: True  | approximate: True  | maxdiff: 0\n"
    near = ad.cmp("x", 2 * x.data + 1e-10, x, verbose=False)
    assert not near.exact and near.close and near.max_abs_diff == pytest.approx(1e-10, rel=1e-3)
    wrong = ad.cmp("x", x.data, x, verbose=False)  # forgot the factor 2
    assert not wrong and wrong.max_abs_diff == 3.0
    assert capsys.readouterr().out == ""
    v = ad.Value(3.0)
    (v * v).backward()
    assert ad.cmp("v", 6.0, v, verbose=False).exact


def test_cmp_names_what_is_wrong_with_its_arguments():
    import autodiff as ad

    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="no .grad: run backward"):
        ad.cmp("x", [0.0, 0.0], x)
    (x * 2).sum().backward()
    with pytest.raises(ValueError, match=r"shape \(3,\), the node's grad \(2,\)"):
        ad.cmp("x", [1.0, 2.0, 3.0], x)
    with pytest.raises(TypeError, match="must be a Value or Tensor"):
        ad.cmp("x", [2.0, 2.0], np.zeros(2))
    with pytest.raises(TypeError, match="must be numbers"):
        ad.cmp("x", ["a", "b"], x)


# ---- the homework check: a hand-derived gradient against centered differences (issue 12) --------------------------
def test_gradcheck_checks_a_hand_derived_gradient_and_lists_every_bad_element():
    from autodiff import Tensor

    W = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    f = lambda W: (W * W).sum()  # ∂f/∂W = 2W
    right = gradcheck(f, {"W": W}, analytic={"W": 2 * W.data})
    assert right and "hand-derived gradient" in str(right) and right.rows[0].bad == ()
    slip = 2 * W.data
    slip[0, 1] = -slip[0, 1]  # a sign slip
    slip[1, 0] = slip[1, 0] / 2  # a forgotten factor 2
    report = gradcheck(f, {"W": W}, analytic={"W": slip})
    assert not report
    (row,) = report.rows
    assert [e.index for e in row.bad] == [(0, 1), (1, 0)]
    assert [e.ratio for e in row.bad] == pytest.approx([-1.0, 0.5], rel=1e-6)
    lines = str(report).splitlines()
    assert len(lines) == HEADER_LINES + 1 + 2  # the row, then each bad element on its own line
    assert "(0, 1)" in lines[-2] and "ratio -1" in lines[-2] and "(1, 0)" in lines[-1] and "ratio 0.5" in lines[-1]
    assert W.grad is None  # the engine's gradient is neither used nor left behind


def test_hand_derived_gradients_by_position_and_for_values():
    x, y = Value(3.0, "x"), Value(-1.0, "y")
    f = lambda x, y: x * x * y
    assert gradcheck(f, [x, y], analytic=[2 * x.data * y.data, x.data**2])
    report = gradcheck(f, [x, y], analytic=[x.data * y.data, x.data**2])  # forgot the 2 of x²
    assert [r.close for r in report.rows] == [False, True]
    assert report.rows[0].ratio == pytest.approx(0.5, rel=1e-6)
    assert "ratio 0.5" in str(report).splitlines()[HEADER_LINES]
    assert len(str(report).splitlines()) == HEADER_LINES + 2  # a one-element row needs no element lines
    assert gradcheck(lambda x: x * x, x, analytic=6.0)  # one input: the gradient alone


def test_correct_rows_do_not_say_exact_false():
    report = gradcheck(lambda x: x.tanh(), Value(0.3, "x"))
    line = str(report).splitlines()[HEADER_LINES]
    assert report and "False" not in line and not report.rows[0].exact  # '·' instead of a distracting False
    failing = gradcheck(lambda x: x * Value(x.data), Value(2.0, "x"))
    assert "False" in str(failing).splitlines()[HEADER_LINES]


def test_hand_derived_gradients_are_checked_before_anything_runs():
    x, y = Value(3.0, "x"), Value(-1.0, "y")
    f = lambda x, y: x * y
    with pytest.raises(ValueError, match="2 gradients for 1 inputs"):
        gradcheck(lambda x: x, [x], analytic=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"missing \['y'\], unknown \['z'\]"):
        gradcheck(f, {"x": x, "y": y}, analytic={"x": 1.0, "z": 2.0})
    with pytest.raises(TypeError, match="by name needs inputs as a dict"):
        gradcheck(f, [x, y], analytic={"x": 1.0, "y": 2.0})
    with pytest.raises(ValueError, match=r"gradient for 'x' has shape \(2,\), its input \(\)"):
        gradcheck(f, [x, y], analytic=[[1.0, 2.0], 1.0])
    with pytest.raises(TypeError, match="must be numbers"):
        gradcheck(f, [x, y], analytic=["a", 1.0])
    assert x.data == 3.0 and x.grad == 0.0

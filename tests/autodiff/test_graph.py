"""The graph core: random DAGs against numeric gradients, accumulation along several paths, deep chains,
repeated backward, ``no_grad`` and the step walker.
"""

import math
import sys
import threading

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autodiff import (
    Step,
    Tensor,
    Value,
    backprop_steps,
    backward,
    enable_grad,
    is_grad_enabled,
    no_grad,
    numerical_grad,
    topological_order,
    weighted_sum,
)

ATOL, RTOL = 1e-6, 1e-5

# ---- random expression graphs --------------------------------------------------------------------------------
# Every op is smooth everywhere on the reals, and none squares its operands' magnitude, so a drawn program's
# values stay moderate and centered differences stay accurate.

UNARY = {
    "neg": lambda a: -a,
    "affine": lambda a: 0.5 * a - 0.25,
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "softsign": lambda a: a.softsign(),
    "exp∘tanh": lambda a: a.tanh().exp(),
    "log(1+a²)": lambda a: (1 + a * a).log(),
    "sqrt(a²+1)": lambda a: (a**2 + 1).sqrt(),
    "1/(1+a²)": lambda a: 1 / (1 + a * a),
    "2**tanh": lambda a: 2 ** a.tanh(),
    "elu": lambda a: a.elu(),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b.tanh(),
    "mul2": lambda a, b: a.sigmoid() * b,
    "div": lambda a, b: a / (1 + b * b),
    "pow": lambda a, b: a.sigmoid() ** b.tanh(),
    "wsum": lambda a, b: weighted_sum([a, b], [b.tanh(), 0.5], bias=a),
}
OPS = sorted(UNARY) + sorted(BINARY)


@st.composite
def programs(draw, max_leaves=4, max_ops=14):
    """Leaves' values and a list of (op, i, j): node n_leaves + k = op(node i, node j).

    Operands are drawn from every node so far, and half the time from leaf 0, so leaves are heavily reused;
    i == j gives ``a + a``-style double edges. The output sums every node, so each operand reaches the output both
    directly and through the nodes built from it: diamonds everywhere.
    """
    n_leaves = draw(st.integers(1, max_leaves), label="leaves")
    leaves = draw(st.lists(st.floats(-2, 2), min_size=n_leaves, max_size=n_leaves), label="leaf values")
    ops = []
    for k in range(draw(st.integers(1, max_ops), label="ops")):
        n = n_leaves + k
        index = st.one_of(st.just(0), st.integers(0, n - 1))
        ops.append((draw(st.sampled_from(OPS)), draw(index), draw(index)))
    return leaves, ops


def run(ops, leaves):
    nodes = list(leaves)
    for name, i, j in ops:
        nodes.append(UNARY[name](nodes[i]) if name in UNARY else BINARY[name](nodes[i], nodes[j]))
    out = nodes[0]
    for node in nodes[1:]:
        out = out + node
    return out, nodes


@given(programs())
def test_random_graphs_match_numeric_gradients(program):
    data, ops = program
    leaves = [Value(d) for d in data]
    out, nodes = run(ops, leaves)
    assume(all(abs(n.data) < 1e3 for n in nodes) and abs(out.data) < 1e3)
    out.backward()
    numeric = numerical_grad(lambda *xs: run(ops, xs)[0], leaves)
    for i, (leaf, n) in enumerate(zip(leaves, numeric)):
        assert abs(leaf.grad - n) <= ATOL + RTOL * abs(n), f"leaf {i}: analytic {leaf.grad} numeric {n}"


@given(programs())
def test_topological_order_puts_every_node_after_its_parents(program):
    data, ops = program
    out, nodes = run(ops, [Value(d) for d in data])
    order = topological_order(out)
    position = {node: k for k, node in enumerate(order)}
    assert len(position) == len(order), "each node once"
    assert order[-1] is out
    for node in order:
        for parent in node._parents:
            assert position[parent] < position[node]
    assert all(node in position for node in nodes), "every node the output depends on"


def recursive_post_order(root):
    """The definition ``topological_order`` implements: each node after its parents, taken in order."""
    order, visited = [], {root}

    def visit(node):
        for parent in node.parents:
            if parent not in visited:
                visited.add(parent)
                visit(parent)
        order.append(node)

    visit(root)
    return order


@given(programs())
def test_topological_order_is_the_recursive_depth_first_order(program):
    data, ops = program
    out, _ = run(ops, [Value(d) for d in data])
    assert topological_order(out) == recursive_post_order(out)


@pytest.mark.parametrize("shape", ["chain", "chain into a leaf", "chain onto a shared node", "runs between sums"])
def test_runs_of_single_input_nodes_keep_the_depth_first_order(shape):
    x, w = Value(0.5, "x"), Value(2.0, "w")
    if shape == "chain":
        y = x
        for _ in range(30):
            y = (y * 1.01).tanh()
    elif shape == "chain into a leaf":
        y = (x.exp().tanh() + w).sigmoid().relu()
    elif shape == "chain onto a shared node":
        s = x * w
        y = s.exp().tanh() + s.sigmoid() + (s * 2.0).relu()
    else:
        y = x
        for _ in range(5):
            y = (y.tanh() * 0.5).exp() + (y * w).sigmoid()
    assert topological_order(y) == recursive_post_order(y)


def test_tensor_runs_keep_the_depth_first_order():
    x, w = Tensor([[0.5, -1.0]], requires_grad=True), Tensor([[2.0], [1.0]], requires_grad=True)
    h = (x * 2.0).tanh().exp()
    y = ((h @ w).sigmoid() * 3.0 + (h * 0.5).relu().sum()).sum()
    assert topological_order(y) == recursive_post_order(y)


def test_a_chain_deeper_than_the_recursion_limit_is_ordered_input_first():
    x = deep = Value(1.0, "x")
    for _ in range(sys.getrecursionlimit() * 3):
        deep = deep * 1.0001 + 0.0001
    order = topological_order(deep)
    assert len(order) == 2 * sys.getrecursionlimit() * 3 + 1
    assert order[0] is x and order[-1] is deep
    assert all(node._parents == (below,) for below, node in zip(order, order[1:])), "each node right after its input"


@given(programs(max_ops=8))
def test_step_walker_matches_backward_on_random_graphs(program):
    data, ops = program
    leaves = [Value(d) for d in data]
    out, _ = run(ops, leaves)
    steps = list(out.backward_steps())
    assert [s.node for s in steps] == list(reversed(topological_order(out)))
    walked = [leaf.grad for leaf in leaves]
    twin = [Value(d) for d in data]
    run(ops, twin)[0].backward()
    assert walked == [leaf.grad for leaf in twin], "the walker run to the end is backward()"
    position = {s.node: k for k, s in enumerate(steps)}
    for step in steps:
        assert step.error_signal == step.node.grad
        assert all(position[p] > position[step.node] for p in step.node.parents), "reverse topological order"


# ---- several paths to one node -------------------------------------------------------------------------------


def test_reused_node_receives_the_sum():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_diamond():
    a = Value(1.5)
    b, c = a * 2, a * 3
    d = b * c  # 6a²
    d.backward()
    assert a.grad == 12 * 1.5
    assert (b.grad, c.grad) == (c.data, b.data)


def test_leaf_used_100_times():
    x = Value(0.7)
    y = x
    for _ in range(100):
        y = y + x
    y.backward()
    assert x.grad == 101.0
    z = Value(1.0)
    total = sum((z * z for _ in range(100)), Value(0.0))
    total.backward()
    assert z.grad == 200.0


@given(
    x=st.floats(-1.5, 1.5),
    terms=st.lists(st.tuples(st.floats(-2, 2), st.integers(1, 4)), min_size=100, max_size=100),
)
def test_leaf_used_100_times_in_drawn_polynomial(x, terms):
    """p(x) = Σ cᵢ·x^kᵢ over 100 terms that all reuse the leaf x; p'(x) = Σ cᵢ·kᵢ·x^(kᵢ−1)."""

    def p(v):
        out = Value(0.0)
        for c, k in terms:
            out = out + c * v**k
        return out

    v = Value(x)
    p(v).backward()
    by_hand = sum(c * k * x ** (k - 1) for c, k in terms)
    assert v.grad == pytest.approx(by_hand, rel=1e-12, abs=1e-12)
    n = numerical_grad(p, v)
    assert abs(v.grad - n) <= ATOL + RTOL * abs(n)


# ---- deep graphs ---------------------------------------------------------------------------------------------


def test_chain_of_1e5_operations_backprops():
    """y ← y·c + d, 10⁵ times: ∂y/∂x = cᴺ and y = x·cᴺ + d(cᴺ − 1)/(c − 1). 2·10⁵ nodes, no recursion."""
    n, c, d = 100_000, 1.00001, 0.0001
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y * c + d
    assert len(topological_order(y)) == 2 * n + 1
    y.backward()
    assert x.grad == pytest.approx(c**n, rel=1e-9)
    assert y.data == pytest.approx(0.5 * c**n + d * (c**n - 1) / (c - 1), rel=1e-9)
    y.backward()
    assert x.grad == pytest.approx(2 * c**n, rel=1e-9)


def test_deep_chain_of_value_operands():
    n = 100_000
    x, w = Value(1.0), Value(1.0)
    y = x
    for _ in range(n):
        y = y * w  # x·wᴺ: ∂/∂w = N at w = 1
    y.backward()
    assert (x.grad, w.grad) == (1.0, float(n))


# ---- repeated backward, zero_grad ----------------------------------------------------------------------------


def _small_graph():
    a, b = Value(0.5, "a"), Value(-1.25, "b")
    c = a * b
    d = c + a
    e = d.tanh()
    return (a, b), (c, d, e)


def test_repeated_backward_recomputes_interior_and_accumulates_leaves():
    (a, b), interior = _small_graph()
    e = interior[-1]
    e.backward()
    first_leaves = (a.grad, b.grad)
    first_interior = [n.grad for n in interior]
    assert e.grad == 1.0 and a.grad != 0.0 and b.grad != 0.0
    e.backward()
    assert [n.grad for n in interior] == first_interior, "interior grads are recomputed, not doubled"
    assert (a.grad, b.grad) == (2 * first_leaves[0], 2 * first_leaves[1]), "leaf grads accumulate"
    a.zero_grad()
    b.zero_grad()
    assert (a.grad, b.grad) == (0.0, 0.0)
    e.backward()
    assert (a.grad, b.grad) == first_leaves
    assert [n.grad for n in interior] == first_interior


def test_interior_grad_belongs_to_the_latest_pass():
    a = Value(1.0)
    b = a * 2
    c, d = b * 3, b * 5
    c.backward()
    assert b.grad == 3.0
    d.backward()
    assert b.grad == 5.0, "not 3 + 5: interior gradients start from zero on every pass"
    assert a.grad == 6.0 + 10.0


def test_backward_from_a_leaf_accumulates_one():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_function_with_a_seed():
    x = Value(2.0)
    y = x * x
    backward(y, 3.0)
    assert (y.grad, x.grad) == (3.0, 12.0)


# ---- no_grad --------------------------------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x, w = Value(2.0), Value(3.0)
    with no_grad():
        assert not is_grad_enabled()
        outs = [x * w, x + 1, 2**x, x**w, x.tanh(), x.sigmoid(), -x, abs(x), weighted_sum([w], [x])]
        with enable_grad():
            recorded = x * w
    assert is_grad_enabled()
    for out in outs:
        assert out.parents == () and out.local_grads == () and out.op == "" and out.is_leaf
    assert (outs[0].data, outs[1].data, outs[2].data, outs[3].data) == (6.0, 3.0, 4.0, 8.0)
    assert recorded.parents == (x, w)
    outs[0].backward()
    assert (x.grad, w.grad) == (0.0, 0.0), "nothing to backprop into"
    assert (x * w).parents == (x, w), "recording resumes after the block"


def test_no_grad_restores_mode_after_an_exception_and_works_as_decorator():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert is_grad_enabled()

    @no_grad()
    def evaluate(v):
        """Docstring kept."""
        return v * 2, is_grad_enabled()

    out, enabled = evaluate(Value(1.0))
    assert not enabled and out.parents == () and is_grad_enabled()
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Docstring kept."
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_one_no_grad_instance_can_be_nested():
    # Run in a thread of its own: grad mode is thread-local, so the bug cannot leak into later tests.
    modes = []

    def nest():
        guard = no_grad()
        with guard:
            with guard:
                pass
            modes.append(is_grad_enabled())
        modes.append(is_grad_enabled())

    thread = threading.Thread(target=nest)
    thread.start()
    thread.join(10)
    assert modes == [False, True]


def test_no_grad_is_thread_local():
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with no_grad():
            inside.set()
            assert release.wait(10)
            x = Value(1.0)
            seen["parents"] = (x * 2).parents
            seen["enabled"] = is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert inside.wait(10)
        # The worker is inside no_grad right now; this thread still records.
        assert is_grad_enabled()
        x = Value(2.0)
        assert (x * 3).parents == (x,)
    finally:
        release.set()
        thread.join(10)
    assert seen == {"parents": (), "enabled": False}

    # And the other way round: a thread started inside no_grad records.
    with no_grad():
        other = {}

        def record():
            v = Value(1.0)
            other["parents"] = (v * 2).parents
            other["v"] = v

        t = threading.Thread(target=record)
        t.start()
        t.join(10)
        assert not is_grad_enabled()
    assert other["parents"] == (other["v"],)


# ---- the step walker -----------------------------------------------------------------------------------------


def _neuron():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    z = w1 * x1 + w2 * x2 + b
    a = z.sigmoid()
    return [x1, x2, w1, w2, b], a


def test_backward_steps_one_step_per_node_in_reverse_topological_order():
    leaves, a = _neuron()
    order = topological_order(a)
    steps = list(a.backward_steps())
    assert all(isinstance(s, Step) for s in steps)
    assert [s.node for s in steps] == order[::-1]
    assert len({id(s.node) for s in steps}) == len(order)
    assert steps[0].node is a and steps[0].error_signal == 1.0, "we start with an error signal of 1"
    received = {}
    for step in steps:
        assert step.error_signal == step.node.grad
        if step.node.is_leaf:
            assert tuple(step.shares) == () and step.sent == []
        else:
            assert tuple(step.shares) == tuple(g * step.error_signal for g in step.node.local_grads)
            assert step.sent == list(zip(step.node.parents, tuple(step.shares)))
        if step.node in received:
            assert step.error_signal == pytest.approx(sum(received[step.node]), rel=1e-15)
        for parent, share in step.sent:
            received.setdefault(parent, []).append(share)
    walked = [leaf.grad for leaf in leaves]
    fresh, a2 = _neuron()
    a2.backward()
    assert walked == [leaf.grad for leaf in fresh]


def test_backprop_steps_function_and_reused_node_signal():
    a = Value(3.0)
    b = a + a
    c = b * b
    steps = list(backprop_steps(c, 1.0))
    assert [s.node for s in steps] == [c, b, a]
    assert tuple(steps[0].shares) == (b.data, b.data)
    assert steps[1].error_signal == 2 * b.data, "b receives the sum of both shares"
    assert tuple(steps[1].shares) == (2 * b.data, 2 * b.data)
    assert steps[2].error_signal == 4 * b.data == a.grad
    assert a.grad == pytest.approx(8 * 3.0)


def test_walker_is_lazy():
    leaves, a = _neuron()
    walker = a.backward_steps()
    first = next(walker)
    assert first.node is a
    assert all(leaf.grad == 0.0 for leaf in leaves), "no leaf has received anything yet"
    for _ in walker:
        pass
    assert leaves[2].grad == pytest.approx(2 * a.data * (1 - a.data))
    assert not math.isnan(leaves[4].grad)


def test_no_grad_on_a_generator_function_covers_the_generator_body():
    @no_grad()
    def products(xs):
        for x in xs:
            yield x * 2, is_grad_enabled()

    x = Value(1.0)
    results = []
    for product, enabled in products([x, x]):
        results.append((product.parents, enabled, is_grad_enabled()))  # the caller keeps recording between steps
    assert results == [((), False, True), ((), False, True)]
    assert products.__name__ == "products"


def test_no_grad_generator_passes_sent_values_thrown_errors_and_its_return_value():
    @no_grad()
    def echo():
        received = yield "ready"
        try:
            yield (received, is_grad_enabled())
        except KeyError:
            yield ("caught", is_grad_enabled())
        return "done"

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send(3) == (3, False)
    assert gen.throw(KeyError("k")) == ("caught", False)
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done" and is_grad_enabled()

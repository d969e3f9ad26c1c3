"""``Value``: a scalar node of the computation graph (micrograd's idea, with the notes' vocabulary).

Each operation computes its result *and* the local derivative of the result with respect to each input
(``∂out/∂parent``), and stores both on the new node. Backpropagation (``autodiff.graph``) then only has to multiply:
``share sent to parent = error_signal × local_grad``. Keeping the local derivative on the edge is what lets the
diagrams label every edge with the signal it carries.

    >>> x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(1.0, "b")
    >>> a = (w * x + b).sigmoid()
    >>> a.backward()
    >>> round(w.grad, 6)   # σ'(z)·x
    0.013296
"""

from __future__ import annotations

import functools
import numbers
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import graph
from .anomaly import on_create
from .operators import Operators, float_operand
from .rules import BINARY, SCALAR, UNARY, BinaryRule, UnaryRule, on_arrays

__all__ = ["Value", "weighted_sum"]

Number = int | float
_MICROGRAD_OPS = {"add": "+", "mul": "*", "relu": "ReLU"}  # op → micrograd's _op spelling


class Value(Operators):
    """A scalar that remembers how it was computed.

    ``data`` (float) is the value, ``grad`` (float) the derivative of the last ``backward()`` root with respect to
    it, ``label`` a name for diagrams, ``op`` the operation that produced it ("" for a leaf). ``parents`` are the
    inputs of that operation and ``local_grads[i]`` is ∂self/∂parents[i].

    Gradients: ``backward()`` sets ``grad`` of interior nodes afresh on every call and *adds* to ``grad`` of leaves
    (nodes you created, such as weights), as PyTorch does; call ``zero_grad()`` (or a module's/optimizer's) between
    training steps.
    """

    # A node of one or two inputs keeps its edges in slots — parents _p0/_p1, local derivatives _g0/_g1 — so that it
    # is one GC-tracked object, not three (Python's collector rescans every tracked object as a graph grows); an
    # n-ary node (weighted_sum) keeps tuples in the same slots: _p0 the parents, _g0 their local derivatives.
    # As few slots as that: the collector's rescans visit every slot of every node (11 slots → 9: −25 % of their
    # cost on a deep chain). `_parents` and `local_grads` read either form.
    __slots__ = ("data", "grad", "label", "op", "_p0", "_p1", "_g0", "_g1", "_const", "__weakref__")
    __array_ufunc__ = None  # numpy must hand `array + value` back to us instead of looping over elements

    def __init__(self, data: Number, label: str | None = None) -> None:
        if isinstance(data, Value) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value(data) needs a real number (int or float), got {type(data).__name__}: {data!r}")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value(label=...) must be a str or None, got {type(label).__name__}")
        self.data = float_operand(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._p0 = self._p1 = self._g0 = self._g1 = None
        self._const: tuple | None = None

    # ---- graph protocol (see autodiff.graph) -------------------------------------------------------------
    @property
    def _parents(self) -> tuple[Value, ...]:
        p1 = self._p1
        if p1 is not None:
            return (self._p0, p1)
        p0 = self._p0
        if p0 is None:
            return ()
        return p0 if type(p0) is tuple else (p0,)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that produced this value (empty for a leaf)."""
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """``∂self/∂parents[i]`` for each parent: the notes' local gradient on each edge."""
        g0 = self._g0
        if g0 is None:
            return ()
        if self._p1 is not None:
            return (g0, self._g1)
        return g0 if type(g0) is tuple else (g0,)

    @property
    def const(self) -> tuple[int, float] | None:
        """For ``v + 1``, ``2 * v``, ``1 - v``: (operand position, the number); a constant is not a node.
        For ``v ** p``: ``(1, p)``, the exponent."""
        return None if type(self._const) in (_Partners, _Params) else self._const

    @property
    def partners(self) -> tuple[int | None, ...] | None:
        """For a ``weighted_sum`` node: for each parent, the position of the parent it multiplies (wᵢ ↔ xᵢ), or
        ``None`` for the bias and for a weight whose input was a number. ``None`` for other nodes."""
        return self._const if type(self._const) is _Partners else None

    @property
    def is_leaf(self) -> bool:
        """True for a value no operation produced (an input or a weight), as PyTorch's ``is_leaf``."""
        return not self._parents

    # ---- micrograd's names, so its graph-tracing code runs unchanged --------------------------------------
    @property
    def _prev(self) -> set[Value]:
        """micrograd's ``_prev``: the set of this value's parents (a number operand is a constant, not a node)."""
        return set(self._parents)

    @property
    def _op(self) -> str:
        """micrograd's ``_op``: the op in micrograd's spelling ('+', '*', '**2', 'ReLU') where micrograd has that
        op, else errorflow's name (``op``); '' for a leaf."""
        if self.op == "pow_const" and self._const is not None:
            p = self._const[1]
            return f"**{int(p) if float(p).is_integer() else p}"
        return _MICROGRAD_OPS.get(self.op, self.op)

    def _chain(self, error_signal: float) -> tuple[float, ...] | list[float]:
        if self._p1 is not None:  # two inputs
            return self._g0 * error_signal, self._g1 * error_signal
        g0 = self._g0
        if type(g0) is tuple:  # n inputs
            return [local_grad * error_signal for local_grad in g0]
        return (g0 * error_signal,)

    def _accumulate(self, error_signal: float) -> None:
        self.grad += error_signal

    def backward(self, create_graph: bool = False) -> None:
        """Backpropagate from this value with error signal 1: fill ``.grad`` of everything it depends on.

        ``create_graph=True`` records the backward pass: every ``.grad`` is then a ``Value`` with a graph of its
        own, which can be differentiated again (σ''(z), Newton's method; :mod:`autodiff.higher`)."""
        if create_graph is not False:
            if create_graph is not True:
                raise TypeError(f"backward(create_graph=...) must be True or False, got {create_graph!r:.40}")
            from .higher import backward_graph

            return backward_graph(self)
        graph.backward(self, 1.0)

    def backward_steps(self) -> Iterator[graph.Step]:
        """The same pass as ``backward()``, one :class:`~autodiff.graph.Step` at a time."""
        return graph.backprop_steps(self, 1.0)

    def zero_grad(self) -> None:
        self.grad = 0.0

    # ---- arithmetic and elementwise functions: autodiff.operators, with these two hooks ------------------
    def _apply_unary(self, rule: UnaryRule, **params: float) -> Value:
        return _unary(rule, self, **params)

    @staticmethod
    def _apply_binary(rule: BinaryRule, a: Value | Number, b: Value | Number) -> Value:
        """A Python number operand is a constant baked into the node (``node.const``), not a node of its own."""
        return _arith(rule, a, b)

    # ---- comparisons and conversions (identity-based hashing is kept: no __eq__) --------------------------
    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _lift(other, "<").data

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _lift(other, "<=").data

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _lift(other, ">").data

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _lift(other, ">=").data

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the data; an empty spec gives the repr."""
        return format(self.data, spec) if spec else repr(self)

    def item(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"


def _constant(x: Any, op: str) -> float:
    """A Python/numpy real number as a float (a Python bool too: ``True`` is 1, as in PyTorch and in Tensor
    arithmetic); anything else (str, None, list, Tensor) is a TypeError, an int beyond a float an OverflowError."""
    if type(x) is float:
        return x
    if type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, Value)):
        return float_operand(x, f"the operand of {op}")
    raise TypeError(
        f"unsupported operand for {op}: Value and {type(x).__name__} ({x!r:.40}); expected a Value or a real number"
    )


def _lift(x: Any, op: str) -> Value:
    return x if isinstance(x, Value) else Value(_constant(x, op))


def _node(
    data: float, op: str, p0: Value, p1: Value | None, g0: float, g1: float | None = None,
    const: tuple | None = None,
) -> Value:  # fmt: skip
    """A result of one input (``p0``, ∂out/∂p0 = ``g0``) or two (also ``p1``, ``g1``); see :func:`_n_ary_node`."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = None
    mode = _modes.recording  # 0 no_grad, 1 record, 2 record and check (anomaly mode)
    if mode:
        out.op = op
        out._p0, out._p1, out._g0, out._g1 = p0, p1, g0, g1
        out._const = const
        if mode == 2:
            on_create(out)
    else:
        out.op, out._p0, out._p1, out._g0, out._g1, out._const = "", None, None, None, None, None
    return out


def _n_ary_node(data: float, op: str, parents: tuple[Value, ...], local_grads: tuple[float, ...],
                const: tuple | None = None) -> Value:  # fmt: skip
    """A result of any number of inputs (``weighted_sum``), its edges kept as tuples in ``_p0``/``_g0``."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = None
    out._p1 = out._g1 = None
    mode = _modes.recording
    if mode:
        out.op, out._p0, out._g0, out._const = op, parents or None, local_grads or None, const  # () → a leaf
        if mode == 2:
            on_create(out)
    else:
        out.op, out._p0, out._g0, out._const = "", None, None, None
    return out


_new_value = object.__new__
_modes = graph.MODES


def _unary(rule: UnaryRule, x: Value, **params: float) -> Value:
    try:
        y, local_grad = rule.value_and_grad(x.data, SCALAR, **params)
    except (ArithmeticError, ValueError):
        y, local_grad = on_arrays(rule.value_and_grad, x.data, **params)
    if "p" in params:
        const = (1, params["p"])  # x ** p: the exponent, for diagrams
    else:
        const = _Params(params.items()) if params else None  # leaky_relu's k…, for the second-order rules
    return _node(y, rule.name, x, None, local_grad, None, const)


def _arith(rule: BinaryRule, a: Value | Number, b: Value | Number) -> Value:
    """``rule`` on two operands, at least one a Value; a number operand becomes a constant (``node.const``)."""
    a_is_value, b_is_value = isinstance(a, Value), isinstance(b, Value)
    x = a.data if a_is_value else _constant(a, rule.symbol)
    y = b.data if b_is_value else _constant(b, rule.symbol)
    try:
        out, grad_a, grad_b = rule.value_and_grads(x, y, SCALAR)
    except (ArithmeticError, ValueError):
        out, grad_a, grad_b = on_arrays(rule.value_and_grads, x, y)
    if a_is_value and b_is_value:
        return _node(out, rule.name, a, b, grad_a, grad_b)
    if a_is_value:
        return _node(out, rule.name, a, None, grad_a, const=(1, y))
    return _node(out, rule.name, b, None, grad_b, const=(0, x))


class _Partners(tuple):
    """The layout of a ``weighted_sum`` node (see :attr:`Value.partners`), kept where ``const`` lives."""

    __slots__ = ()


@functools.lru_cache(maxsize=256)
def _neuron_partners(n: int, bias: bool) -> _Partners:
    """The layout of a neuron of ``n`` node inputs (parents w₁…wₙ, x₁…xₙ[, b]): weight i ↔ input i, the bias
    alone; one tuple shared by every such node."""
    return _Partners([*range(n, 2 * n), *range(n), *([None] if bias else [])])


class _Params(tuple):
    """A unary op's parameters as ``(name, value)`` pairs (``leaky_relu``'s k…), kept where ``const`` lives."""

    __slots__ = ()


# ---- the operators, compiled from the rule table at import ------------------------------------------------------
# ``a * b`` on Values is the hot path of a learner's own code (micrograd's ``sum(w*x for ...)``). Each operator is
# specialised here from its rule: the rule's forward is called directly, with no dispatch chain in between; a local
# derivative that is a constant (∂(a+b)/∂a = 1) or an operand (∂(ab)/∂a = b) is written into the generated code
# instead of being called for; a number operand is baked in (``const``) without the derivative it does not need,
# and the nodes that bake in the same number share one (position, number) tuple (``y * 1.0001`` in a loop: no tuple
# per node to allocate and collect).
# The math stays in :mod:`autodiff.rules`; this only decides how it is called.
class _Probe:
    """Stands in for an operand while :func:`_derivative_text` looks at a rule's derivative: any arithmetic on it
    raises, so a derivative that *computes* something is told apart from one that is a constant or an operand."""

    def _refuse(self, *args: Any) -> Any:
        raise _Computed

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __pow__ = __rpow__ = __neg__ = __eq__ = __lt__ = __le__ = __gt__ = __ge__ = __float__ = __bool__ = _refuse
    __hash__ = object.__hash__


class _Computed(Exception):
    pass


def _derivative_text(local: Callable[..., Any]) -> str:
    """How the compiled operator obtains a rule's local derivative: the constant itself (``1.0`` for +), the
    operand it equals (``y`` for ∂(xy)/∂x), or a call of the rule's function."""
    x, y, out = _Probe(), _Probe(), _Probe()
    try:
        result = local(x, y, out, SCALAR)
    except _Computed:
        return "{f}(x, y, out, SCALAR)"
    for name, probe in (("x", x), ("y", y), ("out", out)):
        if result is probe:
            return name
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return repr(float(result))
    return "{f}(x, y, out, SCALAR)"


_OPERATOR_SOURCE = """
def of_nodes(a, b):
    x, y = a.data, b.data
    try:
        out = forward(x, y, SCALAR)
        return _node(out, name, a, b, {da}, {db})
    except (ArithmeticError, ValueError):
        out, da, db = on_arrays(rule.value_and_grads, x, y)
        return _node(out, name, a, b, da, db)

def operator(self, other):
    if type(other) is Value or isinstance(other, Value):
        return {call_of_nodes}
    c = other if type(other) is float else _constant(other, symbol)
    x, y = {operands}
    pair = pairs.get(c)  # nodes baking in the same number share one (position, number) pair
    if pair is None:
        pair = ({position}, c)
        if c and c == c and len(pairs) < 256:  # not 0.0 (-0.0 would find it) nor NaN
            pairs[c] = pair
    try:
        out = forward(x, y, SCALAR)
        return _node(out, name, self, None, {local}, None, pair)
    except (ArithmeticError, ValueError):
        out, da, db = on_arrays(rule.value_and_grads, x, y)
        return _node(out, name, self, None, {fallback}, None, pair)
"""


def _compiled_binary(rule: BinaryRule, reflected: bool) -> Callable[[Value, Any], Value]:
    """``self ∘ other`` (or ``other ∘ self``, ``reflected``) for one rule, as generated code: the rule's forward is
    called and each local derivative inlined as :func:`_derivative_text` finds it, the node built in one place
    (:func:`_node`)."""
    da = _derivative_text(rule.grad_a).format(f="grad_a")
    db = _derivative_text(rule.grad_b).format(f="grad_b")
    source = _OPERATOR_SOURCE.format(
        da=da, db=db,
        call_of_nodes="of_nodes(other, self)" if reflected else "of_nodes(self, other)",
        operands="(c, self.data)" if reflected else "(self.data, c)",
        local=db if reflected else da,
        fallback="db" if reflected else "da",
        position=0 if reflected else 1,
    )  # fmt: skip
    namespace = {"forward": rule.forward, "grad_a": rule.grad_a, "grad_b": rule.grad_b, "name": rule.name,
                 "symbol": rule.symbol, "rule": rule, "SCALAR": SCALAR, "Value": Value, "_node": _node,
                 "_constant": _constant, "on_arrays": on_arrays, "pairs": {}}  # fmt: skip
    exec(compile(source, f"<errorflow operator {rule.name}>", "exec"), namespace)  # noqa: S102 -- generated above
    return namespace["operator"]


def _compiled_unary(rule: UnaryRule) -> Callable[[Value], Value]:
    forward, local_grad, name = rule.forward, rule.local_grad, rule.name

    def function(self: Value) -> Value:
        x = self.data
        try:
            y = forward(x, SCALAR)
            return _node(y, name, self, None, local_grad(x, y, SCALAR))
        except (ArithmeticError, ValueError):
            y, g = on_arrays(rule.value_and_grad, x)
            return _node(y, name, self, None, g)

    return function


for _method, (_rule, _reflected) in {
    "__add__": ("add", False), "__radd__": ("add", True), "__sub__": ("sub", False), "__rsub__": ("sub", True),
    "__mul__": ("mul", False), "__rmul__": ("mul", True), "__truediv__": ("div", False),
    "__rtruediv__": ("div", True), "__rpow__": ("pow", True),
}.items():  # fmt: skip
    setattr(Value, _method, _compiled_binary(BINARY[_rule], _reflected))
for _method in ("exp", "log", "log2", "log10", "sqrt", "tanh", "sigmoid", "relu", "hardtanh", "softsign", "silu"):
    setattr(Value, _method, _compiled_unary(UNARY[_method]))  # (gelu, leaky_relu...: their arguments are checked)
Value.__neg__, Value.__abs__ = _compiled_unary(UNARY["neg"]), _compiled_unary(UNARY["abs"])
Value.abs = Value.__abs__


_JUST_VALUES = {Value}


def weighted_sum(weights: Iterable[Value], inputs: Iterable[Value | Number], bias: Value | None = None) -> Value:
    """z = Σᵢ wᵢ·xᵢ (+ b) as *one* node: a neuron's input, the notes' ``z = wᵀx + b``.

    Local derivatives, one per edge: ∂z/∂wᵢ = xᵢ (the input it forwarded), ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1.
    Inputs given as plain numbers are constants (no node, no edge); parents are (w…, Value inputs…, b).
    One node instead of 2n chained ``+``/``×`` nodes keeps diagrams readable and the scalar engine fast.
    """
    if (type(weights) is list and type(inputs) is list and len(weights) == len(inputs)
            and (bias is None or type(bias) is Value)
            and set(map(type, weights)) == _JUST_VALUES == set(map(type, inputs))):  # fmt: skip
        return _neuron(weights, inputs, bias)  # a neuron of a hidden layer: every weight and input a node
    for name, items in (("weights", weights), ("inputs", inputs)):
        if type(items) is not list and (not isinstance(items, Iterable) or isinstance(items, (str, bytes, Value))):
            raise TypeError(f"weighted_sum({name}=...) needs a list of Values or numbers, got {type(items).__name__}")
    ws = [w if type(w) is Value else _lift(w, "weighted_sum") for w in weights]
    xs = list(inputs)
    n = len(ws)
    if n != len(xs):
        raise ValueError(f"weighted_sum: {n} weights but {len(xs)} inputs; they must match")
    if bias is not None:
        bias = _lift(bias, "weighted_sum")
    tail, tail_grads = ((), ()) if bias is None else ((bias,), (1.0,))  # the bias: last parent, ∂z/∂b = 1
    w_data = [w.data for w in ws]
    if set(map(type, xs)) == _JUST_VALUES:  # every input a node
        return _neuron(ws, xs, bias)
    xs = [x if isinstance(x, Value) else _constant(x, "weighted_sum") for x in xs]
    x_data = [x.data if isinstance(x, Value) else x for x in xs]
    x_nodes = tuple(x for x in xs if isinstance(x, Value))
    x_grads = tuple(w for w, x in zip(w_data, xs) if isinstance(x, Value))
    parents, local_grads = (*ws, *x_nodes, *tail), (*x_data, *x_grads, *tail_grads)
    x_position = {}  # weight i -> position of its input among the parents, when the input is a node
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            x_position[i] = n + len(x_position)
    partners = _Partners([x_position.get(i) for i in range(n)] + list(x_position) + [None] * len(tail))
    total = sum(map(operator.mul, w_data, x_data), 0.0)
    if bias is not None:
        total += bias.data
    return _n_ary_node(total, "weighted_sum", parents, local_grads, partners)


_data_of = operator.attrgetter("data")


def _neuron(ws: list[Value], xs: list[Value], bias: Value | None) -> Value:
    """:func:`weighted_sum` of n weights and n inputs that are all nodes (every neuron past the first layer), in one
    pass: parents (w…, x…[, b]), local derivatives (x…, w…[, 1])."""
    w_data, x_data = list(map(_data_of, ws)), list(map(_data_of, xs))
    total = sum(map(operator.mul, w_data, x_data), 0.0)
    if bias is None:
        parents, local_grads = (*ws, *xs), (*x_data, *w_data)
    else:
        total += bias.data
        parents, local_grads = (*ws, *xs, bias), (*x_data, *w_data, 1.0)
    return _n_ary_node(total, "weighted_sum", parents, local_grads, _neuron_partners(len(ws), bias is not None))

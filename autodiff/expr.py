"""A safe parser for arithmetic over named scalars: ``"tanh(w1*x1 + w2*x2 + b)"`` → a graph of ``Value`` nodes.

The command line (``autodiff graph``) draws any expression a learner types, so the text comes from outside and is
treated as hostile. It is never given to ``eval``: Python's own parser (:mod:`ast`) turns it into a syntax tree,
every node of that tree is checked against a short whitelist, and only then is the tree walked to build
``Value`` nodes. The grammar accepted is

    expr := number | name | expr (+ | - | * | /) expr | expr ** exponent | -expr | +expr | f(expr)
    exponent := name | -name | arithmetic on numbers (no **) whose value p has |p| ≤ 100
    f := exp log sqrt tanh sigmoid relu leaky_relu elu hardtanh softsign abs

(``leaky_relu`` and ``elu`` also take a second, numeric argument: ``leaky_relu(z, 0.1)``). Anything else —
attribute access, calls of other names, strings, lambdas, comprehensions, subscripts, comparisons — is refused
before a single operation runs, with an :class:`ExpressionError` whose message fits on one line.

Limits keep the work bounded whatever the input: at most :data:`MAX_LENGTH` characters (checked before parsing),
:data:`MAX_NODES` syntax-tree nodes and :data:`MAX_DEPTH` levels of nesting. Exponents are bounded because
``9**9**9`` is a 370-million-digit integer in Python; here every number is a float, and an exponent must be a
number in [−100, 100] (``x**(1/3)`` is fine) or a named value, so the tower is refused rather than computed.

    >>> out = parse_expression("tanh(w1*x1 + b)", {"w1": -3.0, "x1": 2.0, "b": 6.8813735870195432})
    >>> round(out.data, 4)
    0.7071
    >>> parse_expression("__import__('os')", {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autodiff.expr.ExpressionError: unknown function '__import__'; allowed: abs, elu, exp, hardtanh, ...
"""

from __future__ import annotations

import ast
import math
import numbers
from collections.abc import Callable, Mapping

from .value import Value

__all__ = [
    "ExpressionError",
    "parse_expression",
    "parse_assignment",
    "pretty_label",
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_EXPONENT",
]

MAX_LENGTH = 2000
"""Longest expression accepted, in characters (checked before Python's parser sees the text)."""
MAX_NODES = 1000
"""Most syntax-tree nodes accepted."""
MAX_DEPTH = 200
"""Deepest nesting accepted (parentheses, unary minus, function calls)."""
MAX_EXPONENT = 100.0
"""Largest |p| accepted in ``x ** p`` for a literal p."""

Operand = Value | float

FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "elu": Value.elu,
    "hardtanh": Value.hardtanh,
    "softsign": Value.softsign,
    "abs": Value.abs,
}
"""The functions an expression may call: the notes' activations and a few elementary functions."""

_SECOND_ARGUMENT = {"leaky_relu", "elu"}  # leaky_relu(z, k), elu(z, alpha): a numeric literal

_BINARY: dict[type, Callable[[Operand, Operand], Operand]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Subscript: "indexing",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: ":=",
    ast.Starred: "*unpacking",
    ast.JoinedStr: "an f-string",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class ExpressionError(ValueError):
    """The expression (or a ``NAME=NUMBER`` assignment) is not in the accepted grammar; nothing was evaluated."""


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def pretty_label(name: str) -> str:
    """``"x1"`` → ``"x₁"``, ``"w12"`` → ``"w₁₂"``: trailing digits become subscripts, as in the notes."""
    if not isinstance(name, str):
        raise TypeError(f"pretty_label needs a name (str), got {type(name).__name__}")
    stem = name.rstrip("0123456789")
    if not stem or stem == name:
        return name
    return stem + name[len(stem):].translate(_SUB)


def parse_assignment(text: str) -> tuple[str, float]:
    """``"x1=2.5"`` → ``("x1", 2.5)``: a name (a Python identifier) and a finite number."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected NAME=NUMBER as a string, got {type(text).__name__}")
    name, sep, number = text.partition("=")
    name, number = name.strip(), number.strip()
    if not sep or not name.isidentifier() or not number:
        raise ExpressionError(f"expected NAME=NUMBER, got {_shorten(text)!r}")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} is a function name and cannot be given a value")
    if len(number) > 100:
        raise ExpressionError(f"the number for {name!r} is too long ({len(number)} characters)")
    try:
        value = float(number)
    except ValueError:
        raise ExpressionError(f"the value of {name!r} must be a number, got {_shorten(number)!r}") from None
    if not math.isfinite(value):
        raise ExpressionError(f"the value of {name!r} must be finite, got {number!r}")
    return name, value


def parse_expression(text: str, values: Mapping[str, float], *, pretty: bool = True) -> Value:
    """Build the ``Value`` graph of ``text``, whose names take their numbers from ``values``.

    Each name becomes one leaf ``Value`` labelled with the name (``pretty=True`` writes ``x1`` as ``x₁``), shared by
    every occurrence, so ``x*x`` has one ``x`` with two edges. Numbers written in the text are constants baked
    into the node that uses them (``2*x`` is one ``× 2`` node), as with ``Value`` arithmetic. The text is checked
    in full before anything is computed; any problem raises :class:`ExpressionError` with a one-line message.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a string, got {type(text).__name__}")
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping {{name: number}}, got {type(values).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is too long ({len(text)} characters; at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("not a valid expression (too deeply nested, or contains a NUL byte)") from None
    names = _check(tree)
    missing = sorted(names - set(values))
    if missing:
        sets = " ".join(f"{n}=…" for n in missing)
        raise ExpressionError(f"no value for {', '.join(map(repr, missing))}: give it with --set {sets}")
    leaves: dict[str, Value] = {}
    for name in sorted(names):
        number = values[name]
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise ExpressionError(f"the value of {name!r} must be a real number, got {number!r}")
        leaves[name] = Value(float(number), pretty_label(name) if pretty else name)
    try:
        result = _evaluate(tree.body, leaves)
    except (ZeroDivisionError, OverflowError) as error:
        raise ExpressionError(f"the constant part of the expression cannot be computed: {error}") from None
    return result if isinstance(result, Value) else Value(result)


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _check(tree: ast.Expression) -> set[str]:
    """Walk the tree (iteratively) against the whitelist; return the names it reads."""
    names: set[str] = set()
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"the expression is too large (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            _number(node)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id!r} is a function: call it, as in {node.id}(x)")
            names.add(node.id)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise ExpressionError(f"operator {_op_text(node.op)} is not allowed; use + - * / **")
            if isinstance(node.op, ast.Pow):
                _check_exponent(node.right)
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator {_op_text(node.op)} is not allowed; use + - * / **")
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            stack += [(arg, depth + 1) for arg in _check_call(node)]
        else:
            what = _FORBIDDEN.get(type(node), type(node).__name__)
            raise ExpressionError(f"{what} is not allowed in an expression")
    return names


def _check_call(node: ast.Call) -> list[ast.AST]:
    if not isinstance(node.func, ast.Name):
        what = "attribute access" if isinstance(node.func, ast.Attribute) else "calling an expression"
        raise ExpressionError(f"{what} is not allowed; call one of: {', '.join(sorted(FUNCTIONS))}")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(f"unknown function {_shorten(name)!r}; allowed: {', '.join(sorted(FUNCTIONS))}")
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments")
    most = 2 if name in _SECOND_ARGUMENT else 1
    if not 1 <= len(node.args) <= most:
        raise ExpressionError(f"{name}() takes {'1 or 2 arguments' if most == 2 else 'one argument'}")
    if len(node.args) == 2:
        _literal(node.args[1], f"the second argument of {name}()")
    return [node.args[0]]


def _number(node: ast.Constant) -> float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"only numbers are allowed as constants, got {_shorten(repr(value))}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError("a number in the expression is too large")
    return number


def _literal(node: ast.AST, what: str) -> float:
    """A number literal, possibly negated: ``2``, ``-0.5``."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if not isinstance(node, ast.Constant):
        raise ExpressionError(f"{what} must be a number")
    return sign * _number(node)


def _check_exponent(node: ast.AST) -> None:
    """``x ** p``: p is a name (optionally negated), or arithmetic on numbers without ``**`` with |p| ≤ MAX_EXPONENT."""
    inner = node.operand if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) else node
    if isinstance(inner, ast.Name):
        return
    p = _fold(node, depth=0)
    if abs(p) > MAX_EXPONENT:
        raise ExpressionError(f"exponent too large: at most {MAX_EXPONENT:g} in absolute value")


def _fold(node: ast.AST, depth: int) -> float:
    """The value of a constant exponent such as ``2`` or ``(1/3)``: numbers with + - * / only, never ``**``."""
    refused = "an exponent must be a name or a number (arithmetic without **), so 9**9**9 is refused"
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")
    if isinstance(node, ast.Constant):
        return _number(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _fold(node.operand, depth + 1)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _fold(node.left, depth + 1), _fold(node.right, depth + 1)
        try:
            value = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ExpressionError("division by zero in an exponent") from None
        if not math.isfinite(value):
            raise ExpressionError(f"exponent too large: at most {MAX_EXPONENT:g} in absolute value")
        return value
    raise ExpressionError(refused)


def _op_text(op: ast.AST) -> str:
    return {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.Invert: "~",
        ast.Not: "not",
    }.get(type(op), type(op).__name__)


def _evaluate(node: ast.AST, leaves: dict[str, Value]) -> Operand:
    """Walk a checked tree (depth ≤ MAX_DEPTH, so recursion is safe). Numbers stay floats until they meet a Value."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, leaves)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, leaves), _evaluate(node.right, leaves)
        if isinstance(left, float) and isinstance(right, float) and isinstance(node.op, ast.Pow) and left < 0:
            if not right.is_integer():
                raise ExpressionError("a negative number to a fractional power is not a real number")
        return _BINARY[type(node.op)](left, right)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    function = FUNCTIONS[node.func.id]
    argument = _evaluate(node.args[0], leaves)
    extra = [_literal(a, "argument") for a in node.args[1:]]
    if isinstance(argument, float):  # a function of a constant is a constant: evaluate it with the same rule
        return function(Value(argument), *extra).data
    return function(argument, *extra)

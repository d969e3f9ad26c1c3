"""Optimizers with PyTorch's names, arguments, defaults and update rules (notes §7.7–7.9).

One code path serves both engines. A parameter is either a scalar ``Value`` (``.data`` and ``.grad`` are floats) or
a ``Tensor`` (``.data`` is a numpy array, ``.grad`` is ``None`` or an array of the same shape). Every update is
computed on numpy arrays (0-d for a ``Value``) and written back into the parameter in place: ``p.data[...] = new``
for a Tensor, ``p.data = float(new)`` for a Value. A Tensor whose ``.grad`` is ``None`` (no backward pass reached
it) is skipped, as in PyTorch; a Value always has a float gradient, so it is always updated.

Notation used in the docstrings: θ a parameter, g its gradient at step t (t = 1, 2, …), γ the learning rate
``lr``, λ ``weight_decay``, μ ``momentum``. "Snippet 2.x" refers to the notes' code snippets in §7.8–7.9.

Fan-in scaling (notes §7.7, Collobert): every optimizer accepts ``fan_in_scaling=True`` (also settable per
parameter group). The learning rate used for a parameter is then γ/√fan_in, where fan_in is the number of inputs
of the neuron the weight belongs to: ``shape[1]`` for a 2-D weight W ∈ R^{out×in} (``prod(shape[1:])`` for more
dimensions). Biases (1-D) and scalar ``Value`` parameters have no shape to read a fan-in from, so they keep γ
unless the group says ``"fan_in": n`` explicitly — the way to use the option with the scalar engine::

    layer = nn.Layer(20, 8)
    SGD([{"params": [w for row in layer.W for w in row], "fan_in": 20},
         {"params": layer.b}], lr=0.1, fan_in_scaling=True)

The scaled rate replaces γ everywhere γ appears in that parameter's update (including AdamW's decay γ·λ·θ).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]

ParamGroup = dict[str, Any]


# ---- parameters: one view over Value (float data) and Tensor (ndarray data) ------------------------------------
def is_tensor_like(p: Any) -> bool:
    """A Tensor-like parameter: its ``.data`` is a numpy array (and it has a ``.grad`` slot)."""
    return isinstance(getattr(p, "data", None), np.ndarray) and hasattr(p, "grad")


def is_value_like(p: Any) -> bool:
    """A scalar ``Value``-like parameter: float ``.data`` and float ``.grad``."""
    data = getattr(p, "data", None)
    return (
        isinstance(data, numbers.Real)
        and not isinstance(data, bool)
        and hasattr(p, "grad")
        and hasattr(p, "zero_grad")
    )


def _is_param(p: Any) -> bool:
    return is_tensor_like(p) or is_value_like(p)


def param_data(p: Any) -> np.ndarray:
    """θ as an array: the Tensor's own array, or a 0-d float64 copy of a Value's float."""
    if is_tensor_like(p):
        return p.data
    return np.asarray(p.data, dtype=np.float64)


def param_grad(p: Any) -> np.ndarray | None:
    """g as an array of θ's dtype and shape, or ``None`` when the parameter has no gradient (Tensor not reached)."""
    if p.grad is None:
        return None
    data = param_data(p)
    try:
        grad = np.asarray(p.grad, dtype=data.dtype)
    except (TypeError, ValueError):
        raise TypeError(f"a parameter's .grad must be numbers (None or an array), got {_describe(p.grad)}") from None
    if grad.shape != data.shape:
        raise ValueError(f"a parameter of shape {data.shape} has a gradient of shape {grad.shape}; they must match")
    return grad


def assign(p: Any, new: np.ndarray) -> None:
    """Write θ's new value into the parameter in place (the same object stays in the model)."""
    if is_tensor_like(p):
        p.data[...] = new
        if hasattr(p, "_version"):  # an in-place change: a graph built before it can no longer backpropagate
            p._version += 1
    else:
        p.data = float(new)


def _shape(p: Any) -> tuple[int, ...]:
    return p.data.shape if is_tensor_like(p) else ()


def fan_in(p: Any, group: ParamGroup | None = None) -> int:
    """The fan-in used by fan-in scaling: the group's ``"fan_in"`` if set, else ``prod(shape[1:])`` for a parameter
    with 2+ dimensions (W ∈ R^{out×in} → in), else 1 (biases and scalar Values: no scaling)."""
    if group is not None and group.get("fan_in") is not None:
        return int(group["fan_in"])
    shape = _shape(p)
    return math.prod(shape[1:]) if len(shape) >= 2 else 1


def _describe(x: Any) -> str:
    return f"{type(x).__name__} ({x!r:.60})"


# ---- hyper-parameter checks --------------------------------------------------------------------------------------
def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    return float(value)


def _check_nonnegative(value: Any, name: str, message: str) -> None:
    """ValueError ``"<message>: <value>"`` unless 0 ≤ value < ∞ (NaN fails too)."""
    x = _real(value, name)
    if not (0.0 <= x < math.inf):
        raise ValueError(f"{message}: {value}")


def _index(i: Any) -> int | None:
    """A parameter index of a saved state dict: an int (or the digits of one, as JSON writes keys), else None."""
    if isinstance(i, (int, np.integer)) and not isinstance(i, bool):
        return int(i)
    return int(i) if isinstance(i, str) and i.isdigit() else None


def _check_bool(value: Any, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")


class Buffer(NamedTuple):
    """One entry of an optimizer's per-parameter state, as :meth:`Optimizer.load_state_dict` checks it.

    ``kind`` is ``"step"`` (an integer count ≥ 0), ``"array"`` (finite real numbers of the parameter's shape,
    stored in its dtype) or ``"any"`` (only an array's shape is checked: for subclasses declaring no buffers);
    ``nonnegative`` arrays are running sums or averages of squares; ``required`` says whether the update reads
    the buffer once the parameter has state (a function of the group, or a constant).
    """

    kind: str
    nonnegative: bool = False
    required: bool | Callable[[ParamGroup], bool] = True


def _step_count(value: Any) -> int | None:
    """``value`` as a step count (an integer ≥ 0, also a 0-d integer array or an integral float), else None."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        return int(value) if value >= 0 else None
    return int(value) if math.isfinite(value) and value >= 0 and float(value).is_integer() else None


def _hyperparameter_names(cls: type) -> set[str]:
    """The hyper-parameters an optimizer class keeps in its groups: its constructor's arguments but ``params``."""
    names = inspect.signature(cls.__init__).parameters
    return {n for n, p in names.items() if n not in ("self", "params") and p.kind is not p.VAR_KEYWORD}


def _optimizer_classes() -> list[type]:
    """This module's optimizers (user subclasses elsewhere are not used to guess where a state came from)."""
    todo, found = list(Optimizer.__subclasses__()), []
    while todo:
        cls = todo.pop(0)
        if cls.__module__ == __name__:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


class Optimizer:
    """Base class: holds ``param_groups`` and per-parameter ``state``; subclasses define ``_update``.

    ``params`` is an iterable of parameters, or of dicts ``{"params": [...], "lr": ..., ...}`` (parameter groups,
    each overriding any of the optimizer's defaults — per-group learning rates, for example). Every group is
    checked with the same rules as the constructor's arguments. ``state[p]`` is a dict of buffers for parameter p
    (momentum, running averages, step count), created on p's first update; ``_buffers`` describes them (name →
    :class:`Buffer`) for :meth:`load_state_dict` to check.
    """

    _buffers: dict[str, Buffer] = {}

    def __init__(self, params: Iterable[Any] | Iterable[ParamGroup], defaults: dict[str, Any]) -> None:
        if not isinstance(defaults, Mapping):
            raise TypeError(f"defaults must be a dict of hyper-parameters, got {_describe(defaults)}")
        self.defaults = dict(defaults)
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[ParamGroup] = []
        if _is_param(params) or isinstance(params, dict):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of parameters or dicts, but got "
                f"{type(params).__name__}; wrap a single parameter in a list"
            )
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"params: got the module {type(params).__name__}; pass model.parameters() instead")
        if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
            raise TypeError(f"params must be an iterable of parameters or dicts, got {_describe(params)}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- groups ------------------------------------------------------------------------------------------------
    def add_param_group(self, param_group: ParamGroup) -> None:
        """Add a group ``{"params": [...], <hyper-parameter overrides>}``; missing keys take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {_describe(param_group)}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        if _is_param(params):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but got a set")
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not _is_param(p):
                raise TypeError(f"optimizer can only optimize Values and Tensors, but params[{i}] is {_describe(p)}")
            is_leaf = getattr(p, "is_leaf", True)
            if not (is_leaf if callable(is_leaf) else is_leaf):
                raise ValueError(f"can't optimize a non-leaf parameter (params[{i}] was computed from others)")
        group = {**self.defaults, **param_group, "params": params}
        self._validate(group)
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter group contains the same parameter more than once")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if taken & set(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _validate(self, group: ParamGroup) -> None:
        """Raise ValueError/TypeError for an invalid hyper-parameter in ``group``. Subclasses extend it."""
        if "lr" not in group:
            raise ValueError("a parameter group needs a learning rate 'lr' (and the optimizer has no default)")
        _check_nonnegative(group["lr"], "lr", "Invalid learning rate")
        if "initial_lr" in group:  # a scheduler's α₀
            _check_nonnegative(group["initial_lr"], "initial_lr", "Invalid initial_lr value")
        _check_bool(group.get("maximize", False), "maximize")
        _check_bool(group.get("fan_in_scaling", False), "fan_in_scaling")
        n = group.get("fan_in")
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1):
            raise ValueError(f"Invalid fan_in value: {n} (a positive int, or None to read it from the shape)")

    # ---- the loop ----------------------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every gradient: a Tensor's to ``None`` (or zeros with ``set_to_none=False``), a Value's to 0.0."""
        _check_bool(set_to_none, "set_to_none")
        for group in self.param_groups:
            for p in group["params"]:
                if is_tensor_like(p) and not set_to_none:
                    if p.grad is not None:
                        p.grad = np.zeros_like(p.data)
                else:
                    p.zero_grad()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if given (PyTorch's API).

        Every gradient and every group's hyper-parameters (perhaps edited by hand: ``group["lr"] = …``) are checked
        before the first parameter moves, so a bad one raises and leaves all parameters and state as they were.
        """
        if closure is not None and not callable(closure):
            raise TypeError(f"step(closure) needs a function returning the loss, or None; got {_describe(closure)}")
        loss = closure() if closure is not None else None
        todo = []
        for group in self.param_groups:
            self._validate(group)
            todo.append((group, [(p, g) for p in group["params"] if (g := param_grad(p)) is not None]))
        for group, updates in todo:
            for p, grad in updates:
                if group.get("maximize", False):
                    grad = -grad
                lr = group["lr"]
                if group.get("fan_in_scaling", False):
                    lr = lr / math.sqrt(fan_in(p, group))
                theta = param_data(p)
                assign(p, self._update(theta, grad, self.state[p], group, lr))
        return loss

    def _update(
        self, theta: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup, lr: float
    ) -> np.ndarray:
        """Return θ's new value; update ``state`` (a new array per buffer, never a view of θ)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(theta, grad, state, group, lr)")

    # ---- saving ------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``{"state": {index: buffers}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are replaced by their position across all groups, so the dict can be loaded into a new
        optimizer over the same model. Arrays are copied.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            groups.append({**group, "params": [index[id(p)] for p in group["params"]]})
        state = {
            index[id(p)]: {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
            if s and id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and buffers saved by :meth:`state_dict` (same group sizes required).

        Everything is checked before anything is assigned: on any error the optimizer is exactly as it was.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict needs the dict returned by state_dict(), got {_describe(state_dict)}")
        if set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"an optimizer state dict has the keys 'param_groups' and 'state'; got {list(state_dict)}")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not all(
            isinstance(g, Mapping) and isinstance(g.get("params"), (list, tuple)) for g in saved_groups
        ):
            raise ValueError("'param_groups' must be a list of dicts, each with a 'params' list of indices")
        if not isinstance(saved_state, Mapping) or not all(isinstance(b, Mapping) for b in saved_state.values()):
            raise ValueError("'state' must be a dict {parameter index: dict of buffers}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        for i, (ours, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(ours["params"]) != len(saved["params"]):
                raise ValueError(
                    f"parameter group {i}: the loaded state dict has {len(saved['params'])} parameters, "
                    f"the optimizer has {len(ours['params'])}"
                )
        indices = [i for saved in saved_groups for i in saved["params"]]
        if any(_index(i) is None for i in indices) or sorted(map(_index, indices)) != list(range(len(indices))):
            raise ValueError(f"'param_groups' must number the parameters 0, 1, …, {len(indices) - 1}; got {indices}")
        by_index: dict[int, Any] = {}
        for ours, saved in zip(self.param_groups, saved_groups):
            for p, i in zip(ours["params"], saved["params"]):
                by_index[_index(i)] = p
        new_groups = [{**saved, "params": ours["params"]} for ours, saved in zip(self.param_groups, saved_groups)]
        for i, group in enumerate(new_groups):
            self._check_hyperparameter_names(i, group)
            self._validate(group)
        group_of = {id(p): group for group in new_groups for p in group["params"]}
        new_state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for i, buffers in saved_state.items():
            if _index(i) not in by_index:
                raise ValueError(f"'state' has buffers for parameter {i!r}; the parameters are 0 … {len(indices) - 1}")
            p = by_index[_index(i)]
            new_state[p] = self._checked_buffers(i, buffers, p, group_of[id(p)])
        self.state = new_state
        self.param_groups = new_groups

    def _check_hyperparameter_names(self, i: int, group: ParamGroup) -> None:
        """A ValueError if a saved group lacks one of this optimizer's hyper-parameters — naming the optimizer
        the state came from when its groups have exactly another optimizer's hyper-parameters."""
        missing = sorted(set(self.defaults) - set(group))
        if not missing:
            return
        ours = type(self).__name__
        origin = [cls.__name__ for cls in _optimizer_classes()
                  if not issubclass(type(self), cls) and _hyperparameter_names(cls) <= set(group)]
        if origin:
            raise ValueError(f"the loaded state dict is from {' or '.join(origin)}, not {ours}: its parameter groups "
                             f"lack {ours}'s hyper-parameter(s) {', '.join(map(repr, missing))}")
        raise ValueError(f"parameter group {i} of the loaded state dict lacks {ours}'s hyper-parameter(s) "
                         f"{', '.join(map(repr, missing))}")

    def _checked_buffers(self, i: Any, buffers: Mapping[str, Any], p: Any, group: ParamGroup) -> dict[str, Any]:
        """Parameter ``i``'s saved buffers checked against ``_buffers`` (names, types, shape, ranges) and copied
        into ``p``'s dtype, or a ValueError naming the parameter and the buffer."""
        where = f"state of parameter {i}"
        ours = type(self).__name__
        shape, dtype = _shape(p), param_data(p).dtype
        checked: dict[str, Any] = {}
        for name, value in buffers.items():
            if not isinstance(value, (np.ndarray, numbers.Real)) or isinstance(value, bool):
                raise ValueError(f"{where}: {name!r} must be an array or number: {_describe(value)}")
            spec = self._buffers.get(name) if self._buffers else Buffer("any", required=False)
            if spec is None:
                owners = [cls.__name__ for cls in _optimizer_classes() if name in cls._buffers]
                origin = f" (a buffer of {', '.join(owners)}: is this another optimizer's state?)" if owners else ""
                raise ValueError(f"{where}: unexpected buffer {name!r} for {ours}{origin}; "
                                 f"{ours} keeps {', '.join(map(repr, self._buffers))}")
            if spec.kind == "step":
                step = _step_count(value)
                if step is None:
                    raise ValueError(f"{where}: {name!r} must be an integer ≥ 0 (a count of steps), got {value!r:.40}")
                checked[name] = step
                continue
            array = np.asarray(value)
            if array.shape != shape and (spec.kind == "array" or isinstance(value, np.ndarray)):
                raise ValueError(f"{where}: {name!r} has shape {array.shape}, expected {shape}")
            if spec.kind == "any":  # a subclass that declares no _buffers: only shapes are checked
                checked[name] = np.copy(value) if isinstance(value, np.ndarray) else value
                continue
            if array.dtype.kind not in "iuf":
                raise ValueError(f"{where}: {name!r} must hold real numbers, got dtype {array.dtype}")
            with np.errstate(over="ignore", invalid="ignore"):
                array = array.astype(dtype, copy=True)
            if not np.all(np.isfinite(array)):
                raise ValueError(f"{where}: {name!r} holds NaN or infinite values (or values too large for {dtype})")
            if spec.nonnegative and np.any(array < 0):
                raise ValueError(f"{where}: {name!r} must be ≥ 0 (a running sum of squares), got {array.min():g}")
            checked[name] = array
        if checked:
            for name, spec in self._buffers.items():
                required = spec.required(group) if callable(spec.required) else spec.required
                if required and name not in checked:
                    raise ValueError(f"{where}: missing buffer {name!r} ({ours} keeps "
                                     f"{', '.join(map(repr, self._buffers))}; got {', '.join(map(repr, checked))})")
        return checked

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


# ---- the optimizers -----------------------------------------------------------------------------------------------
class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (PyTorch's ``torch.optim.SGD``).

    Each step, with g = ∇θ J:

    * weight decay (L2): g ← g + λθ;
    * momentum (μ ≠ 0): b₁ = g on the first step (no dampening then), afterwards b_t = μ·b_{t−1} + (1 − τ)·g with
      τ = ``dampening``; then g ← g + μ·b_t with ``nesterov=True``, else g ← b_t;
    * θ ← θ − γ·g.

    Without momentum this is the notes' plain update θ_new = θ_old − α∇θJ (§7.7).

    Relation to the notes' snippet 2.2 (``v = mu*v - alpha*grad_x; x += v``): with dampening = 0 and a constant
    learning rate the two are the same update, because the notes' velocity is v_t = −α·b_t. Indeed
    v_t = μv_{t−1} − αg_t ⇔ −αb_t = μ(−αb_{t−1}) − αg_t ⇔ b_t = μb_{t−1} + g_t, and the first step agrees too
    (v₀ = 0 gives v₁ = −αg₁, i.e. b₁ = g₁). They differ only when α changes during training (a schedule): PyTorch's
    buffer b holds no learning rate, so a new γ applies at once to the whole accumulated velocity, while the notes'
    v keeps the old α inside it.

    Nesterov momentum requires μ > 0 and dampening = 0. ``momentum_buffer`` is kept in ``state[p]``.
    """

    _buffers = {"momentum_buffer": Buffer("array", required=False)}

    def __init__(
        self,
        params: Iterable[Any] | Iterable[ParamGroup],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        fan_in_scaling: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            fan_in_scaling=fan_in_scaling,
        )
        super().__init__(params, defaults)

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        _check_nonnegative(group["momentum"], "momentum", "Invalid momentum value")
        _check_nonnegative(group["weight_decay"], "weight_decay", "Invalid weight_decay value")
        if not 0.0 <= _real(group["dampening"], "dampening") <= 1.0:
            raise ValueError(f"Invalid dampening value: {group['dampening']} (must be in [0, 1])")
        _check_bool(group["nesterov"], "nesterov")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={group['momentum']}, dampening={group['dampening']})"
            )

    def _update(
        self, theta: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup, lr: float
    ) -> np.ndarray:
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * theta
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(grad, copy=True)
            else:
                buf = momentum * buf + (1 - group["dampening"]) * grad
            state["momentum_buffer"] = buf
            grad = grad + momentum * buf if group["nesterov"] else buf
        return theta - lr * grad


class Adagrad(Optimizer):
    r"""Adagrad (PyTorch's ``torch.optim.Adagrad``): a per-coordinate rate that shrinks with the gradient history.

    State: ``step`` t and ``sum`` (starts at ``initial_accumulator_value``). Each step:

    * g ← g + λθ (weight decay);
    * γ̃ = γ / (1 + (t − 1)·``lr_decay``);
    * sum ← sum + g²;
    * θ ← θ − γ̃·g / (√sum + ε).

    With lr_decay = 0, initial_accumulator_value = 0 this is the notes' §7.9 formula
    θ_{t,i} = θ_{t−1,i} − α·g_{t,i}/√(Σ_τ g²_{τ,i}) plus an ε. The notes' snippet 2.3 puts ε *inside* the square
    root (``x += -lr * dx / np.sqrt(cache + 1e-8)``); PyTorch adds it *after* the root, with ε = 1e-10. The two
    differ only when Σg² is of the order of ε.
    """

    _buffers = {"step": Buffer("step"), "sum": Buffer("array", nonnegative=True)}

    def __init__(
        self,
        params: Iterable[Any] | Iterable[ParamGroup],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        fan_in_scaling: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
            fan_in_scaling=fan_in_scaling,
        )
        super().__init__(params, defaults)

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        _check_nonnegative(group["lr_decay"], "lr_decay", "Invalid lr_decay value")
        _check_nonnegative(group["weight_decay"], "weight_decay", "Invalid weight_decay value")
        _check_nonnegative(
            group["initial_accumulator_value"], "initial_accumulator_value", "Invalid initial_accumulator_value value"
        )
        _check_nonnegative(group["eps"], "eps", "Invalid epsilon value")

    def _update(
        self, theta: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup, lr: float
    ) -> np.ndarray:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(theta, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * theta
        clr = lr / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = state["sum"] + grad * grad
        std = np.sqrt(state["sum"]) + group["eps"]
        return theta - clr * (grad / std)


class RMSprop(Optimizer):
    r"""RMSprop (PyTorch's ``torch.optim.RMSprop``): divide by a running RMS of the gradients.

    State: ``square_avg`` v (starts at 0), ``grad_avg`` ḡ if centered, ``momentum_buffer`` b if μ > 0. Each step,
    with α = ``alpha``:

    * g ← g + λθ (weight decay);
    * v ← α·v + (1 − α)·g²;
    * centered: ḡ ← α·ḡ + (1 − α)·g and d = √(v − ḡ²) + ε (a running *variance*); otherwise d = √v + ε;
    * μ > 0: b ← μ·b + g/d, θ ← θ − γ·b; otherwise θ ← θ − γ·g/d.

    With alpha = ``decay_rate``, momentum = 0, centered = False, weight_decay = 0 this is exactly the notes'
    snippet 2.4 (``cache = decay_rate*cache + (1-decay_rate)*dx**2; x += -lr*dx/(np.sqrt(cache) + eps)``). Unlike
    Adagrad's growing sum, v forgets old gradients, so the steps do not shrink monotonically (§7.9).
    """

    _buffers = {
        "step": Buffer("step"),
        "square_avg": Buffer("array", nonnegative=True),
        "momentum_buffer": Buffer("array", required=False),
        "grad_avg": Buffer("array", required=lambda group: group["centered"]),
    }

    def __init__(
        self,
        params: Iterable[Any] | Iterable[ParamGroup],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
        fan_in_scaling: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
            fan_in_scaling=fan_in_scaling,
        )
        super().__init__(params, defaults)

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        _check_nonnegative(group["eps"], "eps", "Invalid epsilon value")
        _check_nonnegative(group["momentum"], "momentum", "Invalid momentum value")
        _check_nonnegative(group["weight_decay"], "weight_decay", "Invalid weight_decay value")
        if not 0.0 <= _real(group["alpha"], "alpha") <= 1.0:
            raise ValueError(f"Invalid alpha value: {group['alpha']} (must be in [0, 1])")
        _check_bool(group["centered"], "centered")

    def _update(
        self, theta: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup, lr: float
    ) -> np.ndarray:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(theta)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(theta)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(theta)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * theta
        alpha = group["alpha"]
        square_avg = alpha * state["square_avg"] + (1 - alpha) * grad * grad
        state["square_avg"] = square_avg
        if group["centered"]:
            grad_avg = alpha * state["grad_avg"] + (1 - alpha) * grad
            state["grad_avg"] = grad_avg
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = group["momentum"] * state.get("momentum_buffer", np.zeros_like(theta)) + grad / avg
            state["momentum_buffer"] = buf
            return theta - lr * buf
        return theta - lr * (grad / avg)


class Adam(Optimizer):
    r"""Adam (PyTorch's ``torch.optim.Adam``): momentum on g and an RMS scale, both bias-corrected.

    State: ``step`` t, ``exp_avg`` m and ``exp_avg_sq`` v (start at 0), ``max_exp_avg_sq`` v_max with amsgrad.
    Each step, with (β₁, β₂) = ``betas``:

    * g ← g + λθ (L2 weight decay, coupled to the gradient; see :class:`AdamW` for the decoupled kind);
    * m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
    * bias corrections c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ;
    * amsgrad: v_max ← max(v_max, v) and use v_max in place of v below;
    * θ ← θ − (γ/c₁)·m / (√v/√c₂ + ε)  — i.e. θ − γ·m̂/(√v̂ + ε) with m̂ = m/c₁, v̂ = v/c₂:
      ε is added *after* the bias-corrected square root, as PyTorch does.

    The notes' snippet 2.5 (``x += -lr * m / (np.sqrt(v) + eps)``) is this rule without the bias correction, i.e.
    its limit for large t (c₁, c₂ → 1). Early on the corrections matter: m and v start at 0, so at t = 1 the snippet
    steps by γ(1 − β₁)g/(√(1 − β₂)|g|) ≈ 3.16γ with the default betas, while Adam's first step is ≈ γ per coordinate.
    """

    _buffers = {
        "step": Buffer("step"),
        "exp_avg": Buffer("array"),
        "exp_avg_sq": Buffer("array", nonnegative=True),
        "max_exp_avg_sq": Buffer("array", nonnegative=True, required=False),
    }

    _decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any] | Iterable[ParamGroup],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        fan_in_scaling: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            fan_in_scaling=fan_in_scaling,
        )
        super().__init__(params, defaults)

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        _check_nonnegative(group["eps"], "eps", "Invalid epsilon value")
        betas = group["betas"]
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Invalid betas value: {betas!r} (a pair (beta1, beta2))")
        for i, beta in enumerate(betas):
            if not 0.0 <= _real(beta, f"betas[{i}]") < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check_nonnegative(group["weight_decay"], "weight_decay", "Invalid weight_decay value")
        _check_bool(group["amsgrad"], "amsgrad")

    def _update(
        self, theta: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup, lr: float
    ) -> np.ndarray:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(theta)
            state["exp_avg_sq"] = np.zeros_like(theta)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(theta)
        state["step"] += 1
        t = state["step"]
        beta1, beta2 = group["betas"]
        weight_decay = group["weight_decay"]
        if weight_decay != 0:
            if self._decoupled_weight_decay:
                theta = theta * (1 - lr * weight_decay)
            else:
                grad = grad + weight_decay * theta
        exp_avg = beta1 * state["exp_avg"] + (1 - beta1) * grad
        exp_avg_sq = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad * grad
        state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        step_size = lr / bias_correction1
        if group["amsgrad"]:
            second = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(theta)), exp_avg_sq)
            state["max_exp_avg_sq"] = second
        else:
            second = exp_avg_sq
        denom = np.sqrt(second) / math.sqrt(bias_correction2) + group["eps"]
        return theta - step_size * (exp_avg / denom)


class AdamW(Adam):
    r"""AdamW (PyTorch's ``torch.optim.AdamW``): Adam with *decoupled* weight decay, default λ = 1e-2.

    Before the Adam step the parameter shrinks directly, θ ← θ − γ·λ·θ = θ·(1 − γλ); the gradient g itself is left
    alone, so the decay is not divided by √v̂ as an L2 term folded into g would be (Loshchilov & Hutter). The rest
    is exactly :class:`Adam` (bias correction, ε after the root, amsgrad). With λ = 0 AdamW and Adam coincide.
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any] | Iterable[ParamGroup],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        fan_in_scaling: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            fan_in_scaling=fan_in_scaling,
        )

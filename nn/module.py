"""``Module``: PyTorch's container conventions, for models built from ``Value``s or ``Tensor``s.

Children and parameters are found by looking at the module's attributes, in the order they were assigned:
an attribute holding a ``Module`` (or a list/tuple of them) is a child; an attribute holding a parameter
(a ``Value``, or a ``Tensor`` with ``requires_grad``; or a list/tuple of them) is a parameter. There is no
``__getattr__`` magic: a misspelt attribute raises ``AttributeError`` as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autodiff import Value

__all__ = ["Module", "is_parameter"]


def is_parameter(x: Any) -> bool:
    """A trainable leaf: any ``Value``, or a ``Tensor`` with ``requires_grad=True`` and no parents."""
    if isinstance(x, Value):
        return True
    return bool(getattr(x, "requires_grad", False)) and hasattr(x, "_parents") and not x._parents


def _members(value: Any, test: Any) -> list[tuple[str, Any]] | None:
    """``[("", value)]`` if ``value`` passes ``test``; ``[("0", v0), ...]`` for a list/tuple of such; else None."""
    if test(value):
        return [("", value)]
    if isinstance(value, (list, tuple)) and value and all(test(v) for v in value):
        return [(str(i), v) for i, v in enumerate(value)]
    return None


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


class Module:
    """Base class: subclasses assign parameters and child modules as attributes and define ``forward``."""

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            for index, child in _members(value, lambda v: isinstance(v, Module)) or []:
                yield _join(name, index), child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(_join(prefix, name))

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """``(dotted name, parameter)`` for this module's parameters, then its children's; each parameter once."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                for index, param in _members(value, is_parameter) or []:
                    if id(param) not in seen:
                        seen.add(id(param))
                        yield _join(module_name, name, index), param

    def parameters(self) -> list[Any]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (``0.0`` for a Value, ``None`` for a Tensor, as PyTorch)."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active) for this module and all its children; returns ``self``."""
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

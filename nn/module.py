"""``Module`` and ``Parameter``: PyTorch's container conventions, for models built from ``Value``s or ``Tensor``s.

Children and parameters are found by looking at the module's attributes, in the order they were assigned, so a
child is registered simply by assigning it (``self.hidden = Linear(20, 8)``): an attribute holding a ``Module``
(or a list/tuple of them) is a child; an attribute holding a parameter (a ``Value``, or a ``Tensor`` leaf with
``requires_grad``, e.g. an :class:`nn.Parameter <Parameter>`; or a list/tuple of them) is a parameter. There is no
``__getattr__`` magic: a misspelt attribute raises ``AttributeError`` as usual.

Parameters are named by their path of attributes, as in PyTorch: ``hidden.W``, ``0.b``, ``layers.1.neurons.0.w.2``.
Those names are the keys of :meth:`Module.state_dict`, which :meth:`Module.save` writes to an ``.npz`` archive
(one array per parameter; a ``Value`` is a 0-d array) and :meth:`Module.load` reads back.

Saving and loading are careful about failure:

* ``save`` writes a temporary file next to the target and ``os.replace``-s it into place, so the target is either
  the old file or the complete new one, never half of each (:mod:`autodiff.fileio`, which also refuses
  directories, FIFOs, devices and write-protected files, follows symlinks and keeps the file's permission bits);
* ``load`` refuses what is not a regular file before opening it (a FIFO would block forever), never unpickles
  (``allow_pickle=False``), reads and checks *everything* first — every key, shape and dtype, each entry once —
  and only then assigns, so a failed load (a wrong key, a wrong shape, a truncated, corrupt or foreign file)
  raises and leaves the model exactly as it was.
"""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, NamedTuple

import numpy as np

from autodiff import Tensor, Value
from autodiff.fileio import atomic_open, open_regular

__all__ = [
    "Module",
    "Parameter",
    "is_parameter",
    "IncompatibleKeys",
    "StateDictError",
    "CheckpointError",
    "read_npz",
    "npz_layout",
]


class Parameter(Tensor):
    """A trainable leaf ``Tensor``: ``Parameter(data)`` is ``Tensor(data, requires_grad=True)`` (PyTorch's name).

    It is a plain ``Tensor`` in every other respect; the results of operations on it are ordinary ``Tensor``s.
    """

    __slots__ = ()

    def __init__(self, data: Any, label: str | None = None) -> None:
        super().__init__(data, requires_grad=True, label=label)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ", prefix="Parameter(")
        extras = "".join(
            [
                f", dtype={self.dtype}" if self.dtype != np.float64 else "",
                "" if self.requires_grad else ", requires_grad=False",
                f", label={self.label!r}" if self.label else "",
            ]
        )
        return f"Parameter({body}{extras})"


def is_parameter(x: Any) -> bool:
    """A trainable leaf: any ``Value``, or a ``Tensor`` with ``requires_grad=True`` and no parents."""
    if isinstance(x, Value):
        return True
    return bool(getattr(x, "requires_grad", False)) and hasattr(x, "_parents") and not x._parents


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` skipped (only non-empty when ``strict=False``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class StateDictError(ValueError):
    """A state dict does not fit the model: a missing or unexpected key, a wrong shape or dtype (named)."""


class CheckpointError(ValueError):
    """A file is not a readable ``.npz`` archive of numeric arrays (truncated, corrupt, or something else)."""


def _members(value: Any, test: Callable[[Any], bool]) -> list[tuple[str, Any]] | None:
    """``[("", value)]`` if ``value`` passes ``test``; ``[("0", v0), ...]`` for a list/tuple of such; else None."""
    if test(value):
        return [("", value)]
    if isinstance(value, (list, tuple)) and value and all(test(v) for v in value):
        return [(str(i), v) for i, v in enumerate(value)]
    return None


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _shape(param: Any) -> tuple[int, ...]:
    return () if isinstance(param, Value) else tuple(param.shape)


def _dtype(param: Any) -> np.dtype:
    return np.dtype(np.float64) if isinstance(param, Value) else param.data.dtype


class Module:
    """Base class: subclasses assign parameters and child modules as attributes and define ``forward``.

    ``training`` is ``True`` until :meth:`eval` (it switches e.g. :class:`~nn.layers.Dropout` off).
    """

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- the tree ---------------------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(attribute name, child)`` for the direct children, in assignment order."""
        for name, value in vars(self).items():
            for index, child in _members(value, lambda v: isinstance(v, Module)) or []:
                yield _join(name, index), child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and all its descendants, depth first."""
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(_join(prefix, name))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every descendant, then on ``self`` (PyTorch's order); returns ``self``."""
        if not callable(fn):
            raise TypeError(f"apply(fn) needs a function of a module, got {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _direct_parameters(self) -> Iterator[tuple[str, Any]]:
        for name, value in vars(self).items():
            for index, param in _members(value, is_parameter) or []:
                yield _join(name, index), param

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """``(dotted name, parameter)`` for this module's parameters, then its children's; each parameter once."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, param in module._direct_parameters():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield _join(module_name, name), param

    def parameters(self) -> list[Any]:
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Keep ``tensor`` as state that is not trained (PyTorch's buffers: BatchNorm's running statistics).

        It becomes the attribute ``name``, is saved by :meth:`state_dict` / :meth:`save` and restored by
        :meth:`load_state_dict` / :meth:`load` beside the parameters, and never appears in :meth:`parameters`.
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"register_buffer: name must be an attribute name, got {name!r}")
        if tensor is not None and (not isinstance(tensor, Tensor) or tensor.requires_grad):
            kind = "a parameter (requires_grad=True)" if is_parameter(tensor) else type(tensor).__name__
            raise TypeError(f"register_buffer({name!r}): a buffer is a Tensor without requires_grad (or None), "
                            f"got {kind}")
        vars(self).setdefault("_buffer_names", [])
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        setattr(self, name, tensor)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` for this module's buffers, then its children's (``None`` ones skipped)."""
        for module_name, module in self.named_modules(prefix):
            for name in vars(module).get("_buffer_names", ()):
                buffer = getattr(module, name)
                if buffer is not None:
                    yield _join(module_name, name), buffer

    def buffers(self) -> list[Tensor]:
        return [b for _, b in self.named_buffers()]

    def _state_entries(self) -> dict[str, Any]:
        """What :meth:`state_dict` holds, by name: the parameters, then the buffers."""
        return {**dict(self.named_parameters()), **dict(self.named_buffers())}

    def num_parameters(self) -> int:
        """The number of trainable numbers (a ``Value`` counts 1, a ``Tensor`` its size)."""
        return sum(int(np.prod(_shape(p), dtype=np.int64)) for p in self.parameters())

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (``0.0`` for a Value, ``None`` for a Tensor, as PyTorch)."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active) for this module and all its children; returns ``self``."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) needs True or False, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout is the identity) for this module and all its children; returns ``self``."""
        return self.train(False)

    # ---- repr -------------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of this module's line in ``repr``."""
        return ""

    def _parameter_summary(self) -> str:
        """``"W (3, 2), b (3,)"``: each parameter attribute with its shape (a list of n Values shows as (n,))."""
        parts = []
        for name, value in vars(self).items():
            members = _members(value, is_parameter)
            if members is None:
                continue
            shape = _shape(value) if members[0][0] == "" else (len(members), *_shape(members[0][1]))
            parts.append(f"{name} {shape}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        """One line per module, children indented, each with its parameters' shapes::

            Sequential(
              (0): Linear(in_features=2, out_features=3, bias=True)  [W (3, 2), b (3,)]
              (1): Tanh()
            )
        """
        summary = self._parameter_summary()
        shapes = f"  [{summary}]" if summary else ""
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()}){shapes}"
        lines = [f"{type(self).__name__}({self.extra_repr()}{shapes}"]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

    # ---- state ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """``{name: a copy of the array}`` for the parameters (``named_parameters`` order; a ``Value`` is a 0-d
        array), then the buffers (``named_buffers``: e.g. BatchNorm's ``running_mean``), as PyTorch's keys."""
        return {name: np.array(p.data, dtype=_dtype(p), copy=True) for name, p in self._state_entries().items()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state_dict``'s arrays into the parameters (in place), after checking all of them.

        With ``strict=True`` (the default) the keys must be exactly ``state_dict()``'s keys; with ``strict=False``
        missing and unexpected keys are skipped and reported in the returned :class:`IncompatibleKeys`. A shape
        mismatch or a non-numeric array is an error either way. On any error, nothing has been changed.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict needs a mapping of name → array, got {type(state_dict).__name__}")
        _check_strict(strict)
        params = self._state_entries()
        missing, unexpected = self._check_keys(params, state_dict, strict)
        staged = [(p, _checked_array(name, state_dict[name], p)) for name, p in params.items() if name in state_dict]
        for param, array in staged:  # nothing below can fail: every array is already the right shape and dtype
            if isinstance(param, Value):
                param.data = float(array)
            else:
                param.data[...] = array
        return IncompatibleKeys(missing, unexpected)

    def _check_keys(self, params: Mapping[str, Any], keys: Iterable[Any], strict: bool) -> tuple[list, list]:
        """(missing, unexpected) names; with ``strict`` any of them is a :class:`StateDictError` naming them."""
        keys = list(keys)
        missing = [name for name in params if name not in keys]
        unexpected = [str(name) for name in keys if name not in params]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append("missing key(s) " + ", ".join(map(repr, missing)))
            if unexpected:
                problems.append("unexpected key(s) " + ", ".join(map(repr, unexpected)))
            raise StateDictError(f"error loading state into {type(self).__name__}: " + "; ".join(problems))
        return missing, unexpected

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as an ``.npz`` archive (exactly that path: no suffix is added).

        Written by :func:`autodiff.fileio.atomic_open`: to a temporary file beside ``path``, flushed to disk and
        then renamed over it, so an interrupted or failed save leaves the previous file untouched. A symlink is
        followed (its target is replaced), an existing file keeps its permission bits, and a directory, a FIFO, a
        device, a write-protected file or a missing directory is refused before anything is written.
        """
        with atomic_open(path, example="model.npz") as file:
            _write_npz(file, self.state_dict())

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> IncompatibleKeys:
        """Read an archive written by :meth:`save` and :meth:`load_state_dict` it (all checks first).

        Raises ``FileNotFoundError`` for a missing file, :class:`~autodiff.fileio.NotARegularFileError` (an
        ``OSError``) for a FIFO, device or socket, :class:`CheckpointError` for a file that is not a readable
        ``.npz`` of numeric arrays (a text file, a truncated or corrupt archive, a zip of other things, an archive
        holding pickled object arrays, an entry declaring more data than it holds, an entry stored twice) and
        :class:`StateDictError` for an archive that does not fit this model. Keys and shapes are checked from the
        entries' headers before any array data is read, so a file declaring huge arrays is refused without
        decompressing them.
        """
        _check_strict(strict)
        path = os.fspath(path)
        params = self._state_entries()
        declared = {name: shape for name, (shape, _) in npz_layout(path).items()}
        _, unexpected = self._check_keys(params, declared, strict)
        for name, shape in declared.items():
            if name in params and shape != _shape(params[name]):
                raise StateDictError(
                    f"{name!r}: shape mismatch: the model has {_shape(params[name])}, the state has {shape}"
                )
        missing, _ = self.load_state_dict(read_npz(path, names=[n for n in declared if n in params]), strict=False)
        return IncompatibleKeys(missing, unexpected)


def _check_strict(strict: Any) -> None:
    if not isinstance(strict, (bool, np.bool_)):
        raise TypeError(f"strict must be True or False, got {type(strict).__name__}: {strict!r}")


def _checked_array(name: str, value: Any, param: Any) -> np.ndarray:
    """``value`` as an array of ``param``'s shape and dtype, or a :class:`StateDictError` naming ``name``."""
    if isinstance(value, (Tensor, Value)):
        value = value.data
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise StateDictError(f"{name!r}: cannot read {type(value).__name__} as an array: {error}") from None
    if array.dtype.kind not in "iuf":
        raise StateDictError(f"{name!r}: expected a real-number array, got dtype {array.dtype}")
    expected = _shape(param)
    if array.shape != expected:
        raise StateDictError(f"{name!r}: shape mismatch: the model has {expected}, the state has {array.shape}")
    if _dtype(param).kind in "iu" and array.dtype.kind == "f" and not np.all(np.mod(array, 1) == 0):
        raise StateDictError(f"{name!r}: the model holds integers ({_dtype(param)}), the state has fractions")
    with np.errstate(over="ignore", invalid="ignore"):
        converted = array.astype(_dtype(param), copy=True)
    if np.any(np.isinf(converted) & np.isfinite(array)):
        raise StateDictError(
            f"{name!r}: values up to {np.max(np.abs(array[np.isfinite(array)])):g} do not fit the model's "
            f"{_dtype(param)} (they would become inf)"
        )
    return converted


def _write_npz(file: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """``np.savez``'s format (one ``<name>.npy`` member per array, never pickled)."""
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


# Everything reading a damaged or foreign file can raise (zipfile, zlib, numpy's header parser); not MemoryError.
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, RuntimeError, NotImplementedError,
                zipfile.BadZipFile, zlib.error)


def read_npz(path: str | os.PathLike[str], names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` archive (or those in ``names``), read without unpickling; :class:`CheckpointError`
    if that is impossible — including an entry whose header declares more (or less) data than it stores.

    A missing file raises ``FileNotFoundError`` (``IsADirectoryError``, ``PermissionError``: the usual ``OSError``).
    """
    path = os.fspath(path)
    with _open_npz(path) as loaded:
        npz_layout(path, loaded)
        wanted = None if names is None else set(names)
        state: dict[str, np.ndarray] = {}
        for name in loaded.files:
            if wanted is None or name in wanted:
                try:
                    array = loaded[name]
                except _READ_ERRORS as error:
                    raise CheckpointError(f"{path!r}: entry {name!r} cannot be read: {_describe(error)}") from error
                if not isinstance(array, np.ndarray):
                    raise CheckpointError(f"{path!r}: entry {name!r} is not a .npy array (a foreign zip archive?)")
                state[name] = array
    return state


@contextlib.contextmanager
def _open_npz(path: str) -> Iterator[Any]:
    """``np.load``'s lazy archive of ``path`` (never unpickling), or a :class:`CheckpointError`."""
    with open_regular(path) as file:
        try:
            loaded = np.load(file, allow_pickle=False)
        except _READ_ERRORS as error:
            raise CheckpointError(f"{path!r} is not a readable .npz archive: {_describe(error)}") from error
        if isinstance(loaded, np.ndarray):
            raise CheckpointError(f"{path!r} holds a single .npy array, not an .npz archive of named arrays")
        with loaded:
            yield loaded


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def npz_layout(path: str | os.PathLike[str], loaded: Any = None) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{name: (shape, dtype)}`` of an ``.npz`` archive from its entries' ``.npy`` headers alone (no array data is
    read), after checking that each header declares exactly the number of bytes its entry stores."""
    path = os.fspath(path)
    if loaded is None:
        with _open_npz(path) as archive:
            return npz_layout(path, archive)
    layout = {}
    for info in loaded.zip.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if name in layout:
            raise CheckpointError(
                f"{path!r}: entry {name!r} appears more than once (which copy loads would depend on the reader)"
            )
        try:
            with loaded.zip.open(info) as member:
                magic = member.read(len(np.lib.format.MAGIC_PREFIX))
                version = tuple(member.read(2))
                if magic != np.lib.format.MAGIC_PREFIX:
                    raise CheckpointError(f"{path!r}: entry {name!r} is not a .npy array (a foreign zip archive?)")
                if version not in _HEADER_READERS:
                    raise CheckpointError(f"{path!r}: entry {name!r} has .npy version {version}; expected 1.0 or 2.0")
                shape, _, dtype = _HEADER_READERS[version](member)
                offset = member.tell()
        except CheckpointError:
            raise
        except _READ_ERRORS as error:
            raise CheckpointError(f"{path!r}: entry {name!r} cannot be read: {_describe(error)}") from error
        if dtype.hasobject:
            raise CheckpointError(
                f"{path!r}: entry {name!r} holds object arrays, which would need unpickling "
                "(refused: allow_pickle=False)"
            )
        declared, stored = math.prod(shape) * dtype.itemsize, info.file_size - offset
        if declared != stored:
            raise CheckpointError(
                f"{path!r}: entry {name!r} declares shape {shape} of {dtype} ({declared} bytes) "
                f"but stores {stored} bytes"
            )
        layout[name] = (shape, dtype)
    return layout


def _describe(error: BaseException) -> str:
    if isinstance(error, ValueError) and "pickle" in str(error):
        if "Object arrays" in str(error):
            return "it holds object arrays, which would need unpickling (refused: allow_pickle=False)"
        return "neither .npz nor .npy (numpy would have to unpickle it, which is refused)"
    return f"{type(error).__name__}: {error}"

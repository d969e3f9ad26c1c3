"""Griffe extensions for the API reference (mkdocs.yml): what static analysis of errorflow's docstrings and
``__all__`` lists misses.

errorflow's docstrings are written for ``help()`` and say :func:`draw` or :class:`~autodiff.Tensor` the way
Sphinx does; mkdocstrings renders docstrings as Markdown, where the role would show as literal text. Each role
becomes inline code of the name it points at (``~`` drops the dotted prefix, as in Sphinx), linked to that name's
entry when the name resolves (from the docstring's scope outwards) and the site has an entry for it.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")


def markdown_roles(text: str, resolve: Callable[[str], str | None] = lambda name: None) -> str:
    """``:func:`x.y``` → ```x.y```, ``:class:`~a.B``` → ```B```; linked (an optional autoref) where ``resolve``
    gives the name's full path."""

    def one(match: re.Match) -> str:
        name = match[2]
        shown = name.rsplit(".", 1)[-1] if match[1] else name
        path = resolve(name)
        if path is None:
            return f"`{shown}`"
        return f'<autoref identifier="{path}" optional><code>{html.escape(shown)}</code></autoref>'

    return ROLE.sub(one, text)


def _objects(obj: griffe.Object):
    """``obj`` and everything defined in it (not what it imports)."""
    yield obj
    for member in list(obj.members.values()):
        if not member.is_alias:
            yield from _objects(member)


class ReSTRoles(griffe.Extension):
    """Rewrites the roles in every docstring of the package (list it before :class:`ExportedNames`)."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        def resolver(obj: griffe.Object) -> Callable[[str], str | None]:
            def resolve(name: str) -> str | None:
                scope: griffe.Object | None = obj
                while scope is not None:
                    for candidate in (f"{scope.path}.{name}", name):
                        try:
                            loader.modules_collection[candidate]
                        except (KeyError, ValueError, griffe.AliasResolutionError):
                            continue
                        return candidate
                    scope = scope.parent
                return None

            return resolve

        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = markdown_roles(obj.docstring.value, resolver(obj))


class ExportedNames(griffe.Extension):
    """Two static-analysis gaps, so that every name in ``__all__`` gets its entry, as at run time.

    * ``a, b = x, y`` defines ``a`` and ``b`` (griffe reads only single-name assignments).
    * ``from .gradcheck import gradcheck`` in a package makes ``pkg.gradcheck`` the function at run time; griffe keeps
      the submodule under that name. The exported name becomes the imported object (the submodule keeps its path).
    """

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        modules = [obj for obj in _objects(pkg) if obj.is_module]
        for mod in modules:
            self._tuple_assignments(mod)
        for mod in modules:
            self._shadowed_submodules(mod)

    @staticmethod
    def _tuple_assignments(mod: griffe.Module) -> None:
        if mod.filepath is None or isinstance(mod.filepath, list):
            return
        tree = ast.parse(Path(mod.filepath).read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple)
                    and isinstance(node.value, ast.Tuple) and len(node.value.elts) == len(node.targets[0].elts)):
                for target, value in zip(node.targets[0].elts, node.value.elts):
                    if isinstance(target, ast.Name) and target.id not in mod.members:
                        mod.set_member(target.id, griffe.Attribute(target.id, lineno=node.lineno,
                                                                   endlineno=node.end_lineno,
                                                                   value=ast.unparse(value)))

    @staticmethod
    def _shadowed_submodules(mod: griffe.Module) -> None:
        shadowed = {}  # name → the submodule it is imported from, for names that are also submodules
        if mod.is_package and mod.filepath is not None:
            for node in ast.parse(Path(mod.filepath).read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module in mod.modules:
                    shadowed.update({a.asname or a.name: node.module for a in node.names
                                     if (a.asname or a.name) in mod.modules})
        if not shadowed:
            return
        for member in mod.members.values():  # resolve the others first: their paths go through the submodules
            if member.is_alias:
                try:
                    member.final_target  # noqa: B018 - resolves and caches
                except griffe.AliasResolutionError:
                    pass
        for name, source in shadowed.items():
            mod.set_member(name, griffe.Alias(name, mod.modules[source].members[name], parent=mod))

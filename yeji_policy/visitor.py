"""One way to walk the checked model: children from the dataclass fields, and a
visitor that refuses node types it was not written for.

A model node's children are the values of its fields that are themselves model
nodes (or tuples of them, or of `(option, node)` pairs, as in a lookup).  A
field that *refers* to a declaration made elsewhere — an input's `Field`, the
`Let` a name stands for — is marked in model.py with `REFERENCE` and is not a
child: walking an expression never walks into the declaration it names.

`Visitor.visit(node)` calls `visit_<ClassName>`.  A visitor that has no method
for a node raises `UnhandledNode` instead of silently skipping it, so a new
node type fails loudly in every pass that has not learnt it yet.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any, Callable, Generic, Iterator, TypeVar

from . import ir
from . import model as M

R = TypeVar("R")

# The modules whose dataclasses are nodes: the checked model and the lowered form.
_NODE_MODULES = {M.__name__: M, ir.__name__: ir}


def _own_class(node_type: type) -> bool:
    """Whether node_type is the class its module defines under that name (not a look-alike)."""
    module = _NODE_MODULES.get(node_type.__module__)
    return module is not None and getattr(module, node_type.__name__, None) is node_type


class UnhandledNode(TypeError):
    """A visitor met a node type it has no method for."""

    def __init__(self, visitor: object, node: object):
        self.visitor = type(visitor).__name__
        self.node_type = type(node).__name__
        message = f"{self.visitor} has no visit_{self.node_type}"
        if any(getattr(m, self.node_type, type(node)) is not type(node) for m in _NODE_MODULES.values()):
            # a look-alike of the model's (or the IR's) class of that name
            message += f" for {type(node).__module__}.{type(node).__qualname__}"
        super().__init__(message)


def is_node(value: object) -> bool:
    """Whether value is a node of the checked model or the IR (a dataclass defined in model.py
    or ir.py, or a subclass)."""
    return dataclasses.is_dataclass(value) and not isinstance(value, type) and _is_model_class(type(value))


@lru_cache(maxsize=None)
def _is_model_class(cls: type) -> bool:
    return any(base.__module__ in _NODE_MODULES and dataclasses.is_dataclass(base) for base in cls.__mro__)


@lru_cache(maxsize=None)
def _child_fields(cls: type) -> tuple[str, ...]:
    """Names of the fields of cls that may hold children (everything but references, types and spans)."""
    return tuple(
        f.name for f in dataclasses.fields(cls)
        if not f.metadata.get(M.REFERENCE_KEY) and f.name not in ("type", "span", "at")
    )


def _nodes_in(value: object) -> Iterator[object]:
    if is_node(value):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes_in(item)


def children(node: object) -> tuple:
    """The direct children of a model node, in field order."""
    found: list[object] = []
    for name in _child_fields(type(node)):
        found.extend(_nodes_in(getattr(node, name)))
    return tuple(found)


def walk(node: object) -> Iterator[object]:
    """node and every node below it, parents before children, in field order (iterative: any depth)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


class Visitor(Generic[R]):
    """Dispatch on the node's exact class name; no method for it is an error, never a silent skip.

    `visit(node, *args)` passes any further arguments on to the method (a pass
    that threads a context through, such as the emitter's item variable).
    """

    _methods: dict[type, Callable[..., R]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}  # node class -> method, filled on first use (one dict lookup per visit)

    def visit(self, node: Any, *args: Any) -> R:
        try:
            method = self._methods[type(node)]
        except KeyError:
            method = type(self)._method(type(node))
        if args:
            return method(self, node, *args)
        return method(self, node)  # the common case, without unpacking an empty tuple (a third faster)

    @classmethod
    def _method(cls, node_type: type) -> Callable[..., R]:
        # The exact class only: a new node type, even one derived from an old
        # one, must be taught to each pass, not handled as its base by accident.
        # By name, but only for the model's own class of that name: a new class
        # that happens to share a name (class Arith(M.Arith)) is refused too.
        method = getattr(cls, "visit_" + node_type.__name__, None)
        if method is None or not _own_class(node_type):
            def method(self, node, *args):
                raise UnhandledNode(self, node)
        cls._methods[node_type] = method
        return method

    def generic_visit(self, node: Any) -> None:
        """Visit every child (for passes that only collect)."""
        for child in children(node):
            self.visit(child)

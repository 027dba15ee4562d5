"""A static walk from a resolver to every error ``field`` value it can return (used by test_schema_fields).

Starting at the resolver function, the walk follows every call it can name statically into uidp/graph/plugins
code: plain and dotted global names, ``Cls(...).method``, ``self.method``, ``self.attr.method`` (the class
``self.attr`` is assigned from in any method), and locals assigned from a constructor. At every construction of
a ``DomainError`` or a GraphQL error type it reads the ``field`` argument:

- a string literal or ``None`` is a value;
- a parameter whose name ends in ``field`` / ``field_name`` takes the values its callers pass (or its default),
  so ``normalize_phone(raw, field="contactPhone")`` is seen with "contactPhone", and a default that a caller
  leaves in place is seen too;
- a local bound from a literal, from a tuple literal (``reason, message, field = mismatch``), or from a tuple an
  own function returns, takes those values;
- anything else is an ``Unknown`` site that the test reports, so an expression the walk cannot follow fails
  the test instead of passing unseen.

Calls inside a ``try`` whose ``except DomainError`` drops the error (no raise, the error not used) are not
followed: what they raise never reaches the caller.

The walk is path-insensitive (it reads every branch, including ones a flow never takes): it may report a
field that cannot happen, never miss one on the calls it follows. Calls it cannot name (plugin hooks, values
of computed types) are not followed; ``Walk.seen`` lists what it entered.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph.schema.errors import Error
from uidp.domain.errors import DomainError

OURS = ("uidp.", "graph.", "plugins.")
FIELD_PARAM = re.compile(r"(^|_)field(_name)?$")
MAX_DEPTH = 6


@dataclass(frozen=True)
class Unknown:
    """An expression the walk could not follow to a value."""

    where: str
    expr: str


Value = str | None | Unknown
Env = dict[str, frozenset[Value]]


@dataclass(frozen=True)
class Site:
    """One error construction the resolver reaches and one value its ``field`` can take there."""

    where: str
    value: Value


@dataclass
class Walk:
    sites: set[Site] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)


def _ours(obj: object) -> bool:
    return (getattr(obj, "__module__", "") or "").startswith(OURS)


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    return inspect.unwrap(obj) if callable(obj) else obj


@cache
def _tree(fn: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    try:
        node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    except (OSError, TypeError, SyntaxError):
        return None
    return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def _names(fn: Callable[..., Any]) -> dict[str, Any]:
    cells = getattr(fn, "__closure__", None) or ()
    free = dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in cells), strict=False))
    return {**fn.__globals__, **free}


def _global(expr: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(expr, ast.Name):
        return names.get(expr.id, getattr(builtins, expr.id, None))
    if isinstance(expr, ast.Attribute):
        base = _global(expr.value, names)
        if isinstance(base, types.ModuleType | type):
            return getattr(base, expr.attr, None)
    return None


def _our_class(expr: ast.expr, names: dict[str, Any]) -> type | None:
    obj = _global(expr, names)
    return obj if isinstance(obj, type) and _ours(obj) else None


def _awaited(expr: ast.expr) -> ast.expr:
    return expr.value if isinstance(expr, ast.Await) else expr


@cache
def _attribute_types(cls: type) -> dict[str, type]:
    """``self.x = Cls(...)`` in any method of the class (or its bases): the class each attribute holds."""
    found: dict[str, type] = {}
    for klass in reversed(cls.__mro__):
        for member in vars(klass).values() if _ours(klass) else ():
            fn = _unwrap(member)
            tree = _tree(fn) if inspect.isfunction(fn) else None
            for node in ast.walk(tree) if tree else ():
                if isinstance(node, ast.Assign) and isinstance(_awaited(node.value), ast.Call):
                    held = _our_class(_awaited(node.value).func, _names(fn))  # type: ignore[attr-defined]
                    for target in node.targets:
                        if held and isinstance(target, ast.Attribute) and getattr(target.value, "id", "") == "self":
                            found[target.attr] = held
    return found


def _swallowed(tree: ast.AST, names: dict[str, Any]) -> set[int]:
    """Calls inside a ``try`` whose handler catches DomainError and drops it (no raise, the error unused)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_drops(handler, names) for handler in node.handlers):
            found.update(id(inner) for stmt in node.body for inner in ast.walk(stmt) if isinstance(inner, ast.Call))
    return found


def _drops(handler: ast.ExceptHandler, names: dict[str, Any]) -> bool:
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    if not any(isinstance(c, ast.expr) and _global(c, names) is DomainError for c in caught):
        return False
    inner = [n for stmt in handler.body for n in ast.walk(stmt)]
    uses = handler.name and any(isinstance(n, ast.Name) and n.id == handler.name for n in inner)
    return not uses and not any(isinstance(n, ast.Raise) for n in inner)


def _error_type(obj: object) -> bool:
    return isinstance(obj, type) and (issubclass(obj, DomainError) or (issubclass(obj, Error) and obj is not Error))


@dataclass
class _Frame:
    fn: Callable[..., Any]
    tree: ast.AST
    names: dict[str, Any]
    env: Env
    owner: type | None

    @property
    def where(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


class _Walker:
    def __init__(self) -> None:
        self.walk = Walk()
        self.done: set[tuple[Any, ...]] = set()

    def enter(self, fn: Callable[..., Any], owner: type | None, env: Env) -> None:
        fn = _unwrap(fn)
        key = (fn, owner, frozenset(env.items()))
        tree = _tree(fn) if _ours(fn) else None
        if key in self.done or tree is None:
            return
        self.done.add(key)
        self.walk.seen.add(f"{fn.__module__}.{fn.__qualname__}")
        frame = _Frame(fn, tree, _names(fn), env, owner)
        local_types = self.local_types(frame)
        swallowed = _swallowed(tree, frame.names)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in swallowed:
                self.call(node, frame, local_types)

    def local_types(self, frame: _Frame) -> dict[str, type]:
        found: dict[str, type] = {}
        for node in ast.walk(frame.tree):
            if isinstance(node, ast.Assign) and isinstance(_awaited(node.value), ast.Call):
                held = _our_class(_awaited(node.value).func, frame.names)  # type: ignore[attr-defined]
                for target in node.targets:
                    if held and isinstance(target, ast.Name):
                        found[target.id] = held
        return found

    def call(self, node: ast.Call, frame: _Frame, local_types: dict[str, type]) -> None:
        target, owner = self.resolve(node.func, frame, local_types)
        if _error_type(target):
            expr = next((k.value for k in node.keywords if k.arg == "field"), None)
            if expr is None and len(node.args) > 2 and issubclass(target, DomainError):
                expr = node.args[2]
            values = [None] if expr is None else list(_values(expr, frame, 0))
            self.walk.sites.update(Site(frame.where, value) for value in values)
            return
        if isinstance(target, type) and _ours(target):
            target, owner = target.__init__, target
        if callable(target) and _ours(_unwrap(target)):
            self.enter(target, owner, self.bind(node, target, frame))

    def bind(self, node: ast.Call, target: Callable[..., Any], frame: _Frame) -> Env:
        try:
            signature = inspect.signature(_unwrap(target))
            params = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
        except (TypeError, ValueError):
            return {}
        given = {p.name: a for p, a in zip(params, node.args, strict=False) if p.kind != p.KEYWORD_ONLY}
        given.update({k.arg: k.value for k in node.keywords if k.arg})
        bound: Env = {}
        for param in params:
            if not FIELD_PARAM.search(param.name):
                continue
            if param.name in given:
                bound[param.name] = frozenset(_values(given[param.name], frame, 0))
            elif isinstance(param.default, str) or param.default is None:
                bound[param.name] = frozenset({param.default})
        return bound

    def resolve(self, func: ast.expr, frame: _Frame, local_types: dict[str, type]) -> tuple[Any, type | None]:
        if isinstance(func, ast.Name):
            return _global(func, frame.names), None
        if not isinstance(func, ast.Attribute):
            return None, None
        held = _awaited(func.value)
        cls: type | None = None
        if isinstance(held, ast.Name):
            cls = frame.owner if held.id == "self" else local_types.get(held.id) or _our_class(held, frame.names)
        elif isinstance(held, ast.Call):
            cls = _our_class(held.func, frame.names)
        elif isinstance(held, ast.Attribute) and getattr(held.value, "id", "") == "self" and frame.owner:
            cls = _attribute_types(frame.owner).get(held.attr)
        if cls is not None:
            return inspect.getattr_static(cls, func.attr, None), cls
        return _global(func, frame.names), None


def _values(expr: ast.expr, frame: _Frame, depth: int) -> Iterator[Value]:
    """The values an expression can take (``Unknown`` for what the walk cannot follow)."""
    if isinstance(expr, ast.Constant) and (expr.value is None or isinstance(expr.value, str)):
        yield expr.value
    elif isinstance(expr, ast.IfExp):
        yield from _values(expr.body, frame, depth)
        yield from _values(expr.orelse, frame, depth)
    elif isinstance(expr, ast.Name) and expr.id in frame.env:
        yield from frame.env[expr.id]
    elif isinstance(expr, ast.Name) and depth < MAX_DEPTH and (found := list(_local(expr.id, frame, depth))):
        yield from found
    else:
        yield Unknown(frame.where, ast.unparse(expr))


def _local(name: str, frame: _Frame, depth: int) -> Iterator[Value]:
    """Values of a local: from its assignments, and from the element it takes when a tuple is unpacked."""
    for node in ast.walk(frame.tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                yield from _values(node.value, frame, depth + 1)
            elif isinstance(target, ast.Tuple):
                for index, element in enumerate(target.elts):
                    if isinstance(element, ast.Name) and element.id == name:
                        yield from _element(node.value, index, frame, depth + 1)


def _element(expr: ast.expr, index: int, frame: _Frame, depth: int) -> Iterator[Value]:
    """The values of item ``index`` of a tuple-valued expression."""
    if depth >= MAX_DEPTH:
        yield Unknown(frame.where, ast.unparse(expr))
    elif isinstance(expr, ast.Tuple) and index < len(expr.elts):
        yield from _values(expr.elts[index], frame, depth)
    elif isinstance(expr, ast.Constant) and expr.value is None:
        return  # "no tuple": nothing is unpacked from it
    elif isinstance(expr, ast.Name):
        for node in ast.walk(frame.tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == expr.id for t in targets):
                    yield from _element(node.value, index, frame, depth + 1)
    elif isinstance(expr, ast.Call) and _ours(callee := _unwrap(_global(expr.func, frame.names))):
        tree = _tree(callee)
        inner = _Frame(callee, tree, _names(callee), {}, None) if tree else None
        for node in ast.walk(tree) if inner else ():
            if isinstance(node, ast.Return) and node.value is not None:
                yield from _element(node.value, index, inner, depth + 1)  # type: ignore[arg-type]
    else:
        yield Unknown(frame.where, ast.unparse(expr))


def walk_resolver(resolver: Callable[..., Any]) -> Walk:
    """Every (error construction, field value) the resolver can reach through calls the walk can name."""
    walker = _Walker()
    walker.enter(resolver, None, {})
    return walker.walk

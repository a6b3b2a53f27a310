"""Partial evaluation of the expressions that build a Bedrock request, with an explicit Unknown.

The evaluator computes what the source determines (literals, containers, ``**`` spreads, names bound
in straight-line code, module constants, f-strings and ``+``, ``"x" * N``, ``dict(...)``,
``json.dumps(...)``) and returns ``Unknown`` for the rest, never a guess. Text that is only partly
known becomes a ``PartialText``, so a long known prompt still counts towards the model's minimum.
Every container it builds remembers the node it came from, so a finding about
``messages[0].content[1]`` is reported on that element in the source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from bedrockcache.lint.bindings import Binding, Mutation, Parameter, resolve, unsafe_use
from bedrockcache.lint.index import ModuleIndex, split_qualified
from bedrockcache.objects import Constructed
from bedrockcache.unknown import PartialText, Unknown, join_parts

__all__ = ["ConstructorSpec", "Dumped", "Evaluator", "Origins", "is_text", "text_unknown"]

_BUDGET = 20_000  # expression evaluations per call site before giving up (Unknown)
# A parameter annotated with one of these is text at run time: it can hold no cache directive.
_TEXT_ANNOTATIONS = frozenset(
    {"str", "typing.Text", "Text", "LiteralString", "typing.LiteralString"}
)
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]")


@dataclass(frozen=True)
class Dumped:
    """``json.dumps(x)`` of a partly unknown ``x``: a request body is read as ``x`` itself."""

    value: Any


@dataclass(frozen=True)
class ConstructorSpec:
    """A framework class whose calls become ``Constructed`` values; its positional parameters."""

    name: str
    positional: tuple[str, ...] = ()


Function = Callable[[dict[str, Any], list[Any]], Any]


@dataclass
class Origins:
    """Where each evaluated container, and each of its elements, came from in the source."""

    nodes: dict[int, cst.CSTNode] = field(default_factory=dict)
    elements: dict[tuple[int, object], cst.CSTNode] = field(default_factory=dict)
    _alive: list[object] = field(default_factory=list)  # keeps ids unique while origins are used

    def note(self, value: object, node: cst.CSTNode) -> None:
        if isinstance(value, dict | list | Constructed):
            self.nodes.setdefault(id(value), node)
            self._alive.append(value)

    def element(self, container: object, key: object, node: cst.CSTNode) -> None:
        self.elements[(id(container), key)] = node


class _OutOfBudget(Exception):
    pass


def is_text(value: object) -> bool:
    return isinstance(value, str)


def text_unknown(source: str) -> PartialText:
    """Text of unknown content (a file read, ``str(x)``): a string, so no directive hides in it."""
    return PartialText((Unknown(source),))


class Evaluator:
    def __init__(
        self,
        index: ModuleIndex,
        constructors: Mapping[tuple[str, str], ConstructorSpec],
        functions: Mapping[tuple[str, str], Function] | None = None,
        constants: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self.index = index
        self.constructors = constructors
        self.functions = functions or {}
        self.constants = constants or {}
        self.origins = Origins()
        self._budget = _BUDGET
        self._depth = 0

    # ---- public ---------------------------------------------------------------------------------

    def value(self, expr: cst.BaseExpression, statement: cst.CSTNode) -> Any:
        """What ``expr`` evaluates to at ``statement`` (the statement that contains it)."""
        try:
            return self._value(expr, statement)
        except (_OutOfBudget, RecursionError):
            return Unknown("expression too large to follow")

    def arguments(
        self, call: cst.Call, statement: cst.CSTNode, positional: Sequence[str] = ()
    ) -> tuple[dict[str, Any], Unknown | None]:
        """The call's keyword arguments (positional ones named by ``positional``), and an Unknown
        when a ``*``/``**`` spread or an unnamed positional argument hides further arguments."""
        kwargs: dict[str, Any] = {}
        hidden: Unknown | None = None
        position = 0
        for arg in call.args:
            if arg.star == "**":
                spread = self.value(arg.value, statement)
                if isinstance(spread, dict) and all(isinstance(k, str) for k in spread):
                    for key, item in spread.items():
                        kwargs[key] = item
                        node = self.origins.elements.get((id(spread), key))
                        if node is not None:
                            self.origins.element(kwargs, key, node)
                else:
                    hidden = Unknown(f"**{_source(arg.value)}")
            elif arg.star == "*":
                hidden = Unknown(f"*{_source(arg.value)}")
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = self.value(arg.value, statement)
                self.origins.element(kwargs, arg.keyword.value, arg.value)
            else:
                if position < len(positional):
                    name = positional[position]
                    kwargs[name] = self.value(arg.value, statement)
                    self.origins.element(kwargs, name, arg.value)
                position += 1
        return kwargs, hidden

    # ---- expressions ----------------------------------------------------------------------------

    def _value(self, expr: cst.BaseExpression, statement: cst.CSTNode) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise _OutOfBudget
        if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
            value = expr.evaluated_value
            return value if value is not None else Unknown(_source(expr))
        if isinstance(expr, cst.FormattedString):
            return self._fstring(expr, statement)
        if isinstance(expr, cst.Integer | cst.Float):
            return expr.evaluated_value
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self._value(expr.expression, statement)
            return -inner if isinstance(inner, int | float) else Unknown(_source(expr))
        if isinstance(expr, cst.Name):
            return self._name(expr, statement)
        if isinstance(expr, cst.Dict):
            return self._dict(expr, statement)
        if isinstance(expr, cst.List | cst.Tuple):
            return self._list(expr, statement)
        if isinstance(expr, cst.BinaryOperation):
            return self._binary(expr, statement)
        if isinstance(expr, cst.Call):
            return self._call(expr, statement)
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, statement)
        if isinstance(expr, cst.IfExp):
            body, orelse = self._value(expr.body, statement), self._value(expr.orelse, statement)
            if is_text(body) and is_text(orelse):
                return text_unknown(f"conditional {_source(expr)}")
            return Unknown(f"conditional {_source(expr)}")
        return Unknown(_source(expr))

    def _name(self, expr: cst.Name, statement: cst.CSTNode) -> Any:
        name = expr.value
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        if name in self.index.imports:
            return self._constant(self.index.imports[name], name)
        self._depth += 1
        try:
            if self._depth > 60:
                return Unknown(f"name {name!r}")
            binding = resolve(self.index, name, statement)
            if binding is None:
                return Unknown(f"name {name!r}")
            if isinstance(binding, Unknown):
                return binding
            if isinstance(binding, Parameter):
                if binding.annotation in _TEXT_ANNOTATIONS:
                    return text_unknown(f"parameter {name!r}")
                return Unknown(f"parameter {name!r}")
            return self._bound(name, binding)
        finally:
            self._depth -= 1

    def _bound(self, name: str, binding: Binding) -> Any:
        value = self._value(binding.value, binding.statement)
        for mutation in binding.mutations:
            value = self._mutate(value, mutation)
        if not isinstance(value, dict | list | Constructed):
            return value  # text and numbers cannot change behind the name's back
        if binding.escapes:
            return Unknown(
                f"{name!r} is passed to a function or changed through an alias before this call"
            )
        for inner in _names_in(binding.value):
            if inner != name and any(
                unsafe_use(s, inner, self.index.reader_names) for s in binding.between
            ):
                return Unknown(f"{inner!r} changes after it is put in {name!r}")
        return value

    def _mutate(self, value: Any, mutation: Mutation) -> Any:
        where = mutation.statement
        node = mutation.node
        if isinstance(value, Unknown):
            return value
        if mutation.kind == "+=" and isinstance(node, cst.AugAssign):
            return self._add(value, self._value(node.value, where), node)
        if mutation.kind == "setitem" and isinstance(node, cst.Assign):
            target = next(t.target for t in node.targets if isinstance(t.target, cst.Subscript))
            key = self._index_value(target, where)
            item = self._value(node.value, where)
            if isinstance(value, dict) and isinstance(key, str | int):
                value[key] = item
                self.origins.element(value, key, node.value)
                return value
            if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
                value[key] = item
                return value
            return Unknown(f"item assignment {_source(target)}")
        if not isinstance(node, cst.Call):
            return Unknown("a change that is not followed")
        args = [self._value(a.value, where) for a in node.args if not a.star and not a.keyword]
        if any(a.star or a.keyword for a in node.args):
            return Unknown(f"call {_source(node)}")
        if isinstance(value, list):
            if mutation.kind == "append" and len(args) == 1:
                self.origins.element(value, len(value), node.args[0].value)
                value.append(args[0])
                return value
            if mutation.kind == "extend" and len(args) == 1:
                extra = args[0]
                value.extend(extra if isinstance(extra, list) else [Unknown(_source(node))])
                return value
            if mutation.kind == "insert" and len(args) == 2 and isinstance(args[0], int):
                value.insert(args[0], args[1])
                return value
        if isinstance(value, dict) and mutation.kind == "update" and len(args) == 1:
            if not isinstance(args[0], dict):
                return Unknown(f"call {_source(node)}")
            value.update(args[0])
            return value
        return Unknown(f"call {_source(node)}")

    def _dict(self, expr: cst.Dict, statement: cst.CSTNode) -> Any:
        result: dict[Any, Any] = {}
        self.origins.note(result, expr)
        for element in expr.elements:
            if isinstance(element, cst.StarredDictElement):
                spread = self._value(element.value, statement)
                if not isinstance(spread, dict):
                    return Unknown(f"**{_source(element.value)}")
                for key, item in spread.items():
                    result[key] = item
                    node = self.origins.elements.get((id(spread), key))
                    if node is not None:
                        self.origins.element(result, key, node)
                continue
            key = self._value(element.key, statement)
            if not isinstance(key, str | int | float | bool) or isinstance(key, PartialText):
                return Unknown(f"key {_source(element.key)}")
            result[key] = self._value(element.value, statement)
            self.origins.element(result, key, element.value)
        return result

    def _list(self, expr: cst.List | cst.Tuple, statement: cst.CSTNode) -> Any:
        result: list[Any] = []
        self.origins.note(result, expr)
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                spread = self._value(element.value, statement)
                if isinstance(spread, list):
                    for i, item in enumerate(spread):
                        node = self.origins.elements.get((id(spread), i), element.value)
                        self.origins.element(result, len(result), node)
                        result.append(item)
                else:  # an unknown number of unknown elements: one hole stands for them
                    self.origins.element(result, len(result), element.value)
                    result.append(Unknown(f"*{_source(element.value)}"))
                continue
            self.origins.element(result, len(result), element.value)
            result.append(self._value(element.value, statement))
        return result

    def _fstring(self, expr: cst.FormattedString, statement: cst.CSTNode) -> Any:
        parts: list[str | Unknown] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(_unescape_fstring_text(part.value, expr))
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            inner = self._value(part.expression, statement)
            plain = part.format_spec is None and part.conversion in (None, "s")
            if plain and isinstance(inner, str | int | float) and not isinstance(inner, bool):
                parts.extend(_text_parts(inner if isinstance(inner, str) else str(inner)))
            elif part.conversion == "r" and isinstance(inner, str) and not _partial(inner):
                parts.append(repr(inner))
            else:
                parts.append(Unknown(f"{{{_source(part.expression)}}}"))
        return _text(parts)

    def _binary(self, expr: cst.BinaryOperation, statement: cst.CSTNode) -> Any:
        left = self._value(expr.left, statement)
        right = self._value(expr.right, statement)
        if isinstance(expr.operator, cst.Add):
            return self._add(left, right, expr)
        if isinstance(expr.operator, cst.Multiply):
            if isinstance(left, int) and not isinstance(left, bool):
                left, right = right, left
            if isinstance(right, int) and not isinstance(right, bool) and 0 <= right <= 100_000:
                if isinstance(left, str):
                    return _text(_text_parts(left) * right) if _partial(left) else left * right
                if isinstance(left, list):
                    return left * right
            return Unknown(_source(expr))
        if isinstance(expr.operator, cst.Modulo) and isinstance(left, str):
            if not _partial(left) and _fully_known(right):
                try:
                    return left % (tuple(right) if isinstance(right, list) else right)
                except (TypeError, ValueError, KeyError):
                    return Unknown(_source(expr))
            return _text([_PERCENT_FIELD.sub("", str(left)), Unknown(_source(expr))])
        return Unknown(_source(expr))

    def _add(self, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if is_text(left) or is_text(right):
            if (is_text(left) or isinstance(left, Unknown)) and (
                is_text(right) or isinstance(right, Unknown)
            ):
                return _text([*_text_parts(left), *_text_parts(right)])
            return Unknown(_source(node))
        if isinstance(left, list) and isinstance(right, list):
            result = left + right
            self.origins.note(result, node)
            for i in range(len(left)):
                found = self.origins.elements.get((id(left), i))
                if found is not None:
                    self.origins.element(result, i, found)
            for i in range(len(right)):
                found = self.origins.elements.get((id(right), i))
                if found is not None:
                    self.origins.element(result, len(left) + i, found)
            return result
        if isinstance(left, int | float) and isinstance(right, int | float):
            return left + right
        if isinstance(left, list) and isinstance(right, Unknown):
            return [*left, right]
        return Unknown(_source(node))

    def _subscript(self, expr: cst.Subscript, statement: cst.CSTNode) -> Any:
        container = self._value(expr.value, statement)
        key = self._index_value(expr, statement)
        if isinstance(container, dict) and isinstance(key, str | int) and key in container:
            return container[key]
        if (
            isinstance(container, list)
            and isinstance(key, int)
            and not isinstance(key, bool)
            and -len(container) <= key < len(container)
        ):
            return container[key]
        return Unknown(_source(expr))

    def _index_value(self, expr: cst.Subscript, statement: cst.CSTNode) -> Any:
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return Unknown(_source(expr))
        return self._value(expr.slice[0].slice.value, statement)

    def _attribute(self, expr: cst.Attribute) -> Any:
        qualified = self.index.qualified(expr)
        if qualified is not None:
            return self._constant(qualified, _source(expr))
        return Unknown(_source(expr))

    def _constant(self, qualified: str, source: str) -> Any:
        package = qualified.split(".")[0]
        tail = ".".join(qualified.split(".")[-2:])
        if (package, tail) in self.constants:
            return self.constants[(package, tail)]
        return Unknown(source)

    # ---- calls ----------------------------------------------------------------------------------

    def _call(self, call: cst.Call, statement: cst.CSTNode) -> Any:
        func = call.func
        qualified = self.index.qualified(func)
        if qualified is not None:
            key = split_qualified(qualified)
            if key in self.constructors:
                return self.construct(call, statement, self.constructors[key])
            if key in self.functions:
                kwargs, hidden = self.arguments(call, statement)
                args = [self.value(a.value, statement) for a in call.args if _plain_positional(a)]
                if hidden is not None:
                    return Unknown(f"call {_source(call)}")
                return self.functions[key](kwargs, args)
            if qualified == "json.dumps":
                return self._json_dumps(call, statement)
            if qualified in ("textwrap.dedent", "inspect.cleandoc"):
                return self._text_call(call, statement, qualified)
            return Unknown(f"call {_source(func)}()")
        if isinstance(func, cst.Name):
            if func.value == "dict" and resolve(self.index, "dict", statement) is None:
                kwargs, hidden = self.arguments(call, statement)
                positional = [a for a in call.args if _plain_positional(a)]
                result: dict[str, Any] = {}
                if positional:
                    base = self._value(positional[0].value, statement)
                    if not isinstance(base, dict) or len(positional) > 1:
                        return Unknown(f"call {_source(call)}")
                    result.update(base)
                if hidden is not None:
                    return Unknown(f"call {_source(call)}")
                result.update(kwargs)
                self.origins.note(result, call)
                for key in kwargs:
                    found = self.origins.elements.get((id(kwargs), key))
                    if found is not None:
                        self.origins.element(result, key, found)
                return result
            if func.value in ("str", "repr", "format") and len(call.args) >= 1:
                inner = self._value(call.args[0].value, statement)
                if func.value == "str" and isinstance(inner, str):
                    return inner
                return text_unknown(f"call {_source(call)}")
            if func.value == "open":
                return Unknown(f"call {_source(call)}")
        if isinstance(func, cst.Attribute):
            return self._method(call, func, statement)
        return Unknown(f"call {_source(func)}()")

    def construct(self, call: cst.Call, statement: cst.CSTNode, spec: ConstructorSpec) -> Any:
        kwargs, hidden = self.arguments(call, statement, spec.positional)
        if hidden is not None:
            kwargs["__hidden__"] = hidden
        value = Constructed(spec.name, kwargs)
        self.origins.note(value, call)
        for key in kwargs:
            found = self.origins.elements.get((id(kwargs), key))
            if found is not None:
                self.origins.element(value, key, found)
        return value

    def _method(self, call: cst.Call, func: cst.Attribute, statement: cst.CSTNode) -> Any:
        method = func.attr.value
        if method == "read_text" or (
            method == "read" and self._is_open_file(func.value, statement)
        ):
            return text_unknown(f"call {_source(call)}")
        receiver = self._value(func.value, statement)
        args = [self._value(a.value, statement) for a in call.args if _plain_positional(a)]
        if isinstance(receiver, str):
            return _string_method(receiver, method, args, call)
        if isinstance(receiver, dict | list) and method == "copy" and not args:
            return receiver.copy()
        if isinstance(receiver, Dumped | str) and method == "encode":
            return receiver
        return Unknown(f"call {_source(call)}")

    def _is_open_file(self, receiver: cst.BaseExpression, statement: cst.CSTNode) -> bool:
        """``open(...)`` itself, or a name bound by ``with open(...) as name`` around the call."""
        if isinstance(receiver, cst.Call):
            return isinstance(receiver.func, cst.Name) and receiver.func.value == "open"
        if not isinstance(receiver, cst.Name):
            return False
        for node in self.index.ancestors(statement):
            if isinstance(node, cst.With):
                for item in node.items:
                    target = item.asname.name if item.asname is not None else None
                    if isinstance(target, cst.Name) and target.value == receiver.value:
                        return self._is_open_file(item.item, statement)
        return False

    def _json_dumps(self, call: cst.Call, statement: cst.CSTNode) -> Any:
        kwargs, hidden = self.arguments(call, statement)
        positional = [a for a in call.args if _plain_positional(a)]
        if len(positional) != 1 or hidden is not None:
            return Unknown(f"call {_source(call)}")
        value = self._value(positional[0].value, statement)
        if _fully_known(value) and _fully_known(kwargs):
            options = {
                k: v
                for k, v in kwargs.items()
                if k in ("indent", "sort_keys", "ensure_ascii", "separators")
            }
            try:
                return json.dumps(value, **options)
            except (TypeError, ValueError):
                return Unknown(f"call {_source(call)}")
        return Dumped(value)

    def _text_call(self, call: cst.Call, statement: cst.CSTNode, qualified: str) -> Any:
        if len(call.args) != 1:
            return Unknown(f"call {_source(call)}")
        inner = self._value(call.args[0].value, statement)
        if isinstance(inner, str) and not _partial(inner):
            import inspect
            import textwrap

            return (
                textwrap.dedent(inner)
                if qualified == "textwrap.dedent"
                else inspect.cleandoc(inner)
            )
        return text_unknown(f"call {_source(call)}") if is_text(inner) else Unknown(_source(call))


def _names_in(expr: cst.CSTNode) -> set[str]:
    """The variable names an expression reads (not attribute or keyword names)."""
    found: set[str] = set()
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(expr, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, cst.Name):
            attribute = isinstance(parent, cst.Attribute) and parent.attr is node
            keyword = isinstance(parent, cst.Arg) and parent.keyword is node
            if not attribute and not keyword:
                found.add(node.value)
            continue
        stack.extend((child, node) for child in node.children)
    return found


def _string_method(receiver: str, method: str, args: list[Any], call: cst.Call) -> Any:
    partial = _partial(receiver)
    if method == "join" and len(args) == 1:
        items = args[0]
        if not isinstance(items, list) or not all(is_text(i) for i in items):
            return text_unknown(f"call {_source(call)}")
        if not partial and not any(_partial(i) for i in items):
            return receiver.join(items)
        parts: list[str | Unknown] = []
        for i, item in enumerate(items):
            if i:
                parts.extend(_text_parts(receiver))
            parts.extend(_text_parts(item))
        return _text(parts)
    if method == "format":
        if not partial and all(_fully_known(a) for a in args) and not call.args[len(args) :]:
            try:
                return receiver.format(*args)
            except (IndexError, KeyError, ValueError):
                return Unknown(f"call {_source(call)}")
        literal = re.sub(r"\{[^{}]*\}", "", str(receiver))
        return _text([literal, Unknown(f"call {_source(call)}")])
    if method in ("strip", "lstrip", "rstrip") and not args:
        return getattr(receiver, method)() if not partial else receiver
    if method == "encode":
        return receiver
    return Unknown(f"call {_source(call)}")


def _text(parts: Sequence[str | Unknown]) -> str:
    """Join text parts; the result is a plain str when every part is known."""
    return join_parts(tuple(parts))


def _text_parts(value: Any) -> list[str | Unknown]:
    if isinstance(value, PartialText):
        return list(value.parts)
    if isinstance(value, str):
        return [value]
    if isinstance(value, Unknown):
        return [value]
    return [Unknown(repr(value))]


def _partial(value: object) -> bool:
    return isinstance(value, PartialText) and bool(value.unknown_parts)


def _fully_known(value: object) -> bool:
    if isinstance(value, Unknown | Dumped | Constructed) or _partial(value):
        return False
    if isinstance(value, dict):
        return all(_fully_known(k) and _fully_known(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_fully_known(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool | bytes)


def _plain_positional(arg: cst.Arg) -> bool:
    return arg.keyword is None and not arg.star


def _unescape_fstring_text(text: str, node: cst.FormattedString) -> str:
    """The literal text of an f-string part: ``{{`` is ``{``; escapes are decoded unless raw."""
    text = text.replace("{{", "{").replace("}}", "}")
    if "r" in node.prefix.lower() or "\\" not in text:
        return text
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return text


_EMPTY = cst.Module(body=[])


def _source(node: cst.CSTNode) -> str:
    """Short source text of a node, for the 'what could not be audited' list."""
    try:
        text = _EMPTY.code_for_node(node)
    except Exception:  # a node libcst cannot print on its own is named by its type
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."

"""Partial evaluation of the expressions that build a Bedrock request, with an explicit Unknown.

The evaluator computes what the source determines (literals, containers, ``**`` spreads, names bound
in straight-line code, module constants, f-strings and ``+``, ``"x" * N``, ``dict(...)``,
``json.dumps(...)``) and returns ``Unknown`` for the rest, never a guess. Text that is only partly
known becomes a ``PartialText``, so a long known prompt still counts towards the model's minimum.
Every container it builds remembers the node it came from, so a finding about
``messages[0].content[1]`` is reported on that element in the source.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from bedrockcache.lint import paths
from bedrockcache.lint import volatile as vol
from bedrockcache.lint.bindings import (
    Binding,
    Branches,
    Mutation,
    Parameter,
    mentions,
    resolve,
    unsafe_statement,
)
from bedrockcache.lint.bindings import _binds_anywhere as binds_anywhere
from bedrockcache.lint.classes import attribute_source
from bedrockcache.lint.index import ModuleIndex, children, decorator_names, split_qualified
from bedrockcache.lint.paths import FilePath, absolute
from bedrockcache.lint.project import Project, Symbol
from bedrockcache.lint.returns import is_generator, returns
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Alternatives, PartialText, Unknown, Volatile, join_parts

__all__ = [
    "Callee",
    "ConstructorSpec",
    "Dumped",
    "Evaluator",
    "Origins",
    "is_text",
    "text_unknown",
]

_BUDGET = 20_000  # expression evaluations per call site before giving up (Unknown)
_MAX_FRAMES = 6  # helpers called within helpers before a call is Unknown
_MAX_HELPER_STATEMENTS = 60  # a larger def is not evaluated in place of its call
_MAX_OPTIONS = 8  # alternatives a value may have before it is Unknown
_HELPER_BUDGET = 2_000  # per helper function whose result is checked for per-call values
# A parameter annotated with one of these is text at run time: it can hold no cache directive.
_TEXT_ANNOTATIONS = frozenset(
    {"str", "typing.Text", "Text", "LiteralString", "typing.LiteralString"}
)
# A parameter annotated as a set of strings iterates in a per-process order.
_SET_OF_TEXT = re.compile(
    r"(typing\.|collections\.abc\.)?(set|frozenset|Set|FrozenSet|AbstractSet)\[str\]"
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
    turns: dict[int, int] = field(default_factory=dict)  # a list grown in a loop: its turns
    _alive: list[object] = field(default_factory=list)  # keeps ids unique while origins are used

    def note(self, value: object, node: cst.CSTNode) -> None:
        if isinstance(value, dict | list | Constructed):
            self.nodes.setdefault(id(value), node)
            self._alive.append(value)

    def element(self, container: object, key: object, node: cst.CSTNode) -> None:
        self.elements[(id(container), key)] = node


@dataclass(frozen=True)
class _Argument:
    """What a caller passed for a parameter: evaluated (afresh) where the caller wrote it."""

    expr: cst.BaseExpression
    statement: cst.CSTNode
    index: ModuleIndex


@dataclass(frozen=True)
class Callee:
    """A function of the project a call runs; ``method`` when ``self`` is bound by the call."""

    function: cst.FunctionDef
    index: ModuleIndex
    method: bool


@dataclass
class _Frame:
    """A helper being evaluated for one call: its parameters bound to the caller's arguments."""

    function: cst.FunctionDef
    arguments: dict[str, _Argument]
    known: dict[str, Any] = field(default_factory=dict)  # arguments read, when immutable


class _OutOfBudget(Exception):
    pass


_MISSING = object()


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
        volatile_sources: Sequence[str] = (),
        project: Project | None = None,
    ) -> None:
        self.index = index  # the module of the expression being evaluated (see ``_inside``)
        self.project = project
        self.constructors = constructors
        self.functions = functions or {}
        self.constants = constants or {}
        self.volatile_sources = frozenset(volatile_sources)
        self.origins = Origins()
        self._budget = _BUDGET
        self._depth = 0
        self._helpers: dict[int, Volatile | None] = {}  # helper def -> what its result carries
        self._seeds: dict[int, bool] = {}
        self._frames: dict[cst.FunctionDef, _Frame] = {}
        self._deciding: set[int] = set()  # if-tests being decided (a test about itself is not)
        self._decided: dict[int, bool | None] = {}  # tests decided with no argument bound

    @contextlib.contextmanager
    def inside(self, index: ModuleIndex) -> Iterator[None]:
        """Evaluate in another module of the project: names there resolve in its index."""
        outer, self.index = self.index, index
        try:
            yield
        finally:
            self.index = outer

    # ---- public ---------------------------------------------------------------------------------

    def callee(self, call: cst.Call, statement: cst.CSTNode) -> Callee | None:
        """The project function a call runs (a local helper, ``self.method``, an imported one)."""
        func = call.func
        if isinstance(func, cst.Name):
            if func.value in self.index.imports or func.value in self.index.relative:
                found = self.project.symbol(self.index, func.value) if self.project else None
                return _callee_of(found)
            helper = _helper_def(self.index, func.value, statement, None)
            return Callee(helper, self.index, False) if helper is not None else None
        if not isinstance(func, cst.Attribute):
            return None
        if _is_name(func.value, "self"):
            owner = _enclosing_class(self.index, statement)
            helper = _helper_def(self.index, func.attr.value, statement, owner) if owner else None
            return Callee(helper, self.index, True) if helper is not None else None
        if self.project is None:
            return None
        module = self._module_of(func.value)
        if module is not None:
            return _callee_of(self.project.attribute(module, func.attr.value))
        qualified = self.index.qualified(func)
        if qualified is not None:
            return _callee_of(self.project.qualified(self.index, qualified))
        return None

    @contextlib.contextmanager
    def calling(self, callee: Callee, call: cst.Call, statement: cst.CSTNode) -> Iterator[bool]:
        """Evaluate inside ``callee`` as called by ``call``: its parameters are the call's
        arguments. Yields False (and binds nothing) when the call cannot be followed."""
        function = callee.function
        arguments = _bind(function, call, statement, self.index, callee.method)
        if arguments is None or function in self._frames or len(self._frames) >= _MAX_FRAMES:
            yield False
            return
        self._frames[function] = _Frame(function, arguments)
        try:
            with self.inside(callee.index):
                yield True
        finally:
            del self._frames[function]

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
            return self._attribute(expr, statement)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, statement)
        if isinstance(expr, cst.IfExp):
            return self._conditional(expr, statement)
        if isinstance(expr, cst.Await):
            return self._value(expr.expression, statement)
        if isinstance(expr, cst.Set):
            return self._set(expr, statement)
        if isinstance(expr, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            return self._comprehension(expr, statement)
        return Unknown(_source(expr))

    def _name(self, expr: cst.Name, statement: cst.CSTNode) -> Any:
        name = expr.value
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        if name in self.index.imports or name in self.index.relative:
            qualified = self.index.imports.get(name)
            if qualified is not None and self._library_constant(qualified) is not _MISSING:
                return self._library_constant(qualified)
            if self.project is not None:
                return self._symbol_value(self.project.symbol(self.index, name), name)
            return Unknown(name)
        self._depth += 1
        try:
            if self._depth > 60:
                return Unknown(f"name {name!r}")
            binding = resolve(self.index, name, statement, self._decide)
            if binding is None:
                if name == "__file__" and self.index.path is not None:
                    return FilePath(self.index.path)
                return Unknown(f"name {name!r}")
            if isinstance(binding, Unknown):
                return binding
            if isinstance(binding, Branches):
                conditions = binding.conditions or ("",) * len(binding.bindings)
                return self._choice(
                    [self._bound(name, b) for b in binding.bindings],
                    [
                        c or f"{name} = {_source(b.value)}"
                        for b, c in zip(binding.bindings, conditions, strict=True)
                    ],
                    f"name {name!r}",
                )
            if isinstance(binding, Parameter):
                return self._parameter(binding, expr)
            return self._bound(name, binding)
        finally:
            self._depth -= 1

    def _parameter(self, binding: Parameter, expr: cst.Name) -> Any:
        """A parameter's argument when the call is known, else its default when no caller in
        sight overrides it, else what its annotation says (text stays text)."""
        name, function = binding.name, binding.function
        frame = self._frames.get(function) if function is not None else None
        if frame is not None and name in frame.arguments:
            if name in frame.known:  # text and numbers cannot change: computed once per call
                return frame.known[name]
            argument = frame.arguments[name]
            with self.inside(argument.index), self._outside(function):
                value = self._value(argument.expr, argument.statement)
            if value is None or isinstance(value, str | int | float | bool | Unknown):
                frame.known[name] = value
            return value
        default = self._default(function, name, frame is not None) if function else None
        if default is not None:
            with self._outside(function):
                return self._value(default, function)  # type: ignore[arg-type]
        if binding.annotation in _TEXT_ANNOTATIONS:
            return text_unknown(f"parameter {name!r}")
        if binding.annotation is not None and _SET_OF_TEXT.fullmatch(binding.annotation):
            return vol.unordered(f"parameter {name!r}", name, expr)
        return Unknown(f"parameter {name!r}")

    def _default(
        self, function: cst.FunctionDef, name: str, called: bool
    ) -> cst.BaseExpression | None:
        """The default of parameter ``name`` when it holds: the known call does not pass it, or
        (with no known call) no caller in this module passes it."""
        params = function.params
        param = next(
            (p for p in (*params.posonly_params, *params.params, *params.kwonly_params)
             if p.name.value == name),
            None,
        )  # fmt: skip
        if param is None or param.default is None:
            return None
        if called:
            return param.default
        return None if self._overridden(function, name) else param.default

    def _overridden(self, function: cst.FunctionDef, name: str) -> bool:
        """Whether a call in this module to ``function`` (by its name, or its class's name for
        ``__init__``) may pass parameter ``name``."""
        params = function.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        owner = _enclosing_class(self.index, function)
        callee = owner.name.value if owner and function.name.value == "__init__" else None
        callee = callee or function.name.value
        if owner is not None and positional[:1] in (["self"], ["cls"]):
            positional = positional[1:]
        for call in self.index.calls:
            func = call.func
            named = func.attr.value if isinstance(func, cst.Attribute) else None
            named = func.value if isinstance(func, cst.Name) else named
            if named != callee:
                continue
            for i, arg in enumerate(a for a in call.args if not a.keyword):
                if arg.star or (i < len(positional) and positional[i] == name):
                    return True
            if any(a.keyword is not None and a.keyword.value == name for a in call.args):
                return True
        return False

    @contextlib.contextmanager
    def _outside(self, function: cst.FunctionDef | None) -> Iterator[None]:
        """An argument is evaluated in its caller: the helper's own frame is not in force."""
        frame = self._frames.pop(function, None) if function is not None else None
        try:
            yield
        finally:
            if frame is not None and function is not None:
                self._frames[function] = frame

    # ---- branches ---------------------------------------------------------------------------

    def _choice(self, options: list[Any], labels: list[str], source: str) -> Any:
        """One value when every way gives the same one, else the ways as ``Alternatives``."""
        distinct: list[Any] = []
        names: list[str] = []
        for option, label in zip(options, labels, strict=True):
            if any(_same(option, seen) for seen in distinct):
                continue
            distinct.append(option)
            names.append(label)
        if len(distinct) == 1:
            return distinct[0]
        if len(distinct) > _MAX_OPTIONS:
            return Unknown(source)
        return Alternatives(source, options=tuple(distinct), labels=tuple(names))

    def _conditional(self, expr: cst.IfExp, statement: cst.CSTNode) -> Any:
        decided = self._decide(expr.test, statement)
        if decided is True:
            return self._value(expr.body, statement)
        if decided is False:
            return self._value(expr.orelse, statement)
        body, orelse = self._value(expr.body, statement), self._value(expr.orelse, statement)
        test = _source(expr.test)
        return self._choice(
            [body, orelse],
            [f"{test}: {_source(expr.body)}", f"not {test}: {_source(expr.orelse)}"],
            f"conditional {_source(expr)}",
        )

    def _decide(self, test: cst.BaseExpression, statement: cst.CSTNode) -> bool | None:
        """Whether an ``if`` test is true at ``statement``; None when the source does not say.

        Tests are decided from what is known (a helper's argument ``cached=True``, a constant
        flag); a value that is merely unknown decides nothing.
        """
        key = id(test)
        if key in self._deciding:
            return None
        if not self._frames and key in self._decided:  # no argument bound: the same answer
            return self._decided[key]
        self._deciding.add(key)
        try:
            found = self._truth(test, statement)
        except _OutOfBudget:
            return None
        finally:
            self._deciding.discard(key)
        if not self._frames:
            self._decided[key] = found
        return found

    def _truth(self, test: cst.BaseExpression, statement: cst.CSTNode) -> bool | None:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._truth(test.expression, statement)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            left = self._truth(test.left, statement)
            if isinstance(test.operator, cst.And):
                if left is False:
                    return False
                right = self._truth(test.right, statement)
                return False if right is False else (True if left and right else None)
            if left is True:
                return True
            right = self._truth(test.right, statement)
            return True if right is True else (False if left is False and right is False else None)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            return self._compare(test, statement)
        return _truthiness(self._value(test, statement))

    def _compare(self, test: cst.Comparison, statement: cst.CSTNode) -> bool | None:
        target = test.comparisons[0]
        left = self._value(test.left, statement)
        right = self._value(target.comparator, statement)
        if not (_plain(left) and _plain(right)):
            return None
        operator = target.operator
        if isinstance(operator, cst.Is):
            return left is right if left is None or right is None else None
        if isinstance(operator, cst.IsNot):
            return left is not right if left is None or right is None else None
        if isinstance(operator, cst.Equal):
            return bool(left == right)
        if isinstance(operator, cst.NotEqual):
            return bool(left != right)
        return None

    # ---- helpers: calls into the project's own functions -------------------------------------

    def _invoke(
        self,
        function: cst.FunctionDef,
        index: ModuleIndex,
        call: cst.Call,
        statement: cst.CSTNode,
        method: bool = False,
    ) -> Any:
        """What a call to one of the project's functions returns, evaluated in that function
        with its parameters bound to the arguments (defaults where none is passed)."""
        source = f"call {_source(call.func)}()"
        if function in self._frames or len(self._frames) >= _MAX_FRAMES:
            return Unknown(source)  # recursion, or deeper than is worth following
        if index.size_of(function) > _MAX_HELPER_STATEMENTS or is_generator(function, index.memo):
            return Unknown(source)  # a generator, or too large to be a request's helper
        arguments = _bind(function, call, statement, self.index, method)
        if arguments is None:
            return Unknown(source)  # a * or ** spread hides which argument is which
        self._frames[function] = _Frame(function, arguments)
        # A helper gets a budget of its own, out of what is left: a large one (a method of a
        # thousand-line class) gives up on itself, not on the call site around it.
        budget = self._budget
        self._budget = min(budget, _HELPER_BUDGET)
        try:
            with self.inside(index):
                result = self._result(function, source)
        except _OutOfBudget:
            result = Unknown(source)
        finally:
            del self._frames[function]
            self._budget = budget - (min(budget, _HELPER_BUDGET) - self._budget)
        if _cached(function) or self._module_level(statement):
            result = vol.rescope(result, "process")  # computed once per process
        return result

    def _result(self, function: cst.FunctionDef, source: str) -> Any:
        found, falls_off = returns(function)
        options: list[Any] = []
        labels: list[str] = []
        certain = False
        for ret in found:
            held = self._guards(ret.guards)
            if held is False:
                continue
            options.append(self._value(ret.value, ret.statement) if ret.value else None)
            labels.append(f"return {_source(ret.value) if ret.value else 'None'}")
            if held is True and ret.certain:
                certain = True
                break
        if not options or (falls_off and not certain):
            return Unknown(source)  # may end without a return (None) on a way not followed
        return self._choice(options, labels, source)

    def _guards(self, guards: tuple[tuple[cst.If, bool], ...]) -> bool | None:
        """Whether the ifs around a return lead to it: True, False, or None (not known)."""
        held: bool | None = True
        for node, in_body in guards:
            truth = self._decide(node.test, node)
            if truth is None:
                held = None
            elif truth is not in_body:
                return False
        return held

    def _call_helper(
        self, name: str, call: cst.Call, statement: cst.CSTNode, owner: cst.ClassDef | None
    ) -> Any:
        """``helper(...)`` or ``self.helper(...)`` of this module; None when there is none."""
        helper = _helper_def(self.index, name, statement, owner)
        if helper is None:
            return None
        return self._invoke(helper, self.index, call, statement, method=owner is not None)

    def _self_attribute(self, attr: str, statement: cst.CSTNode) -> Any:
        """``self.<attr>`` in a method: the value its one assignment gives it."""
        owner = _enclosing_class(self.index, statement)
        found = attribute_source(owner, attr) if owner is not None else None
        if found is None:
            return Unknown(f"self.{attr}")
        with self._outside(found.method):
            return self._value(found.value, found.statement)

    # ---- files of the repository ----------------------------------------------------------------

    def _path(self, value: Any) -> FilePath | None:
        root = self.project.root if self.project is not None else None
        return absolute(value, root) if root is not None else None

    def _read(self, value: Any, call: cst.Call) -> Any:
        """The text of a repository file, or text of unknown content."""
        path = self._path(value)
        text = self.project.read_text(path.path) if path and self.project else None
        return text if text is not None else text_unknown(f"call {_source(call)}")

    def _bound(self, name: str, binding: Binding) -> Any:
        value = self._value(binding.value, binding.statement)
        for mutation in binding.mutations:
            value = self._mutate(value, mutation)
        if binding.turns and isinstance(value, list):
            self.origins.note(value, binding.value)
            self.origins.turns[id(value)] = binding.turns
        if not isinstance(value, dict | list | Constructed):
            return value  # text and numbers cannot change behind the name's back
        if binding.escapes:
            return Unknown(
                f"{name!r} is passed to a function or changed through an alias before this call"
            )
        for inner in _names_in(binding.value) - set(self.index.imports):
            if inner != name and any(
                mentions(self.index, s, inner) and unsafe_statement(self.index, s, inner)
                for s in binding.between
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
                value.extend(
                    extra if isinstance(extra, list) else [vol.taint(Unknown(_source(node)), extra)]
                )
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
        fields = [p for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
        values = [self._value(p.expression, statement) for p in fields]
        lifted = _lift(lambda *v: self._fstring_text(expr, list(v)), *values)
        return lifted if lifted is not _MISSING else self._fstring_text(expr, values)

    def _fstring_text(self, expr: cst.FormattedString, values: list[Any]) -> Any:
        parts: list[str | Unknown] = []
        inners = iter(values)
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(_unescape_fstring_text(part.value, expr))
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            inner = next(inners)
            plain = part.format_spec is None and part.conversion in (None, "s")
            if plain and isinstance(inner, str | int | float) and not isinstance(inner, bool):
                parts.extend(_text_parts(inner if isinstance(inner, str) else str(inner)))
            elif part.conversion == "r" and isinstance(inner, str) and not _partial(inner):
                parts.append(repr(inner))
            else:
                unknown = Unknown(f"{{{_source(part.expression)}}}")
                mark = vol.find_volatile(inner)
                if mark is not None:
                    scope = vol.granularity(_literal_spec(part), mark.scope)
                    unknown = vol.mark_unknown(unknown, mark, scope)  # type: ignore[assignment]
                parts.append(unknown)
        return _text(parts)

    def _binary(self, expr: cst.BinaryOperation, statement: cst.CSTNode) -> Any:
        left = self._value(expr.left, statement)
        right = self._value(expr.right, statement)
        if isinstance(expr.operator, cst.Divide) and isinstance(left, FilePath):
            if is_text(right) and not _partial(right):
                return paths.join(left, right)
            return Unknown(_source(expr))
        lifted = _lift(lambda a, b: self._binary_values(expr, a, b), left, right)
        if lifted is not _MISSING:
            return lifted
        return self._binary_values(expr, left, right)

    def _binary_values(self, expr: cst.BinaryOperation, left: Any, right: Any) -> Any:
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
            return vol.taint(Unknown(_source(expr)), left, right)
        if isinstance(expr.operator, cst.Modulo) and isinstance(left, str):
            if not _partial(left) and _fully_known(right):
                try:
                    return left % (tuple(right) if isinstance(right, list) else right)
                except (TypeError, ValueError, KeyError):
                    return Unknown(_source(expr))
            hole = vol.taint(Unknown(_source(expr)), left, right)
            return _text([_PERCENT_FIELD.sub("", str(left)), hole])  # type: ignore[list-item]
        return vol.taint(Unknown(_source(expr)), left, right)

    def _add(self, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if is_text(left) or is_text(right):
            if (is_text(left) or isinstance(left, Unknown)) and (
                is_text(right) or isinstance(right, Unknown)
            ):
                return _text([*_text_parts(left), *_text_parts(right)])
            return vol.taint(Unknown(_source(node)), left, right)
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
        return vol.taint(Unknown(_source(node)), left, right)

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
        # An element picked by a volatile index (EXAMPLES[random.randrange(3)]) changes with it.
        direct = container if isinstance(container, Volatile) else None
        return vol.taint(Unknown(_source(expr)), key, direct)

    def _index_value(self, expr: cst.Subscript, statement: cst.CSTNode) -> Any:
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return Unknown(_source(expr))
        return self._value(expr.slice[0].slice.value, statement)

    def _attribute(self, expr: cst.Attribute, statement: cst.CSTNode) -> Any:
        if _is_name(expr.value, "self"):
            return self._self_attribute(expr.attr.value, statement)
        qualified = self.index.qualified(expr)
        if qualified is not None:
            found = self._library_constant(qualified)
            if found is not _MISSING or self.project is None:
                return found if found is not _MISSING else Unknown(_source(expr))
            return self._symbol_value(self.project.qualified(self.index, qualified), _source(expr))
        module = self._module_of(expr.value)
        if module is not None and self.project is not None:
            symbol = self.project.attribute(module, expr.attr.value)
            return self._symbol_value(symbol, _source(expr))
        if isinstance(expr.value, cst.Call | cst.Attribute | cst.Name):
            receiver = self._value(expr.value, statement)
            if isinstance(receiver, FilePath) and expr.attr.value == "parent":
                return paths.parent(receiver)
            if isinstance(receiver, Volatile):  # uuid4().hex, datetime.now().year
                day = expr.attr.value in vol.DAY_ATTRIBUTES and receiver.kind == "value"
                scope = vol.granularity("%d", receiver.scope) if day else receiver.scope
                return vol.mark_unknown(Unknown(_source(expr)), receiver, scope)
        return Unknown(_source(expr))

    def _library_constant(self, qualified: str) -> Any:
        """An enum member or constant of a library a layer knows (``_MISSING`` otherwise)."""
        package = qualified.split(".")[0]
        tail = ".".join(qualified.split(".")[-2:])
        return self.constants.get((package, tail), _MISSING)

    def _module_of(self, expr: cst.BaseExpression) -> Symbol | None:
        """The project module a name stands for (``from . import prompts``)."""
        if self.project is None or not isinstance(expr, cst.Name):
            return None
        if expr.value not in self.index.relative:
            return None
        found = self.project.symbol(self.index, expr.value)
        return found if found is not None and found.kind == "module" else None

    def _symbol_value(self, symbol: Symbol | None, source: str) -> Any:
        """The value of a name another module of the project binds, computed in that module."""
        if symbol is None or symbol.kind != "value" or symbol.binding is None:
            return Unknown(f"name {source!r}")
        self._depth += 1
        try:
            if self._depth > 60:
                return Unknown(f"name {source!r}")
            with self.inside(symbol.index):
                return self._bound(symbol.name, symbol.binding)
        finally:
            self._depth -= 1

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
            if qualified in _PATH_FUNCTIONS:
                return self._path_call(call, statement, qualified)
            project = self._project_call(call, statement, qualified)
            if project is not None:
                return project
            return self._source_call(call, statement, qualified)
        if isinstance(func, cst.Name) and func.value in self.index.relative:
            found = self._project_call(call, statement, func.value)
            return found if found is not None else Unknown(f"call {_source(func)}()")
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
                return vol.taint(text_unknown(f"call {_source(call)}"), inner)
            if func.value == "open":
                return Unknown(f"call {_source(call)}")
            if func.value in _ORDER_BUILTINS and resolve(self.index, func.value, statement) is None:
                return self._builtin(call, func.value, statement)
            result = self._call_helper(func.value, call, statement, None)
            if result is not None and not _plain_unknown(result):
                return result
            helper = self._helper_mark(func.value, statement, None)
            if helper is not None:
                return vol.mark_unknown(Unknown(f"call {_source(func)}()"), helper)
            if result is not None:
                return result
        if isinstance(func, cst.Attribute):
            return self._method(call, func, statement)
        return Unknown(f"call {_source(func)}()")

    # ---- prefix stability: per-call sources, set order, helpers ---------------------------------

    def _source_call(self, call: cst.Call, statement: cst.CSTNode, qualified: str) -> Any:
        """A call to an imported function: a per-call source is marked Volatile."""
        result = Unknown(f"call {_source(call.func)}()")
        scope = vol.source_scope(qualified, self.volatile_sources)
        if qualified in ("random.Random", "random.SystemRandom", "secrets.SystemRandom"):
            if call.args and qualified == "random.Random":
                return result  # seeded: the same draws in every process
            return Volatile(result.source, _source(call), "call", "value", call)
        if scope is None:
            return result
        if qualified.startswith("random.") and self._seeded(statement):
            return result
        position = vol.time_argument(qualified)
        positional = [a for a in call.args if _plain_positional(a)]
        if position is not None and len(positional) > position:
            # time.strftime(fmt, t) is as stable as t.
            return vol.taint(result, self._value(positional[position].value, statement))
        if qualified == "time.strftime" and positional:
            scope = vol.granularity(self._value(positional[0].value, statement), scope)
        if scope == "call" and self._module_level(statement):
            scope = "process"  # evaluated once, when the module is imported
        return Volatile(result.source, _source(call), scope, "value", call)

    def _module_level(self, statement: cst.CSTNode) -> bool:
        return not any(isinstance(n, cst.FunctionDef) for n in self.index.ancestors(statement))

    def _seeded(self, statement: cst.CSTNode) -> bool:
        """``random.seed(...)`` in the same function (or module body): the draws repeat."""
        scope = _function_of(self.index, statement)
        key = id(scope)
        if key not in self._seeds:
            self._seeds[key] = any(
                self.index.qualified(c.func) == "random.seed"
                and _function_of(self.index, self.index.statement_of[c]) is scope
                for c in self.index.calls
            )
        return self._seeds[key]

    def _builtin(self, call: cst.Call, name: str, statement: cst.CSTNode) -> Any:
        """sorted/list/tuple/set/frozenset: what they do to a set's order (values unchanged)."""
        result = Unknown(f"call {name}()")
        positional = [a for a in call.args if _plain_positional(a)]
        if len(positional) != 1 or len(call.args) != 1:
            return result
        expr = positional[0].value
        inner = self._value(expr, statement)
        if name == "sorted":  # the fix for set order; a random draw stays a random draw
            mark = vol.find_volatile(inner)
            return vol.mark_unknown(result, mark) if mark and mark.kind == "value" else result
        if name in ("set", "frozenset"):
            if isinstance(inner, list | str) and not _partial(inner):
                return self._unordered(list(inner), call, result)
            mark = vol.find_volatile(inner)
            if mark is not None and mark.kind == "value":
                return vol.mark_unknown(result, mark)
            if isinstance(mark, Volatile) and mark is inner:
                return vol.unordered(result.source, mark.origin, call)
            return result
        return vol.mark_unknown(result, m) if (m := self._iterated(inner, expr)) else result

    def _iterated(self, value: Any, expr: cst.CSTNode) -> Volatile | None:
        """The mark of iterating ``value`` at ``expr``: set order is reported where it is read."""
        mark = vol.find_volatile(value)
        if mark is None:
            return None
        if mark.kind in ("order", "keys") and mark is value:
            return Volatile(mark.source, _source(expr), mark.scope, "order", expr)
        return mark

    def _unordered(self, items: list[Any], node: cst.CSTNode, result: Unknown) -> Any:
        """A set of ``items``: its order varies per process unless it is trivially fixed."""
        try:
            distinct = {i for i in items if not isinstance(i, Unknown)}
        except TypeError:
            return result
        unknown = [i for i in items if isinstance(i, Unknown)]
        if len(distinct) + len(unknown) < 2 or all(vol.is_constant(i) for i in items):
            return result
        mark = vol.find_volatile(items)
        if mark is not None and mark.kind == "value":
            return vol.mark_unknown(result, mark)
        return vol.unordered(result.source, _source(node), node)

    def _set(self, expr: cst.Set, statement: cst.CSTNode) -> Any:
        result = Unknown(_source(expr))
        if any(isinstance(e, cst.StarredElement) for e in expr.elements):
            return result
        return self._unordered(
            [self._value(e.value, statement) for e in expr.elements], expr, result
        )

    def _comprehension(
        self,
        expr: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp,
        statement: cst.CSTNode,
    ) -> Any:
        """Unknown, marked when it iterates a set or draws per call; a set or dict built over a
        set keeps the set's order."""
        result = Unknown(_source(expr))
        first = expr.for_in
        iterable = self._value(
            first.iter, statement
        )  # the only part evaluated in the enclosing scope
        mark = self._iterated(iterable, first.iter)
        if mark is None:
            direct = self._direct_source(expr, statement)
            if direct is not None:
                return vol.mark_unknown(result, direct)
        if isinstance(expr, cst.SetComp):
            if mark is not None and mark.kind == "value":
                return vol.mark_unknown(result, mark)
            return vol.unordered(result.source, _source(expr), expr)
        if mark is None:
            return result
        if isinstance(expr, cst.DictComp) and mark.kind == "order":
            return Volatile(result.source, mark.origin, mark.scope, "keys", mark.node)
        return vol.mark_unknown(result, mark)

    def _direct_source(self, node: cst.CSTNode, statement: cst.CSTNode) -> Volatile | None:
        """A per-call source called inside a comprehension (``[random.choice(x) for ...]``)."""
        stack = children(node)
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Call):
                qualified = self.index.qualified(current.func)
                if qualified is not None and vol.source_scope(qualified, self.volatile_sources):
                    found = self._source_call(current, statement, qualified)
                    if isinstance(found, Volatile):
                        return found
            if not isinstance(current, cst.Lambda | cst.FunctionDef):
                stack.extend(children(current))
        return None

    def _helper_mark(
        self, name: str, statement: cst.CSTNode, owner: cst.ClassDef | None
    ) -> Volatile | None:
        """What a helper of this module returns, when that changes per call or per process.

        Only the mark is used: the call stays Unknown as before, so the helper's result (with
        Unknown parameters) never stands in for what the caller passes.
        """
        helper = _helper_def(self.index, name, statement, owner)
        if helper is None:
            return None
        key = id(helper)
        if key not in self._helpers:
            self._helpers[key] = None  # recursion: a helper calling itself adds nothing
            budget, self._budget = self._budget, _HELPER_BUDGET  # a helper has its own budget
            try:
                marks = [vol.find_volatile(self._value(v, s)) for v, s in _returns(helper)]
            except _OutOfBudget:
                marks = []
            finally:
                self._budget = budget
            found = next((m for m in marks if m is not None), None)
            if found is not None and found.scope == "call" and _cached(helper):
                found = Volatile(found.source, found.origin, "process", found.kind, found.node)
            self._helpers[key] = found
        found = self._helpers[key]
        if found is not None and found.scope == "call" and self._module_level(statement):
            return Volatile(found.source, found.origin, "process", found.kind, found.node)
        return found

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
        if method == "read" and self._is_open_file(func.value, statement):
            return self._read(self._opened(func.value, statement), call)
        receiver = self._value(func.value, statement)
        if method in ("read_text", "read_bytes") or isinstance(receiver, FilePath):
            return self._path_method(call, receiver, method, statement)
        args = [self._value(a.value, statement) for a in call.args if _plain_positional(a)]
        if isinstance(receiver, str):
            result = _string_method(receiver, method, args, call)
            if method in ("format", "format_map"):
                keywords = [self._value(a.value, statement) for a in call.args if a.keyword]
                return vol.taint(result, receiver, *args, *keywords)
            if method == "join" and len(args) == 1 and not isinstance(args[0], list):
                mark = self._iterated(args[0], call.args[0].value)
                return vol.mark_unknown(result, mark) if mark is not None else result
            return result
        if isinstance(receiver, dict | list) and method == "copy" and not args:
            return receiver.copy()
        if isinstance(receiver, Dumped | str) and method == "encode":
            return receiver
        result = Unknown(f"call {_source(call)}")
        if isinstance(receiver, Volatile) and receiver.kind == "value":
            scope = receiver.scope  # now.isoformat(), rng.choice(...), now.strftime("%Y")
            if method == "strftime" and args:
                scope = vol.granularity(args[0], scope)
            elif method in vol.DAY_ATTRIBUTES:
                scope = vol.granularity("%d", scope)
            return vol.mark_unknown(result, receiver, scope)
        if isinstance(receiver, Volatile) and receiver.kind == "keys" and method in _VIEWS:
            # REGISTRY.values() of a dict keyed from a set: the set's order again.
            return Volatile(result.source, receiver.origin, receiver.scope, "keys", receiver.node)
        if method == "fromkeys" and _is_name(func.value, "dict") and len(args) >= 1:
            mark = self._iterated(args[0], call.args[0].value)
            if mark is not None and mark.kind == "order":
                return Volatile(result.source, mark.origin, mark.scope, "keys", mark.node)
        if method in ("render", "substitute", "safe_substitute"):  # templates fill in their args
            keywords = [self._value(a.value, statement) for a in call.args if a.keyword]
            return vol.taint(result, *args, *keywords)
        if _is_name(func.value, "self"):
            owner = _enclosing_class(self.index, statement)
            called = self._call_helper(method, call, statement, owner) if owner else None
            if called is not None and not _plain_unknown(called):
                return called
            helper = self._helper_mark(method, statement, owner) if owner else None
            if helper is not None:
                return vol.mark_unknown(result, helper)
        module = self._module_of(func.value)
        if module is not None and self.project is not None:
            found = self.project.attribute(module, method)
            invoked = self._invoke_symbol(found, call, statement)
            if invoked is not None:
                return invoked
        return result

    def _project_call(self, call: cst.Call, statement: cst.CSTNode, qualified: str) -> Any:
        """A call to a function another module of the project defines; None if it is not."""
        if self.project is None:
            return None
        func = call.func
        if isinstance(func, cst.Name):
            found = self.project.symbol(self.index, func.value)
        else:
            found = self.project.qualified(self.index, qualified)
        return self._invoke_symbol(found, call, statement)

    def _invoke_symbol(self, found: Symbol | None, call: cst.Call, statement: cst.CSTNode) -> Any:
        if found is None or found.kind != "function" or found.node is None:
            return None
        assert isinstance(found.node, cst.FunctionDef)
        result = self._invoke(found.node, found.index, call, statement)
        if _plain_unknown(result):  # still say what the helper's result carries per call
            with self.inside(found.index):
                mark = self._helper_mark(found.name, found.node, None)
            if mark is not None:
                return vol.mark_unknown(result, mark)
        return result

    def _opened(self, receiver: cst.BaseExpression, statement: cst.CSTNode) -> Any:
        """The path given to the ``open(...)`` a file object comes from."""
        bound = self._with_item(receiver, statement)
        if bound is not None:
            return self._opened(bound, statement)
        if isinstance(receiver, cst.Call) and receiver.args:
            first = receiver.args[0]
            if first.keyword is None and not first.star:
                return self._value(first.value, statement)
        return None

    def _path_method(
        self, call: cst.Call, receiver: Any, method: str, statement: cst.CSTNode
    ) -> Any:
        path = receiver if isinstance(receiver, FilePath) else None
        if method == "read_text" and path is not None:
            return self._read(path, call)
        if method in ("read_text", "read_bytes"):
            return text_unknown(f"call {_source(call)}")
        args = [self._value(a.value, statement) for a in call.args if _plain_positional(a)]
        if method == "joinpath" and path and all(is_text(a) and not _partial(a) for a in args):
            return paths.join(path, *args)
        if method in ("resolve", "absolute") and path is not None and not args:
            return path
        return Unknown(f"call {_source(call)}")

    def _path_call(self, call: cst.Call, statement: cst.CSTNode, qualified: str) -> Any:
        """``Path(...)``, ``os.path.join(...)``, ``os.path.dirname(...)`` and kin."""
        args = [self._value(a.value, statement) for a in call.args if _plain_positional(a)]
        unknown = Unknown(f"call {_source(call)}")
        if len(args) != len(call.args) or not args:
            return unknown
        first = args[0] if isinstance(args[0], FilePath) else self._path(args[0])
        rest = args[1:]
        if first is None or not all(is_text(a) and not _partial(a) for a in rest):
            return unknown
        if qualified.endswith(("dirname", "parent")):
            return paths.parent(first) if not rest else unknown
        return paths.join(first, *rest)

    def _is_open_file(self, receiver: cst.BaseExpression, statement: cst.CSTNode) -> bool:
        """``open(...)`` itself, or a name bound by ``with open(...) as name`` around the call."""
        if isinstance(receiver, cst.Call):
            return isinstance(receiver.func, cst.Name) and receiver.func.value == "open"
        bound = self._with_item(receiver, statement)
        return bound is not None and self._is_open_file(bound, statement)

    def _with_item(
        self, receiver: cst.BaseExpression, statement: cst.CSTNode
    ) -> cst.BaseExpression | None:
        """``x`` in ``with x as name:`` around the statement, for the name ``receiver``."""
        if not isinstance(receiver, cst.Name):
            return None
        for node in self.index.ancestors(statement):
            if isinstance(node, cst.With):
                for item in node.items:
                    target = item.asname.name if item.asname is not None else None
                    if isinstance(target, cst.Name) and target.value == receiver.value:
                        return item.item
        return None

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
        if kwargs.get("sort_keys") is True:
            return Dumped(_sorted_keys(value))
        if isinstance(value, Volatile) and value.kind == "keys":
            # The key order is the set's order: sort_keys=True is the fix, at this call.
            return Dumped(Volatile(value.source, _source(call), value.scope, "keys", call))
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


_ORDER_BUILTINS = frozenset({"sorted", "list", "tuple", "set", "frozenset"})
_PATH_FUNCTIONS = frozenset(
    {
        "pathlib.Path", "pathlib.PurePath", "os.path.join", "os.path.dirname",
        "os.path.abspath", "os.path.realpath", "os.path.normpath",
    }
)  # fmt: skip
_VIEWS = frozenset({"keys", "values", "items"})
_CACHE_DECORATORS = frozenset({"cache", "lru_cache", "cached", "cached_property"})


def _sorted_keys(value: Any) -> Any:
    """``value`` as ``json.dumps(..., sort_keys=True)`` writes it: key order no longer matters."""
    if isinstance(value, Volatile) and value.kind == "keys":
        return Unknown(value.source)
    if isinstance(value, dict) and vol.find_volatile(value) is not None:
        return {k: _sorted_keys(v) for k, v in value.items()}
    if isinstance(value, list) and vol.find_volatile(value) is not None:
        return [_sorted_keys(v) for v in value]
    return value


def _literal_spec(part: cst.FormattedStringExpression) -> str | None:
    """The format spec of an f-string field when it is plain text (``{now:%Y-%m-%d}``)."""
    spec = part.format_spec
    if not spec or not all(isinstance(p, cst.FormattedStringText) for p in spec):
        return None
    return "".join(p.value for p in spec if isinstance(p, cst.FormattedStringText))


def _function_of(index: ModuleIndex, statement: cst.CSTNode) -> cst.CSTNode | None:
    for node in reversed(index.ancestors(statement)):
        if isinstance(node, cst.FunctionDef) and node is not statement:
            return node
    return None


def _enclosing_class(index: ModuleIndex, statement: cst.CSTNode) -> cst.ClassDef | None:
    for node in reversed(index.ancestors(statement)):
        if isinstance(node, cst.ClassDef):
            return node
    return None


def _helper_def(
    index: ModuleIndex, name: str, statement: cst.CSTNode, owner: cst.ClassDef | None
) -> cst.FunctionDef | None:
    """The one def ``name`` refers to: a method of ``owner``, or a function of the module or of
    an enclosing function. None when it is shadowed, defined twice or bound any other way."""
    if owner is not None:
        scopes: list[cst.CSTNode] = [owner]
    else:
        scopes = [
            n
            for n in reversed(index.ancestors(statement))
            if isinstance(n, cst.FunctionDef) and n is not statement
        ]
        scopes.append(index.module)
    for scope in scopes:
        block = scope if isinstance(scope, cst.Module) else scope.body  # type: ignore[attr-defined]
        body = list(getattr(block, "body", ()))
        defs = [s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == name]
        others = [
            s
            for s in body
            if s not in defs and mentions(index, s, name) and binds_anywhere(s, name, index.memo)
        ]
        if defs or others:
            return defs[0] if len(defs) == 1 and not others else None
        if isinstance(scope, cst.FunctionDef) and _is_parameter(scope, name):
            return None  # a parameter of the same name shadows the outer def
    return None


def _is_parameter(function: cst.FunctionDef, name: str) -> bool:
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return any(p.name.value == name for p in every)


def _returns(helper: cst.FunctionDef) -> list[tuple[cst.BaseExpression, cst.CSTNode]]:
    """Each ``return value`` of a def (not of defs nested in it), with its statement."""
    found: list[tuple[cst.BaseExpression, cst.CSTNode]] = []
    stack: list[cst.CSTNode] = children(helper.body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Return) and small.value is not None:
                    found.append((small.value, node))
            continue
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        stack.extend(children(node))
    return found


def _callee_of(found: Symbol | None) -> Callee | None:
    if found is None or found.kind != "function" or not isinstance(found.node, cst.FunctionDef):
        return None
    return Callee(found.node, found.index, False)


def _plain_unknown(value: Any) -> bool:
    """An Unknown that says nothing more (no per-call mark, no alternatives)."""
    return type(value) is Unknown


def _lift(operation: Callable[..., Any], *values: Any) -> Any:
    """``operation`` on each combination of the values' alternatives (``_MISSING`` when no value
    has alternatives, Unknown when there are too many combinations)."""
    if not any(isinstance(v, Alternatives) for v in values):
        return _MISSING
    combos: list[tuple[list[Any], list[str]]] = [([], [])]
    for value in values:
        options = value.options if isinstance(value, Alternatives) else (value,)
        labels = value.labels if isinstance(value, Alternatives) else ("",)
        combos = [
            ([*vs, option], [*ls, label] if label else ls)
            for vs, ls in combos
            for option, label in zip(options, labels, strict=True)
        ]
        if len(combos) > _MAX_OPTIONS:
            return Unknown("too many alternatives")
    results = [operation(*vs) for vs, _ in combos]
    source = next(v.source for v in values if isinstance(v, Alternatives))
    return Alternatives(
        source, options=tuple(results), labels=tuple("; ".join(ls) for _, ls in combos)
    )


def _bind(
    function: cst.FunctionDef,
    call: cst.Call,
    statement: cst.CSTNode,
    index: ModuleIndex,
    method: bool,
) -> dict[str, _Argument] | None:
    """The call's arguments by parameter name; None when a spread hides the mapping."""
    params = function.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    if method and positional[:1] in (["self"], ["cls"]):
        positional = positional[1:]
    names = set(positional) | {p.name.value for p in params.kwonly_params}
    bound: dict[str, _Argument] = {}
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value not in names:
                return None if not isinstance(params.star_kwarg, cst.Param) else bound
            bound[arg.keyword.value] = _Argument(arg.value, statement, index)
            continue
        if position >= len(positional):
            if isinstance(params.star_arg, cst.Param):
                continue
            return None  # more arguments than parameters: not this function, or a bug
        bound[positional[position]] = _Argument(arg.value, statement, index)
        position += 1
    return bound


def _same(left: Any, right: Any) -> bool:
    """Equal values (an Unknown equals only itself: two unknowns may differ)."""
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return left is right
    if isinstance(left, PartialText) or isinstance(right, PartialText):
        return left is right
    try:
        return type(left) is type(right) and bool(left == right)
    except Exception:
        return False


def _plain(value: Any) -> bool:
    """A value whose comparison means what Python would compute."""
    if isinstance(value, Unknown | Dumped | Constructed | FilePath) or _partial(value):
        return False
    return value is None or isinstance(value, str | int | float | bool)


def _truthiness(value: Any) -> bool | None:
    if isinstance(value, Unknown | Dumped | FilePath) or _partial(value):
        return None
    if isinstance(value, Constructed):
        return True
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return bool(value)
    return None


def _cached(helper: cst.FunctionDef) -> bool:
    """``@functools.cache`` and kin: the body runs once per process (per argument)."""
    return any(name in _CACHE_DECORATORS for name in decorator_names(helper))


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _names_in(expr: cst.CSTNode) -> set[str]:
    """The variable names whose values an expression reads: not attribute or keyword names, and
    not a name that is only called (``ChatMessage(...)`` builds a new object; calling the class
    again later changes nothing in it)."""
    found: set[str] = set()
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(expr, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, cst.Name):
            attribute = isinstance(parent, cst.Attribute) and parent.attr is node
            keyword = isinstance(parent, cst.Arg) and parent.keyword is node
            callee = isinstance(parent, cst.Call) and parent.func is node
            if not attribute and not keyword and not callee:
                found.add(node.value)
            continue
        stack.extend((child, node) for child in children(node))
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

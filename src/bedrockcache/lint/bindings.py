"""What a name holds at a statement, decided from straight-line code only.

The linter answers "which value does ``messages`` have at this call?" the way a reader would at a
glance: the last plain assignment before the call in the same function (or a module constant),
plus ``append``/``extend``/``+=``/``x[k] = v`` that follow it. Anything that could change the value
in a way the reader cannot see (a branch, a loop, a call that receives the list) makes it Unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass, field

import libcst as cst

from bedrockcache.lint.index import BOUND, ModuleIndex, _binds, children
from bedrockcache.unknown import Unknown

__all__ = [
    "Binding",
    "Branches",
    "Mutation",
    "Parameter",
    "loop_turns",
    "mentions",
    "module_binding",
    "rebound_at_module_level",
    "resolve",
    "unsafe_statement",
]

# Methods that change a list or dict in a way the evaluator replays.
MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault"})
# Methods and functions that read a value without changing it.
READERS = frozenset(
    {
        "copy", "get", "keys", "items", "values", "count", "index", "format", "join", "strip",
        "encode", "startswith", "endswith", "split", "lower", "upper", "replace",
    }
)  # fmt: skip
PURE_FUNCTIONS = frozenset(
    {
        "len", "print", "str", "repr", "isinstance", "sorted", "list", "tuple", "dict", "bool",
        "int", "any", "all", "enumerate", "zip", "reversed", "id", "hash", "type",
        "json.dumps", "copy.copy", "copy.deepcopy", "deepcopy",
    }
)  # fmt: skip
# The request-building APIs of the libraries bedrockcache audits read their arguments; a list
# passed to one call site is still the same list at the next.
LIBRARY_READERS = frozenset(
    {
        "converse", "converse_stream", "invoke_model", "invoke_model_with_response_stream",
        "create", "stream", "completion", "acompletion", "bind_tools", "bind", "invoke",
        "ainvoke", "chat", "achat", "stream_chat", "chat_with_tools", "run", "run_sync",
        "Agent", "BedrockModel", "CacheConfig", "BedrockConverseModel", "BedrockModelSettings",
        "ChatBedrockConverse", "ChatBedrock", "SystemMessage", "HumanMessage", "AIMessage",
        "ToolMessage", "BedrockConverse", "ChatMessage", "TextBlock", "CachePoint",
    }
)  # fmt: skip
_LITERALS = (cst.Element, cst.DictElement, cst.List, cst.Tuple, cst.Dict, cst.Set)
_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_LOOPS = (cst.For, cst.While)
_BLOCKS = (cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite)


@dataclass(frozen=True)
class Mutation:
    """``name.append(x)`` and its kin, replayed in order on the bound value."""

    kind: str  # a MUTATORS method, "+=", or "setitem"
    node: cst.CSTNode  # the call, the AugAssign or the Assign
    statement: cst.CSTNode


@dataclass(frozen=True)
class Parameter:
    """The name is a parameter of the enclosing function: its annotation is all that is known,
    unless the evaluator knows the call (``function`` says which def's parameter it is)."""

    name: str
    annotation: str | None
    function: cst.FunctionDef | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Binding:
    value: cst.BaseExpression
    statement: cst.CSTNode  # where the value is evaluated
    mutations: tuple[Mutation, ...] = ()
    escapes: bool = False  # the value was handed to code we cannot see before the use
    between: tuple[cst.CSTNode, ...] = ()  # the statements run between the binding and the use
    turns: int = 0  # grown in a loop: its value at the use after this many turns


@dataclass(frozen=True)
class Branches:
    """Each way through an ``if`` whose test is not known gives its own binding, in source
    order: ``prompt = LONG if detailed else SHORT`` written as statements."""

    bindings: tuple[Binding, ...]
    conditions: tuple[str, ...] = ()  # the tests that lead to each binding, as written


# Decides an ``if`` test at its statement: True, False, or None when it is not known.
Decide = Callable[[cst.BaseExpression, cst.CSTNode], "bool | None"]
MAX_BRANCHES = 8  # ways through the ifs before a name; past it the name is Unknown


def resolve(
    index: ModuleIndex, name: str, statement: cst.CSTNode, decide: Decide | None = None
) -> Binding | Branches | Parameter | Unknown | None:
    """The binding of ``name`` visible at ``statement``; None when the name is not bound here.

    An ``if`` before the use that binds or changes the name is followed: into the branch that
    runs when ``decide`` knows its test, into every branch (``Branches``) when it does not.
    """
    chain = index.ancestors(statement)
    return _Resolver(index, name, decide).climb(chain, len(chain) - 2, _State())


@dataclass
class _State:
    mutations: list[Mutation] = field(default_factory=list)  # read backwards
    scanned: list[cst.CSTNode] = field(default_factory=list)
    escapes: bool = False
    crossed_function: bool = False
    conditions: list[str] = field(default_factory=list)  # the if tests this way took

    def copy(self) -> _State:
        return _State(
            list(self.mutations),
            list(self.scanned),
            self.escapes,
            self.crossed_function,
            list(self.conditions),
        )


@dataclass(frozen=True)
class _Fork:
    """The ways through an ``if``: each with its state and what it found (None: go on before)."""

    ways: tuple[tuple[_State, object], ...]


class _Resolver:
    def __init__(self, index: ModuleIndex, name: str, decide: Decide | None) -> None:
        self.index = index
        self.name = name
        self.decide = decide

    def climb(
        self, chain: tuple[cst.CSTNode, ...], start: int, state: _State, resume: int | None = None
    ) -> Binding | Branches | Parameter | Unknown | None:
        index, name = self.index, self.name
        for depth in range(start, -1, -1):
            node, child = chain[depth], chain[depth + 1]
            if isinstance(node, cst.FunctionDef):
                parameter = _parameter(node, name)
                if parameter is not None:
                    return parameter
                if mentions(index, node, name) and (
                    _binds_anywhere(node.body, name, index.memo)
                    or _declares_global(node.body, name, index.memo)
                ):
                    return Unknown(f"{name!r} is assigned in a branch or after its use")
                state.crossed_function = True
                continue
            if isinstance(node, cst.Lambda | cst.ClassDef):
                continue
            loop = isinstance(node, _LOOPS) and mentions(index, node, name)
            if loop and changes_in(index, node, name):
                return self._loop(node, chain[depth + 1], chain, depth, state)
            if isinstance(node, cst.With) and _with_binds(node, name):
                return Unknown(f"{name!r} is bound by a with statement")
            if not isinstance(node, _BLOCKS):
                continue
            body = list(node.body)
            if resume is not None and depth == start:
                position = resume
            else:
                try:
                    position = next(i for i, s in enumerate(body) if s is child)
                except StopIteration:
                    continue
            if state.crossed_function and depth > 0 and isinstance(chain[depth - 1], cst.ClassDef):
                continue  # class bodies are not visible from their methods
            if state.crossed_function:
                found_global = _module_constant(index, node, name)
                if isinstance(found_global, Binding) and state.escapes:
                    return Binding(
                        found_global.value, found_global.statement, found_global.mutations, True
                    )
                return found_global
            for i in range(position - 1, -1, -1):
                earlier = body[i]
                found = self.scan(earlier, state)
                if isinstance(found, _Fork):
                    return self._join(found, chain, depth, i, node, earlier)
                if found == "escape":
                    state.escapes = True
                elif isinstance(found, Unknown):
                    return found
                elif isinstance(found, Binding):
                    return self._finish(found, state, node)
                state.scanned.append(earlier)
        return None

    def _loop(
        self,
        loop: cst.For | cst.While,
        child: cst.CSTNode,
        chain: tuple[cst.CSTNode, ...],
        depth: int,
        state: _State,
    ) -> Binding | Unknown:
        """A list grown turn by turn in a loop: its value at the use after ``TURNS`` turns.

        Only plain growth is followed: the statements of the loop body that name it append to
        it, extend it or read it. Anything else (a pop, a slice, a filter, a rebinding, a call
        that receives it) may keep it bounded, a rotation: Unknown, never a guess.
        """
        unknown = Unknown(f"{self.name!r} changes inside a loop")
        body = list(getattr(loop.body, "body", ()))
        if child is not loop.body or self.decide is None:
            return unknown  # the use is in the loop's else, or nothing decides its tests
        use = next((i for i, s in enumerate(body) if s is chain[depth + 2]), None)
        if use is None:
            return unknown
        before: list[Mutation] = []
        after: list[Mutation] = []
        for i, statement in enumerate(body):
            if i == use or not mentions(self.index, statement, self.name):
                continue
            grown = _mutations_in(statement, self.name) if _simple(statement) else None
            if not grown or any(m.kind not in _GROWTH for m in grown):
                return unknown
            (before if i < use else after).extend(grown)
        if changes_in(self.index, body[use], self.name):
            return unknown
        start = self.climb(chain, depth - 1, _State())
        if not isinstance(start, Binding) or start.escapes or start.mutations:
            return unknown
        turns = loop_turns(loop)
        replayed = tuple((before + after) * (turns - 1) + before)
        return Binding(start.value, start.statement, replayed, False, (), turns)

    def _finish(self, found: Binding, state: _State, block: cst.CSTNode) -> Binding | Unknown:
        if isinstance(block, cst.Module) and _mutated_in_functions(self.index, self.name):
            return Unknown(f"module name {self.name!r} is changed by a function")
        return Binding(
            found.value,
            found.statement,
            tuple(reversed(state.mutations)),
            state.escapes,
            tuple(reversed(state.scanned)),
        )

    def _join(
        self,
        fork: _Fork,
        chain: tuple[cst.CSTNode, ...],
        depth: int,
        at: int,
        block: cst.CSTNode,
        statement: cst.CSTNode,
    ) -> Branches | Binding | Unknown | None:
        """Every way through the if, each resolved on its own; one binding is no fork at all."""
        found: list[Binding] = []
        conditions: list[str] = []
        for state, outcome in fork.ways:
            if isinstance(outcome, Unknown):
                return outcome
            if isinstance(outcome, Binding):
                result: object = self._finish(outcome, state, block)
            else:  # the way does not bind the name: it comes from before the if
                if outcome == "escape":
                    state.escapes = True
                state.scanned.append(statement)
                result = self.climb(chain, depth, state, resume=at)
            taken = " and ".join(state.conditions)
            if isinstance(result, Branches):
                found.extend(result.bindings)
                conditions.extend(
                    f"{taken} and {c}" if taken and c else taken or c for c in result.conditions
                )
            elif isinstance(result, Binding):
                found.append(result)
                conditions.append(taken)
            elif isinstance(result, Unknown | Parameter):
                return result if isinstance(result, Unknown) else Unknown(f"{self.name!r}")
            else:
                return Unknown(f"{self.name!r} is bound on only some ways through an if")
            if len(found) > MAX_BRANCHES:
                return Unknown(f"{self.name!r} has too many alternatives")
        return Branches(tuple(found), tuple(conditions)) if len(found) > 1 else found[0]

    def scan(self, statement: cst.CSTNode, state: _State) -> object:
        """One earlier statement, read backwards: a Binding, a mutation (recorded in ``state``),
        Unknown, "escape", a ``_Fork`` for an if, or None."""
        name, index = self.name, self.index
        if not mentions(index, statement, name):
            return None
        if isinstance(statement, cst.If) and self.decide is not None:
            return self._scan_if(statement, state)
        return _scan(index, statement, name, state.mutations)

    def _scan_if(self, statement: cst.If, state: _State) -> object:
        decision = self.decide(statement.test, statement) if self.decide else None
        if decision is True:
            return self._scan_block(statement.body, state)
        if decision is False:
            return self._scan_else(statement.orelse, state)
        ways: list[tuple[_State, object]] = []
        test = _short(statement.test)
        for branch, condition in ((statement.body, test), (statement.orelse, f"not {test}")):
            way = state.copy()
            way.conditions.append(condition)
            outcome = (
                self._scan_block(branch, way)
                if isinstance(branch, cst.IndentedBlock)
                else self._scan_else(branch, way)
            )
            if isinstance(outcome, _Fork) and isinstance(branch, cst.If):
                ways.extend(outcome.ways)  # an elif chain: its ways are this if's too
                continue
            if isinstance(outcome, _Fork):
                return Unknown(f"{self.name!r} is assigned in nested branches")
            ways.append((way, outcome))
        if all(o in (None, "escape") and w.mutations == state.mutations for w, o in ways):
            return "escape" if any(o == "escape" for _, o in ways) else None  # only read there
        return _Fork(tuple(ways))

    def _scan_else(self, orelse: cst.If | cst.Else | None, state: _State) -> object:
        if orelse is None:
            return None
        if isinstance(orelse, cst.If):
            return self._scan_if(orelse, state)
        return self._scan_block(orelse.body, state)

    def _scan_block(self, block: cst.BaseSuite, state: _State) -> object:
        escaped = None
        for inner in reversed(list(getattr(block, "body", ()))):
            found = self.scan(inner, state)
            if found == "escape":
                escaped = "escape"
            elif found is not None:
                if isinstance(found, Binding) and escaped:
                    state.escapes = True
                return found
        return escaped


_GROWTH = frozenset({"append", "extend", "+="})
TURNS = 6  # turns of a loop of unknown length the value is followed through
_MAX_TURNS = 20


def _simple(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine)


def loop_turns(loop: cst.For | cst.While) -> int:
    """``for _ in range(N)`` runs N turns (up to a limit); any other loop, ``TURNS``."""
    if isinstance(loop, cst.For) and isinstance(loop.iter, cst.Call):
        func, args = loop.iter.func, loop.iter.args
        if isinstance(func, cst.Name) and func.value == "range" and len(args) == 1:
            count = args[0].value
            if isinstance(count, cst.Integer) and not args[0].star:
                return max(1, min(int(count.value.replace("_", ""), 0), _MAX_TURNS))
    return TURNS


def _short(node: cst.CSTNode) -> str:
    text = " ".join(cst.Module(body=[]).code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def module_binding(index: ModuleIndex, name: str) -> Binding | Unknown | None:
    """The one plain module-level binding of ``name`` (another module imports it)."""
    return _module_constant(index, index.module, name)


def rebound_at_module_level(index: ModuleIndex, name: str, besides: cst.CSTNode) -> bool:
    """Whether a module statement other than ``besides`` (its def) binds ``name`` too."""
    return any(
        s is not besides and mentions(index, s, name) and _binds_anywhere(s, name, index.memo)
        for s in index.module.body
    )


def _module_constant(index: ModuleIndex, block: cst.CSTNode, name: str) -> Binding | Unknown | None:
    """A name read in a function is a module constant only if bound once, plainly, never changed."""
    if not isinstance(block, cst.Module):
        return Unknown(f"{name!r} comes from an enclosing function")
    key = ("module-constant", name, frozenset(index.reader_names))
    if key not in index.memo:
        index.memo[key] = _find_module_constant(index, block, name)
    return index.memo[key]  # type: ignore[return-value]


def _find_module_constant(
    index: ModuleIndex, block: cst.Module, name: str
) -> Binding | Unknown | None:
    bindings = [s for s in block.body if _binding_value(s, name) is not None]
    other = [
        s
        for s in block.body
        if s not in bindings and mentions(index, s, name) and _binds_anywhere(s, name, index.memo)
    ]
    if not bindings:
        return Unknown(f"{name!r} is bound in a branch") if other else None
    if len(bindings) > 1 or other or _mutated_in_functions(index, name):
        return Unknown(f"module name {name!r} is reassigned or changed")
    statement = bindings[0]
    value = _binding_value(statement, name)
    assert value is not None
    after = list(block.body)[list(block.body).index(statement) + 1 :]
    mutations: list[Mutation] = []
    escapes = False
    for later in after:
        if not mentions(index, later, name):
            continue
        found = _scan(index, later, name, [])
        if found == "escape" and not _composes(later):
            escapes = True
        elif isinstance(found, Unknown):
            return found
        mutations += _mutations_in(later, name)
    return Binding(value, statement, tuple(mutations), escapes)


def _composes(statement: cst.CSTNode) -> bool:
    """``CACHED = [{"text": POLICY}, CP]``: a module constant built from another keeps it
    (an alias, not a change). Module code that changes either is seen by its own lookup."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assign):
        return all(isinstance(t.target, cst.Name) for t in small.targets)
    return isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)


def _mutated_in_functions(index: ModuleIndex, name: str) -> bool:
    key = ("mutated-in-functions", name)
    found = index.memo.get(key)
    if found is None:
        found = index.memo[key] = name in _written_in_functions(index)
    return found  # type: ignore[return-value]


def _written_in_functions(index: ModuleIndex) -> frozenset[str]:
    """Every name some function writes to (as ``writes_to`` judges it) or declares ``global``
    or ``nonlocal``, from one walk of the functions: a call site asks this of each module name
    it reads."""
    key = "written-in-functions"
    found = index.memo.get(key)
    if found is None:
        written: set[str] = set()
        for function in index.functions:
            stack: list[tuple[cst.CSTNode, list[cst.CSTNode]]] = [(function.body, [])]
            while stack:
                current, ancestors = stack.pop()
                path = [*ancestors, current]
                if isinstance(current, cst.Name):
                    if _reads_name(ancestors, current) and _writes(path):
                        written.add(current.value)
                    continue
                if isinstance(current, cst.Global | cst.Nonlocal):
                    written.update(a.name.value for a in current.names)
                    continue
                stack.extend(
                    (child, path)
                    for child in children(current)
                    if not isinstance(child, cst.FunctionDef)  # walked as its own function
                )
        found = index.memo[key] = frozenset(written)
    return found  # type: ignore[return-value]


def mentions(index: ModuleIndex, statement: cst.CSTNode, name: str) -> bool:
    """Whether ``name`` is written anywhere in ``statement``: every binding, change and use of a
    name is a Name node, so a statement without one cannot affect it (and is never walked)."""
    names = index.names_in.get(statement)
    return names is None or name in names


def _scan(
    index: ModuleIndex, statement: cst.CSTNode, name: str, mutations: list[Mutation]
) -> object:
    """One earlier statement, read backwards: a Binding, a mutation (recorded), Unknown, or None."""
    if not mentions(index, statement, name):
        return None
    value = _binding_value(statement, name)
    if value is not None:
        return Binding(value, statement)
    if isinstance(statement, cst.SimpleStatementLine):
        found = _mutations_in(statement, name)
        if found is None:
            return Unknown(f"{name!r} is rebound in a way that is not followed")
        if found:
            mutations.extend(reversed(found))
            return None
        return "escape" if unsafe_statement(index, statement, name) else None
    if isinstance(statement, cst.With) and not _with_binds(statement, name):
        for inner in reversed(list(statement.body.body)):
            found_inner = _scan(index, inner, name, mutations)
            if found_inner is not None:
                return found_inner
        return None
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return Unknown(f"{name!r} is a function or class") if statement.name.value == name else None
    if changes_in(index, statement, name):
        return Unknown(f"{name!r} is assigned or changed in a branch")
    return "escape" if unsafe_statement(index, statement, name) else None


def unsafe_statement(index: ModuleIndex, statement: cst.CSTNode, name: str) -> bool:
    """``unsafe_use`` once per statement and name: every call site asks it again of the same
    module statements."""
    key = ("unsafe", statement, name, frozenset(index.reader_names))
    found = index.memo.get(key)
    if found is None:
        found = index.memo[key] = unsafe_use(statement, name, index.reader_names, index.names_in)
    return found  # type: ignore[return-value]


def _binding_value(statement: cst.CSTNode, name: str) -> cst.BaseExpression | None:
    """The value of ``name = value`` (or ``name: T = value``) when the statement is exactly that."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    found = None
    for small in statement.body:
        if (
            isinstance(small, cst.Assign)
            and any(
                isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
            )
        ) or (
            isinstance(small, cst.AnnAssign)
            and isinstance(small.target, cst.Name)
            and small.target.value == name
            and small.value is not None
        ):
            found = small.value
    return found


def _mutations_in(node: cst.CSTNode, name: str) -> list[Mutation] | None:
    """The replayable mutations of ``name`` in a simple statement; None if it is rebound."""
    found: list[Mutation] = []
    statement = node
    for small in _small_statements(node):
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if (
                isinstance(func, cst.Attribute)
                and _is_name(func.value, name)
                and func.attr.value in MUTATORS
            ):
                found.append(Mutation(func.attr.value, small.value, statement))
        elif isinstance(small, cst.AugAssign) and _is_name(small.target, name):
            if not isinstance(small.operator, cst.AddAssign):
                return None
            found.append(Mutation("+=", small, statement))
        elif isinstance(small, cst.Assign) and any(
            isinstance(t.target, cst.Subscript) and _is_name(t.target.value, name)
            for t in small.targets
        ):
            found.append(Mutation("setitem", small, statement))
        elif _rebinds(small, name):
            return None
    return found


def _small_statements(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        yield from node.body
    elif isinstance(node, cst.IndentedBlock):
        for statement in node.body:
            yield from _small_statements(statement)
    elif isinstance(node, cst.BaseSmallStatement):
        yield node


def _rebinds(small: cst.CSTNode, name: str) -> bool:
    if isinstance(small, cst.Assign):
        return any(_target_binds(t.target, name) for t in small.targets)
    if isinstance(small, cst.AnnAssign | cst.AugAssign):
        return _target_binds(small.target, name)
    if isinstance(small, cst.Del):
        return _target_binds(small.target, name)
    if isinstance(small, cst.Global | cst.Nonlocal):
        return any(n.name.value == name for n in small.names)
    return _walrus_binds(small, name)


def _target_binds(target: cst.BaseExpression, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, cst.Tuple | cst.List):
        return any(_target_binds(e.value, name) for e in target.elements)
    if isinstance(target, cst.StarredElement):
        return _target_binds(target.value, name)
    return False


def _walrus_binds(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(n, cst.NamedExpr) and _is_name(n.target, name) for n in _walk(node))


def changes_in(index: ModuleIndex, node: cst.CSTNode, name: str) -> bool:
    """``_binds_or_mutates`` once per node and name (every call site asks again)."""
    if not mentions(index, node, name):
        return False
    key = ("changes", node, name)
    found = index.memo.get(key)
    if found is None:
        found = index.memo[key] = _binds_or_mutates(node, name)
    return found  # type: ignore[return-value]


def _binds_or_mutates(node: cst.CSTNode, name: str) -> bool:
    """Anywhere inside ``node``: an assignment, loop target, with-target or mutation of ``name``."""
    for inner in _walk(node):
        if isinstance(inner, cst.Assign | cst.AnnAssign | cst.AugAssign | cst.Del) and (
            _rebinds(inner, name) or _mutations_in(inner, name)
        ):
            return True
        if isinstance(inner, cst.For | cst.CompFor) and _target_binds(inner.target, name):
            return True
        if isinstance(inner, cst.AsName) and _target_binds(inner.name, name):  # with/except as
            return True
        if isinstance(inner, cst.NamedExpr) and _is_name(inner.target, name):
            return True
        if (
            isinstance(inner, cst.Call)
            and isinstance(inner.func, cst.Attribute)
            and _is_name(inner.func.value, name)
            and inner.func.attr.value in MUTATORS
        ):
            return True
        if isinstance(inner, cst.FunctionDef | cst.ClassDef) and inner.name.value == name:
            return True
        if isinstance(inner, cst.Global | cst.Nonlocal) and any(
            n.name.value == name for n in inner.names
        ):
            return True
    return False


def _binds_anywhere(node: cst.CSTNode, name: str, memo: dict[object, object] | None = None) -> bool:
    """Any binding of ``name`` inside ``node`` (not inside nested functions or classes).

    With ``memo`` (a ModuleIndex's), each node is walked once for all names: lookups for many
    names over a module's statements would otherwise walk the module once per name.
    """
    if memo is None:
        return name in _bound_names(node)
    key = (BOUND, node)
    names = memo.get(key)
    if names is None:
        names = memo[key] = _bound_names(node)
    return name in names  # type: ignore[operator]


def _bound_names(node: cst.CSTNode) -> frozenset[str]:
    """What ``_binds`` finds in ``node`` and the statements in it (not in nested defs' bodies);
    a ModuleIndex has these for every statement already (``BOUND`` in its memo)."""
    names: set[str] = set()
    for inner in _walk(node, into_functions=False):
        if isinstance(inner, cst.FunctionDef | cst.ClassDef):
            if inner is not node:
                names.add(inner.name.value)
        else:
            _binds(inner, names)
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        return frozenset({node.name.value})
    return frozenset(names)


def _declares_global(
    body: cst.CSTNode, name: str, memo: dict[object, object] | None = None
) -> bool:
    key = ("declared-global", body)
    names = memo.get(key) if memo is not None else None
    if names is None:
        names = frozenset(
            a.name.value
            for n in _walk(body)
            if isinstance(n, cst.Global | cst.Nonlocal)
            for a in n.names
        )
        if memo is not None:
            memo[key] = names
    return name in names  # type: ignore[operator]


def _with_binds(node: cst.With, name: str) -> bool:
    return any(
        item.asname is not None and _target_binds(item.asname.name, name) for item in node.items
    )


def _parameter(function: cst.FunctionDef, name: str) -> Parameter | None:
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            every.append(star)
    for param in every:
        if param.name.value == name:
            annotation = None
            if param.annotation is not None and param.star == "":
                annotation = cst.Module(body=[]).code_for_node(param.annotation.annotation)
            return Parameter(name, annotation, function)
    return None


def unsafe_use(
    node: cst.CSTNode,
    name: str,
    readers: Set[str] = frozenset(),
    names_in: Mapping[cst.CSTNode, frozenset[str]] | None = None,
) -> bool:
    """Whether ``node`` uses ``name`` in a way that may change its value or keep a reference to it:
    anything but reading it (a known reader method, a pure function's argument, a test, an
    f-string). A subscript or alias written to, a loop over it, an argument to an unknown call
    all count: the value the evaluator saw may not be the one the call receives."""
    return any(not _safe(path, readers) for path in _occurrences(node, name, names_in))


def writes_to(
    node: cst.CSTNode, name: str, names_in: Mapping[cst.CSTNode, frozenset[str]] | None = None
) -> bool:
    """``name``, or something reached from it, is assigned, deleted or changed by a mutator."""
    return any(_writes(path) for path in _occurrences(node, name, names_in))


def _writes(path: list[cst.CSTNode]) -> bool:
    top = _chain_top(path)
    parent = path[top - 1] if top >= 1 else None
    if isinstance(parent, cst.AssignTarget | cst.AugAssign | cst.Del):
        return True
    called = top >= 2 and isinstance(path[top - 2], cst.Call)
    return isinstance(parent, cst.Attribute) and called and parent.attr.value in MUTATORS


def _occurrences(
    node: cst.CSTNode, name: str, names_in: Mapping[cst.CSTNode, frozenset[str]] | None = None
) -> Iterator[list[cst.CSTNode]]:
    """Each Name node reading ``name``, with its ancestors (outermost first, itself last).
    ``names_in`` (the index's names per statement) skips the statements that never name it."""
    skip = names_in or {}
    stack: list[tuple[cst.CSTNode, list[cst.CSTNode]]] = [(node, [])]
    while stack:
        current, ancestors = stack.pop()
        path = [*ancestors, current]
        if isinstance(current, cst.Name) and current.value == name:
            if _reads_name(ancestors, current):
                yield path
            continue
        stack.extend(
            (child, path)
            for child in children(current)
            if name in skip.get(child, (name,))  # not a statement of the index: walk it
        )


def _reads_name(ancestors: list[cst.CSTNode], node: cst.Name) -> bool:
    """A Name node that stands for a variable, not ``x.attr``'s attr or ``f(key=...)``'s key."""
    parent = ancestors[-1] if ancestors else None
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    return not (isinstance(parent, cst.Arg) and parent.keyword is node)


def _chain_top(path: list[cst.CSTNode]) -> int:
    """Index in ``path`` of the outermost ``name[...]`` / ``name.attr`` expression over the name."""
    i = len(path) - 1
    while i >= 1:
        parent = path[i - 1]
        if isinstance(parent, cst.Subscript) and parent.value is path[i]:
            i -= 1
        elif isinstance(parent, cst.SubscriptElement | cst.Index):
            break
        else:
            break
    return i


def _safe(path: list[cst.CSTNode], readers: Set[str] = frozenset()) -> bool:
    top = _chain_top(path)
    node = path[top]
    parent = path[top - 1] if top >= 1 else None
    grand = path[top - 2] if top >= 2 else None
    if isinstance(parent, cst.Attribute) and parent.value is node:
        method = parent.attr.value
        return isinstance(grand, cst.Call) and grand.func is parent and method in READERS
    inside = top
    while inside >= 1 and isinstance(path[inside - 1], _LITERALS):
        inside -= 1  # [x, ...] or {"k": x} handed to a call is the same as x handed to it
    arg, call = (path[inside - 1], path[inside - 2]) if inside >= 2 else (None, None)
    if isinstance(arg, cst.Arg) and isinstance(call, cst.Call) and arg.value is path[inside]:
        func = call.func
        name = _callee_text(func).rsplit(".", 1)[-1]
        logging = isinstance(func, cst.Attribute) and name in _LOGGING
        callee = _callee_text(func)
        return callee in PURE_FUNCTIONS or logging or name in LIBRARY_READERS or callee in readers
    if isinstance(parent, cst.ComparisonTarget | cst.Comparison | cst.BooleanOperation):
        return True
    if isinstance(parent, cst.UnaryOperation | cst.FormattedStringExpression):
        return True
    return isinstance(parent, cst.If | cst.While | cst.IfExp) and parent.test is node


def _callee_text(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return f"{_callee_text(func.value)}.{func.attr.value}"
    return ""


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _walk(node: cst.CSTNode, *, into_functions: bool = True) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if (
            not into_functions
            and current is not node
            and isinstance(current, cst.FunctionDef | cst.ClassDef | cst.Lambda)
        ):
            continue
        stack.extend(children(current))

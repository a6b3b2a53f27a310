"""The module's text as libcst prints it, with each node's parent and its place in that text.

Fixers ask for a node's parent and turn a rewritten node into an ``Edit``. Done per finding over
the whole module (a parent map rebuilt, the module deep-replaced and printed twice), that made a
3,000-line file with 20 fixable calls take 15 s. One printing pass of the module records every
node's parent and character span at once; an edit then prints only the smallest enclosing node
that prints the same way on its own, and checks that it reads back as the file's own text.
"""

from __future__ import annotations

import bisect
import inspect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodeRange
from libcst.metadata.position_provider import PositionProvider, PositionProvidingCodegenState

from bedrockcache.lint.diagnostic import Edit

__all__ = ["ModuleSource", "position"]

_NEWLINE = re.compile(r"\r\n|\r|\n")


class ModuleSource:
    """One module's text, node parents and node spans, built on first use (only when a finding
    has a fixer) and then shared by every fix in the module.

    A large module given its text and positions (``ModuleSource.partial``) prints only the
    top-level statements its fixes touch: the whole-module pass is what made a 1 MB file slow.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._built: _Printed | None = None
        self._starts: list[tuple[int, int]] | None = None  # partial: each statement's start
        self._done: set[int] = set()  # partial: the top-level statements printed so far
        self._positions: Mapping[cst.CSTNode, CodeRange] = {}  # partial: the checker's

    @classmethod
    def of(cls, module: cst.Module, memo: dict[object, object]) -> ModuleSource:
        """The one ``ModuleSource`` of ``module``, kept in a per-module ``memo``."""
        found = memo.get(cls)
        if not isinstance(found, cls) or found.module is not module:
            found = memo[cls] = cls(module)
        return found

    @classmethod
    def partial(
        cls,
        module: cst.Module,
        text: str,
        positions: Mapping[cst.CSTNode, CodeRange],
        memo: dict[object, object],
    ) -> ModuleSource:
        """The ``ModuleSource`` of a large ``module`` whose ``text`` and libcst ``positions``
        the checker already has, kept in ``memo`` for the fixes (``of`` finds it there)."""
        found = memo[cls] = cls(module)
        state = _Printed(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=PositionProvider(),
            text=text,
        )
        state.line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        found._built = state
        found._positions = positions
        found._starts = [(positions[s].start.line, positions[s].start.column) for s in module.body]
        return found

    def positions(self) -> dict[cst.CSTNode, CodeRange]:
        """libcst's syntactic position of every node, from the same printing pass as the
        parents and spans: a module that is linted and fixed is printed once, not twice."""
        return dict(self._positions) or self._printed.provider._computed

    @property
    def _printed(self) -> _Printed:
        if self._built is None:
            state = _Printed(
                default_indent=self.module.default_indent,
                default_newline=self.module.default_newline,
                provider=PositionProvider(),
            )
            self.module._codegen(state)
            state.finish()
            self._built = state
        return self._built

    def _cover(self, node: cst.CSTNode) -> _Printed:
        """The printed view, holding ``node``'s statement: a partial source prints the
        top-level statement around it (found by its position), or, when that fails, the
        whole module after all."""
        printed = self._printed
        if self._starts is None or node in printed.spans or node is self.module:
            return printed
        where = self._positions.get(node)
        if where is not None:
            start = (where.start.line, where.start.column)
            i = bisect.bisect_right(self._starts, start) - 1
            if i >= 0 and i not in self._done:
                self._done.add(i)
                self._print_statement(self.module.body[i], printed)
            if node in printed.spans:
                return printed
        self._starts = None  # a node outside every statement printed: print everything
        self._built = None
        return self._printed

    def _print_statement(self, statement: cst.CSTNode, printed: _Printed) -> None:
        """Print one top-level statement alone (at the top level, it prints as it does in the
        module) and place its spans where its syntactic start lies in the text."""
        piece = _Printed(
            default_indent=self.module.default_indent,
            default_newline=self.module.default_newline,
            provider=PositionProvider(),
        )
        statement._codegen(piece)
        module = self.module
        if statement is module.body[-1] and not module.footer and not module.has_trailing_newline:
            piece.pop_trailing_newline()  # as the module does after its last statement
        piece.finish()
        inside = piece.provider._computed[statement].start
        there = self._positions[statement].start
        offset = (
            printed.line_starts[there.line - 1]
            + there.column
            - (piece.line_starts[inside.line - 1] + inside.column)
        )
        if printed.text[offset : offset + len(piece.text)] != piece.text:
            return  # not where it should be: the caller falls back to the whole module
        printed.parents.update(piece.parents)
        printed.parents[statement] = self.module
        for node, (start, end) in piece.spans.items():
            printed.spans[node] = (start + offset, end + offset)

    @property
    def text(self) -> str:
        return self._printed.text

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._cover(node).parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of a character offset in ``text``."""
        starts = self._printed.line_starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def replace(self, old: cst.CSTNode, new: cst.CSTNode) -> Edit | None:
        """The edit that turns ``old`` into ``new``: the smallest span that differs, with the
        text around it (comments, formatting) left as the user wrote it."""
        if old is new:
            return None
        printed = self._cover(old)
        unit = old
        while not _prints_alone(type(unit)) and unit in printed.parents:
            unit = printed.parents[unit]
        span = printed.spans.get(unit)
        if span is None or unit is self.module:
            return self._replace_in_module(old, new)
        indent = self._indent_of(unit)
        start, end = span
        before = _print(unit, indent, self.module)
        if before != printed.text[start:end]:  # printing in context differs: take no chance
            return self._replace_in_module(old, new)
        after = _print(new if unit is old else unit.deep_replace(old, new), indent, self.module)
        return self._edit(before, after, start)

    def _indent_of(self, unit: cst.CSTNode) -> list[str]:
        """The indentation libcst's printer holds when it reaches ``unit``: one entry per
        enclosing indented block (or ``match`` body) whose body holds it."""
        indent: list[str] = []
        child = unit
        for ancestor in self.ancestors(unit):
            if _indents(ancestor, child):
                own = ancestor.indent  # type: ignore[attr-defined]
                indent.append(self.module.default_indent if own is None else own)
            child = ancestor
        indent.reverse()
        return indent

    def _replace_in_module(self, old: cst.CSTNode, new: cst.CSTNode) -> Edit | None:
        """The slow, always-right way: print the whole module again with ``old`` replaced."""
        after = self.module.deep_replace(old, new)
        assert isinstance(after, cst.Module)
        return self._edit(self.text, after.code, 0)

    def _edit(self, before: str, after: str, offset: int) -> Edit | None:
        """The edit for ``before`` (found at ``offset`` in the text) becoming ``after``, cut to
        the part that differs; a CRLF line break is never split."""
        if after == before:
            return None
        start = 0
        limit = min(len(before), len(after))
        while start < limit and before[start] == after[start]:
            start += 1
        if 0 < start < len(before) and before[start - 1 : start + 1] == "\r\n":
            start -= 1
        end = 0
        while end < limit - start and before[-1 - end] == after[-1 - end]:
            end += 1
        cut = len(before) - end
        if end and 0 < cut < len(before) and before[cut - 1 : cut + 1] == "\r\n":
            end -= 1
        line, column = self.position(offset + start)
        end_line, end_column = self.position(offset + len(before) - end)
        return Edit(line, column, end_line, end_column, after[start : len(after) - end])


@dataclass
class _Printed(PositionProvidingCodegenState):
    """A printing pass that notes each node's parent, the offsets it prints between, and
    (as libcst's own position pass does) its line and column range."""

    parents: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    text: str = ""
    line_starts: list[int] = field(default_factory=list)
    _offset: int = 0
    _nodes: list[tuple[cst.CSTNode, int]] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        super().add_token(value)
        self._offset += len(value)

    def pop_trailing_newline(self) -> None:
        # libcst pops only a token it has just added to end a module: no line to take back.
        if self.tokens:
            self._offset -= len(self.tokens.pop())

    def before_codegen(self, node: cst.CSTNode) -> None:
        super().before_codegen(node)
        if self._nodes:
            self.parents[node] = self._nodes[-1][0]
        self._nodes.append((node, self._offset))

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        _, start = self._nodes.pop()
        self.spans[node] = (start, self._offset)

    def finish(self) -> None:
        self.text = "".join(self.tokens)
        self.tokens = []
        self.line_starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]


@cache
def _prints_alone(kind: type[cst.CSTNode]) -> bool:
    """Whether a node of this type prints the same outside its parent: its printer takes no
    hint from the parent (a default comma, ``elif``, a default space...)."""
    parameters = inspect.signature(kind._codegen_impl).parameters
    return len(parameters) == 2  # self, state


def _indents(block: cst.CSTNode, child: cst.CSTNode) -> bool:
    """Whether printing ``child`` inside ``block`` adds one level of indentation (libcst
    indents an indented block's body and footer, and a ``match`` statement's cases)."""
    if isinstance(block, cst.IndentedBlock):
        return child is not block.header
    if isinstance(block, cst.Match):
        return any(child is c for c in (*block.cases, *block.footer))
    return False


def _print(node: cst.CSTNode, indent: list[str], module: cst.Module) -> str:
    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=list(indent),
    )
    node._codegen(state)
    return "".join(state.tokens)


def position(text: str, offset: int) -> tuple[int, int]:
    """(line, column), both 1-based, of a character offset; lines end at \\n, \\r\\n or \\r as
    Python's tokenizer ends them (``apply_edits`` reads them back the same way)."""
    head = text[:offset]
    breaks = list(_NEWLINE.finditer(head))
    if not breaks:
        return 1, offset + 1
    return len(breaks) + 1, offset - breaks[-1].end() + 1

"""Parse a buffer by its top-level statements, reusing the ones the last keystroke left alone.

libcst has no incremental parser, and for a 2,000-line file its parse and its positions pass are
most of a lint. An edit changes one top-level statement (a function, a class, a constant); the
others are the same text as before. So the buffer is cut where ``ast`` (ten times faster) says
its top-level statements begin, each piece is parsed with libcst on its own (with its nodes'
positions, relative to the piece) the first time its text is seen, and the module is assembled
from the pieces' statements: unchanged pieces cost nothing. Positions are the pieces' shifted by
where each piece starts. Only the nodes' positions and structure are relied on: the assembled
module's own ``code`` may lay out comments between statements differently, so the fixes (which
print the module) are found on a full parse.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from bedrockcache.lint.checker import node_positions

__all__ = ["ChunkedParser"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class _Piece:
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]


class ChunkedParser:
    """One buffer's parser: keeps the pieces of the text it parsed last."""

    def __init__(self) -> None:
        self._pieces: dict[str, _Piece] = {}
        self._module: cst.Module | None = None
        self._positions: _Shifted | None = None

    def parse(self, text: str, tree: ast.Module) -> cst.Module:
        """The module of ``text`` (which ``tree`` is the ast of); raises as libcst does."""
        chunks = list(_chunks(text, tree))
        if len(chunks) < 2:
            module = cst.parse_module(text)
            self._module, self._positions = module, None
            return module
        pieces: dict[str, _Piece] = {}
        placed: list[tuple[_Piece, int]] = []
        for first_line, chunk in chunks:
            piece = pieces.get(chunk) or self._pieces.get(chunk)
            if piece is None:
                try:
                    module = cst.parse_module(chunk)
                except Exception:  # a piece libcst reads only in context: parse the whole
                    whole = cst.parse_module(text)
                    self._pieces, self._module, self._positions = {}, whole, None
                    return whole
                piece = _Piece(module, node_positions(module))
            pieces[chunk] = piece
            placed.append((piece, first_line - 1))
        self._pieces = pieces
        head, tail = placed[0][0].module, placed[-1][0].module
        body = [statement for piece, _ in placed for statement in piece.module.body]
        module = tail.with_changes(body=body, header=head.header)
        self._module, self._positions = module, _Shifted(module, placed)
        return module

    def positions(self, module: cst.Module) -> Mapping[cst.CSTNode, CodeRange] | None:
        """The positions of the module ``parse`` assembled last (None: compute them)."""
        return self._positions if module is self._module else None


def _chunks(text: str, tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(first line, text) of each top-level statement with the comments and blank lines above
    it; statements sharing a line (``a = 1; b = 2``) stay together."""
    starts = [0]
    for match in _LINE.finditer(text):
        starts.append(match.end())
    lines = len(starts) - 1 if starts[-1] == len(text) else len(starts)
    cuts: list[int] = []  # 1-based lines after which a piece ends
    body = tree.body
    for statement, following in itertools.pairwise(body):
        first = min(
            [following.lineno] + [d.lineno for d in getattr(following, "decorator_list", ())]
        )
        end = statement.end_lineno or statement.lineno
        if end < first:
            cuts.append(end)
    line = 1
    for cut in [*cuts, lines]:
        if cut < line:
            continue
        end_offset = starts[cut] if cut < len(starts) else len(text)
        yield line, text[starts[line - 1] : end_offset]
        line = cut + 1


class _Shifted(Mapping[cst.CSTNode, CodeRange]):
    """The pieces' positions, each moved down by the lines above its piece."""

    def __init__(self, module: cst.Module, placed: list[tuple[_Piece, int]]) -> None:
        self._placed = placed
        self._where: dict[cst.CSTNode, int] = {}
        for number, (piece, _) in enumerate(placed):
            self._where.update(dict.fromkeys(piece.positions, number))
        # The assembled module itself spans the whole text.
        last_piece, last_offset = placed[-1]
        end = last_piece.positions[last_piece.module].end
        self._module = module
        self._module_range = CodeRange(CodePosition(1, 0), _moved(end, last_offset))

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        if node is self._module:
            return self._module_range
        piece, offset = self._placed[self._where[node]]
        found = piece.positions[node]
        if not offset:
            return found
        return CodeRange(_moved(found.start, offset), _moved(found.end, offset))

    def __contains__(self, node: object) -> bool:
        return node is self._module or node in self._where

    def __iter__(self) -> Iterator[cst.CSTNode]:
        yield self._module
        for piece, _ in self._placed:
            for node in piece.positions:
                if node is not piece.module:
                    yield node

    def __len__(self) -> int:
        return 1 + sum(len(piece.positions) - 1 for piece, _ in self._placed)


def _moved(position: CodePosition, lines: int) -> CodePosition:
    return CodePosition(position.line + lines, position.column)

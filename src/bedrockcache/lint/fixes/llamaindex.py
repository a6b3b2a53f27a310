"""Fixers for LlamaIndex ``BedrockConverse`` (llama-index-llms-bedrock-converse 0.15.5).

The library caches through three switches only, and each fix writes one of them where the
library reads it: ``system_prompt_caching`` on the constructor (``chat()`` forwards its own
keyword arguments to ``converse_with_retry`` next to the constructor's flag, so the flag passed
per call is a TypeError), ``tool_caching`` per ``chat_with_tools()`` call (the constructor's is
ignored off the aioboto3 path), and ``CachePoint`` blocks in a ChatMessage.

A constructor flag serves every call made on that object, so a fix that changes one is offered
only when the object reaches nothing but the call the finding is about: built inline
(``BedrockConverse(...).chat(...)``) or bound to a local name used once. Literal blocks and
messages are edited only when they belong to the call's own function, never a shared constant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum

import libcst as cst

from bedrockcache.backends.llamaindex import TOOL_METHODS
from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.context import (
    FixContext,
    _bound_at_module_level,
    _import_line,
    literal_string,
)
from bedrockcache.lint.fixes.elements import (
    append_argument,
    insert_after,
    keyword_argument,
    remove_at,
)
from bedrockcache.lint.fixes.literals import (
    find_key,
    keyed_dict,
    last_step,
    literal_directive,
    quote_of,
)
from bedrockcache.lint.index import split_qualified
from bedrockcache.objects import class_name, fields_of
from bedrockcache.suggest import suggest_breakpoints
from bedrockcache.wire import value_at

__all__ = ["FIXERS"]

Made = tuple[str, Sequence[Edit | None]] | None
_PACKAGE = "llama_index"
_CLASS = "BedrockConverse"
# Where llama-index-core 0.14 exports TextBlock, CachePoint and CacheControl (the same classes).
_TYPES_MODULES = ("llama_index.core.llms", "llama_index.core.base.llms.types")
# Roles whose blocks become Converse content; a TOOL message's blocks go inside a toolResult,
# where Bedrock refuses a cachePoint.
_MARKABLE_ROLES = frozenset({"system", "user", "assistant"})
_MAX_POINTS = 4


# ---- BC107: system_prompt_caching on the constructor --------------------------------------------


def add_system_prompt_caching(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC107: ``system_prompt_caching=True`` on the constructor, when ``suggest`` puts a point
    at the end of the system prompt (so its prefix reaches the model's minimum by the low
    estimate and holds no run-time value) and nothing in the request is unaudited."""
    model = ctx.report.model
    if model is None or model.model is None or not model.model.min_tokens:
        return None  # without the model's minimum, the system prompt is not known to reach it
    if ctx.report.unaudited or ctx.report.wire is None:
        return None  # part of the request is unknown: a point may already be there
    system = [b for b in ctx.report.wire.blocks if b.section == "system"]
    if not system:
        return None  # the flag adds nothing without system content (BC246)
    suggestion = suggest_breakpoints(ctx.site.request, backend=ctx.site.backend, facts=ctx.facts)
    at_end = [p for p in suggestion.placements if p.path == system[-1].path]
    if not at_end or at_end[0].tokens.low < model.model.min_tokens:
        return None
    ctor = _sole_constructor(ctx)
    if ctor is None or _spread(ctor) or _keyword(ctor, "system_prompt_caching") is not None:
        return None  # a written False is a choice; a spread may hold the flag
    new = _with_flag(ctor, "system_prompt_caching")
    if new is None:
        return None
    return "Set `system_prompt_caching=True` on the BedrockConverse constructor", [
        ctx.replace(ctor, new)
    ]


# ---- BC240: tool_caching per call ---------------------------------------------------------------


def move_tool_caching(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC240: the constructor's ignored ``tool_caching=True`` moves to the tool call, the only
    place the synchronous path reads it. The object must reach no other call: on the aioboto3
    path the constructor's flag counts, and both flags would send two adjacent points."""
    argument = ctx.parent(node)
    ctor = ctx.parent(argument) if argument is not None else None
    if not (_is_true(node) and isinstance(argument, cst.Arg) and isinstance(ctor, cst.Call)):
        return None
    if _keyword_name(argument) != "tool_caching" or ctor is not _sole_constructor(ctx):
        return None
    use = ctx.site.node
    if ctx.site.request.get("method") not in TOOL_METHODS or not isinstance(use, cst.Call):
        return None
    if _spread(use):
        return None  # a spread may pass tool_caching already
    without = _drop_argument(ctor, list(ctor.args).index(argument))
    per_call = _keyword(use, "tool_caching")
    if per_call is not None:
        if not _is_true(use.args[per_call].value):
            return None  # the call says what it wants
        return "Remove the constructor's `tool_caching` (the call already passes it)", [
            ctx.replace(ctor, without)
        ]
    if ctx.report.breakpoint_count >= _MAX_POINTS:
        return None  # a tools point would be one more than Bedrock accepts
    method = ctx.site.request["method"]
    message = f"Pass `tool_caching=True` to {method}() instead of the constructor"
    if isinstance(use.func, cst.Attribute) and use.func.value is ctor:
        # BedrockConverse(...).chat_with_tools(...): the two changes are one edit
        chained = use.with_changes(func=use.func.with_changes(value=without))
        new = _with_flag(chained, "tool_caching")
        return (message, [ctx.replace(use, new)]) if new is not None else None
    new = _with_flag(use, "tool_caching")
    if new is None:
        return None
    return message, [ctx.replace(ctor, without), ctx.replace(use, new)]


# ---- BC241: a ttl that is never sent ------------------------------------------------------------


def drop_unsent_ttl(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC241: ``CacheControl(ttl="1h")`` loses its ttl in BedrockConverse; removing it leaves the
    request as it was and makes the code say the entry lives 5 minutes."""
    if last_step(finding.path) != "ttl" or literal_string(node) is None:
        return None
    if not _local_to_site(ctx, node):
        return None  # a shared CachePoint may serve a layer that sends its ttl
    argument = ctx.parent(node)
    control = ctx.parent(argument) if argument is not None else None
    if not (isinstance(argument, cst.Arg) and isinstance(control, cst.Call)):
        return None  # a dict-shaped block is not one LlamaIndex builds a CachePoint from
    if _keyword_name(argument) != "ttl" or not _is_llama(ctx, control, "CacheControl"):
        return None
    at = list(control.args).index(argument)
    return "Remove the `ttl` BedrockConverse never sends (5 minutes)", [
        ctx.replace(control, _drop_argument(control, at))
    ]


# ---- BC244: a ChatMessage's additional_kwargs cache_control -------------------------------------


def message_cache_point(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC244: ``additional_kwargs={"cache_control": ...}`` on a ChatMessage becomes a
    ``CachePoint`` block after the message's text, where BedrockConverse reads it.

    ``content="..."`` becomes ``blocks=[TextBlock(text="..."), CachePoint(...)]``, which is what
    ChatMessage builds from text content anyway; a literal list of blocks ending in a text block
    gets the point appended. A 1h ttl gets no fix: BedrockConverse cannot send it (BC241).
    """
    path = finding.path or ""
    suffix = ".additional_kwargs.cache_control"
    directive = literal_directive(node)
    keyed = keyed_dict(ctx, node, "cache_control")
    if not path.endswith(suffix) or directive is None or keyed is None:
        return None
    if set(directive) - {"type", "ttl"} or directive.get("type") not in ("ephemeral", "default"):
        return None
    if directive.get("ttl", "5m") != "5m":
        return None
    extra, at = keyed
    argument = ctx.parent(extra)
    message = ctx.parent(argument) if argument is not None else None
    if find_key(extra, "cache_control") != at or not isinstance(argument, cst.Arg):
        return None
    if _keyword_name(argument) != "additional_kwargs" or not isinstance(message, cst.Call):
        return None
    message_path = path.removesuffix(suffix)  # ``node`` is exact: the walk went through it
    if not _is_llama(ctx, message, "ChatMessage"):
        return None
    if not _local_to_site(ctx, message) or not _point_accepted(ctx, message_path):
        return None
    names = _llama_names(ctx, ("CacheControl", "CachePoint", "TextBlock"), message)
    if names is None:
        return None
    local, imports = names
    q = quote_of(message)
    point = cst.parse_expression(
        f"{local['CachePoint']}(cache_control={local['CacheControl']}(type={q}default{q}))"
    )
    if len(extra.elements) == 1:
        without = _drop_argument(message, list(message.args).index(argument))
    else:
        without = message.deep_replace(extra, remove_at(extra, at))
    new = _with_point(ctx, without, message_path, point, local["TextBlock"])
    if new is None:
        return None
    return "Replace `additional_kwargs` cache_control with a CachePoint block", [
        ctx.replace(message, new),
        *imports,
    ]


def _point_accepted(ctx: FixContext, message_path: str) -> bool:
    """Whether Bedrock takes one more cachePoint in this message: the model caches, the request
    has room, and the message's blocks are Converse content (not a tool result)."""
    model = ctx.report.model
    if model is None or model.model is None or model.model.caching != "yes":
        return False  # a model that cannot cache rejects the point
    if ctx.report.breakpoint_count >= _MAX_POINTS:
        return False
    fields = fields_of(value_at(ctx.site.request, message_path)) or {}
    role = fields.get("role", "user")
    role = role.value if isinstance(role, Enum) else role
    return isinstance(role, str) and role.lower() in _MARKABLE_ROLES


def _with_point(
    ctx: FixContext, message: cst.Call, message_path: str, point: cst.BaseExpression, text: str
) -> cst.Call | None:
    """``message`` with ``point`` after its last text: string content becomes blocks, a literal
    block list gets it appended. None for anything else (a positional or computed content)."""
    if any(a.keyword is None for a in message.args):
        return None  # positional content, or a spread that may hold content or blocks
    fields = fields_of(value_at(ctx.site.request, message_path)) or {}
    content_at, blocks_at = _keyword(message, "content"), _keyword(message, "blocks")
    if content_at is not None and blocks_at is not None:
        return None
    at = content_at if content_at is not None else blocks_at
    if at is None:
        return None
    argument = message.args[at]
    value = fields.get("content" if at == content_at else "blocks")
    if at == content_at and isinstance(value, str) and not isinstance(argument.value, cst.List):
        if not value:
            return None  # empty text cannot carry a point
        block = cst.Call(
            func=cst.Name(text),
            args=[cst.Arg(keyword=cst.Name("text"), value=argument.value, equal=_NO_SPACE)],
        )
        blocks = cst.List([cst.Element(block), cst.Element(point)])
        new_argument = argument.with_changes(keyword=cst.Name("blocks"), value=blocks)
        return message.with_changes(
            args=[new_argument if a is argument else a for a in message.args]
        )
    listed = argument.value
    if not isinstance(listed, cst.List) or not isinstance(value, list) or not value:
        return None
    if len(listed.elements) != len(value) or any(
        not isinstance(e, cst.Element) for e in listed.elements
    ):
        return None
    if not _text_block(value[-1]):
        return None  # a point after a document, an image or another point is refused or moot
    grown = insert_after(listed, len(listed.elements) - 1, cst.Element(point))
    result = message.deep_replace(listed, grown)
    return result if isinstance(result, cst.Call) else None


def _text_block(block: object) -> bool:
    if class_name(block) == "TextBlock":
        text = (fields_of(block) or {}).get("text")
        return isinstance(text, str) and bool(text)
    return False


# ---- BC248 / BC249: cache settings BedrockConverse refuses --------------------------------------


def drop_constructor_cache_control(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC248: ``BedrockConverse(cache_control=...)`` is a TypeError; the argument goes. What it
    meant is not one BedrockConverse setting (an Anthropic top-level mark caches the last
    block, ``system_prompt_caching`` the system prompt), so none is put in its place; BC107
    then says what to add."""
    argument = ctx.parent(node)
    ctor = ctx.parent(argument) if argument is not None else None
    if finding.path != "cache_control" or not isinstance(argument, cst.Arg):
        return None
    if _keyword_name(argument) != "cache_control" or not isinstance(ctor, cst.Call):
        return None
    if not _is_llama(ctx, ctor, _CLASS) or argument.value is not node:
        return None
    at = list(ctor.args).index(argument)
    return "Remove the `cache_control` argument", [ctx.replace(ctor, _drop_argument(ctor, at))]


def drop_additional_cache_control(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC249: ``cache_control`` in the constructor's ``additional_kwargs`` reaches botocore as an
    unknown Converse parameter; the key goes (with the argument, when it was the only key)."""
    keyed = keyed_dict(ctx, node, "cache_control")
    if finding.path != "additional_kwargs.cache_control" or keyed is None:
        return None
    extra, at = keyed
    argument = ctx.parent(extra)
    ctor = ctx.parent(argument) if argument is not None else None
    if find_key(extra, "cache_control") != at or not isinstance(argument, cst.Arg):
        return None
    if _keyword_name(argument) != "additional_kwargs" or not isinstance(ctor, cst.Call):
        return None
    if not _is_llama(ctx, ctor, _CLASS):
        return None
    message = "Remove `cache_control` from `additional_kwargs`"
    if len(extra.elements) == 1:
        position = list(ctor.args).index(argument)
        return message, [ctx.replace(ctor, _drop_argument(ctor, position))]
    return message, [ctx.replace(extra, remove_at(extra, at))]


# ---- shared -------------------------------------------------------------------------------------

_NO_SPACE = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _drop_argument(call: cst.Call, index: int) -> cst.Call:
    """``call`` without argument ``index``, and without the comments on its line: a comment
    describes the argument it follows. The argument before a removed last one keeps its own
    comment and takes the removed one's comma and closing layout (a trailing comma stays)."""
    args = list(call.args)
    removed = args.pop(index)
    if index < len(args) or not args:
        return call.with_changes(args=args)
    before = args[-1]
    own = before.comma.whitespace_after if isinstance(before.comma, cst.Comma) else None
    if isinstance(removed.comma, cst.Comma):
        after = removed.comma.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace) and isinstance(
            own, cst.ParenthesizedWhitespace
        ):
            after = after.with_changes(first_line=own.first_line)
        args[-1] = before.with_changes(comma=removed.comma.with_changes(whitespace_after=after))
    else:
        gap = removed.whitespace_after_arg
        if isinstance(gap, cst.ParenthesizedWhitespace) and isinstance(
            own, cst.ParenthesizedWhitespace
        ):
            gap = gap.with_changes(first_line=own.first_line)
        args[-1] = before.with_changes(comma=removed.comma, whitespace_after_arg=gap)
    return call.with_changes(args=args)


def _with_flag(call: cst.Call, name: str) -> cst.Call | None:
    """``call`` with ``name=True`` last, laid out like its other arguments."""
    if not call.args:
        return None
    return append_argument(call, keyword_argument(name, "True"))


def _is_true(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _keyword_name(argument: cst.Arg) -> str | None:
    return argument.keyword.value if argument.keyword is not None else None


def _keyword(call: cst.Call, name: str) -> int | None:
    for i, argument in enumerate(call.args):
        if _keyword_name(argument) == name:
            return i
    return None


def _spread(call: cst.Call) -> bool:
    return any(argument.star for argument in call.args)


def _is_llama(ctx: FixContext, call: cst.Call, name: str) -> bool:
    qualified = ctx.index.qualified(call.func)
    return qualified is not None and split_qualified(qualified) == (_PACKAGE, name)


def _local_to_site(ctx: FixContext, node: cst.CSTNode) -> bool:
    """Whether ``node`` is in the function holding the call site (or, for a call at module
    level, inside the call itself): nothing else in the file shares it by name."""
    function = ctx.function_of(ctx.site.node)
    if function is None:
        return any(a is ctx.site.node for a in ctx.ancestors(node))
    return any(a is function for a in ctx.ancestors(node))


def _sole_constructor(ctx: FixContext) -> cst.Call | None:
    """The ``BedrockConverse(...)`` the site's method is called on, when nothing else can reach
    the object: built inline, or bound once to a local name whose only other use is this call.

    A module-level or ``self`` attribute may be used from anywhere, and a constructor flag
    serves every call made on the object.
    """
    use = ctx.site.node
    if not isinstance(use, cst.Call) or not isinstance(use.func, cst.Attribute):
        return None
    owner = use.func.value
    if isinstance(owner, cst.Call):
        return owner if _is_llama(ctx, owner, _CLASS) else None
    function = ctx.function_of(use) if isinstance(owner, cst.Name) else None
    if function is None or not isinstance(owner, cst.Name):
        return None
    names = _Occurrences(owner.value)
    function.visit(names)
    if names.blocked or len(names.found) != 2 or names.found[1] is not owner:
        return None
    target = ctx.parent(names.found[0])
    assign = ctx.parent(target) if isinstance(target, cst.AssignTarget) else target
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
        value = assign.value
    elif isinstance(assign, cst.AnnAssign) and assign.target is names.found[0]:
        value = assign.value  # ``llm: BedrockConverse = BedrockConverse(...)``
    else:
        return None
    if not isinstance(value, cst.Call):
        return None
    if not _is_llama(ctx, value, _CLASS) or ctx.function_of(assign) is not function:
        return None
    return value


class _Occurrences(cst.CSTVisitor):
    """Every place a name is read or bound in a function, in source order; ``blocked`` when it
    is also a parameter, a ``global``/``nonlocal``, an import or a nested definition."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[cst.Name] = []
        self.blocked = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.found.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``x.name`` is not the name
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # ``f(name=...)`` is not the name
        return False

    def visit_Param(self, node: cst.Param) -> None:
        self.blocked = self.blocked or node.name.value == self.name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.blocked = self.blocked or node.name.value == self.name

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.blocked = self.blocked or node.name.value == self.name

    def visit_Global(self, node: cst.Global) -> None:
        self.blocked = self.blocked or any(n.name.value == self.name for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.blocked = self.blocked or any(n.name.value == self.name for n in node.names)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        bound = node.asname.name if node.asname is not None else node.name
        while isinstance(bound, cst.Attribute):  # ``import a.b`` binds ``a``
            bound = bound.value
        self.blocked = self.blocked or (isinstance(bound, cst.Name) and bound.value == self.name)


def _llama_names(
    ctx: FixContext, names: Sequence[str], near: cst.Call
) -> tuple[Mapping[str, str], list[Edit]] | None:
    """The local name of each LlamaIndex class, and one import line for those not imported yet
    (from the module the file takes ChatMessage from, when it exports them). None when a name
    is taken by something else."""
    local: dict[str, str] = {}
    missing: list[str] = []
    for name in names:
        origins = {f"{module}.{name}" for module in _TYPES_MODULES}
        found = next((k for k, origin in ctx.index.imports.items() if origin in origins), None)
        if found is not None:
            local[name] = found
            continue
        if name in ctx.index.imports or _bound_at_module_level(ctx.module, name):
            return None
        local[name] = name
        missing.append(name)
    if not missing:
        return local, []
    qualified = ctx.index.qualified(near.func) or ""
    module = qualified.rsplit(".", 1)[0]
    module = module if module in _TYPES_MODULES else _TYPES_MODULES[0]
    line = _import_line(ctx.module)
    return local, [Edit(line, 1, line, 1, f"from {module} import {', '.join(sorted(missing))}\n")]


FIXERS = {
    "BC107": add_system_prompt_caching,
    "BC240": move_tool_caching,
    "BC241": drop_unsent_ttl,
    "BC244": message_cache_point,
    "BC248": drop_constructor_cache_control,
    "BC249": drop_additional_cache_control,
}

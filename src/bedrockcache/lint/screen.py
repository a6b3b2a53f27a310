"""The second filter: does the file call anything that can start a Bedrock call site?

The bytes prefilter keeps every file that mentions Bedrock, and the libraries' own sources mention
it everywhere. The stdlib ``ast`` parses about ten times faster than libcst, so a file is parsed
with ``ast`` first and reaches libcst only when it calls one of the names below (resolved through
its imports, as the finders resolve them). The table must stay a superset of what the finders in
``lint/layers/`` recognise; the fixture tests fail when it is not.
"""

from __future__ import annotations

import ast

__all__ = ["calls_a_target", "calls_one_of"]

# boto3 client methods: the receiver's type is decided later, so the method name is enough here.
METHODS = frozenset(
    {"converse", "converse_stream", "invoke_model", "invoke_model_with_response_stream"}
)
# (top-level package, name) of the callables a finder starts from.
TARGETS = frozenset(
    {
        ("anthropic", "AnthropicBedrock"),
        ("anthropic", "AsyncAnthropicBedrock"),
        ("anthropic", "AnthropicBedrockMantle"),
        ("anthropic", "AsyncAnthropicBedrockMantle"),
        ("litellm", "completion"),
        ("litellm", "acompletion"),
        ("strands", "Agent"),
        ("strands", "BedrockModel"),
        ("pydantic_ai", "Agent"),
        ("pydantic_ai", "BedrockConverseModel"),
        ("pydantic_ai", "BedrockModelSettings"),
        ("langchain_aws", "ChatBedrockConverse"),
        ("langchain_aws", "ChatBedrock"),
        ("langchain", "create_agent"),
        ("llama_index", "BedrockConverse"),
    }
)
_PACKAGES = frozenset(package for package, _ in TARGETS)


def calls_a_target(tree: ast.Module) -> bool:
    imports: dict[str, str] = {}
    callees: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in METHODS:
                return True
            callees.append(func)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            _note_import(node, imports)
    if not imports:
        return False
    for func in callees:
        qualified = _qualified(func, imports)
        if qualified is not None:
            package = qualified.partition(".")[0]
            if (package, qualified.rsplit(".", 1)[-1]) in TARGETS:
                return True
    return False


def _note_import(node: ast.Import | ast.ImportFrom, found: dict[str, str]) -> None:
    """Record local names bound to the packages of interest."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] in _PACKAGES:
                local = alias.asname or alias.name.split(".")[0]
                found[local] = alias.name if alias.asname else local
    elif node.level == 0 and node.module and node.module.split(".")[0] in _PACKAGES:
        for alias in node.names:
            found[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _qualified(func: ast.expr, imports: dict[str, str]) -> str | None:
    """``ll.completion`` -> ``litellm.completion`` when ``import litellm as ll``.

    A loop, not a recursion: a dotted name in user code may be thousands of attributes deep.
    """
    attributes: list[str] = []
    while isinstance(func, ast.Attribute):
        attributes.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    base = imports.get(func.id)
    return ".".join([base, *reversed(attributes)]) if base else None


def calls_one_of(tree: ast.Module, names: set[str]) -> bool:
    """Whether the module calls ``name(...)`` or ``name.attr(...)`` for one of ``names``: the
    names it imports from modules that may wrap a Bedrock call."""
    if not names:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            while isinstance(func, ast.Attribute):
                func = func.value
            if isinstance(func, ast.Name) and func.id in names:
                return True
    return False

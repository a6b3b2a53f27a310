"""The bytes test that keeps files without a possible Bedrock call site away from the parser.

Reading runs at ~500 MB/s and libcst parses ~0.5 MB/s, so the test must be tight and must never
lose a call site: every finder needs one of these words in the file. It imports nothing heavy, so
a run over a tree where nothing matches never loads libcst.
"""

from __future__ import annotations

import re

__all__ = ["might_have_call_site"]

# A finder can only start from a file holding all the words of one group: the boto3 method name
# (``converse`` also covers ``converse_stream``), the anthropic client class, LiteLLM with a
# ``bedrock/`` model, the strands package (its default model is on Bedrock), pydantic-ai with a
# Bedrock model, the LangChain and LlamaIndex classes. A ``noqa`` naming a BC code is checked for
# being unused wherever it is.
_GROUPS = (
    (b"converse",),
    (b"invoke_model",),
    (b"AnthropicBedrock",),
    (b"litellm", b"bedrock"),
    (b"strands",),
    (b"pydantic_ai", b"edrock"),
    (b"ChatBedrock",),
    (b"BedrockConverse",),
)
# Every group holds one of these once the file is lowercased. Lowercasing and five substring
# searches run at memory speed; most files fail here, and only the rest are tested group by group
# (a regex with alternatives is ten times slower).
_FIRST = (b"converse", b"invoke_model", b"bedrock", b"strands", b"noqa")
_NOQA_CODE = re.compile(rb"(?i:noqa)[^\n]*BC\d")


def might_have_call_site(data: bytes, *, noqa: bool = True) -> bool:
    """False only when no call site can be in the file: it is then never parsed.

    ``noqa=False`` asks about call sites only (not a ``noqa`` to check): whether a module other
    files import may be a wrapper around a Bedrock call.
    """
    lowered = data.lower()
    if not any(word in lowered for word in _FIRST):
        return False
    if any(all(word in data for word in group) for group in _GROUPS):
        return True
    return noqa and b"noqa" in lowered and _NOQA_CODE.search(data) is not None

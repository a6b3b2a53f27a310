"""The bytes test that keeps files without a possible Bedrock call site away from the parser.

Reading runs at ~500 MB/s and libcst parses ~0.5 MB/s, so the test must be tight and must never
lose a call site: every finder needs one of these words in the file. It imports nothing heavy, so
a run over a tree where nothing matches never loads libcst.
"""

from __future__ import annotations

import re

__all__ = ["might_have_call_site"]

# Every call site needs one of these in the file: a Bedrock class, model or client name, the
# ``modelId=`` keyword of boto3, or the strands package (whose default model is on Bedrock); a
# ``noqa`` naming a BC code is checked for being unused wherever it is. Plain substring search runs
# at memory speed; a regex with alternatives is ten times slower on a large tree.
_NEEDLES = (b"edrock", b"EDROCK", b"modelId", b"strands")
_NOQA_CODE = re.compile(rb"(?i:noqa)[^\n]*BC\d")


def might_have_call_site(data: bytes) -> bool:
    """False only when no call site can be in the file: it is then never parsed."""
    if any(needle in data for needle in _NEEDLES):
        return True
    return b"BC" in data and _NOQA_CODE.search(data) is not None

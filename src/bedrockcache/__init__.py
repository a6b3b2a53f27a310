"""bedrockcache: find broken Anthropic prompt caching on AWS Bedrock before it reaches the bill.

``import bedrockcache`` and ``audit()`` stay light: no libcst, click, boto3 or framework imports.
The other public names load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# ``audit`` is both a submodule and the function: importing the submodule sets the package's
# ``audit`` attribute to the module, so the function must be bound here, after that import.
from bedrockcache.audit import AuditReport, audit

if TYPE_CHECKING:
    from bedrockcache.backends import Backend
    from bedrockcache.capturing import Capture, CapturedRequest, Usage, capture
    from bedrockcache.facts import Facts, ModelRef, default_facts, load_facts
    from bedrockcache.findings import Finding, Outcome, Severity
    from bedrockcache.objects import Constructed
    from bedrockcache.suggest import Placement, Suggestion, suggest_breakpoints
    from bedrockcache.tokens import TokenBand
    from bedrockcache.unknown import Unknown
    from bedrockcache.wire import RequestError, WireRequest

_MODULES = {
    "Backend": "backends",
    "Capture": "capturing",
    "CapturedRequest": "capturing",
    "Usage": "capturing",
    "capture": "capturing",
    "Facts": "facts",
    "ModelRef": "facts",
    "default_facts": "facts",
    "load_facts": "facts",
    "Finding": "findings",
    "Outcome": "findings",
    "Severity": "findings",
    "Constructed": "objects",
    "Placement": "suggest",
    "Suggestion": "suggest",
    "suggest_breakpoints": "suggest",
    "TokenBand": "tokens",
    "Unknown": "unknown",
    "RequestError": "wire",
    "WireRequest": "wire",
}

__all__ = [
    "AuditReport",
    "Backend",
    "Capture",
    "CapturedRequest",
    "Constructed",
    "Facts",
    "Finding",
    "ModelRef",
    "Outcome",
    "Placement",
    "RequestError",
    "Severity",
    "Suggestion",
    "TokenBand",
    "Unknown",
    "Usage",
    "WireRequest",
    "audit",
    "capture",
    "default_facts",
    "load_facts",
    "suggest_breakpoints",
]
__version__ = "0.2.0.dev0"


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'bedrockcache' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bedrockcache.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])

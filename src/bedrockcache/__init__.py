"""bedrockcache: find broken Anthropic prompt caching on AWS Bedrock before it reaches the bill.

``import bedrockcache`` and ``audit()`` stay light: no libcst, click, boto3 or framework imports.
"""

from bedrockcache.audit import AuditReport, audit
from bedrockcache.backends import Backend
from bedrockcache.facts import Facts, ModelRef, default_facts, load_facts
from bedrockcache.findings import Finding, Outcome, Severity
from bedrockcache.objects import Constructed
from bedrockcache.suggest import Placement, Suggestion, suggest_breakpoints
from bedrockcache.tokens import TokenBand
from bedrockcache.unknown import Unknown
from bedrockcache.wire import RequestError, WireRequest

__all__ = [
    "AuditReport",
    "Backend",
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
    "WireRequest",
    "audit",
    "default_facts",
    "load_facts",
    "suggest_breakpoints",
]
__version__ = "0.2.0.dev0"

"""What a check reports: a coded finding with its severity and what it does to caching."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Finding", "Outcome", "Severity"]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def legacy(self) -> str:
        """The spelling bedrockcache 0.1.0 used in ``AuditReport.reasons``."""
        return {"error": "error", "warning": "warn", "info": "info"}[self.value]


class Outcome(str, Enum):
    """What happens to the request when the finding is true; decides ``will_cache``."""

    REJECTED = "rejected"  # botocore or Bedrock refuses the request: nothing is sent or cached
    DROPPED = "dropped"  # a directive the user wrote never reaches Bedrock
    UNCACHED = "uncached"  # the request goes through, and this breakpoint caches nothing
    DEGRADED = "degraded"  # caching applies, but less than the user asked for (e.g. TTL lost)
    ADVICE = "advice"  # works as written; a better or future-proof form exists
    UNAUDITED = "unaudited"  # could not be decided from what is known


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    outcome: Outcome
    message: str
    path: str | None = None  # where in the request (``system[1].cachePoint``), when known
    fix: str | None = None  # the change to make, in words

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.code} {self.message}{where}"

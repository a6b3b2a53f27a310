"""Which release of a layer's library is installed, read from its metadata without importing it.

A backend whose library changed behaviour between releases predicts what the installed one does
(the conformance suite runs that same release); with the library absent it predicts the newest.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

__all__ = ["MODELLED", "at_least", "fingerprint", "installed_version"]

# The libraries whose installed release changes a prediction (a lint cache key includes them).
MODELLED = ("anthropic", "litellm")

_RELEASE = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@cache
def installed_version(distribution: str) -> tuple[int, int, int] | None:
    """The release numbers of ``distribution`` as installed, or None when it is not."""
    try:
        text = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
    return _release(text)


def at_least(distribution: str, release: str) -> bool:
    """Whether the installed ``distribution`` is ``release`` or newer; True when it is absent."""
    installed = installed_version(distribution)
    return installed is None or installed >= _release(release)


def fingerprint() -> str:
    """The installed releases of the libraries whose behaviour the backends read from them."""
    return ";".join(f"{name}={installed_version(name)}" for name in MODELLED)


def _release(text: str) -> tuple[int, int, int]:
    match = _RELEASE.match(text)
    if match is None:
        return (0, 0, 0)
    major, minor, patch = (int(part or 0) for part in match.groups())
    return (major, minor, patch)

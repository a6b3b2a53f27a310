"""``bedrockcache server`` with faults injected, for the tests of what a crash does to it.

A buffer holding ``CRASH_IN_ANALYSIS`` makes the checker's analysis raise (a bug in a rule); one
holding ``CRASH_IN_CHECKER`` makes the checker itself raise, past its own guard.
"""

from __future__ import annotations

from typing import Any

import bedrockcache.lint.checker as checker
import bedrockcache.server.analysis as analysis
from bedrockcache.server import serve

_real_analyse = checker._analyse
_real_check = analysis.check_source


def _analyse(module: Any, *args: Any) -> None:
    if "CRASH_IN_ANALYSIS" in module.code:
        raise RuntimeError("injected fault in the analysis")
    _real_analyse(module, *args)


def _check_source(source: Any, *args: Any, **kwargs: Any) -> Any:
    text = source if isinstance(source, str) else source.decode("utf-8")
    if "CRASH_IN_CHECKER" in text:
        raise RuntimeError("injected fault outside the analysis")
    return _real_check(source, *args, **kwargs)


checker._analyse = _analyse
analysis.check_source = _check_source

if __name__ == "__main__":
    serve()

"""Loaded at start-up by every Python process ``bedrockcache trace`` runs (through PYTHONPATH).

It turns capture on for the whole process, streams each request to the trace file, and then hands
over to the environment's own ``sitecustomize``, if there is one, so tracing changes nothing else.
"""

import importlib
import os
import sys


def _start_tracing() -> None:
    path = os.environ.get("BEDROCKCACHE_TRACE_FILE")
    if not path:
        return
    try:
        from bedrockcache.tracing import start_in_child
    except Exception as exc:  # another interpreter, without bedrockcache's dependencies
        sys.stderr.write(f"bedrockcache trace: nothing captured in {sys.executable}: {exc}\n")
        return
    start_in_child(path, passthrough=os.environ.get("BEDROCKCACHE_TRACE_PASSTHROUGH") == "1")


def _chain_to_the_next_sitecustomize() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    this = sys.modules.pop("sitecustomize", None)
    try:
        importlib.import_module("sitecustomize")
    except ImportError:
        # No other one: the import machinery that is running this module expects it back.
        if this is not None:
            sys.modules["sitecustomize"] = this


_start_tracing()
_chain_to_the_next_sitecustomize()

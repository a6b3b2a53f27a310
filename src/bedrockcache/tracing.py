"""``bedrockcache trace -- COMMAND``: capture every Bedrock request a program and its children send.

The command runs in a child process whose environment puts ``_trace_site`` first on PYTHONPATH;
its ``sitecustomize`` starts a capture in every Python interpreter that starts, and each request
is appended to a trace file as one JSON line the moment it is sent (a crash or ``os._exit`` loses
nothing). The parent reads the file back and audits each request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bedrockcache.capturing import CapturedRequest, capture

__all__ = ["TraceError", "exit_status", "run", "start_in_child"]

_SITE = Path(__file__).resolve().parent / "_trace_site"
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


class TraceError(Exception):
    """The command could not be started."""


def run(command: list[str], *, passthrough: bool = False) -> tuple[int, list[CapturedRequest]]:
    """Run ``command`` with capture on; its exit status (128 + N when signal N killed it) and
    every request it sent, in order."""
    if command and command[0].endswith(".py"):
        command = [sys.executable, *command]
    with tempfile.TemporaryDirectory(prefix="bedrockcache-trace-") as tmp:
        trace_file = Path(tmp) / "requests.jsonl"
        trace_file.touch()
        env = dict(os.environ)
        env["BEDROCKCACHE_TRACE_FILE"] = str(trace_file)
        env["BEDROCKCACHE_TRACE_PASSTHROUGH"] = "1" if passthrough else "0"
        # The traced program's own bedrockcache, if it has one, wins over ours (appended last).
        paths = [str(_SITE), env.get("PYTHONPATH", ""), str(_PACKAGE_PARENT)]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        try:
            code = exit_status(subprocess.call(command, env=env))
        except FileNotFoundError:
            raise TraceError(f"command not found: {command[0]}") from None
        except PermissionError:
            raise TraceError(f"command is not executable: {command[0]}") from None
        except KeyboardInterrupt:
            code = 130
        return code, read_trace(trace_file)


def exit_status(returncode: int) -> int:
    """A child's return code as an exit status: killed by signal N (``-N`` from subprocess) is
    128 + N, as a shell reports it; ``sys.exit(-N)`` would exit 256 - N, a meaningless number."""
    return 128 - returncode if returncode < 0 else returncode


def read_trace(path: Path) -> list[CapturedRequest]:
    requests = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a process killed in the middle of a write
            continue
        requests.append(
            CapturedRequest.from_wire(
                len(requests),
                record["url"],
                record["body"].encode("utf-8"),
                record["headers"],
                record["client"],
                record.get("call_site"),
            )
        )
    return requests


def start_in_child(trace_file: str, *, passthrough: bool) -> None:
    """Capture in this process for its whole life, appending each request to ``trace_file``."""
    fd = os.open(trace_file, os.O_WRONLY | os.O_APPEND)

    def append(request: CapturedRequest) -> None:
        body = request.body if isinstance(request.body, str) else json.dumps(request.body)
        record = {
            "pid": os.getpid(),
            "url": request.url,
            "client": request.client,
            "headers": request.headers,
            "body": body,
            "call_site": request.call_site,
        }
        try:
            os.write(fd, (json.dumps(record) + "\n").encode("utf-8"))  # O_APPEND: one atomic write
        except (OSError, TypeError, ValueError) as exc:  # never break the traced program
            sys.stderr.write(f"bedrockcache trace: a request was not recorded: {exc}\n")

    capture(passthrough=passthrough, on_request=append).__enter__()

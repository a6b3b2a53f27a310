"""The capture context: which captures are active, and what happens to each Bedrock request.

Interception is process-wide (patched methods on the HTTP stacks' classes, so clients created
before the capture are covered, and so are requests from worker threads that frameworks use for
their blocking calls). Every active capture records every request; the innermost one decides
whether the request goes on to Bedrock or is answered in-process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from types import TracebackType

from bedrockcache.audit import AuditReport
from bedrockcache.capturing import credentials, patches
from bedrockcache.capturing.callsite import call_site
from bedrockcache.capturing.record import CapturedRequest
from bedrockcache.capturing.responses import CannedResponse, Usage, canned_response

__all__ = ["Capture", "UsageSpec", "capture"]

# A fixed usage, or a function of the request (a test of cost accounting varies it per call).
UsageSpec = Usage | Mapping[str, int] | Callable[[CapturedRequest], Usage | Mapping[str, int]]

_lock = threading.RLock()
_active: list[Capture] = []
_installed: ExitStack | None = None


class Capture:
    """Records the Bedrock runtime requests a program sends while it is active.

    Use it as ``with bedrockcache.capture() as captured:`` (or ``async with``). Offline (the
    default) nothing leaves the process: each request is answered with a minimal valid response of
    its kind. ``passthrough=True`` lets requests go on to Bedrock and only records them.
    """

    def __init__(
        self,
        *,
        passthrough: bool = False,
        usage: UsageSpec | None = None,
        reply: str = "ok",
        on_request: Callable[[CapturedRequest], None] | None = None,
    ) -> None:
        self.passthrough = passthrough
        self.reply = reply
        self.on_request = on_request
        self._usage = usage
        self.requests: list[CapturedRequest] = []
        self._credentials: ExitStack | None = None

    # -- results -------------------------------------------------------------------------------

    @property
    def reports(self) -> list[AuditReport]:
        return [r.report for r in self.requests]

    def __iter__(self) -> Iterator[CapturedRequest]:
        return iter(list(self.requests))

    def __len__(self) -> int:
        return len(self.requests)

    def assert_caches(self, where: Callable[[CapturedRequest], bool] | None = None) -> None:
        """Every captured request (or each one ``where`` selects) must cache on Bedrock.

        No request at all fails too: a test that asserts caching and sent nothing proves nothing.
        """
        chosen = [r for r in self.requests if where is None or where(r)]
        if not chosen:
            what = "matched `where`" if where is not None and self.requests else "was captured"
            raise AssertionError(f"bedrockcache: no Bedrock request {what}")
        failures = []
        for request in chosen:
            try:
                request.assert_caches()
            except AssertionError as exc:
                failures.append(str(exc))
        if failures:
            count = f"{len(failures)} of {len(chosen)} request(s) will not cache"
            raise AssertionError(f"bedrockcache: {count}\n" + "\n".join(failures))

    def assert_stable_prefix(self, where: Callable[[CapturedRequest], bool] | None = None) -> None:
        """Consecutive requests of each call path must repeat the prefix their breakpoints cache.

        Requests are grouped by the line of your code that sent them (or by operation and model
        when a framework sends from a worker thread). The AssertionError names the first block
        that differs, the character where it differs, both sides, and the breakpoints it voids.
        """
        from bedrockcache.capturing.stability import prefix_changes

        chosen = [r for r in self.requests if where is None or where(r)]
        changes, compared = prefix_changes(chosen)
        if not compared:
            raise AssertionError(
                "bedrockcache: no two requests of one call path with a breakpoint were captured: "
                "there is no cached prefix to compare"
            )
        if changes:
            listed = "\n".join(change.describe() for change in changes)
            raise AssertionError(
                f"bedrockcache: the cached prefix changed in {len(changes)} of {compared} "
                f"consecutive call(s)\n{listed}"
            )

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> Capture:
        global _installed
        with _lock:
            if not self.passthrough:
                self._credentials = ExitStack()
                self._credentials.enter_context(credentials.offline())
            if _installed is None:
                _installed = patches.install(_intercept, _offline)
            _active.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _installed
        with _lock:
            _active.remove(self)
            if not _active and _installed is not None:
                _installed.close()
                _installed = None
            if self._credentials is not None:
                self._credentials.close()
                self._credentials = None

    async def __aenter__(self) -> Capture:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def _usage_for(self, request: CapturedRequest) -> Usage:
        spec = self._usage
        if callable(spec) and not isinstance(spec, Usage):
            spec = spec(request)
        return Usage.of(spec)


def capture(
    *,
    passthrough: bool = False,
    usage: UsageSpec | None = None,
    reply: str = "ok",
    on_request: Callable[[CapturedRequest], None] | None = None,
) -> Capture:
    """Record every Bedrock runtime request this process sends (see ``Capture``).

    ``usage`` sets the token counts the offline responses report (a ``Usage``, a mapping such as
    ``{"input_tokens": 50, "cache_read_input_tokens": 2000}``, or a function of the request);
    ``reply`` is the assistant text they carry. ``on_request`` is called with each request as it
    is recorded, before it is sent or answered (to log it, or to stream it out of the process).
    """
    return Capture(passthrough=passthrough, usage=usage, reply=reply, on_request=on_request)


def _intercept(
    url: str, body: bytes, headers: Mapping[str, str], client: str
) -> CannedResponse | None:
    """Record a Bedrock request in every active capture; the canned answer when offline."""
    site = call_site()
    with _lock:
        if not _active:
            return None
        innermost = _active[-1]
        recorded = []
        for active in _active:
            request = CapturedRequest.from_wire(
                len(active.requests), url, body, dict(headers), client, site
            )
            active.requests.append(request)
            recorded.append((active, request))
    for active, request in recorded:
        if active.on_request is not None:
            active.on_request(request)
    if innermost.passthrough:
        return None
    last = recorded[-1][1]
    usage = innermost._usage_for(last)
    return canned_response(last.operation, last.model_id, usage, innermost.reply)


def _offline() -> bool:
    with _lock:
        return bool(_active) and not _active[-1].passthrough

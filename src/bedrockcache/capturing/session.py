"""The capture context: which captures own each Bedrock request, and whether it may leave.

Interception is process-wide (patched methods on the HTTP stacks' classes, so clients created
before the capture are covered). Ownership is not: a capture owns the requests sent from the
context it was entered in (a ``contextvars`` context: its thread or asyncio task, and what copies
that context, such as tasks it creates, ``asyncio.to_thread`` and the worker threads of Strands,
anyio and LangChain). Every capture entered there records the request. A request from a context
that no active capture was entered in (a plain ``threading.Thread``) cannot be attributed, so
every active capture records it.

A request leaves the process only when every capture that records it is a pass-through one: an
offline capture never lets out a request it owns, whatever captures nested in it or active in
other threads do. The innermost offline owner answers it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from contextvars import ContextVar
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
_active: list[Capture] = []  # every active capture in the process, in the order entered
_installed: ExitStack | None = None  # the hooks, while any capture is active
_placeholders: ExitStack | None = None  # offline credentials, while any offline capture is
# The captures entered in this context, outermost first (some may have ended since).
_entered: ContextVar[tuple[Capture, ...]] = ContextVar("bedrockcache_captures", default=())


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
        global _installed, _placeholders
        with _lock:
            if _installed is None:
                _installed = patches.install(_intercept, _stays_in_process)
            if not self.passthrough and _placeholders is None:
                _placeholders = ExitStack()
                _placeholders.enter_context(credentials.offline())
            _active.append(self)
        _entered.set((*_entered.get(), self))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _installed, _placeholders
        # Removed by identity, not reset to a token: captures may end in any order.
        _entered.set(tuple(c for c in _entered.get() if c is not self))
        with _lock:
            _active.remove(self)
            if _placeholders is not None and all(c.passthrough for c in _active):
                _placeholders.close()
                _placeholders = None
            if not _active and _installed is not None:
                _installed.close()
                _installed = None

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


def _owners() -> tuple[Capture, ...]:
    """The captures that own a request sent now: those entered in this context and still
    active, innermost last; when there are none, every active capture. Call with ``_lock``."""
    entered = tuple(c for c in _entered.get() if any(c is a for a in _active))
    return entered or tuple(_active)


def _responder(owners: tuple[Capture, ...]) -> Capture | None:
    """The innermost offline owner, which answers in-process; None when all pass through."""
    return next((c for c in reversed(owners) if not c.passthrough), None)


def _intercept(
    url: str, body: bytes, headers: Mapping[str, str], client: str
) -> CannedResponse | None:
    """Record a Bedrock request in every capture that owns it; the canned answer when offline."""
    site = call_site()
    with _lock:
        owners = _owners()
        if not owners:
            return None
        recorded = []
        for owner in owners:
            request = CapturedRequest.from_wire(
                len(owner.requests), url, body, dict(headers), client, site
            )
            owner.requests.append(request)
            recorded.append((owner, request))
    for owner, request in recorded:
        if owner.on_request is not None:
            owner.on_request(request)
    responder = _responder(owners)
    if responder is None:
        return None
    answered = next(request for owner, request in recorded if owner is responder)
    usage = responder._usage_for(answered)
    return canned_response(
        answered.operation, answered.model_id, usage, responder.reply, stream=answered.streaming
    )


def _stays_in_process() -> bool:
    """Whether a request sent now from this context would be answered in-process."""
    with _lock:
        return _responder(_owners()) is not None

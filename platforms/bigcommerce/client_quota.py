"""BigCommerce's rate limit as the client keeps it: a request quota per time window, shared by
every app on the store, learnt from the `X-Rate-Limit-*` headers of every answer."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from platforms.adapter import RateLimitSettings
from platforms.http import Response
from platforms.ratelimit import RateBucket, check_scope

LEFT = "X-Rate-Limit-Requests-Left"
QUOTA = "X-Rate-Limit-Requests-Quota"
WINDOW = "X-Rate-Limit-Time-Window-Ms"
RESET = "X-Rate-Limit-Time-Reset-Ms"

# the task whose request probes a window nobody has told us about yet
_probe: contextvars.ContextVar[object | None] = contextvars.ContextVar("bc_probe", default=None)


@dataclass(frozen=True)
class WindowReport:
    """What one answer's headers say about the store's current window."""

    left: int
    quota: int
    window_seconds: float
    reset_seconds: float

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> WindowReport | None:
        """The report, or None when the answer lacks the four headers (overload, a proxy)."""
        try:
            return cls(
                int(headers[LEFT]),
                int(headers[QUOTA]),
                int(headers[WINDOW]) / 1000,
                int(headers[RESET]) / 1000,
            )
        except (KeyError, ValueError):
            return None


class WindowQuota:
    """Paces one store's requests so the window's quota is used up, never overrun.

    The plan (150, 450 or a contract's quota per 30 s) is never assumed: until an answer has
    told us the current window, one request at a time goes out (a probe). Then every request
    spends one of the requests left, each answer lowers that to what the store reports (other
    apps spend the same quota), and once none is left the next request waits for the window's
    reset and probes the new window. A 429 (ours or another app's overrun) empties the window
    until `Time-Reset-Ms` has passed; without the headers it is overload, backed off by the
    retry policy's delay (`penalise`).
    """

    paced_by_headers = True  # the platform's answers, not a local plan, decide every wait

    def __init__(
        self,
        settings: RateLimitSettings,
        *,
        probe_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings  # a starting guess only (shown in metrics and shared state)
        self._clock = clock
        self.quota = int(settings.capacity)
        self.window_seconds = settings.capacity / settings.leak_per_second
        self._known = False  # whether `_left` and `_reset_at` describe the current window
        self._left = 0
        self._reset_at = 0.0
        self._probe_owner: object | None = None
        self._probe_since = 0.0
        # a probe that never got an answer (timed out, dropped) stops blocking after this
        self._probe_timeout = probe_timeout
        self._changed = asyncio.Event()
        self.granted = 0

    @property
    def max_rate(self) -> float:
        """The window's quota (for the telemetry sampler)."""
        return float(self.quota)

    @property
    def level(self) -> float:
        """Requests of the window spent (by us or other apps), as far as we know."""
        return float(self.quota - self._left) if self._known else 0.0

    async def acquire(self, amount: float = 1) -> None:
        """Wait until a request may go out without overrunning the window."""
        while True:
            check_scope()
            now = self._clock()
            if self._known and now >= self._reset_at:
                self._known = False  # the window is over: the next answer tells the new one
            if self._known and self._left > 0:
                self._left -= 1
                self.granted += 1
                return
            if not self._known and self._may_probe(now):
                token = object()
                self._probe_owner, self._probe_since = token, now
                _probe.set(token)
                self.granted += 1
                return
            patience = self._probe_since + self._probe_timeout - now
            await self._wait(self._reset_at - now if self._known else patience)

    def _may_probe(self, now: float) -> bool:
        # nobody probes, this very task does again (its probe failed and is retried), or the
        # probe never came back
        owner = self._probe_owner
        stale = now - self._probe_since >= self._probe_timeout
        return owner is None or owner is _probe.get() or stale

    async def _wait(self, seconds: float | None) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=seconds)

    def adopt(self, response: Response) -> None:
        """Take the store's own figures from an answer's headers."""
        report = WindowReport.of(response.headers)
        probing = self._probe_owner is not None and self._probe_owner is _probe.get()
        if probing:
            self._probe_owner = None
        if report is None:
            self._changed.set()  # a failed probe: another may go
            return
        reset_at = self._clock() + report.reset_seconds
        self.quota, self.window_seconds = report.quota, report.window_seconds
        same_window = self._known and abs(reset_at - self._reset_at) < report.window_seconds / 2
        if same_window:
            # answers arrive out of order: the lowest count of requests left wins
            self._left = min(self._left, report.left)
        elif probing or not self._known:
            self._left, self._reset_at, self._known = report.left, reset_at, True
        self._changed.set()

    def observe(self, used: float, size: float | None = None) -> None:
        """RateBucket's form of `adopt`, for callers that only have used/size."""
        if size:
            self.quota = int(size)
        if self._known:
            self._left = min(self._left, max(0, self.quota - int(used)))

    def answered(self, amount: float = 1) -> None:
        """Nothing to do: a window's quota is spent when a request is sent, not leaked."""

    def penalise(self, retry_after: float) -> None:
        """After a 429: nothing goes out for `retry_after` seconds, then a probe."""
        self._known = True
        self._left = 0
        # until then, not until the window's end: an overload 429 passes sooner, and after it
        # a probe learns the window afresh
        self._reset_at = self._clock() + retry_after
        self._probe_owner = None
        self._changed.set()


class QuotaObserver:
    """The transport's usage observer: hands every answer's headers to the store's quota."""

    def observe(self, response: Response, bucket: RateBucket) -> None:
        """Adopt the headers (a quota shared between replicas takes used/size instead)."""
        if isinstance(bucket, WindowQuota):
            bucket.adopt(response)
            return
        report = WindowReport.of(response.headers)
        if report is not None:
            bucket.observe(report.quota - report.left, report.quota)

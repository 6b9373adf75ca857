"""The store's request quota per time window, as BigCommerce enforces and reports it: shared by
every app on the store, with the four `X-Rate-Limit-*` headers on every answer."""

from __future__ import annotations

import math
from collections.abc import Callable

from aiohttp import web

from platforms.adapter import RateLimitSettings
from platforms.sandbox.kit import CONTROL_PREFIX

# a contract (Enterprise) plan large enough that tests and the demo never meet it
CONTRACT_PLAN = RateLimitSettings(100_000, 100_000 / 30)


class WindowQuotaServer:
    """`quota` requests per `window` seconds; a window opens with the first request after the
    last one closed. `rejected` counts 429s, `served` requests let through."""

    def __init__(self, quota: int, window: float, clock: Callable[[], float]) -> None:
        self.quota = quota
        self.window = window
        self._clock = clock
        self._opened: float | None = None
        self.used = 0
        self.rejected = 0
        self.served = 0
        self.closed: list[int] = []  # requests served in each window that has ended

    @classmethod
    def of(cls, plan: RateLimitSettings | None, clock: Callable[[], float]) -> WindowQuotaServer:
        """From a sandbox's `bucket` setting: capacity per capacity/leak seconds."""
        plan = plan or CONTRACT_PLAN
        return cls(int(plan.capacity), plan.capacity / plan.leak_per_second, clock)

    def _roll(self) -> float:
        now = self._clock()
        if self._opened is None or now >= self._opened + self.window:
            if self._opened is not None:
                self.closed.append(self.used)
            self._opened, self.used = now, 0
        return now

    def take(self, apps: int = 1) -> tuple[bool, dict[str, str]]:
        """Count a request (of ours, or `apps` of other apps); whether it may run, and the
        headers its answer carries."""
        now = self._roll()
        allowed = self.used + apps <= self.quota
        if allowed:
            self.used += apps
            self.served += apps
        else:
            self.rejected += 1
        assert self._opened is not None
        reset = max(1, math.ceil((self._opened + self.window - now) * 1000))
        return allowed, {
            "X-Rate-Limit-Time-Window-Ms": str(round(self.window * 1000)),
            "X-Rate-Limit-Time-Reset-Ms": str(reset),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(max(0, self.quota - self.used)),
        }

    def add_control_route(self, app: web.Application) -> None:
        """`POST /_sandbox/quota {"other_apps": n}`: another app on the store spends `n`
        requests of the current window (the quota is the store's, not ours)."""

        async def spend(request: web.Request) -> web.Response:
            body = await request.json()
            apps = int(body.get("other_apps", 0))
            self._roll()
            self.used = min(self.quota, self.used + apps)
            return web.json_response({"used": self.used, "quota": self.quota})

        app.router.add_post(f"{CONTROL_PREFIX}/quota", spend)

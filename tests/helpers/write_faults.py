"""Deterministic faults around a sandbox's API writes: applied then dropped, applied late."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from platforms.sandbox.kit import CONTROL_PREFIX

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Action = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def on_next_writes(app: web.Application, action: Action, times: int = 1) -> None:
    """Run the next `times` API writes (any method but GET) through `action`.

    Installed innermost (after the sandbox's auth and throttle), so it sees what the
    platform's own code would; must be called before the app is served.
    """
    left = [times]

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "GET" or request.path.startswith(CONTROL_PREFIX) or not left[0]:
            return await handler(request)
        left[0] -= 1
        return await action(request, handler)

    app.middlewares.append(middleware)


async def apply_then_drop(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The platform applies the write, then the connection closes without an answer."""
    await handler(request)
    if request.transport is not None:
        request.transport.close()
    raise ConnectionResetError("applied, then the connection dropped (test fault)")


class LateApply:
    """The platform applies a write `delay` seconds after receiving it (after the client
    gave up); `settled()` waits until every such write has landed."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._pending: set[asyncio.Task[web.StreamResponse]] = set()

    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        await request.read()  # while the client is still there: the handler runs after

        async def later() -> web.StreamResponse:
            await asyncio.sleep(self.delay)
            return await handler(request)

        task = asyncio.get_running_loop().create_task(later())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return await asyncio.shield(task)  # the client leaving must not cancel the write

    async def settled(self) -> None:
        """Return once every late write has been applied."""
        await asyncio.gather(*self._pending, return_exceptions=True)

"""A seeded Shopify sandbox served from a thread, for tests that are not async themselves."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future

from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import DEFAULT_TOKEN, ShopifySandbox

SANDBOX_TOKEN = DEFAULT_TOKEN


@contextlib.contextmanager
def sandbox_store() -> Iterator[str]:
    """Serve the demo's seeded Shopify store on a free port; yields its base URL."""
    started: Future[str] = Future()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        sandbox = ShopifySandbox()
        async with serve(sandbox.app) as url:
            started.set_result(url)
            await stop.wait()

    def run() -> None:
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # the caller sees why it never started
            if not started.done():
                started.set_exception(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield started.result(timeout=60)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()

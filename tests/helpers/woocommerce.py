"""Test support: a seeded WooCommerce sandbox served on a real socket with a fast-retry client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from platforms.http import RetryPolicy
from platforms.sandbox.kit import serve
from platforms.woocommerce.client import WooCommerceClient
from platforms.woocommerce.sandbox.app import WooCommerceSandbox


@dataclass(frozen=True)
class Served:
    """A running sandbox, its base URL and a client connected to it."""

    sandbox: WooCommerceSandbox
    base_url: str
    client: WooCommerceClient


@contextlib.asynccontextmanager
async def served_sandbox(store_id: str = "woo1", **sandbox_args: Any) -> AsyncIterator[Served]:
    """Serve a sandbox (kwargs as WooCommerceSandbox) and yield it with a connected client.

    Retries are fast (10-50 ms) and scripted 429s ask for 10 ms, so fault tests stay quick.
    """
    sandbox = WooCommerceSandbox(**sandbox_args)
    sandbox.faults.retry_after = 0.01
    async with serve(sandbox.app) as base_url:
        client = WooCommerceClient(
            sandbox.connection(store_id, base_url),
            retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
        )
        try:
            yield Served(sandbox, base_url, client)
        finally:
            await client.aclose()

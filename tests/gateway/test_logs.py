"""Upstream-call log lines carry store, platform, operation and attempt, never the token."""

from __future__ import annotations

import logging

from gateway.logs import ContextFormatter
from platforms.adapter import OrderQuery
from platforms.shopify.client import ShopifyClient


async def test_retry_log_names_store_platform_operation_attempt_and_no_token(serve_shopify, caplog):
    sandbox, conn = await serve_shopify(bucket=None)
    sandbox.faults.fail_next(503)
    client = ShopifyClient(conn)
    caplog.set_level(logging.DEBUG, logger="cartgraph")
    try:
        await client.list_orders(OrderQuery(), cursor=None, limit=5)
    finally:
        await client.aclose()
    formatter = ContextFormatter("%(levelname)s %(message)s")
    lines = [formatter.format(r) for r in caplog.records]
    retry = next(line for line in lines if "retrying" in line)
    for part in ("store_id=shop-a", "platform=shopify", "attempt=1", "status=503"):
        assert part in retry
    assert all(conn.credentials["access_token"] not in line for line in lines)

"""Amazon feed writes through the queue: the feed's id is kept once `createFeed` answers, so
an attempt that fails while following the feed is retried on that same feed, never a second;
while Amazon processes the feed the write gives its worker back."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from platforms.adapter import StoreConnection
from platforms.amazon.sandbox import AmazonSandbox
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from tests.gateway.writes.conftest import StartWrites, WriteGateway

REFUND = """mutation($input: CreateRefundInput!, $key: String) {
  createRefund(input: $input, idempotencyKey: $key, wait: false) { __typename
    ... on WriteQueued { operation { id } } } }"""
STATUS = """query($id: ID!) { writeOperation(id: $id) { status attempts lastError { code } } }"""
PRICE = """mutation($input: UpdateVariantPriceInput!) { updateVariantPrice(input: $input) {
  __typename ... on WriteFailed { code message } } }"""
FEED = "/feeds/2021-06-30/feeds/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OpenStore = Callable[[int], Awaitable[tuple[AmazonSandbox, StoreConnection]]]


@pytest.fixture
async def amazon_store() -> AsyncIterator[OpenStore]:
    """An Amazon sandbox whose next `failures` getFeed polls answer `status` (a fault of the
    poll, after the feed was created); its connection tries each request once."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(status: int, failures: int = 1) -> tuple[AmazonSandbox, StoreConnection]:
            """(the sandbox, its connection); `failures` getFeed polls answer `status`."""
            sandbox = AmazonSandbox(seed=3, orders=60, products=24)
            left = [failures]

            @web.middleware
            async def poll_fails(request: web.Request, handler: Handler) -> web.StreamResponse:
                if request.method == "GET" and request.path.startswith(FEED) and left[0]:
                    left[0] -= 1
                    return web.json_response(
                        {"errors": [{"code": "InternalFailure", "message": "test fault"}]},
                        status=status,
                        headers={"Retry-After": "0.05"},
                    )
                return await handler(request)

            sandbox.app.middlewares.append(poll_fails)
            url = await stack.enter_async_context(serve(sandbox.app))
            conn = dataclasses.replace(sandbox.connection("amz", url), max_attempts=1)
            return sandbox, conn

        yield start


def _refundable(sandbox: AmazonSandbox) -> tuple[str, dict[str, Any]]:
    state = sandbox.state
    order_id = next(
        o["orderId"]
        for o in sorted(state.orders.values(), key=lambda o: str(o["orderId"]))
        if o["fulfillment"]["fulfilledBy"] == "MERCHANT"
        and o["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
        and o["orderId"] not in state.refunds
    )
    return order_id, state.orders[order_id]["orderItems"][0]


async def _finished(gw: WriteGateway, op_id: str) -> dict[str, Any]:
    for _ in range(300):
        op: dict[str, Any] = (await gw.data(STATUS, {"id": op_id}))["writeOperation"]
        if op["status"] in ("SUCCEEDED", "QUARANTINED", "FAILED"):
            return op
        await asyncio.sleep(0.05)
    raise AssertionError(f"write {op_id} never finished")


# 500: the attempt ends in doubt and is reconciled; 429: a refusal of the poll, which the
# queue takes for "not applied" and sends again. Both must follow the feed already created.
@pytest.mark.parametrize("status", [500, 429])
async def test_a_failed_feed_poll_follows_the_same_feed_never_a_second_refund(
    amazon_store: OpenStore, start_writes: StartWrites, status: int
) -> None:
    sandbox, conn = await amazon_store(status)
    gw = await start_writes([conn])
    order_id, item = _refundable(sandbox)
    variables = {
        "input": {
            "orderId": encode_id("amz", Kind.ORDER, order_id),
            "lines": [{"lineItemId": item["orderItemId"], "quantity": 1}],
        },
        "key": f"refund-{status}",
    }
    queued = (await gw.data(REFUND, variables))["createRefund"]
    assert queued["__typename"] == "WriteQueued", queued

    op = await _finished(gw, queued["operation"]["id"])

    assert (op["status"], op["attempts"]) == ("SUCCEEDED", 2), op
    assert sandbox.calls.by_route["POST /feeds/2021-06-30/feeds"] == 1  # one feed, followed
    assert len(sandbox.state.refunds[order_id]) == 1  # one refund on the order


async def test_a_feed_in_processing_gives_its_worker_back(
    amazon_store: OpenStore, start_writes: StartWrites
) -> None:
    sandbox, conn = await amazon_store(500, failures=0)
    sandbox.feeds.delay = 3.0  # Amazon takes minutes; the sandbox 3 s
    conn = dataclasses.replace(conn, options={**conn.options, "feed_poll_seconds": "0.5"})
    gw = await start_writes([conn], concurrency=1)  # one worker for every write
    order_id, item = _refundable(sandbox)
    variables = {
        "input": {
            "orderId": encode_id("amz", Kind.ORDER, order_id),
            "lines": [{"lineItemId": item["orderItemId"], "quantity": 1}],
        },
        "key": "refund-slow",
    }
    refund = (await gw.data(REFUND, variables))["createRefund"]["operation"]["id"]
    for _ in range(500):  # until the feed is created, and Amazon is processing it
        if sandbox.calls.by_route["POST /feeds/2021-06-30/feeds"]:
            break
        await asyncio.sleep(0.02)

    sku = next(s for s in sorted(sandbox.state.purchasable()) if not sandbox.state.is_fba(s))
    price = {"input": {"variantId": encode_id("amz", Kind.VARIANT, sku), "price": "12.34"}}
    repriced = (await gw.data(PRICE, price))["updateVariantPrice"]

    assert repriced["__typename"] == "UpdateVariantPriceSuccess", repriced
    waiting = (await gw.data(STATUS, {"id": refund}))["writeOperation"]
    # parked between polls (or in one, RUNNING): not finished, and nothing failed
    assert waiting["status"] in ("RETRYING", "RUNNING") and waiting["lastError"] is None
    done = await _finished(gw, refund)
    assert (done["status"], done["attempts"]) == ("SUCCEEDED", 1)  # the parks were no attempts
    assert sandbox.calls.by_route["POST /feeds/2021-06-30/feeds"] == 1
    assert len(sandbox.state.refunds[order_id]) == 1

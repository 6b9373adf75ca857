"""A write's stored result is read back for every retry of its idempotency key, maybe by a
later version whose canonical model is stricter. One that no longer validates costs only its
own field (UPSTREAM_PAYLOAD_INVALID naming the fields), never the write's result (INTERNAL
before: found by fuzzing createRefund), and nothing is sent to the store again."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.writes.queue import DB_FILE, WriteQueue, open_store
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.gateway.writes.conftest import FAST_RETRY, WriteGateway
from tests.helpers.auth import AUTH_HEADERS, admin_gate

REFUND = """mutation($input: CreateRefundInput!) {
  createRefund(input: $input, idempotencyKey: "r1") { __typename
    ... on CreateRefundSuccess { operation { id } refundId amount lines { lineItemId quantity }
      refund { externalId amount { amount currencyCode } } } } }"""
FULFIL = """mutation($input: CreateFulfillmentInput!) {
  createFulfillment(input: $input, idempotencyKey: "f1") { __typename
    ... on CreateFulfillmentSuccess { operation { id } fulfillmentId trackingNumber
      fulfillment { externalId trackingNumbers } } } }"""
STORE = "shop-a"

Gateway = tuple[ShopifySandbox, WriteGateway, Path]


@pytest.fixture
async def durable(tmp_path: Path) -> AsyncIterator[Gateway]:
    """A Shopify sandbox behind a gateway whose write queue is a SQLite file in tmp_path."""
    async with contextlib.AsyncExitStack() as stack:
        sandbox = ShopifySandbox(seed=7, orders=20, products=8, bucket=None)
        conn = sandbox.connection(STORE, await stack.enter_async_context(serve(sandbox.app)))
        registry = StoreRegistry([conn], ttls=CacheTTLs(products=0, locations=0))
        queue = WriteQueue(open_store(tmp_path), registry, retry=FAST_RETRY)
        app = create_app(registry, writes=queue, auth=admin_gate())
        url = await stack.enter_async_context(running(app))
        http = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))
        yield sandbox, WriteGateway(url, http), tmp_path / DB_FILE


def _as_stored_earlier(db: Path, kind: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the one stored result of `kind` as an earlier version might have stored it."""
    with contextlib.closing(sqlite3.connect(db)) as sql, sql:
        [(job_id, text)] = sql.execute(
            "SELECT id, result FROM write_jobs WHERE kind = ? AND status = 'SUCCEEDED'", (kind,)
        ).fetchall()
        result = orjson.loads(text)
        change(result)
        sql.execute("UPDATE write_jobs SET result = ? WHERE id = ?", (orjson.dumps(result), job_id))


def _paid(sandbox: ShopifySandbox) -> dict[str, Any]:
    return next(
        o for o in sandbox.state.orders if o["financial_status"] == "paid" and not o["refunds"]
    )


def _older_refund(result: dict[str, Any]) -> None:
    refund = result["refund"]
    refund["amount"] = {"amount": "two", "currency": "usd"}  # before Money's currency_code
    refund["total_tax"] = "0.00"  # a field the model no longer has
    result["amount"] = "two"
    result["lines"] = ["a line, not an object"]


async def test_a_stored_refund_that_no_longer_validates_costs_only_its_own_field(
    durable: Gateway,
) -> None:
    sandbox, gw, db = durable
    order = _paid(sandbox)
    line = order["line_items"][0]
    input_ = {
        "orderId": encode_id(STORE, Kind.ORDER, str(order["id"])),
        "lines": [{"lineItemId": str(line["id"]), "quantity": 1}],
        "amount": "2.50",
    }
    first = (await gw.data(REFUND, {"input": input_}))["createRefund"]
    assert first["__typename"] == "CreateRefundSuccess", first
    assert first["refund"]["amount"] == {"amount": "2.50", "currencyCode": "USD"}
    _as_stored_earlier(db, "CREATE_REFUND", _older_refund)

    again = await gw.query(REFUND, {"input": input_})

    result = again["data"]["createRefund"]
    assert result["__typename"] == "CreateRefundSuccess"
    assert result["operation"] == first["operation"]
    assert result["refundId"] == first["refundId"]
    assert (result["amount"], result["lines"], result["refund"]) == (None, [], None)
    [error] = again["errors"]
    assert error["path"] == ["createRefund", "refund"]
    extensions = error["extensions"]
    assert extensions["code"] == "UPSTREAM_PAYLOAD_INVALID"
    assert extensions["storeId"] == STORE and extensions["operation"] == "createRefund"
    assert extensions["externalId"] == first["refund"]["externalId"]
    named = "amount.amount: decimal_parsing, amount.currency_code: missing, amount.currency: "
    assert f"({named}extra_forbidden and 1 more)" in error["message"]  # the first few only
    assert "two" not in error["message"] and "usd" not in error["message"]  # no stored values
    assert len(order["refunds"]) == 1  # answered from the stored outcome: nothing re-sent


async def test_a_stored_fulfillment_that_no_longer_validates_costs_only_its_own_field(
    durable: Gateway,
) -> None:
    sandbox, gw, db = durable
    order = next(o for o in sandbox.state.orders if not o["fulfillments"] and o["line_items"])
    input_ = {"orderId": encode_id(STORE, Kind.ORDER, str(order["id"])), "trackingNumber": "1Z9"}
    first = (await gw.data(FULFIL, {"input": input_}))["createFulfillment"]
    assert first["__typename"] == "CreateFulfillmentSuccess", first
    assert first["fulfillment"]["trackingNumbers"] == ["1Z9"]
    _as_stored_earlier(
        db, "CREATE_FULFILLMENT", lambda r: r["fulfillment"].update(status="shipped-ish")
    )

    again = await gw.query(FULFIL, {"input": input_})

    result = again["data"]["createFulfillment"]
    assert result["__typename"] == "CreateFulfillmentSuccess"
    assert result["fulfillmentId"] == first["fulfillmentId"]
    assert (result["trackingNumber"], result["fulfillment"]) == ("1Z9", None)
    [error] = again["errors"]
    assert error["path"] == ["createFulfillment", "fulfillment"]
    assert error["extensions"]["code"] == "UPSTREAM_PAYLOAD_INVALID"
    assert "status: enum" in error["message"]

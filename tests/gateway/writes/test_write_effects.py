"""What writes do beyond the write itself: a product write drops the store's cached products
(the next read shows it), and a Shopify refund of money names the captured payment
(`parent_id`), which the sandbox, like Shopify, requires."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.writes.queue import WriteQueue, open_store
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import DEFAULT_TOKEN, DEFAULT_VERSION, ShopifySandbox
from platforms.shopify.sandbox.transactions import SALE_ID_BASE
from tests.gateway.writes.conftest import FAST_RETRY, ServeSandbox, ShopA, WriteGateway
from tests.helpers.auth import AUTH_HEADERS, admin_gate

PRODUCT = """query($id: ID!) { product(id: $id) { variants { externalId price { amount } } } }"""
PRICE = """mutation($input: UpdateVariantPriceInput!) { updateVariantPrice(input: $input) {
  __typename ... on UpdateVariantPriceSuccess { price } ... on WriteFailed { message } } }"""
REFUND = """mutation($input: CreateRefundInput!, $key: String) {
  createRefund(input: $input, idempotencyKey: $key) { __typename
    ... on CreateRefundSuccess { amount refund { amount { amount }
      transactions { externalId kind amount { amount } gateway status } } }
    ... on WriteFailed { code message operation { status } } } }"""


@pytest.fixture
async def cached_gateway() -> AsyncIterator[tuple[ShopifySandbox, WriteGateway]]:
    """A Shopify sandbox behind a gateway whose product cache is on (60 s)."""
    async with contextlib.AsyncExitStack() as stack:
        sandbox = ShopifySandbox(seed=7, orders=10, products=12, bucket=None)
        url = await stack.enter_async_context(serve(sandbox.app))
        registry = StoreRegistry(
            [sandbox.connection("shop-a", url)], ttls=CacheTTLs(products=60, locations=0)
        )
        queue = WriteQueue(open_store(None), registry, retry=FAST_RETRY)
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))
        gw_url = await stack.enter_async_context(
            running(create_app(registry, writes=queue, auth=admin_gate()))
        )
        yield sandbox, WriteGateway(gw_url, session)


def _product_gets(sandbox: ShopifySandbox) -> int:
    return sum(n for route, n in sandbox.calls.by_route.items() if "products" in route)


async def test_price_write_invalidates_the_cached_product(
    cached_gateway: tuple[ShopifySandbox, WriteGateway],
) -> None:
    sandbox, gw = cached_gateway
    product = sandbox.state.products[0]
    variant = product["variants"][0]
    product_id = encode_id("shop-a", Kind.PRODUCT, str(product["id"]))

    async def price() -> Decimal:
        variants = (await gw.data(PRODUCT, {"id": product_id}))["product"]["variants"]
        found = next(v for v in variants if v["externalId"] == str(variant["id"]))
        return Decimal(found["price"]["amount"])

    before = await price()
    calls = _product_gets(sandbox)
    assert await price() == before
    assert _product_gets(sandbox) == calls  # the second read came from the cache

    new_price = before + Decimal("3.21")
    variables = {
        "input": {
            "variantId": encode_id("shop-a", Kind.VARIANT, str(variant["id"])),
            "price": str(new_price),
        }
    }
    done = (await gw.data(PRICE, variables))["updateVariantPrice"]
    assert done["__typename"] == "UpdateVariantPriceSuccess", done
    assert await price() == new_price  # not the cached old price
    calls = _product_gets(sandbox)
    assert await price() == new_price
    assert _product_gets(sandbox) == calls  # and cached again afterwards


def _paid(sandbox: ShopifySandbox) -> dict[str, Any]:
    return next(
        o for o in sandbox.state.orders if o["financial_status"] == "paid" and not o["refunds"]
    )


async def test_sandbox_requires_parent_id_and_serves_transactions(
    shopify_store: ServeSandbox,
) -> None:
    sandbox, conn = await shopify_store()
    order = _paid(sandbox)
    api = f"{conn.base_url}/admin/api/{DEFAULT_VERSION}/orders/{order['id']}"
    headers = {"X-Shopify-Access-Token": DEFAULT_TOKEN}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{api}/transactions.json") as resp:
            assert resp.status == 200
            transactions = (await resp.json())["transactions"]
        [sale] = transactions
        assert sale["kind"] == "sale" and sale["status"] == "success"
        assert sale["id"] == SALE_ID_BASE + order["number"]
        assert sale["amount"] == order["total_price"]

        orphan = {"refund": {"transactions": [{"kind": "refund", "amount": "1.00"}]}}
        async with http.post(f"{api}/refunds.json", json=orphan) as resp:
            assert resp.status == 422
            assert "transactions.parent_id" in (await resp.json())["errors"]
        too_much = {
            "refund": {
                "transactions": [{"parent_id": sale["id"], "kind": "refund", "amount": "99999.00"}]
            }
        }
        async with http.post(f"{api}/refunds.json", json=too_much) as resp:
            assert resp.status == 422
    assert order["refunds"] == []  # neither refusal changed the order


async def test_refund_of_money_names_the_captured_payment(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    order = _paid(sandbox)
    order_id = encode_id("shop-a", Kind.ORDER, str(order["id"]))
    variables = {"input": {"orderId": order_id, "amount": "4.00", "reason": "late"}, "key": "r1"}
    result = (await gw.data(REFUND, variables))["createRefund"]
    assert result["__typename"] == "CreateRefundSuccess", result
    [txn] = order["refunds"][0]["transactions"]
    assert txn["parent_id"] == SALE_ID_BASE + order["number"]
    assert txn["gateway"] == "shopify_payments"  # the parent's gateway, not "manual"
    [seen] = result["refund"]["transactions"]
    assert seen["kind"] == "refund" and Decimal(seen["amount"]["amount"]) == Decimal("4.00")
    assert Decimal(result["refund"]["amount"]["amount"]) == Decimal("4.00")

    unpaid = next(o for o in sandbox.state.orders if o["financial_status"] == "pending")
    variables = {
        "input": {"orderId": encode_id("shop-a", Kind.ORDER, str(unpaid["id"])), "amount": "1"}
    }
    refused = (await gw.data(REFUND, variables))["createRefund"]
    assert refused["__typename"] == "WriteFailed", refused
    assert "no captured payment" in refused["message"]
    assert unpaid["refunds"] == []

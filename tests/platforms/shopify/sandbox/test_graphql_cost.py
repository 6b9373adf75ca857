"""The sandbox charges Admin GraphQL by calculated cost: extensions, limits, THROTTLED."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.platforms.shopify.sandbox.conftest import TOKEN, VERSION, Admin

STANDARD = {"maximumAvailable": 1000.0, "restoreRate": 100.0}
# 2 + 50 x (1 order + 2 totalPriceSet/shopMoney + 2 + 10 x (1 line + 1 variant)) = 1252
TOO_DEAR = """{ orders(first: 50) { nodes { id totalPriceSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { quantity variant { sku } } } } } }"""
# 2 + 10 x (1 + 2 + 2 + 5 x 2) = 152 requested; 5 orders (fewer lines) come back
TEN_ORDERS = """{ orders(first: 10, query: "id:<=5000000000005") { nodes { id
  totalPriceSet { shopMoney { amount } } lineItems(first: 5) { nodes { quantity variant { sku } } } } } }"""


@pytest.mark.parametrize("gql_store", ["standard"], indirect=True)
async def test_cost_extension_for_known_documents(admin: Admin) -> None:
    status, body = await admin.post("{ shop { name } }")
    assert status == 200
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 1,
        "actualQueryCost": 1,
        "throttleStatus": {**STANDARD, "currentlyAvailable": 999},
    }
    status, body = await admin.post(TEN_ORDERS)
    cost = body["extensions"]["cost"]
    orders = body["data"]["orders"]["nodes"]
    lines = sum(len(o["lineItems"]["nodes"]) for o in orders)
    assert len(orders) == 5
    assert cost["requestedQueryCost"] == 152
    # actual: 2 + per order (1 + 2 money + 2 connection + 2 a line)
    assert cost["actualQueryCost"] == 2 + 5 * 5 + 2 * lines
    # the bucket kept only what was used (restoring meanwhile: at least that much is left)
    assert cost["throttleStatus"]["currentlyAvailable"] >= 999 - cost["actualQueryCost"]


@pytest.mark.parametrize("gql_store", ["standard"], indirect=True)
async def test_a_mutation_costs_ten(admin: Admin) -> None:
    variant = admin.store.state.products[0]["variants"][0]
    query = f"""mutation {{ productVariantsBulkUpdate(productId: "gid://shopify/Product/{variant["product_id"]}",
      variants: [{{id: "{variant["admin_graphql_api_id"]}", price: "10.00"}}]) {{ userErrors {{ message }} }} }}"""
    _, body = await admin.post(query)
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10


@pytest.mark.parametrize("gql_store", ["standard"], indirect=True)
async def test_a_document_above_1000_points_is_refused_before_it_runs(admin: Admin) -> None:
    admin.store.calls.reset()
    status, body = await admin.post(TOO_DEAR)
    assert status == 200 and "data" not in body
    [error] = body["errors"]
    assert error["message"].startswith(
        "Query cost is 1252, which exceeds the single query max cost limit (1000)."
    )
    assert error["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 1252,
        "maxCost": 1000,
        "documentation": "https://shopify.dev/api/usage/rate-limits",
    }
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1252 and cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["currentlyAvailable"] == 1000  # nothing was charged
    assert admin.store.graphql.fields == {}  # nothing ran


@pytest.mark.parametrize("gql_store", ["standard"], indirect=True)
async def test_an_empty_bucket_answers_throttled_then_restores(admin: Admin) -> None:
    async with admin.session.post(f"{admin.base}/_sandbox/graphql", json={"available": 0}) as r:
        assert (await r.json())["throttleStatus"]["currentlyAvailable"] == 0
    status, body = await admin.post(TEN_ORDERS)
    assert status == 200 and "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 152 and cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["currentlyAvailable"] < 152
    assert admin.store.graphql.bucket.throttled == 1
    # (requested - available) / restoreRate is how long a client waits: then it fits
    wait = (152 - cost["throttleStatus"]["currentlyAvailable"]) / 100.0
    await asyncio.sleep(wait + 0.1)
    status, body = await admin.post(TEN_ORDERS)
    assert "errors" not in body and len(body["data"]["orders"]["nodes"]) == 5


@pytest.mark.parametrize(
    ("plan", "maximum", "rate"),
    [("advanced", 2000.0, 200.0), ("plus", 10000.0, 1000.0), ("enterprise", 20000.0, 2000.0)],
)
async def test_plans_set_the_bucket(plan: str, maximum: float, rate: float) -> None:
    store = ShopifySandbox(seed=1, orders=10, products=5, locations=1, graphql_plan=plan)
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with serve(store.app) as base, aiohttp.ClientSession(headers=headers) as session:
        url = f"{base}/admin/api/{VERSION}/graphql.json"
        async with session.post(url, json={"query": "{ shop { plan { shopifyPlus } } }"}) as r:
            body = await r.json()
    status = body["extensions"]["cost"]["throttleStatus"]
    assert (status["maximumAvailable"], status["restoreRate"]) == (maximum, rate)
    assert body["data"]["shop"]["plan"]["shopifyPlus"] == (plan != "advanced")


async def test_graphql_is_not_charged_to_the_rest_request_bucket() -> None:
    store = ShopifySandbox(
        seed=1, orders=10, products=5, locations=1, bucket=RateLimitSettings(2, 1)
    )
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with serve(store.app) as base, aiohttp.ClientSession(headers=headers) as session:
        url = f"{base}/admin/api/{VERSION}/graphql.json"
        for _ in range(8):
            async with session.post(url, json={"query": "{ shop { name } }"}) as r:
                assert r.status == 200
                assert "X-Shopify-Shop-Api-Call-Limit" not in r.headers
    assert store.bucket is not None and store.bucket.rejected == 0

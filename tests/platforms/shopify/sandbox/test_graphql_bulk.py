"""Sandbox bulk queries: CREATED → RUNNING → COMPLETED, and the JSONL at the operation's url."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.platforms.shopify.sandbox.conftest import Admin

RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = """query($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status objectCount rootObjectCount fileSize url errorCode } } }"""
CATALOG = """{ products { edges { node { id title
  variants { edges { node { id sku inventoryItem { id } } } } } } } }"""


async def _run(admin: Admin, query: str) -> dict[str, Any]:
    data = await admin.data(RUN, {"q": query})
    return dict(data["bulkOperationRunQuery"])


async def _finished(admin: Admin, ident: str) -> tuple[dict[str, Any], list[str]]:
    """(the completed operation, every status a poll saw on the way)."""
    seen: list[str] = []
    for _ in range(100):
        operation = (await admin.data(POLL, {"id": ident}))["node"]
        seen.append(operation["status"])
        if operation["status"] in ("COMPLETED", "FAILED"):
            return operation, seen
        await asyncio.sleep(0.01)
    raise AssertionError(f"the bulk operation never finished: {seen}")


async def test_a_bulk_query_writes_every_page_as_jsonl(admin: Admin) -> None:
    started = await _run(admin, CATALOG)
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED"
    operation, seen = await _finished(admin, started["bulkOperation"]["id"])
    assert "RUNNING" in seen and operation["status"] == "COMPLETED"

    async with aiohttp.ClientSession() as anyone, anyone.get(operation["url"]) as response:
        assert response.status == 200  # a signed storage URL: no access token
        text = await response.text()
    lines = [json.loads(line) for line in text.splitlines()]
    state = admin.store.state
    products = [line for line in lines if "__parentId" not in line]
    variants = [line for line in lines if "__parentId" in line]
    assert [p["id"] for p in products] == [p["admin_graphql_api_id"] for p in state.products]
    assert len(variants) == len(state.variants())
    parent_of = {
        v["admin_graphql_api_id"]: f"gid://shopify/Product/{v['product_id']}"
        for v in state.variants()
    }
    assert all(v["__parentId"] == parent_of[v["id"]] for v in variants)
    assert all(
        v["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/") for v in variants
    )
    assert operation["objectCount"] == str(len(lines))
    assert operation["rootObjectCount"] == str(len(products))
    assert operation["fileSize"] == str(len(text.encode()))
    current = await admin.data("{ currentBulkOperation { id status } }")
    assert current["currentBulkOperation"] == {
        "id": started["bulkOperation"]["id"],
        "status": "COMPLETED",
    }


async def test_a_bulk_query_of_orders_since_a_time(admin: Admin) -> None:
    since = "2026-06-20T00:00:00Z"
    query = f"""{{ orders(query: "updated_at:>='{since}'") {{ edges {{ node {{ id updatedAt
      lineItems {{ edges {{ node {{ id sku quantity }} }} }} }} }} }} }}"""
    started = await _run(admin, query)
    operation, _ = await _finished(admin, started["bulkOperation"]["id"])
    async with admin.session.get(operation["url"]) as response:
        lines = [json.loads(line) for line in (await response.text()).splitlines()]
    orders = [line for line in lines if "__parentId" not in line]
    rest = await admin.rest("orders.json", status="any", updated_at_min=since, limit="250")
    assert {o["id"] for o in orders} == {o["admin_graphql_api_id"] for o in rest["orders"]}
    lines_by_order = sum(len(o["line_items"]) for o in rest["orders"])
    assert len(lines) - len(orders) == lines_by_order


async def test_a_bulk_query_the_schema_refuses_is_a_user_error(admin: Admin) -> None:
    refused = await _run(admin, "{ products { edges { node { id notAField } } } }")
    assert refused["bulkOperation"] is None
    [error] = refused["userErrors"]
    assert error["code"] == "INVALID" and error["field"] == ["query"]
    assert "Field 'notAField' doesn't exist on type 'Product'" in error["message"]

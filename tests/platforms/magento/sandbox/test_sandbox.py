"""The Magento emulator over a real socket: auth, routing, searchCriteria, quirks, seed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.magento.sandbox.seed import ANCHOR, stamp
from platforms.sandbox.kit import serve

TOKEN = "mage-sandbox-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def crit(*groups: list[tuple[str, str, str]], **extra: Any) -> dict[str, str]:
    """searchCriteria query params: groups of (field, value, condition) filters."""
    params: dict[str, str] = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params |= {
                f"{prefix}[field]": field,
                f"{prefix}[value]": value,
                f"{prefix}[condition_type]": condition,
            }
    for s, (field, direction) in enumerate(extra.get("sort", [])):
        params[f"searchCriteria[sortOrders][{s}][field]"] = field
        params[f"searchCriteria[sortOrders][{s}][direction]"] = direction
    if "size" in extra:
        params["searchCriteria[pageSize]"] = str(extra["size"])
    if "page" in extra:
        params["searchCriteria[currentPage]"] = str(extra["page"])
    return params or {"searchCriteria": ""}


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A plain aiohttp session plus the default store's V1 root: no client code involved."""
    async with aiohttp.ClientSession() as session:
        yield session, f"{base_url}/rest/default/V1"


async def get(
    http: tuple[aiohttp.ClientSession, str],
    path: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """GET a V1 path of the default store: (status, parsed JSON body)."""
    session, root = http
    async with session.get(
        f"{root}/{path}", params=params, headers=AUTH if headers is None else headers
    ) as r:
        return r.status, await r.json()


async def test_missing_or_wrong_token_is_401_with_magento_body(http: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        status, body = await get(http, "orders", crit(), headers=headers)
        assert status == 401
        assert body == {
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Sales::actions_view"},
        }


async def test_default_store_prefix_and_unknown_routes(http: Any, base_url: str) -> None:
    session, _ = http
    async with session.get(f"{base_url}/rest/V1/orders/5", headers=AUTH) as r:
        assert r.status == 200 and (await r.json())["entity_id"] == 5
    for path in ("/rest/default/V1/nothing", "/rest/nostore/V1/orders/5", "/elsewhere"):
        async with session.get(f"{base_url}{path}", headers=AUTH) as r:
            assert r.status == 404
            assert await r.json() == {"message": "Request does not match any route."}


async def test_search_requires_search_criteria(http: Any) -> None:
    status, body = await get(http, "orders", {})
    assert status == 400
    assert body == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "searchCriteria"},
    }


async def test_bad_page_size_and_condition_answer_placeholders(http: Any) -> None:
    status, body = await get(http, "orders", {"searchCriteria[pageSize]": "ten"})
    assert status == 400 and body["parameters"] == {"value": "ten", "type": "int"}
    assert "%value" in body["message"]
    status, body = await get(http, "orders", crit([("state", "new", "similar")]))
    assert status == 400 and body["parameters"]["fieldName"] == "condition_type"


async def test_filters_or_within_group_and_across_groups(
    http: Any, sandbox: MagentoSandbox
) -> None:
    params = crit(
        [("state", "complete", "eq"), ("state", "closed", "eq")],
        [("grand_total", "100", "gt")],
    )
    status, body = await get(http, "orders", params)
    expected = {
        o["entity_id"]
        for o in sandbox.state.orders.values()
        if o["state"] in ("complete", "closed") and o["grand_total"] > 100
    }
    assert status == 200 and expected
    assert {o["entity_id"] for o in body["items"]} == expected
    assert body["total_count"] == len(expected)
    assert body["search_criteria"]["filter_groups"][0]["filters"][1]["value"] == "closed"


@pytest.mark.parametrize(
    ("condition", "value", "predicate"),
    [
        ("in", "3,5,7", lambda o: o["entity_id"] in (3, 5, 7)),
        ("nin", "new,processing", lambda o: o["state"] not in ("new", "processing")),
        ("neq", "complete", lambda o: o["state"] != "complete"),
        ("like", "%CLOS%", lambda o: "clos" in o["state"]),
        ("lteq", "10", lambda o: o["entity_id"] <= 10),
    ],
)
async def test_conditions(
    http: Any, sandbox: MagentoSandbox, condition: str, value: str, predicate: Any
) -> None:
    field = "entity_id" if condition in ("in", "lteq") else "state"
    _, body = await get(http, "orders", crit([(field, value, condition)]))
    expected = {o["entity_id"] for o in sandbox.state.orders.values() if predicate(o)}
    assert expected and {o["entity_id"] for o in body["items"]} == expected


async def test_from_to_on_timestamps(http: Any, sandbox: MagentoSandbox) -> None:
    low, high = "2026-05-01 00:00:00", "2026-05-15 00:00:00"
    _, body = await get(
        http, "orders", crit([("created_at", low, "from")], [("created_at", high, "to")])
    )
    expected = {
        o["entity_id"] for o in sandbox.state.orders.values() if low <= o["created_at"] <= high
    }
    assert expected and {o["entity_id"] for o in body["items"]} == expected


async def test_sort_orders_and_paging(http: Any, sandbox: MagentoSandbox) -> None:
    _, body = await get(
        http, "orders", crit(sort=[("updated_at", "DESC"), ("entity_id", "DESC")], size=7, page=2)
    )
    ordered = sorted(
        sandbox.state.orders.values(), key=lambda o: (o["updated_at"], o["entity_id"]), reverse=True
    )
    assert [o["entity_id"] for o in body["items"]] == [o["entity_id"] for o in ordered[7:14]]
    assert body["search_criteria"]["page_size"] == 7
    assert body["search_criteria"]["current_page"] == 2
    assert body["total_count"] == 600


async def test_page_past_the_end_returns_the_last_page_again(http: Any) -> None:
    sort = [("entity_id", "ASC")]
    _, last = await get(http, "orders", crit(sort=sort, size=250, page=3))
    _, beyond = await get(http, "orders", crit(sort=sort, size=250, page=9))
    assert [o["entity_id"] for o in last["items"]] == list(range(501, 601))
    assert beyond["items"] == last["items"]
    assert beyond["search_criteria"]["current_page"] == 9  # echoed as asked


async def test_product_by_url_encoded_sku_and_children(http: Any, sandbox: MagentoSandbox) -> None:
    odd = dict(sandbox.state.products[2], id=9001, sku="A/B 1+")
    sandbox.state.products[9001] = odd
    status, body = await get(http, "products/A%2FB%201%2B")
    assert status == 200 and body["id"] == 9001
    status, kids = await get(http, "configurable-products/MG-0001/children")
    assert status == 200 and [k["sku"] for k in kids] == ["MG-0001-S", "MG-0001-M", "MG-0001-L"]
    status, body = await get(http, "products/NOPE")
    assert status == 404 and "doesn't exist" in body["message"]


async def test_products_search_by_entity_id_and_custom_attribute(http: Any) -> None:
    _, body = await get(http, "products", crit([("entity_id", "1,2,99999", "in")]))
    assert sorted(p["id"] for p in body["items"]) == [1, 2]
    _, body = await get(http, "products", crit([("url_key", "mg-0002", "eq")]))
    assert [p["sku"] for p in body["items"]] == ["MG-0002"]


async def test_not_found_bodies_keep_placeholders(http: Any) -> None:
    status, body = await get(http, "orders/424242")
    assert status == 404 and "entity that was requested" in body["message"]
    status, body = await get(http, "stockItems/NOPE")
    assert status == 404
    assert body == {
        "message": 'The Product with the "%1" SKU doesn\'t exist.',
        "parameters": ["NOPE"],
    }


async def test_msi_routes_and_legacy_stock(http: Any, sandbox: MagentoSandbox) -> None:
    _, body = await get(http, "inventory/sources")
    assert [s["source_code"] for s in body["items"]] == ["default", "us_east", "us_west"]
    _, body = await get(http, "inventory/source-items", crit([("sku", "MG-0002", "in")]))
    assert body["total_count"] == len(body["items"]) >= 1
    status, stock = await get(http, "stockItems/MG-0002")
    product = sandbox.state.product_by_sku("MG-0002")
    assert status == 200 and product is not None and stock["product_id"] == product["id"]


async def test_without_msi_inventory_routes_do_not_exist() -> None:
    sandbox = MagentoSandbox(orders=5, products=6, msi=False)
    async with serve(sandbox.app) as url, aiohttp.ClientSession() as session:
        async with session.get(f"{url}/rest/default/V1/inventory/sources", headers=AUTH) as r:
            assert r.status == 404
            assert await r.json() == {"message": "Request does not match any route."}
        async with session.get(f"{url}/rest/default/V1/stockItems/MG-0002", headers=AUTH) as r:
            assert r.status == 200


async def test_server_bucket_answers_429_with_retry_after() -> None:
    sandbox = MagentoSandbox(orders=5, products=6, bucket=RateLimitSettings(2, 1))
    async with serve(sandbox.app) as url, aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(3):
            async with session.get(f"{url}/rest/default/V1/orders/1", headers=AUTH) as r:
                statuses.append((r.status, r.headers.get("Retry-After")))
    assert [s for s, _ in statuses] == [200, 200, 429]
    assert float(statuses[2][1] or 0) > 0


def test_seed_is_deterministic_and_totals_reconcile() -> None:
    first, second = MagentoSandbox(seed=7), MagentoSandbox(seed=7)
    assert first.state.orders == second.state.orders
    assert first.state.products == second.state.products
    assert len(first.state.orders) == 600
    oldest = stamp(ANCHOR - timedelta(days=183))
    for order in first.state.orders.values():
        assert oldest <= order["created_at"] <= order["updated_at"] <= stamp(ANCHOR)
        top = [i for i in order["items"] if "parent_item_id" not in i]
        lines = sum(Decimal(str(i["row_total"])) for i in top)
        assert lines == Decimal(str(order["subtotal"]))
        total = (
            lines
            + Decimal(str(order["shipping_amount"]))
            + Decimal(str(order["tax_amount"]))
            + Decimal(str(order["discount_amount"]))  # negative in Magento
        )
        assert total == Decimal(str(order["grand_total"]))
    kinds = {o["state"] for o in first.state.orders.values()}
    assert kinds == {"new", "processing", "complete", "closed", "canceled", "holded"}
    assert any(
        i["product_type"] == "configurable" for o in first.state.orders.values() for i in o["items"]
    )

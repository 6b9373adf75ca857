"""The Shopify sandbox over a real socket: auth, Link pagination, filters, caps, throttling, faults."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings
from platforms.canonical import Platform
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

TOKEN = "shpat_sandbox_token"
API = "/admin/api/2025-07"
ORDERS_ROUTE = "GET /admin/api/{version}/orders.json"


@pytest.fixture(scope="module")
def seeded() -> ShopifySandbox:
    """The standard store for tests that only read its state (never served)."""
    return ShopifySandbox(seed=1, orders=1200, products=300, locations=3, bucket=None)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> ShopifySandbox:
    """A served, unthrottled store (an aiohttp app binds to one event loop: one per test).

    Small by default to keep the suite fast; `@pytest.mark.parametrize("store", [n],
    indirect=True)` asks for `n` orders.
    """
    orders = getattr(request, "param", 240)
    return ShopifySandbox(seed=1, orders=orders, products=60, locations=3, bucket=None)


@pytest.fixture
async def api(store: ShopifySandbox) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """(base_url, authenticated session) for the served standard store."""
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with serve(store.app) as base, aiohttp.ClientSession(headers=headers) as session:
        yield base, session


def links(header: str | None) -> dict[str, str]:
    """Parse a Link header exactly as Shopify's Python SDK does: split on ", " then "; "."""
    out: dict[str, str] = {}
    for part in (header or "").split(", ") if header else []:
        url, rel = part.split("; ")
        out[rel.split('"')[1]] = url.strip("<>")
    return out


async def get(session: aiohttp.ClientSession, url: str, **params: str) -> tuple[int, Any, Any]:
    """(status, JSON body, headers) of one GET."""
    async with session.get(url, params=params or None) as response:
        return response.status, await response.json(), response.headers


def utc(stamp: str) -> datetime:
    """A Shopify wire timestamp as an aware UTC datetime."""
    return datetime.fromisoformat(stamp).astimezone(UTC)


async def test_wrong_or_missing_token_is_401_and_still_counted(store: ShopifySandbox) -> None:
    store.calls.reset()
    async with serve(store.app) as base, aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Shopify-Access-Token": "shpat_wrong"}):
            async with session.get(f"{base}{API}/orders.json", headers=headers) as response:
                assert response.status == 401
                assert await response.json() == {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                }
                assert "X-Request-Id" in response.headers
    assert store.calls.by_route[ORDERS_ROUTE] == 2


@pytest.mark.parametrize("store", [1200], indirect=True)
async def test_link_pagination_walks_every_order_once_newest_updated_first(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    status, body, headers = await get(
        session, f"{base}{API}/orders.json", status="any", limit="250", order="updated_at desc"
    )
    assert status == 200
    seen, pages = [o["id"] for o in body["orders"]], [body["orders"]]
    assert "previous" not in links(headers.get("Link"))
    while (nxt := links(headers.get("Link")).get("next")) is not None:
        assert nxt.startswith(base) and "limit=250" in nxt
        status, body, headers = await get(session, nxt)
        assert status == 200 and "previous" in links(headers["Link"])
        pages.append(body["orders"])
        seen += [o["id"] for o in body["orders"]]
    assert sorted(seen) == sorted(o["id"] for o in store.state.orders)
    assert len(seen) == len(set(seen)) == 1200
    keys = [(utc(o["updated_at"]), o["id"]) for page in pages for o in page]
    assert keys == sorted(keys, reverse=True)  # ties on updated_at break on id
    assert store.calls.by_route[ORDERS_ROUTE] == 5  # ceil(1200 / 250)


async def test_previous_link_returns_the_page_before(
    api: tuple[str, aiohttp.ClientSession],
) -> None:
    base, session = api
    _, first, headers = await get(session, f"{base}{API}/orders.json", status="any", limit="7")
    _, _, headers = await get(session, links(headers["Link"])["next"])
    _, back, _ = await get(session, links(headers["Link"])["previous"])
    assert [o["id"] for o in back["orders"]] == [o["id"] for o in first["orders"]]


async def test_default_status_is_open(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    open_ids = {
        o["id"] for o in store.state.orders if o["closed_at"] is None and o["cancelled_at"] is None
    }
    assert 0 < len(open_ids) < 240
    seen: set[int] = set()
    url: str | None = f"{base}{API}/orders.json?limit=250"
    while url is not None:
        _, body, headers = await get(session, url)
        seen |= {o["id"] for o in body["orders"]}
        url = links(headers.get("Link")).get("next")
    assert seen == open_ids
    _, count, _ = await get(session, f"{base}{API}/orders/count.json")
    assert count == {"count": len(open_ids)}
    _, count_any, _ = await get(session, f"{base}{API}/orders/count.json", status="any")
    assert count_any == {"count": 240}


async def test_page_info_with_another_filter_is_400(api: tuple[str, aiohttp.ClientSession]) -> None:
    base, session = api
    _, _, headers = await get(session, f"{base}{API}/orders.json", status="any", limit="5")
    nxt = links(headers["Link"])["next"]
    status, body, _ = await get(session, nxt + "&status=any")
    assert status == 400
    assert body["errors"].startswith("status cannot be passed when page_info is present.")
    status, _, _ = await get(session, nxt + "&fields=id")  # limit and fields are allowed
    assert status == 200


async def test_limit_over_250_is_400(api: tuple[str, aiohttp.ClientSession]) -> None:
    base, session = api
    status, body, _ = await get(session, f"{base}{API}/orders.json", limit="251")
    assert status == 400 and "limit" in body["errors"]


async def test_ids_batch_in_one_call_missing_ids_absent(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    wanted = [store.state.orders[i]["id"] for i in (0, 100, 239)]
    ids = ",".join(str(i) for i in [*wanted, 5_999_999_999_999])
    status, body, headers = await get(
        session, f"{base}{API}/orders.json", ids=ids, status="any", limit="250"
    )
    assert status == 200 and "Link" not in headers
    assert sorted(o["id"] for o in body["orders"]) == sorted(wanted)
    assert all(i > 2**32 for i in wanted)
    product_ids = [p["id"] for p in store.state.products[:3]]
    _, products, _ = await get(
        session, f"{base}{API}/products.json", ids=",".join(map(str, product_ids))
    )
    assert [p["id"] for p in products["products"]] == product_ids
    assert store.calls.total == 2


async def test_inventory_levels_cap_50_ids_and_need_one_list(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    items = [v["inventory_item_id"] for v in store.state.variants()]
    url = f"{base}{API}/inventory_levels.json"
    status, body, headers = await get(
        session, url, inventory_item_ids=",".join(map(str, items[:50])), limit="250"
    )
    assert status == 200 and "Link" not in headers
    assert len(body["inventory_levels"]) == 50 * 3  # every item at every location
    assert {(lv["inventory_item_id"], lv["location_id"]) for lv in body["inventory_levels"]} == {
        key for key in store.state.inventory_levels if key[0] in set(items[:50])
    }
    status, body, _ = await get(session, url, inventory_item_ids=",".join(map(str, items[:51])))
    assert status == 422 and "inventory_item_ids" in body["errors"]
    status, _, _ = await get(session, url)
    assert status == 422


async def test_location_inventory_levels_paginate(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    location = store.state.locations[0]["id"]
    url: str | None = f"{base}{API}/locations/{location}/inventory_levels.json?limit=50"
    seen = []
    while url is not None:
        _, body, headers = await get(session, url)
        seen += [lv["inventory_item_id"] for lv in body["inventory_levels"]]
        url = links(headers.get("Link")).get("next")
    assert sorted(seen) == sorted(v["inventory_item_id"] for v in store.state.variants())
    pages = store.calls.by_route["GET /admin/api/{version}/locations/{id}/inventory_levels.json"]
    assert pages == -(-len(seen) // 50) > 1


async def test_single_resources_fields_and_404(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    order = store.state.orders[10]
    status, body, headers = await get(
        session, f"{base}{API}/orders/{order['id']}.json", fields="id,name"
    )
    assert status == 200 and body == {"order": {"id": order["id"], "name": order["name"]}}
    assert headers["X-Shopify-API-Version"] == "2025-07" and headers["X-Request-Id"]
    variant = store.state.products[4]["variants"][0]
    _, body, _ = await get(session, f"{base}{API}/variants/{variant['id']}.json")
    assert body["variant"] == variant
    _, body, _ = await get(session, f"{base}{API}/products/{variant['product_id']}/variants.json")
    assert body["variants"] == store.state.products[4]["variants"]
    _, body, _ = await get(session, f"{base}{API}/locations.json")
    assert [loc["id"] for loc in body["locations"]] == [loc["id"] for loc in store.state.locations]
    for path in ("/orders/5999999999999.json", "/no_such_thing.json"):
        status, body, _ = await get(session, f"{base}{API}{path}")
        assert (status, body) == (404, {"errors": "Not Found"})
    _, _, headers = await get(session, f"{base}/admin/api/2024-10/shop.json")
    assert headers["X-Shopify-API-Version"] == "2024-10"


async def test_updated_at_min_is_inclusive_and_accepts_offsets(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    pivot = sorted(store.state.orders, key=lambda o: utc(o["updated_at"]))[-30]
    bound = utc(pivot["updated_at"])
    expected = {o["id"] for o in store.state.orders if utc(o["updated_at"]) >= bound}
    _, body, _ = await get(
        session,
        f"{base}{API}/orders.json",
        status="any",
        limit="250",
        updated_at_min=pivot["updated_at"],
    )
    assert {o["id"] for o in body["orders"]} == expected and pivot["id"] in expected


async def test_bucket_41st_rapid_request_is_429() -> None:
    sandbox = ShopifySandbox(orders=20, products=10, bucket=RateLimitSettings(40, 2))
    async with (
        serve(sandbox.app) as base,
        aiohttp.ClientSession(headers={"X-Shopify-Access-Token": TOKEN}) as session,
    ):
        for _ in range(40):
            async with session.get(f"{base}{API}/shop.json") as response:
                assert response.status == 200
                last_limit = response.headers["X-Shopify-Shop-Api-Call-Limit"]
        assert last_limit == "40/40"
        async with session.get(f"{base}{API}/shop.json") as response:
            assert response.status == 429
            assert float(response.headers["Retry-After"]) > 0
            assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
            assert (await response.json())["errors"].startswith("Exceeded 2 calls per second")
    assert sandbox.calls.total == 41 and sandbox.bucket is not None and sandbox.bucket.rejected == 1


async def test_faults_fail_next_and_drop_next(
    api: tuple[str, aiohttp.ClientSession], store: ShopifySandbox
) -> None:
    base, session = api
    store.faults.fail_next(503, 429)
    status, _, _ = await get(session, f"{base}{API}/shop.json")
    assert status == 503
    status, body, headers = await get(session, f"{base}{API}/shop.json")
    assert status == 429 and "Retry-After" in headers and "errors" in body
    # aiohttp's client transparently retries an idempotent request once when the server
    # drops the connection, so it takes two drops to surface one error (both are counted).
    store.faults.drop_next(2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await get(session, f"{base}{API}/shop.json")
    status, body, _ = await get(session, f"{base}{API}/shop.json")
    assert status == 200 and body["shop"]["currency"] == "USD"
    assert store.calls.by_route["GET /admin/api/{version}/shop.json"] == 5


def test_same_seed_same_json_other_seed_differs() -> None:
    def dump(sandbox: ShopifySandbox) -> str:
        state = sandbox.state
        levels = [state.inventory_levels[k] for k in sorted(state.inventory_levels)]
        return json.dumps([state.shop, state.locations, state.products, levels, state.orders])

    one, two = ShopifySandbox(seed=7, orders=200), ShopifySandbox(seed=7, orders=200)
    assert dump(one) == dump(two)
    assert dump(one) != dump(ShopifySandbox(seed=8, orders=200))


def test_every_seeded_order_reconciles(seeded: ShopifySandbox) -> None:
    for order in seeded.state.orders:
        lines = order["line_items"]
        gross = sum(Decimal(li["price"]) * li["quantity"] for li in lines)
        shipping = Decimal(order["total_shipping_price_set"]["shop_money"]["amount"])
        discounts, tax = Decimal(order["total_discounts"]), Decimal(order["total_tax"])
        assert Decimal(order["total_line_items_price"]) == gross
        assert gross - discounts + shipping + tax == Decimal(order["total_price"]), order["name"]
        assert Decimal(order["subtotal_price"]) == gross - discounts
        assert sum(Decimal(s["price"]) for s in order["shipping_lines"]) == shipping
        assert sum(Decimal(t["price"]) for li in lines for t in li["tax_lines"]) == tax
        assert sum(Decimal(t["price"]) for t in order["tax_lines"]) == tax
        allocated = sum(Decimal(a["amount"]) for li in lines for a in li["discount_allocations"])
        assert allocated == discounts == sum(Decimal(c["amount"]) for c in order["discount_codes"])


def test_seed_shapes_follow_shopify(seeded: ShopifySandbox) -> None:
    orders = seeded.state.orders
    newest = max(orders, key=lambda o: utc(o["created_at"]))
    assert newest["created_at"] == "2026-06-30T12:00:00-04:00"
    oldest = min(utc(o["created_at"]) for o in orders)
    assert 150 <= (utc(newest["created_at"]) - oldest).days <= 183
    assert {o["created_at"][-6:] for o in orders} == {"-05:00", "-04:00"}  # DST in the shop zone
    assert {o["financial_status"] for o in orders} == {
        "paid", "pending", "refunded", "partially_refunded", "authorized", "voided"
    }  # fmt: skip
    assert {o["fulfillment_status"] for o in orders} == {None, "partial", "fulfilled"}
    assert any(o["cancelled_at"] and o["cancel_reason"] for o in orders)
    assert any(o["closed_at"] and not o["cancelled_at"] for o in orders)
    assert orders[0]["name"] == "#1001" and orders[0]["order_number"] == 1001
    variants = {v["id"]: v for v in seeded.state.variants()}
    for order in orders:
        assert order["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
        for line in order["line_items"]:
            assert variants[line["variant_id"]]["product_id"] == line["product_id"]
            assert isinstance(line["price"], str) and isinstance(line["id"], int)
    assert {p["status"] for p in seeded.state.products} == {"active", "draft", "archived"}
    assert all(1 <= len(p["variants"]) <= 4 for p in seeded.state.products)
    for variant in variants.values():
        levels = [
            seeded.state.inventory_levels[(variant["inventory_item_id"], loc["id"])]
            for loc in seeded.state.locations
        ]
        assert variant["inventory_quantity"] == sum(lv["available"] for lv in levels)


def test_connection_carries_the_accepted_token_out_of_repr(seeded: ShopifySandbox) -> None:
    connection = seeded.connection("shop-1", "http://127.0.0.1:1")
    assert connection.platform is Platform.SHOPIFY and connection.api_version == "2025-07"
    assert connection.credentials == {"access_token": TOKEN}
    assert connection.rate_limit == RateLimitSettings(40, 2)
    assert TOKEN not in repr(connection) and TOKEN not in repr(seeded)

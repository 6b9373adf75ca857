"""The sandbox behaves like a WooCommerce site: params, headers, errors, pagination."""

from __future__ import annotations

from typing import Any

import aiohttp

from platforms.adapter import RateLimitSettings
from platforms.http import Request
from platforms.woocommerce.auth import WooCommerceAuthenticator
from platforms.woocommerce.pagination import parse_link
from tests.helpers.woocommerce import Served, served_sandbox


async def get(served: Served, path: str, **params: str) -> tuple[int, Any, dict[str, str]]:
    """A correctly signed GET, read raw (status, JSON, headers)."""
    conn = served.sandbox.connection("x", served.base_url)
    auth = WooCommerceAuthenticator(
        conn.credentials["consumer_key"], conn.credentials["consumer_secret"]
    )
    url = f"{served.base_url}/wp-json/wc/v3/{path}"
    signed = auth.apply(Request("GET", url, params=params))
    async with aiohttp.ClientSession() as session, session.get(url, params=signed.params) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def test_per_page_over_100_is_rest_invalid_param(served: Served) -> None:
    status, body, _ = await get(served, "orders", per_page="101")
    assert status == 400
    assert body["code"] == "rest_invalid_param"
    assert body["data"]["status"] == 400 and "per_page" in body["data"]["params"]


async def test_default_page_size_and_wp_headers(served: Served) -> None:
    status, body, headers = await get(served, "products")
    assert status == 200 and len(body) == 10
    assert headers["X-WP-Total"] == "150"  # status "any": every product but trash (none seeded)
    assert headers["X-WP-TotalPages"] == "15"
    links = parse_link(headers["Link"])
    assert set(links) == {"first", "next", "last"}
    assert "page=2" in links["next"] and "oauth_" not in headers["Link"]


async def test_pagination_walks_every_order_exactly_once(served: Served) -> None:
    seen: list[int] = []
    page = 1
    while True:
        status, body, headers = await get(
            served, "orders", per_page="100", page=str(page), orderby="id", order="asc"
        )
        assert status == 200
        seen.extend(o["id"] for o in body)
        if page >= int(headers["X-WP-TotalPages"]):
            assert "next" not in parse_link(headers["Link"])
            break
        page += 1
    expected = sorted(i for i, o in served.sandbox.state.orders.items() if o["status"] != "trash")
    assert seen == expected


async def test_filters_include_status_and_modified_after(served: Served) -> None:
    orders = served.sandbox.state.orders
    some = [5003, 5001, 999999]
    _, body, _ = await get(
        served, "orders", include=",".join(map(str, some)), orderby="include", status="any,trash"
    )
    assert [o["id"] for o in body] == [5003, 5001]
    _, body, headers = await get(served, "orders", status="refunded", per_page="100")
    assert {o["status"] for o in body} == {"refunded"}
    assert int(headers["X-WP-Total"]) == sum(o["status"] == "refunded" for o in orders.values())
    cutoff = "2026-06-20T00:00:00"
    _, body, _ = await get(
        served,
        "orders",
        modified_after=cutoff,
        dates_are_gmt="true",
        per_page="100",
        status="any,trash",
    )
    assert body and all(o["date_modified_gmt"] > cutoff for o in body)
    assert len(body) == sum(o["date_modified_gmt"] > cutoff for o in orders.values())


async def test_not_found_codes(served: Served) -> None:
    assert (await get(served, "orders/1"))[1]["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert (await get(served, "products/1"))[1]["code"] == "woocommerce_rest_product_invalid_id"
    status, body, _ = await get(served, "nothing/here")
    assert status == 404 and body["code"] == "rest_no_route"


async def test_variation_routes_and_variation_via_products_route(served: Served) -> None:
    _, parent, _ = await get(served, "products/101")
    assert parent["type"] == "variable" and parent["variations"]
    vid = parent["variations"][0]
    _, listing, headers = await get(served, "products/101/variations", include=str(vid))
    assert [v["id"] for v in listing] == [vid] and headers["X-WP-Total"] == "1"
    _, one, _ = await get(served, f"products/101/variations/{vid}")
    assert one["id"] == vid and isinstance(one["stock_status"], str)
    _, as_product, _ = await get(served, f"products/{vid}")
    assert as_product["type"] == "variation" and as_product["parent_id"] == 101
    status, _, _ = await get(served, f"products/100/variations/{vid}")
    assert status == 404


async def test_seeded_orders_reconcile_and_are_deterministic(served: Served) -> None:
    from decimal import Decimal

    from platforms.woocommerce.sandbox.seed_orders import build_state

    for order in served.sandbox.state.orders.values():
        lines = sum(Decimal(li["total"]) for li in order["line_items"])
        total = lines + Decimal(order["shipping_total"]) + Decimal(order["total_tax"])
        assert total == Decimal(order["total"])
        assert order["date_created_gmt"] < "2026-06-30T00:00:01"
    assert build_state(1, 600, 150) == served.sandbox.state


async def test_server_bucket_answers_429_with_retry_after() -> None:
    async with served_sandbox(orders=3, products=3, bucket=RateLimitSettings(2, 0.5)) as served:
        statuses = [(await get(served, "orders"))[0] for _ in range(2)]
        status, body, headers = await get(served, "orders")
    assert statuses == [200, 200] and status == 429
    assert body["data"]["status"] == 429 and isinstance(body["code"], str)
    assert float(headers["Retry-After"]) >= 1
    assert served.sandbox.bucket is not None and served.sandbox.bucket.rejected == 1

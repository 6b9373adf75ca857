"""ShopifyClient against the Shopify sandbox over a real socket: calls, pages, faults, limits."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from platforms.adapter import (
    OrderQuery,
    ProductQuery,
    RateLimitSettings,
    StoreConnection,
    VariantKey,
)
from platforms.canonical import OrderStatus, Platform
from platforms.errors import (
    ConfigError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamValidationError,
)
from platforms.http import CallContext, Response, RetryPolicy
from platforms.sandbox.kit import serve
from platforms.shopify import SPEC
from platforms.shopify.classify import ShopifyErrorClassifier, parse_call_limit
from platforms.shopify.client import ShopifyClient
from platforms.shopify.mapping.orders import map_order
from platforms.shopify.pagination import page_info_of, parse_link_header
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.platforms.contract.support import authentication_error, walk

TOKEN = "shpat_sandbox_token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STORE = "acme"
ORDERS_ROUTE = "GET /admin/api/{version}/orders.json"
PRODUCTS_ROUTE = "GET /admin/api/{version}/products.json"
VARIANT_ROUTE = "GET /admin/api/{version}/variants/{id}.json"
LEVELS_ROUTE = "GET /admin/api/{version}/inventory_levels.json"
FAST_RETRY = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


@dataclasses.dataclass
class Served:
    sb: ShopifySandbox
    base_url: str

    def client(self, **changes: object) -> ShopifyClient:
        conn = dataclasses.replace(self.sb.connection(STORE, self.base_url), **changes)  # type: ignore[arg-type]
        retry = dataclasses.replace(FAST_RETRY, max_attempts=conn.max_attempts)
        return ShopifyClient(conn, retry=retry)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    sb = ShopifySandbox(
        seed=1, orders=600, products=120, locations=3, access_token=TOKEN, bucket=None
    )
    async with serve(sb.app) as base_url:
        yield Served(sb, base_url)


@pytest.fixture
async def client(served: Served) -> AsyncIterator[ShopifyClient]:
    c = served.client()
    yield c
    await c.aclose()


# --- listings ---------------------------------------------------------------------------


async def test_order_pagination_walks_every_order_exactly_once(
    served: Served, client: ShopifyClient
) -> None:
    orders, _ = await walk(lambda c: client.list_orders(OrderQuery(), cursor=c, limit=250))
    seen = [o.external_id for o in orders]
    assert len(seen) == len(set(seen)) == 600
    assert set(seen) == {str(o["id"]) for o in served.sb.state.orders}
    assert served.sb.calls.by_route == {ORDERS_ROUTE: math.ceil(600 / 250)}


async def test_order_pages_are_newest_updated_first(client: ShopifyClient) -> None:
    page = await client.list_orders(OrderQuery(), cursor=None, limit=50)
    stamps = [o.updated_at for o in page.items]
    assert stamps == sorted(stamps, reverse=True)
    assert all(s.utcoffset() == timedelta(0) for s in stamps)


async def test_order_filters_updated_after_and_status(
    served: Served, client: ShopifyClient
) -> None:
    since = datetime(2026, 6, 1, tzinfo=UTC)
    mapped = [map_order(o, store_id=STORE, shop_currency="USD") for o in served.sb.state.orders]
    page = await client.list_orders(OrderQuery(updated_after=since), cursor=None, limit=250)
    expected = {o.external_id for o in mapped if o.updated_at >= since}
    assert 0 < len(expected) < 250  # one page, and a filter that actually filters
    assert {o.external_id for o in page.items} == expected
    cancelled = await client.list_orders(
        OrderQuery(status=OrderStatus.CANCELLED), cursor=None, limit=250
    )
    assert cancelled.items
    assert {o.external_id for o in cancelled.items} == {
        o.external_id for o in mapped if o.status is OrderStatus.CANCELLED
    }


async def test_a_cursor_shopify_did_not_issue_is_bad_user_input(client: ShopifyClient) -> None:
    with pytest.raises(InvalidInputError, match="cursor"):
        await client.list_orders(OrderQuery(), cursor="forged", limit=10)
    with pytest.raises(InvalidInputError, match="at least 1"):
        await client.list_products(ProductQuery(), cursor=None, limit=0)


async def test_product_pagination_walks_every_product_once(
    served: Served, client: ShopifyClient
) -> None:
    products, _ = await walk(lambda c: client.list_products(ProductQuery(), cursor=c, limit=50))
    seen = [p.external_id for p in products]
    assert len(seen) == len(set(seen)) == 120
    assert served.sb.calls.by_route == {PRODUCTS_ROUTE: 3}


# --- batches ----------------------------------------------------------------------------


async def test_get_orders_is_one_call_and_missing_ids_are_absent(
    served: Served, client: ShopifyClient
) -> None:
    ids = [str(o["id"]) for o in served.sb.state.orders[:30]]
    found = await client.get_orders([*ids, "999999999999", "not-a-number", ids[0]])
    assert sorted(found) == sorted(ids)
    assert found[ids[3]].external_id == ids[3]
    assert served.sb.calls.by_route == {ORDERS_ROUTE: 1}


async def test_get_orders_chunks_by_250(served: Served, client: ShopifyClient) -> None:
    ids = [str(o["id"]) for o in served.sb.state.orders[:300]]
    found = await client.get_orders(ids)
    assert len(found) == 300
    assert served.sb.calls.by_route == {ORDERS_ROUTE: 2}


async def test_get_products_is_one_call(served: Served, client: ShopifyClient) -> None:
    ids = [str(p["id"]) for p in served.sb.state.products[:40]]
    found = await client.get_products([*ids, "1"])
    assert sorted(found) == sorted(ids)
    assert served.sb.calls.by_route == {PRODUCTS_ROUTE: 1}


async def test_hinted_variants_cost_one_products_call(
    served: Served, client: ShopifyClient
) -> None:
    products = sorted(served.sb.state.products, key=lambda p: -len(p["variants"]))[:40]
    keys = [VariantKey(str(p["variants"][0]["id"]), str(p["id"])) for p in products]
    extra = [VariantKey(str(v["id"]), str(p["id"])) for p in products for v in p["variants"][1:]]
    keys += extra[: 100 - len(keys)]
    assert len(keys) == 100
    batch = await client.get_variants(keys)
    assert sorted(batch.variants) == sorted(k.external_id for k in keys)
    assert sorted(batch.products) == sorted(str(p["id"]) for p in products)
    for key in keys:
        assert batch.variants[key.external_id].product_external_id == key.product_external_id
    assert served.sb.calls.by_route == {PRODUCTS_ROUTE: 1}


async def test_unhinted_variants_fetch_each_then_parents_once(
    served: Served, client: ShopifyClient
) -> None:
    first, second = served.sb.state.products[0], served.sb.state.products[1]
    keys = [
        VariantKey(str(first["variants"][0]["id"])),
        VariantKey(str(second["variants"][0]["id"])),
        VariantKey("44999999999999"),  # no such variant: 404, absent
    ]
    batch = await client.get_variants(keys)
    assert sorted(batch.variants) == sorted(k.external_id for k in keys[:2])
    assert sorted(batch.products) == sorted([str(first["id"]), str(second["id"])])
    assert served.sb.calls.by_route == {VARIANT_ROUTE: 3, PRODUCTS_ROUTE: 1}


async def test_wrong_hint_falls_back_to_the_variant_endpoint(
    served: Served, client: ShopifyClient
) -> None:
    first, second = served.sb.state.products[0], served.sb.state.products[1]
    variant_id = str(first["variants"][0]["id"])
    batch = await client.get_variants([VariantKey(variant_id, str(second["id"]))])
    assert batch.variants[variant_id].product_external_id == str(first["id"])
    assert str(first["id"]) in batch.products
    assert served.sb.calls.by_route == {PRODUCTS_ROUTE: 2, VARIANT_ROUTE: 1}


async def test_inventory_levels_for_120_items_cost_3_calls(
    served: Served, client: ShopifyClient
) -> None:
    items = [str(v["inventory_item_id"]) for v in served.sb.state.variants()[:120]]
    levels = await client.get_inventory_levels(items)
    expected: dict[str, set[str]] = {}
    for item, loc in served.sb.state.inventory_levels:
        if str(item) in items:
            expected.setdefault(str(item), set()).add(str(loc))
    assert {k: {lvl.location_external_id for lvl in v} for k, v in levels.items()} == expected
    sample = levels[items[0]][0]
    raw = served.sb.state.inventory_levels[(int(items[0]), int(sample.location_external_id))]
    assert sample.available == raw["available"]
    assert served.sb.calls.by_route == {LEVELS_ROUTE: 3}


async def test_list_locations(served: Served, client: ShopifyClient) -> None:
    locations = await client.list_locations()
    assert [loc.external_id for loc in locations] == [
        str(loc["id"]) for loc in served.sb.state.locations
    ]
    assert served.sb.calls.total == 1


# --- faults, auth, limits ---------------------------------------------------------------


async def test_429_and_5xx_are_retried_within_budget(served: Served, client: ShopifyClient) -> None:
    ids = [str(o["id"]) for o in served.sb.state.orders[:5]]
    served.sb.faults.fail_next(429, 500, 503)
    assert len(await client.get_orders(ids)) == 5
    assert served.sb.calls.by_route == {ORDERS_ROUTE: 4}


async def test_dropped_connections_are_retried(served: Served, client: ShopifyClient) -> None:
    served.sb.faults.drop_next(2)
    assert len(await client.list_locations()) == 3
    assert served.sb.calls.total == 3


async def test_exhausted_retries_raise_the_classified_error(served: Served) -> None:
    client = served.client(max_attempts=2)
    served.sb.faults.fail_next(429, 429)
    with pytest.raises(RateLimitedError) as info:
        await client.list_locations()
    await client.aclose()
    assert info.value.retry_after == pytest.approx(0.2)
    assert (info.value.store_id, info.value.platform, info.value.status) == (
        STORE,
        "shopify",
        429,
    )
    assert served.sb.calls.total == 2
    served.sb.faults.fail_next(500, 500)
    client = served.client(max_attempts=2)
    with pytest.raises(UpstreamUnavailableError):
        await client.list_locations()
    await client.aclose()


async def test_403_is_not_retried(served: Served, client: ShopifyClient) -> None:
    served.sb.faults.fail_next(403)
    with pytest.raises(PermissionDeniedError):
        await client.list_locations()
    assert served.sb.calls.total == 1


async def test_wrong_token_fails_once_and_never_leaks(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "shpat_WRONG_0123456789abcdef"
    client = served.client(credentials={"access_token": wrong})
    caplog.set_level(logging.DEBUG)
    error = await authentication_error(client, ["1"])
    assert served.sb.calls.total == 1
    assert "Invalid API key" in str(error)  # Shopify's own short text is kept
    for text in (str(error), repr(error), repr(client), repr(client.transport.authenticator)):
        assert wrong not in text
    assert wrong not in caplog.text
    assert TOKEN not in caplog.text


async def test_token_not_logged_during_retries(
    served: Served, client: ShopifyClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    served.sb.faults.fail_next(503, 429)
    await client.list_locations()
    assert "retrying list_locations" in caplog.text  # something was logged
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client) + repr(client.connection)


async def test_concurrent_hammering_never_trips_the_platform_bucket() -> None:
    # Shopify's own leak rate (2/s) on a small bucket: our one request of headroom is then
    # the 0.5 s of latency jitter it is in production (a 40/s leak left it 25 ms, which a
    # loaded CI runner overran), and 24 calls still hammer a bucket of 10 at once.
    plan = RateLimitSettings(capacity=10, leak_per_second=2)
    sb = ShopifySandbox(
        seed=1, orders=50, products=10, locations=3, access_token=TOKEN, bucket=plan
    )
    async with serve(sb.app) as base_url:
        client = ShopifyClient(sb.connection(STORE, base_url), retry=FAST_RETRY)
        ids = [str(o["id"]) for o in sb.state.orders]
        results = await asyncio.gather(*(client.get_orders([ids[i % 50]]) for i in range(24)))
        await client.aclose()
    assert all(len(r) == 1 for r in results)
    assert sb.bucket is not None
    assert sb.bucket.rejected == 0
    assert sb.calls.total == 24


async def test_requests_the_platform_has_not_received_are_never_leaked() -> None:
    """A burst's requests can reach Shopify long after they left us (its front end busy,
    connections still opening: here held 0.5 s): Shopify starts leaking them only then, so
    our bucket must not leak what has no answer yet, or the next calls overrun it."""
    plan = RateLimitSettings(capacity=10, leak_per_second=20)  # 0.5 s would leak 10 calls
    sb = ShopifySandbox(
        seed=1, orders=50, products=10, locations=3, access_token=TOKEN, bucket=plan
    )
    opened, timers = asyncio.Event(), []

    @web.middleware
    async def busy_front(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not timers:  # the first request arrives: the front end is busy for 0.5 s
            timers.append(asyncio.get_running_loop().call_later(0.5, opened.set))
        await opened.wait()
        return await handler(request)

    sb.app.middlewares.insert(0, busy_front)  # before Shopify's bucket counts the request
    async with serve(sb.app) as base_url:
        client = ShopifyClient(sb.connection(STORE, base_url), retry=FAST_RETRY)
        ids = [str(o["id"]) for o in sb.state.orders]
        results = await asyncio.gather(*(client.get_orders([ids[i]]) for i in range(20)))
        await client.aclose()
    assert all(len(r) == 1 for r in results)
    assert sb.bucket is not None
    assert sb.bucket.rejected == 0
    assert sb.calls.total == 20


# --- spec and header parsing ------------------------------------------------------------


async def test_spec_builds_a_client_and_a_sandbox() -> None:
    sandbox = SPEC.create_sandbox(seed=1, orders=5, products=3, locations=1)
    async with serve(sandbox.app) as base_url:
        rest = dataclasses.replace(sandbox.connection(STORE, base_url), options={"api": "rest"})
        client = SPEC.create_client(rest, None)  # GraphQL is the default: tests/…/test_graphql*
        assert isinstance(client, ShopifyClient)
        assert len(await client.list_locations()) == 1
        await client.aclose()
    assert SPEC.platform is Platform.SHOPIFY
    assert SPEC.required_credentials == ("access_token",)
    assert SPEC.default_api_version == "2026-10"
    assert SPEC.default_rate_limit == RateLimitSettings(40, 2)


def test_importing_the_package_does_not_import_the_sandbox() -> None:
    code = "import sys, platforms.shopify; print('platforms.shopify.sandbox.app' in sys.modules)"
    root = Path(__file__).parents[3]
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_missing_token_is_a_config_error_naming_the_key() -> None:
    conn = StoreConnection(STORE, Platform.SHOPIFY, "http://127.0.0.1:1", "x")
    with pytest.raises(ConfigError, match="access_token"):
        ShopifyClient(conn)


def test_link_header_parsing() -> None:
    header = (
        "<https://s.myshopify.com/admin/api/2025-07/orders.json?limit=50&page_info=abc%3D>; "
        'rel="previous", <https://s.myshopify.com/admin/api/2025-07/orders.json?limit=50'
        '&page_info=xyz>; rel="next"'
    )
    links = parse_link_header(header)
    assert set(links) == {"previous", "next"}
    assert page_info_of(links["next"]) == "xyz"
    assert page_info_of(links["previous"]) == "abc="
    assert parse_link_header(None) == {}


def test_422_validation_body_is_summarised_without_the_body() -> None:
    body = Path(__file__).parents[2] / "fixtures/realworld/shopify/error_422_validation.json"
    headers = CIMultiDictProxy(CIMultiDict({"X-Request-Id": "req-1"}))
    response = Response(422, headers, body.read_bytes(), "http://x/admin/api/2025-07/orders.json")
    ctx = CallContext(STORE, "shopify", "get_orders")
    error = ShopifyErrorClassifier().classify(response, ctx)
    assert isinstance(error, UpstreamValidationError)
    assert error.message == (
        "Shopify get_orders failed with HTTP 422: "
        "title: can't be blank; price: expected String to be a Money"
    )
    assert (error.request_id, error.retry_after, error.retryable) == ("req-1", None, False)
    ok = Response(200, headers, b"{}", "http://x")
    assert ShopifyErrorClassifier().classify(ok, ctx) is None


def test_call_limit_header_parsing() -> None:
    assert parse_call_limit("32/40") == (32.0, 40.0)
    assert parse_call_limit(None) is None
    assert parse_call_limit("32") is None
    assert parse_call_limit("a/b") is None

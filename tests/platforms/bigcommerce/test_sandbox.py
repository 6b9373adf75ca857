"""The sandbox speaks BigCommerce's wire formats: X-Auth-Token with V2/V3 error shapes, V2's
4-decimal money strings, RFC 2822 dates and 204 for an empty list, V3 numbers, ISO 8601 and
`meta.pagination`, the X-Rate-Limit-* headers and the 429 of a spent window."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings
from platforms.bigcommerce.sandbox import BigCommerceSandbox
from platforms.sandbox.kit import serve

TOKEN = "bc-sandbox-token-0000000000000000"
RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")


@pytest.fixture
async def api() -> AsyncIterator[tuple[aiohttp.ClientSession, str, BigCommerceSandbox]]:
    sandbox = BigCommerceSandbox(seed=1, orders=30, products=10, bucket=RateLimitSettings(5, 10))
    async with serve(sandbox.app) as url, aiohttp.ClientSession() as http:
        yield http, f"{url}/stores/cg4b1gc0", sandbox


async def get(http: aiohttp.ClientSession, url: str, token: str = TOKEN) -> tuple[int, Any, Any]:
    async with http.get(url, headers={"X-Auth-Token": token, "Accept": "application/json"}) as r:
        return r.status, (await r.json() if r.status != 204 else None), r.headers


async def test_v2_and_v3_formats_and_the_empty_204(api: Any) -> None:
    http, root, _ = api
    status, orders, headers = await get(http, f"{root}/v2/orders?limit=2")
    assert status == 200 and isinstance(orders, list) and len(orders) == 2
    assert RFC2822.match(orders[0]["date_modified"]) and RFC2822.match(orders[0]["date_created"])
    assert re.match(r"^\d+\.\d{4}$", orders[0]["total_inc_tax"])
    assert headers["X-Rate-Limit-Requests-Quota"] == "5"
    assert headers["X-Rate-Limit-Requests-Left"] == "4"
    assert headers["X-Rate-Limit-Time-Window-Ms"] == "500"
    status, body, _ = await get(http, f"{root}/v2/orders?min_id=999999")
    assert (status, body) == (204, None)
    status, body, _ = await get(http, f"{root}/v3/catalog/products?include=variants&limit=3")
    assert status == 200 and body["meta"]["pagination"]["per_page"] == 3
    product = body["data"][0]
    assert ISO.match(product["date_modified"]) and isinstance(
        product["variants"][0]["price"], int | float
    )


async def test_a_bad_token_is_a_401_in_each_generations_shape(api: Any) -> None:
    http, root, _ = api
    status, body, _ = await get(http, f"{root}/v2/orders", token="wrong")
    assert (status, body) == (
        401,
        [{"status": 401, "message": "No valid credential was supplied."}],
    )
    status, body, _ = await get(http, f"{root}/v3/catalog/products", token="wrong")
    assert (
        status == 401
        and body["title"] == "No valid credential was supplied."
        and body["errors"] == {}
    )


async def test_a_spent_window_answers_429_with_the_reset(api: Any) -> None:
    http, root, sandbox = api
    answers = [await get(http, f"{root}/v3/inventory/locations") for _ in range(6)]
    assert [a[0] for a in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert refused[1]["status"] == 429
    assert refused[2]["X-Rate-Limit-Requests-Left"] == "0"
    assert 0 < int(refused[2]["X-Rate-Limit-Time-Reset-Ms"]) <= 500
    assert sandbox.bucket.rejected == 1

"""OAuth 1.0a as WooCommerce does it: our signer vs the official SDK, and the sandbox's checks."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

import aiohttp
import pytest
from woocommerce import API  # type: ignore[import-untyped]
from woocommerce.oauth import OAuth  # type: ignore[import-untyped]

from platforms.http import Request
from platforms.woocommerce.auth import WooCommerceAuthenticator, sign
from platforms.woocommerce.sandbox.auth import OAuthVerifier, server_base_string
from tests.helpers.woocommerce import Served

URL = "http://127.0.0.1:8080/wp-json/wc/v3/orders"


def test_signature_matches_the_official_sdk_worked_example() -> None:
    """Same inputs through the official `woocommerce` SDK's OAuth class and ours."""
    params = OrderedDict(
        [
            ("per_page", "100"),
            ("modified_after", "2026-06-01T00:00:00"),
            ("include", "5001,5002"),
            ("oauth_consumer_key", "ck_abc"),
            ("oauth_timestamp", 1782777600),
            ("oauth_nonce", "f" * 40),
            ("oauth_signature_method", "HMAC-SHA256"),
        ]
    )
    sdk = OAuth(URL, "ck_abc", "cs_secret", version="wc/v3", method="GET")
    expected = sdk.generate_oauth_signature(OrderedDict(params), URL)
    ours = sign("GET", URL, {k: str(v) for k, v in params.items()}, "cs_secret")
    assert ours == expected
    assert sign("GET", URL, {k: str(v) for k, v in params.items()}, "cs_other") != expected


def test_server_base_string_is_strcmp_sorted_and_double_encoded() -> None:
    base = server_base_string("get", "http://h:1/p", {"b": "x y", "a": "1,2"})
    assert base == "GET&http%3A%2F%2Fh%3A1%2Fp&a%3D1%252C2%26b%3Dx%2520y"


def test_https_uses_basic_auth_and_no_query_signature() -> None:
    auth = WooCommerceAuthenticator("ck_k", "cs_s")
    signed = auth.apply(Request("GET", "https://shop.example/wp-json/wc/v3/orders"))
    assert signed.headers["Authorization"] == "Basic Y2tfazpjc19z"
    assert signed.params == {}
    assert "cs_s" not in repr(auth) and "ck_k" not in repr(auth)


def test_verifier_rejects_stale_timestamp_and_replayed_nonce() -> None:
    now = 1_782_777_600.0
    verifier = OAuthVerifier("ck", "cs", clock=lambda: now)
    stale = WooCommerceAuthenticator("ck", "cs", clock=lambda: now - 16 * 60, nonce=lambda: "n1")
    fresh = WooCommerceAuthenticator("ck", "cs", clock=lambda: now, nonce=lambda: "n2")
    for auth, message in ((stale, "Invalid timestamp."), (fresh, None), (fresh, "nonce")):
        params = auth.apply(Request("GET", URL)).params
        if message is None:
            verifier.verify("GET", URL, params)
        else:
            with pytest.raises(Exception, match=message):
                verifier.verify("GET", URL, params)


async def test_official_sdk_is_accepted_by_the_sandbox(served: Served) -> None:
    """The official `woocommerce` SDK (requests, OAuth1 over http) as an independent client."""
    sdk = API(
        url=served.base_url,
        consumer_key=served.sandbox.connection("x", "").credentials["consumer_key"],
        consumer_secret=served.sandbox.connection("x", "").credentials["consumer_secret"],
        version="wc/v3",
        timeout=5,
    )
    response = await asyncio.to_thread(sdk.get, "orders", params={"per_page": 5, "page": 2})
    assert response.status_code == 200, response.text
    assert len(response.json()) == 5
    visible = [o for o in served.sandbox.state.orders.values() if o["status"] != "trash"]
    assert response.headers["X-WP-Total"] == str(len(visible))
    wrong = API(
        url=served.base_url,
        consumer_key="ck_sandbox0000000000000000000000000000000",
        consumer_secret="cs_wrong",
        version="wc/v3",
        timeout=5,
    )
    denied = await asyncio.to_thread(wrong.get, "products/100")
    assert denied.status_code == 401
    assert denied.json()["code"] == "woocommerce_rest_authentication_error"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.update(oauth_signature="AAAA"), "provided signature does not match"),
        (lambda p: p.update(oauth_consumer_key="ck_nope"), "Consumer key is invalid."),
        (lambda p: p.pop("oauth_nonce"), "Missing OAuth parameter oauth_nonce"),
        (lambda p: p.update(per_page="99"), "provided signature does not match"),
    ],
)
async def test_sandbox_rejects_bad_signatures(served: Served, mutate: object, message: str) -> None:
    url = f"{served.base_url}/wp-json/wc/v3/orders"
    conn = served.sandbox.connection("x", served.base_url)
    auth = WooCommerceAuthenticator(
        conn.credentials["consumer_key"], conn.credentials["consumer_secret"]
    )
    params = dict(auth.apply(Request("GET", url, params={"per_page": "5"})).params)
    mutate(params)  # type: ignore[operator]
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as resp:
        body = await resp.json()
    assert resp.status == 401
    assert body == {
        "code": "woocommerce_rest_authentication_error",
        "message": message if message.endswith(".") else body["message"],
        "data": {"status": 401},
    }
    assert message in body["message"]


async def test_replayed_request_and_stale_timestamp_are_401(served: Served) -> None:
    url = f"{served.base_url}/wp-json/wc/v3/orders"
    conn = served.sandbox.connection("x", served.base_url)
    key, secret = conn.credentials["consumer_key"], conn.credentials["consumer_secret"]
    params = WooCommerceAuthenticator(key, secret).apply(Request("GET", url)).params
    stale = WooCommerceAuthenticator(key, secret, clock=lambda: time.time() - 3600)
    stale_params = stale.apply(Request("GET", url)).params
    async with aiohttp.ClientSession() as session:
        async with session.get(url, params=params) as first:
            assert first.status == 200
        async with session.get(url, params=params) as replay:
            assert replay.status == 401
            assert "nonce has already been used" in (await replay.json())["message"]
        async with session.get(url, params=stale_params) as old:
            assert old.status == 401
            assert (await old.json())["message"] == "Invalid timestamp."
        async with session.get(url) as anonymous:
            assert anonymous.status == 401
            assert (await anonymous.json())["code"] == "woocommerce_rest_cannot_view"

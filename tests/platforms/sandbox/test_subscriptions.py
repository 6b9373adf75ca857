"""Sandboxes deliver to what their webhooks API registered, signed per subscription, and the
`/_sandbox/webhooks` fault plan still applies to those deliveries."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
from aiohttp import web

from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.webhooks import verify_base64
from platforms.woocommerce.sandbox.app import WooCommerceSandbox

WAIT = 10.0


def receiver(got: list[tuple[str, dict[str, str], bytes]]) -> web.Application:
    app = web.Application()

    async def take(request: web.Request) -> web.Response:
        got.append((request.path, dict(request.headers), await request.read()))
        return web.Response(status=200)

    app.router.add_post("/{tail:.*}", take)
    return app


async def _until(check: object, what: str) -> None:
    for _ in range(int(WAIT / 0.05)):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


async def test_woocommerce_signs_each_subscription_with_its_own_secret_under_the_plan() -> None:
    woo = WooCommerceSandbox(seed=1, orders=10, products=5)
    got: list[tuple[str, dict[str, str], bytes]] = []
    async with (
        serve(woo.app) as base,
        serve(receiver(got)) as hooks,
        aiohttp.ClientSession() as http,
    ):
        woo.subscriptions.create("order.created", f"{hooks}/sub", "sub-secret")
        paused = woo.subscriptions.create("order.created", f"{hooks}/paused", "other")
        paused.active = False  # a paused subscription gets nothing
        plan = {"url": f"{hooks}/plan", "secret": "plan-secret", "duplicate": 1.0}
        async with http.post(f"{base}/_sandbox/webhooks", json=plan) as resp:
            assert resp.status == 200
        async with http.post(f"{base}/_sandbox/orders", json={}) as resp:
            assert resp.status < 300
        signed = lambda: [g for g in got if "X-WC-Webhook-Signature" in g[1]]  # noqa: E731
        await _until(lambda: len(signed()) >= 4, f"4 signed deliveries, got {got}")
    paths = Counter(path for path, _, _ in signed())
    assert paths == {"/plan": 2, "/sub": 2}  # the plan's duplicate applies to both
    for path, headers, body in signed():
        secret = "sub-secret" if path == "/sub" else "plan-secret"
        assert verify_base64(headers["X-WC-Webhook-Signature"], body, [secret])


async def test_shopify_signs_registered_deliveries_with_the_app_secret() -> None:
    shop = ShopifySandbox(seed=1, orders=10, products=5, bucket=None, app_secret="shpss_test")
    got: list[tuple[str, dict[str, str], bytes]] = []
    async with (
        serve(shop.app) as base,
        serve(receiver(got)) as hooks,
        aiohttp.ClientSession() as http,
    ):
        token = shop.connection("s", base).credentials["access_token"]
        body = {"webhook": {"topic": "orders/create", "address": f"{hooks}/orders"}}
        headers = {"X-Shopify-Access-Token": token}
        url = f"{base}/admin/api/2026-10/webhooks.json"
        async with http.post(url, json=body, headers=headers) as resp:
            assert resp.status == 201
        async with http.post(url, json=body, headers=headers) as resp:  # the same pair again
            assert resp.status == 422
            assert (await resp.json())["errors"]["address"] == [
                "for this topic has already been taken"
            ]
        async with http.post(f"{base}/_sandbox/orders", json={}) as resp:
            assert resp.status < 300
        await _until(lambda: got, "no delivery")
    [(path, sent, raw)] = got
    assert path == "/orders" and sent["X-Shopify-Topic"] == "orders/create"
    assert verify_base64(sent["X-Shopify-Hmac-Sha256"], raw, ["shpss_test"])

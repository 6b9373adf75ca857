"""WooCommerce sandbox webhooks API: `/wp-json/wc/v3/webhooks` CRUD; deliveries follow it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from platforms.sandbox.subscriptions import Subscription, SubscriptionBook
from platforms.sandbox.webhooks import WebhookSender, read_json
from platforms.woocommerce.sandbox.query import PREFIX, wp_error
from platforms.woocommerce.sandbox.seed import SITE_URL, dates
from platforms.woocommerce.sandbox.webhooks import USER_AGENT

FIRST_ID = 142
RESOURCES = ("coupon", "customer", "order", "product")
EVENTS = ("created", "updated", "deleted", "restored")
STATUSES = ("active", "paused", "disabled")
# WooCommerce pings a new subscription's delivery URL (unsigned, form-encoded)
PING_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}


def topic_valid(topic: Any) -> bool:
    """`resource.event` of the topics WooCommerce registers (custom `action.*` aside)."""
    resource, _, event = str(topic).partition(".")
    return resource in RESOURCES and event in EVENTS


def webhook_json(sub: Subscription) -> dict[str, Any]:
    """A webhook as the REST API renders it (the secret is never shown)."""
    resource, _, event = sub.topic.partition(".")
    return {
        "id": sub.id,
        "name": sub.name,
        "status": "active" if sub.active else "paused",
        "topic": sub.topic,
        "resource": resource,
        "event": event,
        "hooks": [f"woocommerce_{resource}_{event}"],
        "delivery_url": sub.address,
        **dates("date_created", sub.created_at),
        **dates("date_modified", sub.updated_at),
        "_links": {
            "self": [{"href": f"{SITE_URL}{PREFIX}/webhooks/{sub.id}"}],
            "collection": [{"href": f"{SITE_URL}{PREFIX}/webhooks"}],
        },
    }


def _invalid(name: str) -> web.Response:
    return wp_error(400, "rest_invalid_param", f"Invalid parameter(s): {name}")


def _apply(sub: Subscription, body: dict[str, Any]) -> web.Response | None:
    """Copy the writable fields of `body` onto `sub`; a 400 for an invalid one."""
    if "delivery_url" in body:
        url = body["delivery_url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _invalid("delivery_url")
        sub.address = url
    if "status" in body:
        if body["status"] not in STATUSES:
            return _invalid("status")
        sub.active = body["status"] == "active"
    if isinstance(body.get("secret"), str) and body["secret"]:
        sub.secret = body["secret"]
    if isinstance(body.get("name"), str):
        sub.name = body["name"]
    return None


def add_routes(
    router: web.UrlDispatcher, book: SubscriptionBook, sender: Callable[[], WebhookSender]
) -> None:
    """The webhooks collection and item routes (before the catch-all 404); `sender` gives
    the store's webhook sender, which exists only once the app is built."""

    async def listing(request: web.Request) -> web.Response:
        status = request.query.get("status", "all")
        found = [
            s for s in book.items.values() if status == "all" or webhook_json(s)["status"] == status
        ]
        return web.json_response([webhook_json(s) for s in found])

    async def create(request: web.Request) -> web.Response:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        if not topic_valid(body.get("topic")):
            return _invalid("topic")
        if "delivery_url" not in body:
            return wp_error(
                400, "rest_missing_callback_param", "Missing parameter(s): delivery_url"
            )
        # WooCommerce's default secret: derived from the user, never shown back
        default = hashlib.sha256(b"sandbox-user-1").hexdigest()
        sub = book.create(str(body["topic"]), "", default, str(body.get("name") or ""))
        refused = _apply(sub, body)
        if refused is not None:
            book.delete(sub.id)
            return refused
        sender().send_raw(sub.address, f"webhook_id={sub.id}".encode(), PING_HEADERS)
        return web.json_response(webhook_json(sub), status=201)

    async def one(request: web.Request) -> web.Response:
        sub = book.items.get(int(request.match_info["id"]))
        if sub is None:
            return wp_error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        if request.method == "DELETE":
            book.delete(sub.id)
        elif request.method in ("PUT", "POST", "PATCH"):
            body = await read_json(request)
            if isinstance(body, web.Response):
                return body
            refused = _apply(sub, body)
            if refused is not None:
                return refused
            book.touch(sub)
        return web.json_response(webhook_json(sub))

    router.add_get(f"{PREFIX}/webhooks", listing)
    router.add_post(f"{PREFIX}/webhooks", create)
    router.add_route("*", PREFIX + r"/webhooks/{id:\d+}", one)


def install(router: web.UrlDispatcher, sender: Callable[[], WebhookSender]) -> SubscriptionBook:
    """A book served by the REST API (set `sender().subscribed = book.targets` once the
    sender exists: it delivers to the active subscriptions)."""
    book = SubscriptionBook(FIRST_ID, lambda: datetime.now(UTC))
    add_routes(router, book, sender)
    return book

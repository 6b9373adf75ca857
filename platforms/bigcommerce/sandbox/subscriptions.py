"""The sandbox's V3 webhooks API (`/v3/hooks`): subscriptions by scope; deliveries follow it,
signed with the app's client secret (BigCommerce has no per-hook secret)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from platforms.bigcommerce.sandbox.query import BadRequest, json_body, v3_error, v3_one, v3_page
from platforms.sandbox.subscriptions import Subscription, SubscriptionBook

FIRST_ID = 18_048_287
# the app's client secret: what BigCommerce signs every delivery of the app's hooks with
CLIENT_SECRET = "bc-sandbox-client-secret"  # noqa: S105 - the sandbox's own, not a credential
SCOPE_PREFIX = "store/"


def hook_json(sub: Subscription) -> dict[str, Any]:
    """A hook as V3 renders it (`created_at`/`updated_at` epoch seconds)."""
    return {
        "id": sub.id,
        "client_id": "cartgraph-sandbox",
        "store_hash": "cg4b1gc0",
        "scope": sub.topic,
        "destination": sub.address,
        "headers": {},
        "is_active": sub.active,
        "created_at": int(sub.created_at.timestamp()),
        "updated_at": int(sub.updated_at.timestamp()),
    }


def _apply(sub: Subscription, body: Any) -> None:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be an object")
    if "destination" in body:
        destination = str(body["destination"])
        if not destination.startswith(("https://", "http://")):
            raise BadRequest("destination must be a URL")
        sub.address = destination
    if "is_active" in body:
        sub.active = bool(body["is_active"])


def add_routes(router: web.UrlDispatcher, prefix: str, book: SubscriptionBook) -> None:
    """GET/POST `/v3/hooks`, GET/PUT/DELETE `/v3/hooks/{id}`."""

    async def listing(request: web.Request) -> web.StreamResponse:
        return v3_page([hook_json(s) for s in book.items.values()], request.query)

    async def create(request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        scope = body.get("scope") if isinstance(body, dict) else None
        if not isinstance(scope, str) or not scope.startswith(SCOPE_PREFIX):
            return v3_error(422, "JSON data is missing or invalid", {"scope": "required"})
        sub = book.create(scope, "", CLIENT_SECRET)
        _apply(sub, {"is_active": True, **body})
        return v3_one(hook_json(sub))

    async def one(request: web.Request) -> web.StreamResponse:
        sub = book.items.get(int(request.match_info["id"]))
        if sub is None:
            return v3_error(404, "Webhook not found")
        if request.method == "DELETE":
            book.delete(sub.id)
        elif request.method == "PUT":
            _apply(sub, await json_body(request))
            book.touch(sub)
        return v3_one(hook_json(sub))

    router.add_get(f"{prefix}/v3/hooks", listing)
    router.add_post(f"{prefix}/v3/hooks", create)
    router.add_route("*", prefix + r"/v3/hooks/{id:\d+}", one)


def install(router: web.UrlDispatcher, prefix: str) -> SubscriptionBook:
    """A book served by the V3 API (the sender's `subscribed` is `book.targets`)."""
    book = SubscriptionBook(FIRST_ID, lambda: datetime.fromtimestamp(int(time.time()), UTC))
    add_routes(router, prefix, book)
    return book

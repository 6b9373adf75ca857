"""Shopify sandbox webhook subscriptions: REST `webhooks.json`, GraphQL `webhookSubscription*`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from platforms.sandbox.subscriptions import Subscription, SubscriptionBook
from platforms.sandbox.webhooks import WebhookSender, read_json
from platforms.shopify.sandbox.format import shop_ts
from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, resolves
from platforms.shopify.sandbox.graphql_mutations import mutation
from platforms.shopify.sandbox.graphql_schema import gid, gid_number
from platforms.shopify.sandbox.graphql_search import connection
from platforms.shopify.sandbox.query import API, json_response, not_found

FIRST_ID = 1_300_000_000_001
BOOK = "webhook_subscriptions"  # where the GraphQL endpoint's extras keep the book
# the REST topics the sandbox accepts (what it emits, and the product topics Shopify has)
TOPICS = frozenset(
    {
        *("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled"),
        *("orders/partially_fulfilled", "orders/paid", "orders/edited", "orders/delete"),
        *("refunds/create", "inventory_levels/update", "app/uninstalled"),
        *("products/create", "products/update", "products/delete"),
    }
)
ENUMS = {topic.upper().replace("/", "_"): topic for topic in TOPICS}
TAKEN = "for this topic has already been taken"
SECRET: web.AppKey[str] = web.AppKey("shopify_app_secret", str)


def new_book() -> SubscriptionBook:
    """An empty book with Shopify-sized ids."""
    return SubscriptionBook(FIRST_ID, lambda: datetime.now(UTC))


def rest_json(sub: Subscription, version: str) -> Payload:
    """A subscription as `webhooks.json` renders it."""
    return {
        "id": sub.id,
        "address": sub.address,
        "topic": sub.topic,
        "created_at": shop_ts(sub.created_at),
        "updated_at": shop_ts(sub.updated_at),
        "format": "json",
        "fields": [],
        "metafield_namespaces": [],
        "api_version": version,
        "private_metafield_namespaces": [],
    }


def _invalid(errors: dict[str, list[str]]) -> web.Response:
    return json_response({"errors": errors}, status=422)


def _problems(book: SubscriptionBook, topic: Any, address: Any, own: int | None) -> dict[str, Any]:
    """Shopify's 422 checks: a known topic, an http(s) address, no second one for the pair."""
    if topic not in TOPICS:
        return {"topic": [f"Invalid topic specified: {topic}"]}
    if not isinstance(address, str) or not address.startswith(("https://", "http://")):
        return {"address": ["is invalid"]}
    if any(s.id != own for s in book.find(topic, address)):
        return {"address": [TAKEN]}
    return {}


def add_rest_routes(app: web.Application, book: SubscriptionBook) -> None:
    """GET/POST `webhooks.json`, GET/PUT/DELETE `webhooks/{id}.json`."""

    async def listing(request: web.Request) -> web.Response:
        query, version = request.query, request.match_info["version"]
        found = book.find(query.get("topic"), query.get("address"))
        return json_response({"webhooks": [rest_json(s, version) for s in found]})

    async def create(request: web.Request) -> web.Response:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        hook = body.get("webhook")
        if not isinstance(hook, dict):
            return json_response({"errors": {"webhook": "Required parameter missing"}}, 400)
        topic, address = hook.get("topic"), hook.get("address")
        problems = _problems(book, topic, address, None)
        if problems:
            return _invalid(problems)
        sub = book.create(str(topic), str(address), request.app[SECRET])
        return json_response({"webhook": rest_json(sub, request.match_info["version"])}, 201)

    async def one(request: web.Request) -> web.Response:
        sub = book.items.get(int(request.match_info["id"]))
        if sub is None:
            return not_found()
        if request.method == "DELETE":
            book.delete(sub.id)
            return json_response({})
        if request.method == "PUT":
            body = await read_json(request)
            if isinstance(body, web.Response):
                return body
            hook = body.get("webhook")
            hook = hook if isinstance(hook, dict) else {}
            address = hook.get("address", sub.address)
            problems = _problems(book, sub.topic, address, sub.id)
            if problems:
                return _invalid(problems)
            sub.address = str(address)
            book.touch(sub)
        return json_response({"webhook": rest_json(sub, request.match_info["version"])})

    app.router.add_get(API + "/webhooks.json", listing)
    app.router.add_post(API + "/webhooks.json", create)
    app.router.add_route("*", API + r"/webhooks/{id:\d+}.json", one)


# --- GraphQL ------------------------------------------------------------------------------


def _obj(sub: Subscription) -> Obj:
    endpoint = {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub.address}
    data = {
        "id": sub.id,
        "topic": sub.topic.upper().replace("/", "_"),
        "uri": sub.address,
        "callback_url": sub.address,
        "endpoint": endpoint,
        "format": "JSON",
        "created_at": shop_ts(sub.created_at),
        "updated_at": shop_ts(sub.updated_at),
        "include_fields": [],
        "metafield_namespaces": [],
        "name": sub.name or None,
    }
    return Obj("WebhookSubscription", data)


def _book(ctx: Ctx) -> SubscriptionBook:
    return ctx.extras[BOOK]  # type: ignore[no-any-return]


def _uri(data: Payload) -> Any:
    return data.get("uri") or data.get("callbackUrl")


@resolves("QueryRoot.webhookSubscriptions")
def _subscriptions(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    topics = {ENUMS.get(t) for t in args.get("topics") or ()} or None
    uri = args.get("uri") or args.get("callbackUrl")
    rows = [
        {"id": s.id, "sub": s}
        for s in _book(ctx).items.values()
        if (topics is None or s.topic in topics) and (uri is None or s.address == uri)
    ]
    return connection(rows, args, lambda row: row["id"], lambda row: _obj(row["sub"]))


def _user_errors(problems: dict[str, Any], where: str) -> list[Payload]:
    return [
        {"field": ["webhookSubscription", where if key == "address" else key], "message": m}
        for key, messages in problems.items()
        for m in messages
    ]


@mutation("webhookSubscriptionCreate")
def _create(ctx: Ctx, args: dict[str, Any]) -> Payload:
    topic, data = ENUMS.get(args["topic"], args["topic"]), args["webhookSubscription"]
    problems = _problems(_book(ctx), topic, _uri(data), None)
    if problems:
        return {"webhookSubscription": None, "userErrors": _user_errors(problems, "uri")}
    sub = _book(ctx).create(
        topic, str(_uri(data)), ctx.extras["app_secret"], data.get("name") or ""
    )
    return {"webhookSubscription": _obj(sub), "userErrors": []}


@mutation("webhookSubscriptionUpdate")
def _update(ctx: Ctx, args: dict[str, Any]) -> Payload:
    sub = _book(ctx).items.get(gid_number(args["id"], "WebhookSubscription") or 0)
    if sub is None:
        errors = [{"field": ["id"], "message": "Webhook subscription does not exist"}]
        return {"webhookSubscription": None, "userErrors": errors}
    uri = _uri(args["webhookSubscription"]) or sub.address
    problems = _problems(_book(ctx), sub.topic, uri, sub.id)
    if problems:
        return {"webhookSubscription": None, "userErrors": _user_errors(problems, "uri")}
    sub.address = str(uri)
    _book(ctx).touch(sub)
    return {"webhookSubscription": _obj(sub), "userErrors": []}


@mutation("webhookSubscriptionDelete")
def _delete(ctx: Ctx, args: dict[str, Any]) -> Payload:
    ident = gid_number(args["id"], "WebhookSubscription") or 0
    if not _book(ctx).delete(ident):
        errors = [{"field": ["id"], "message": "Webhook subscription does not exist"}]
        return {"deletedWebhookSubscriptionId": None, "userErrors": errors}
    return {"deletedWebhookSubscriptionId": gid("WebhookSubscription", ident), "userErrors": []}


def install(
    app: web.Application, extras: dict[str, Any], sender: WebhookSender, app_secret: str
) -> SubscriptionBook:
    """Serve both APIs over one book; the sender delivers to what they registered, signed
    with the app's secret (Shopify signs every subscription's deliveries with it)."""
    book = new_book()
    extras[BOOK], extras["app_secret"] = book, app_secret
    app[SECRET] = app_secret
    add_rest_routes(app, book)
    sender.subscribed = book.targets
    return book

"""Shopify webhook subscriptions: created or repaired over REST or Admin GraphQL, per store API."""

from __future__ import annotations

from typing import Any

from platforms.errors import PayloadError
from platforms.http import CallContext, Request
from platforms.shopify.graphql import ShopifyGraphql
from platforms.shopify.rest import ShopifyRest
from platforms.shopify.webhooks import TOPICS
from platforms.subscriptions import Existing, SubscriptionChange, plan_changes

LIST_COST = 102  # webhookSubscriptions(first: 100): 2 + one point per subscription
MUTATION_COST = 10  # Shopify's flat cost of a mutation
LIST = """query Subscriptions { webhookSubscriptions(first: 100) {
  nodes { id topic uri } } }"""
CREATE = """mutation Create($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id } userErrors { field message } } }"""
UPDATE = """mutation Update($id: ID!, $uri: String!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: {uri: $uri}) {
    webhookSubscription { id } userErrors { field message } } }"""


def enum_of(topic: str) -> str:
    """REST's "orders/create" as GraphQL's WebhookSubscriptionTopic ORDERS_CREATE."""
    return topic.upper().replace("/", "_")


async def sync_subscriptions(
    client: object, address: str, secret: str | None
) -> list[SubscriptionChange]:
    """Make every topic the gateway maps deliver to `address`, through the store's own API.
    Shopify signs with the app's client secret, so `secret` is not sent (it must equal the
    store's `webhook_secret`). A subscription of this app to a topic at another address is
    ours (subscriptions are per app): it is moved, not duplicated."""
    if isinstance(client, ShopifyGraphql):
        return await _graphql_sync(client, address)
    if isinstance(client, ShopifyRest):
        return await _rest_sync(client, address)
    raise TypeError(f"not a Shopify client: {type(client).__name__}")


async def _rest_sync(client: ShopifyRest, address: str) -> list[SubscriptionChange]:
    ctx = CallContext(client.connection.store_id, "shopify", "webhooks_sync")
    base = client._base
    listed = await client.transport.request(Request("GET", base + "webhooks.json"), ctx)
    hooks = client._objects(listed, "webhooks", ctx)
    existing = [
        Existing(str(h.get("topic")), str(h.get("id")), str(h.get("address"))) for h in hooks
    ]
    changes = plan_changes(sorted(TOPICS), existing, address)
    for change in changes:
        body: dict[str, Any]
        if change.action == "created":
            body = {"webhook": {"topic": change.topic, "address": address, "format": "json"}}
            request = Request("POST", base + "webhooks.json", json=body)
        elif change.action == "repaired":
            body = {"webhook": {"id": int(change.subscription_id), "address": address}}
            request = Request("PUT", base + f"webhooks/{change.subscription_id}.json", json=body)
        else:
            continue
        await client.transport.request(request, ctx)
    return changes


async def _graphql_sync(client: ShopifyGraphql, address: str) -> list[SubscriptionChange]:
    ctx = CallContext(client.connection.store_id, "shopify", "webhooks_sync")
    data = await _run(client, ctx, LIST, {}, LIST_COST)
    nodes = data.get("webhookSubscriptions", {}).get("nodes", [])
    by_enum = {enum_of(t): t for t in TOPICS}
    existing = [
        Existing(by_enum.get(str(n.get("topic")), ""), str(n.get("id")), str(n.get("uri")))
        for n in nodes
    ]
    changes = plan_changes(sorted(TOPICS), existing, address)
    for change in changes:
        if change.action == "created":
            variables = {"topic": enum_of(change.topic), "uri": address}
            answer = await _run(client, ctx, CREATE, variables, MUTATION_COST)
        elif change.action == "repaired":
            variables = {"id": change.subscription_id, "uri": address}
            answer = await _run(client, ctx, UPDATE, variables, MUTATION_COST)
        else:
            continue
        _refused(answer, ctx)
    return changes


async def _run(
    client: ShopifyGraphql, ctx: CallContext, text: str, variables: dict[str, Any], cost: int
) -> dict[str, Any]:
    endpoint = client._endpoint
    body = {"query": text, "variables": variables}
    response = await client.transport.request(Request("POST", endpoint, json=body, cost=cost), ctx)
    answer = response.json()
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise PayloadError("Shopify webhooks_sync answer lacks 'data'", **ctx.where())
    return data


def _refused(data: dict[str, Any], ctx: CallContext) -> None:
    """userErrors of a mutation as a PayloadError naming the store (never the address)."""
    for payload in data.values():
        errors = payload.get("userErrors") if isinstance(payload, dict) else None
        if errors:
            messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
            raise PayloadError(f"Shopify refused a webhook subscription: {messages}", **ctx.where())

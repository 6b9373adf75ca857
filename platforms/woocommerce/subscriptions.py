"""WooCommerce webhook subscriptions: created or repaired through `/wp-json/wc/v3/webhooks`."""

from __future__ import annotations

from typing import Any

from platforms.errors import ConfigError, PayloadError
from platforms.http import CallContext, Request
from platforms.subscriptions import Existing, SubscriptionChange, plan_changes
from platforms.woocommerce.rest import WooCommerceRest
from platforms.woocommerce.webhooks import ORDER_TOPICS, PRODUCT_TOPICS

TOPICS = sorted(ORDER_TOPICS | PRODUCT_TOPICS | {"product.deleted"})
RECEIVER = "/webhooks/"  # the gateway's receiver path: a subscription delivering there is ours


async def sync_subscriptions(
    client: object, address: str, secret: str | None
) -> list[SubscriptionChange]:
    """Make every topic the gateway maps deliver to `address`, signed with `secret` (the
    store's `webhook_secret`: WooCommerce signs each subscription with its own). The API
    never shows a secret back, so a kept subscription keeps the secret it has."""
    if not isinstance(client, WooCommerceRest):
        raise TypeError(f"not a WooCommerce client: {type(client).__name__}")
    if not secret:
        store = client.connection.store_id
        raise ConfigError(f"store {store!r}: WooCommerce webhooks need a webhook_secret")
    ctx = CallContext(client.connection.store_id, "woocommerce", "webhooks_sync")
    url = client._api + "/webhooks"
    listed = (await client.transport.request(Request("GET", url, {"per_page": "100"}), ctx)).json()
    if not isinstance(listed, list):
        raise PayloadError("WooCommerce webhooks_sync did not return a list", **ctx.where())
    suffix = RECEIVER + client.connection.store_id
    existing = [_existing(hook, suffix) for hook in listed if isinstance(hook, dict)]
    changes = plan_changes(TOPICS, existing, address)
    for change in changes:
        body: dict[str, Any] = {"delivery_url": address, "status": "active", "secret": secret}
        if change.action == "created":
            body.update(name=f"cartgraph {change.topic}", topic=change.topic)
            request = Request("POST", url, json=body)
        elif change.action == "repaired":
            request = Request("PUT", f"{url}/{change.subscription_id}", json=body)
        else:
            continue
        await client.transport.request(request, ctx)
    return changes


def _existing(hook: dict[str, Any], suffix: str) -> Existing:
    address = str(hook.get("delivery_url"))
    return Existing(
        str(hook.get("topic")),
        str(hook.get("id")),
        address,
        active=hook.get("status") == "active",
        ours=address.rstrip("/").endswith(suffix),
    )

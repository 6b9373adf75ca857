"""BigCommerce webhook subscriptions (`cartgraph webhooks sync`): created or repaired through
`/v3/hooks`, one per scope the gateway maps."""

from __future__ import annotations

from typing import Any

from platforms.bigcommerce.rest import BigCommerceRest
from platforms.errors import PayloadError
from platforms.http import CallContext, Request
from platforms.subscriptions import Existing, SubscriptionChange, plan_changes

TOPICS = sorted(
    {
        "store/order/created",
        "store/order/updated",
        "store/order/statusUpdated",
        "store/order/refund/created",
        "store/shipment/created",
        "store/product/updated",
        "store/product/deleted",
        "store/sku/inventory/updated",
        "store/customer/updated",
    }
)
RECEIVER = "/webhooks/"  # the gateway's receiver path: a hook delivering there is ours


async def sync_subscriptions(
    client: object, address: str, secret: str | None
) -> list[SubscriptionChange]:
    """Make every scope deliver to `address`. BigCommerce signs with the app's client secret,
    not a per-hook one, so `secret` is not sent: the store's `webhook_secret` must be that
    client secret (or its `whsec_` form)."""
    if not isinstance(client, BigCommerceRest):
        raise TypeError(f"not a BigCommerce client: {type(client).__name__}")
    ctx = CallContext(client.connection.store_id, "bigcommerce", "webhooks_sync")
    url = client.root + "/v3/hooks"
    body = (await client.transport.request(Request("GET", url, {"limit": "250"}), ctx)).json()
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise PayloadError("BigCommerce webhooks_sync did not return a data list", **ctx.where())
    suffix = RECEIVER + client.connection.store_id
    existing = [_existing(hook, suffix) for hook in rows if isinstance(hook, dict)]
    changes = plan_changes(TOPICS, existing, address)
    for change in changes:
        wanted: dict[str, Any] = {"destination": address, "is_active": True}
        if change.action == "created":
            request = Request("POST", url, json={"scope": change.topic, **wanted})
        elif change.action == "repaired":
            request = Request("PUT", f"{url}/{change.subscription_id}", json=wanted)
        else:
            continue
        await client.transport.request(request, ctx)
    return changes


def _existing(hook: dict[str, Any], suffix: str) -> Existing:
    address = str(hook.get("destination"))
    return Existing(
        str(hook.get("scope")),
        str(hook.get("id")),
        address,
        active=bool(hook.get("is_active")),
        ours=address.rstrip("/").endswith(suffix),
    )

"""The event feed in `cartgraph demo`: sandbox webhooks wired to the gateway, pollers on."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

from gateway.events.service import EventService
from gateway.stores import StoreRegistry
from platforms.adapter import StoreConnection
from platforms.registry import get_spec

DEMO_SECRET = "cartgraph-demo-webhook-secret"  # noqa: S105 - public demo-only secret
DEMO_POLL_SECONDS = 5.0

SUBSCRIPTION = """subscription {
  orderEvents {
    type storeId source occurredAt cursor
    order { number status fulfillmentStatus totalPrice { amount currencyCode } }
  }
}"""


def with_demo_secret(connections: Sequence[StoreConnection]) -> list[StoreConnection]:
    """The connections with the webhook secret the demo sandboxes sign with."""
    return [
        dataclasses.replace(c, credentials={**c.credentials, "webhook_secret": DEMO_SECRET})
        for c in connections
    ]


def demo_events(registry: StoreRegistry, data_dir: str | Path) -> EventService:
    """An event service polling every demo store every few seconds."""
    polls = dict.fromkeys(registry.store_ids, DEMO_POLL_SECONDS)
    return EventService.open(registry, data_dir, poll_intervals=polls)


async def wire_webhooks(gateway_url: str, connections: Sequence[StoreConnection]) -> None:
    """Point every sandbox whose platform sends webhooks at the gateway's receiver."""
    async with aiohttp.ClientSession() as http:
        for conn in connections:
            if get_spec(conn.platform).webhooks is None:
                continue
            plan = {"url": f"{gateway_url}/webhooks/{conn.store_id}", "secret": DEMO_SECRET}
            async with http.post(f"{conn.base_url}/_sandbox/webhooks", json=plan) as resp:
                resp.raise_for_status()


def banner(connections: Sequence[StoreConnection]) -> str:
    """What to paste into GraphiQL, and how to place an order that shows up in it."""
    hooks: Mapping[str, bool] = {
        c.store_id: get_spec(c.platform).webhooks is not None for c in connections
    }
    # the GraphiQL URL printed above carries the key; this bare one would open a keyless page
    lines = [f"Live events: paste into GraphiQL (the URL above):\n{SUBSCRIPTION}\n"]
    lines.append("Place a simulated storefront order (it appears in the subscription):")
    for conn in connections:
        mirror = get_spec(conn.platform).synced_mirror  # polled at its plan's pace
        every = max(DEMO_POLL_SECONDS, mirror.min_poll_seconds if mirror else 0)
        how = "webhook" if hooks[conn.store_id] else f"poll, every {every:g} s"
        cmd = f"curl -X POST {shlex.quote(conn.base_url + '/_sandbox/orders')} -d '{{}}'"
        lines.append(f"  {conn.store_id:<18} ({how}): {cmd}")
    lines.append(
        'Change one: curl -X POST <sandbox>/_sandbox/orders/<id> -d \'{"action": "cancel"}\''
        " (update | cancel | fulfill | refund)"
    )
    return "\n".join(lines)

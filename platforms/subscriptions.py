"""Webhook subscriptions a store keeps for the gateway: what a sync found and changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Action = Literal["created", "repaired", "unchanged"]


@dataclass(frozen=True)
class Existing:
    """A subscription the store already has: `ours` when the gateway may move it (Shopify:
    every one of the app's; WooCommerce: one that delivers to a cartgraph receiver)."""

    topic: str
    subscription_id: str
    address: str
    active: bool = True
    ours: bool = True


@dataclass(frozen=True)
class SubscriptionChange:
    """What a sync did for one topic; `subscription_id` is empty for one it creates."""

    topic: str
    action: Action
    subscription_id: str = ""


# (store client, receiver address, signing secret or None) -> one change per topic
WebhookSubscriber = Callable[[object, str, str | None], Awaitable[list[SubscriptionChange]]]


def plan_changes(
    topics: Sequence[str], existing: Sequence[Existing], address: str
) -> list[SubscriptionChange]:
    """Per topic: unchanged when an active subscription already delivers to `address`;
    repaired when one of ours can be moved or re-activated; else created (never a second
    one for a topic, so a sync run twice changes nothing the second time)."""
    changes: list[SubscriptionChange] = []
    for topic in topics:
        mine = [e for e in existing if e.topic == topic and e.ours]
        exact = [e for e in mine if e.address == address]
        if any(e.active for e in exact):
            found = next(e for e in exact if e.active)
            changes.append(SubscriptionChange(topic, "unchanged", found.subscription_id))
        elif mine:
            found = (exact or mine)[0]
            changes.append(SubscriptionChange(topic, "repaired", found.subscription_id))
        else:
            changes.append(SubscriptionChange(topic, "created"))
    return changes

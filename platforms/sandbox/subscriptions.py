"""A sandbox's webhook subscriptions: what its platform API registered, and where deliveries go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Subscription:
    """One registered subscription: deliveries of `topic` go to `address`, signed with
    `secret` (the app's secret on Shopify, the subscription's own on WooCommerce)."""

    id: int
    topic: str
    address: str
    secret: str = field(repr=False)
    created_at: datetime
    updated_at: datetime
    active: bool = True
    name: str = ""


class SubscriptionBook:
    """The subscriptions of one sandbox store, in creation order; ids from `first_id` up."""

    def __init__(self, first_id: int, clock: Callable[[], datetime]) -> None:
        self._next = first_id
        self._clock = clock
        self.items: dict[int, Subscription] = {}

    def find(self, topic: str | None = None, address: str | None = None) -> list[Subscription]:
        """Subscriptions matching both filters (None matches any)."""
        return [
            s
            for s in self.items.values()
            if (topic is None or s.topic == topic) and (address is None or s.address == address)
        ]

    def create(self, topic: str, address: str, secret: str, name: str = "") -> Subscription:
        """Register a new subscription (callers check for duplicates first, as platforms do)."""
        moment = self._clock()
        sub = Subscription(self._next, topic, address, secret, moment, moment, name=name)
        self.items[sub.id] = sub
        self._next += 1
        return sub

    def touch(self, sub: Subscription) -> Subscription:
        """Stamp a change made to `sub` in place."""
        sub.updated_at = self._clock()
        return sub

    def delete(self, ident: int) -> bool:
        """Remove the subscription; False when there was none."""
        return self.items.pop(ident, None) is not None

    def targets(self, topic: str) -> list[tuple[str, str]]:
        """(address, secret) of every active subscription to `topic`: where it is delivered."""
        return [(s.address, s.secret) for s in self.items.values() if s.active and s.topic == topic]

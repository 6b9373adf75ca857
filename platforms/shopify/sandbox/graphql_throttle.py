"""The Shopify sandbox's GraphQL cost bucket: points per store, restored per second by plan."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CostPlan:
    """A Shopify plan's GraphQL Admin budget: bucket size and points restored per second."""

    name: str
    maximum: float
    restore_rate: float


PLANS = {
    plan.name: plan
    for plan in (
        CostPlan("standard", 1000.0, 100.0),
        CostPlan("advanced", 2000.0, 200.0),
        CostPlan("plus", 10000.0, 1000.0),
        CostPlan("enterprise", 20000.0, 2000.0),
    )
}


class CostBucket:
    """Shopify's leaky bucket of query points: a query takes its requested cost up front and
    gets back what it did not use; an unenforced bucket still reports, but never refuses."""

    def __init__(self, plan: CostPlan, enforce: bool = True) -> None:
        self.plan = plan
        self.enforce = enforce
        self._available = plan.maximum
        self._at = time.monotonic()
        self.throttled = 0

    def _restore(self) -> None:
        now = time.monotonic()
        elapsed = now - self._at
        self._available = min(self.plan.maximum, self._available + elapsed * self.plan.restore_rate)
        self._at = now

    @property
    def available(self) -> float:
        """Points available right now."""
        self._restore()
        return self._available

    def take(self, cost: int) -> bool:
        """Take `cost` points; False (nothing taken) when the bucket holds fewer."""
        self._restore()
        if self.enforce and cost > self._available:
            self.throttled += 1
            return False
        self._available = max(0.0, self._available - cost) if self.enforce else self._available
        return True

    def give_back(self, points: float) -> None:
        """Return unused points (requested minus actual)."""
        self._restore()
        if self.enforce:
            self._available = min(self.plan.maximum, self._available + max(0.0, points))

    def set_available(self, points: float) -> None:
        """Set the level (tests drain the bucket with 0)."""
        self._restore()
        self._available = max(0.0, min(self.plan.maximum, points))

    def switch(self, plan: CostPlan) -> None:
        """Move the store to another plan, with a full bucket."""
        self.plan = plan
        self._available = plan.maximum
        self._at = time.monotonic()

    def status(self) -> dict[str, Any]:
        """`throttleStatus` as Shopify reports it (floats for the limits, whole points left)."""
        return {
            "maximumAvailable": self.plan.maximum,
            "currentlyAvailable": math.floor(self.available),
            "restoreRate": self.plan.restore_rate,
        }

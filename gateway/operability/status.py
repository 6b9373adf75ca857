"""Per store sync status: webhooks, polls and checkpoints, lag, errors, rate-budget use."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gateway.events.ops_store import LetterStatus
from gateway.writes.model import JobStatus

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.stores import StoreHandle
    from gateway.telemetry.metrics import Metrics
    from gateway.writes.queue import WriteQueue

WINDOW_SECONDS = 3600.0  # receipts and dead letters are counted over the last hour


@dataclass(frozen=True)
class PollState:
    """One poller of a store (orders, or inventory and catalogue)."""

    stream: str
    interval_seconds: float
    last_poll_at: datetime | None
    last_error: str | None
    checkpoint: str | None


@dataclass(frozen=True)
class SyncStatus:
    """Everything `syncStatus` and the status page show for one store."""

    store_id: str
    platform: str
    up: bool | None
    webhooks: bool
    last_webhook_at: datetime | None
    webhooks_received: int
    webhooks_quarantined: int
    polls: list[PollState]
    last_event_at: datetime | None
    lag_seconds: float | None
    upstream_requests: int
    upstream_errors: dict[str, int]
    rate_budget_used: float | None
    dead_letters: int
    writes: dict[str, int] = field(default_factory=dict)
    credential_expires_at: datetime | None = None

    @property
    def error_rate(self) -> float | None:
        """Failed upstream attempts / all attempts since this process started."""
        if not self.upstream_requests:
            return None
        return min(1.0, sum(self.upstream_errors.values()) / self.upstream_requests)


def _stamp(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _samples(metric: Any, name: str, store_id: str) -> list[tuple[dict[str, str], float]]:
    """This process's samples of one counter/gauge for one store (in-process read)."""
    found = []
    for family in metric.collect():
        for sample in family.samples:
            if sample.name == name and sample.labels.get("store") == store_id:
                found.append((sample.labels, float(sample.value)))
    return found


def upstream_counts(
    metrics: Metrics | None, store_id: str
) -> tuple[int, dict[str, int], bool | None]:
    """(attempts, failed attempts by error code, store up) from this process's metrics."""
    if metrics is None:
        return 0, {}, None
    total = sum(
        v
        for _, v in _samples(
            metrics.upstream_requests, "cartgraph_upstream_requests_total", store_id
        )
    )
    errors: Counter[str] = Counter()
    for labels, value in _samples(
        metrics.upstream_errors, "cartgraph_upstream_errors_total", store_id
    ):
        errors[labels["code"]] += int(value)
    up = [v for _, v in _samples(metrics.store_up, "cartgraph_store_up", store_id)]
    return int(total), dict(errors), (bool(up[0]) if up else None)


def rate_budget_used(handle: StoreHandle) -> float | None:
    """How full this process's rate bucket of the store is (0 idle, 1 full)."""
    bucket = getattr(getattr(handle.client, "transport", None), "bucket", None)
    level, capacity = getattr(bucket, "level", None), getattr(bucket, "max_rate", None)
    if not isinstance(level, float) or not isinstance(capacity, int | float) or not capacity:
        return None
    return max(0.0, min(1.0, level / float(capacity)))


async def sync_status(
    handle: StoreHandle,
    events: EventService | None,
    writes: WriteQueue | None,
    metrics: Metrics | None,
) -> SyncStatus:
    """One store's status, from the event service, the write queue and this process's metrics."""
    store = handle.connection.store_id
    total, errors, up = upstream_counts(metrics, store)
    status = SyncStatus(
        store_id=store,
        platform=handle.connection.platform.value,
        up=up,
        webhooks=False,
        last_webhook_at=None,
        webhooks_received=0,
        webhooks_quarantined=0,
        polls=[],
        last_event_at=None,
        lag_seconds=None,
        upstream_requests=total,
        upstream_errors=errors,
        rate_budget_used=rate_budget_used(handle),
        dead_letters=0,
        writes=await _write_counts(writes, store),
    )
    if events is None:
        return status
    return await _with_events(status, events, store)


async def _write_counts(writes: WriteQueue | None, store: str) -> dict[str, int]:
    if writes is None:
        return {}
    return {s.value: await writes.count([store], s) for s in JobStatus}


async def _with_events(status: SyncStatus, events: EventService, store: str) -> SyncStatus:
    feed = await events.status(store)
    polls = []
    for stream, pollers in (("orders", events.pollers), ("inventory", events.inventory_pollers)):
        poller = pollers.get(store)
        if poller is not None:
            checkpoint = await events.log.checkpoint(store, stream)
            polls.append(
                PollState(
                    stream, poller.interval, poller.last_poll_at, poller.last_error, checkpoint
                )
            )
    received, quarantined, last_webhook, letters = 0, 0, None, 0
    if events.ops is not None:
        stats = await events.ops.receipt_stats(store, time.time() - WINDOW_SECONDS)
        received, quarantined = stats.received, stats.quarantined
        last_webhook = _stamp(stats.last_received_at)
        open_letters = await events.ops.letters([store], None, LetterStatus.QUARANTINED, 1000)
        letters = len(open_letters)
    return dataclasses.replace(
        status,
        webhooks=feed.webhooks,
        last_webhook_at=last_webhook,
        webhooks_received=received,
        webhooks_quarantined=quarantined,
        polls=polls,
        last_event_at=feed.last_event_at,
        lag_seconds=feed.sync_lag_seconds,
        dead_letters=letters,
    )

"""The event log on PostgreSQL across replicas: sequences visible in commit order, NOTIFY
wakes other replicas' tails, and exactly one poller per store, taken over when it dies."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.events.log import EventFilter
from gateway.events.pg_log import PgEventLog
from gateway.events.service import EventService
from gateway.server import free_port
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.canonical import Order
from platforms.events import Candidate, EventSource, candidate_of
from platforms.sandbox.kit import serve
from platforms.shopify.mapping.orders import map_order
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.helpers.procs import gateway_process, write_config

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
INTERVAL = 1.0  # seconds between polls in the takeover tests
SLACK = 1.0  # event-loop and connection latency on a busy 2-core CI machine


def _candidates(prefix: str, count: int) -> list[Candidate]:
    payload = ShopifySandbox(seed=1, orders=5, products=5).state.orders[0]
    order: Order = map_order(payload, store_id="s", shop_currency="USD")
    order = order.model_copy(update={"created_at": T0, "updated_at": T0 + timedelta(minutes=1)})
    first = candidate_of(order, EventSource.WEBHOOK, now=T0)
    return [dataclasses.replace(first, object_id=f"{prefix}{n}") for n in range(count)]


async def test_every_replica_sees_sequences_in_commit_order(pg_url: str) -> None:
    writers = [PgEventLog(pg_url) for _ in range(2)]
    reader = PgEventLog(pg_url)
    pages: list[list[int]] = []
    done = asyncio.Event()

    async def tail() -> None:
        last = 0
        while not done.is_set() or await reader.last_sequence() > last:
            page = [e.sequence for e in await reader.read_after(last, EventFilter(), 1000)]
            pages.append(page)
            last = page[-1] if page else last

    async def append(n: int) -> None:
        for c in _candidates(f"o{n}-", 10):
            await writers[n % 2].append([c])

    tailing = asyncio.create_task(tail())
    await asyncio.gather(*(append(n) for n in range(8)))
    done.set()
    await tailing
    seen = [s for page in pages for s in page]
    # a tail that had seen N+1 before N would skip N for good: no gap, no repeat, ever
    assert seen == list(range(1, await reader.last_sequence() + 1))
    assert len(seen) >= 80  # each first sighting is one event or more
    await asyncio.gather(*(log.aclose() for log in [*writers, reader]))


async def test_an_append_on_one_replica_wakes_anothers_tail(pg_url: str) -> None:
    a, b = PgEventLog(pg_url), PgEventLog(pg_url)
    woke = asyncio.Event()
    b.watch(woke.set)
    await asyncio.wait_for(woke.wait(), 5)  # the wake every (re)connect gives
    woke.clear()
    started = time.monotonic()
    await a.append(_candidates("x", 1))
    await asyncio.wait_for(woke.wait(), 2)
    assert time.monotonic() - started < b.tail_seconds  # NOTIFY, not the safety-net re-read
    await asyncio.gather(a.aclose(), b.aclose())


@pytest.fixture
async def shop() -> AsyncIterator[tuple[str, StoreRegistry]]:
    """A Shopify sandbox serving store `shop`: (its URL, a registry over it)."""
    sandbox = ShopifySandbox(seed=1, orders=10, products=5, bucket=None)
    async with serve(sandbox.app) as base:
        registry = StoreRegistry([sandbox.connection("shop", base)], ttls=CacheTTLs(products=0))
        yield base, registry
        await registry.aclose()


def _service(registry: StoreRegistry, pg_url: str, tmp_path: Path) -> EventService:
    return EventService.open(
        registry, tmp_path, poll_intervals={"shop": INTERVAL}, storage_url=pg_url
    )


async def _polls_within(service: EventService, seconds: float) -> float:
    """How long until the service's poller polls (fails after `seconds`)."""
    started = time.monotonic()
    poller = service.pollers["shop"]
    poller.last_poll_at = None
    async with asyncio.timeout(seconds):
        while poller.last_poll_at is None:  # noqa: ASYNC110 - the poller sets it
            await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_one_poller_per_store_and_another_takes_over_when_it_stops(
    pg_url: str, tmp_path: Path, shop: tuple[str, StoreRegistry]
) -> None:
    _, registry = shop
    first, second = _service(registry, pg_url, tmp_path), _service(registry, pg_url, tmp_path)
    await first.start()
    await second.start()
    await _polls_within(first, INTERVAL + SLACK)
    second.pollers["shop"].last_poll_at = None
    await asyncio.sleep(2 * INTERVAL)
    assert second.pollers["shop"].last_poll_at is None  # the lease holder alone polls
    await first.stop()  # its lease connection closes with it
    assert await _polls_within(second, INTERVAL + SLACK) <= INTERVAL + SLACK
    await second.stop()


async def test_a_sigkilled_poller_replica_is_replaced_within_one_interval(
    pg_url: str, tmp_path: Path, shop: tuple[str, StoreRegistry]
) -> None:
    base, registry = shop
    port = free_port()
    config = write_config(
        tmp_path,
        port,
        f"""[storage]\nurl = "{pg_url}"\n
[[stores]]
id = "shop"
platform = "shopify"
url = "{base}"
credentials = {{ access_token = "env:CG_TEST_TOKEN" }}
poll_interval_seconds = {INTERVAL}
inventory_poll_interval_seconds = 0
""",
    )
    token = registry.get("shop").connection.credentials["access_token"]
    async with gateway_process(config, port, {"CG_TEST_TOKEN": token}) as proc:
        survivor = _service(registry, pg_url, tmp_path)  # started second: not the poller
        await survivor.start()
        await asyncio.sleep(INTERVAL)
        assert survivor.pollers["shop"].last_poll_at is None
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        took = await _polls_within(survivor, INTERVAL + SLACK)
        await survivor.stop()
    assert took <= INTERVAL + SLACK

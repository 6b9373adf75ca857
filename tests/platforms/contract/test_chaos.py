"""Contract: `/_sandbox/chaos` on every sandbox, driven over HTTP from a separate session."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings
from platforms.errors import CartgraphError, RateLimitedError
from platforms.writes.commands import PlatformWriter, SetInventory
from tests.platforms.contract.support import OpenStore, Store

UNPACED = RateLimitSettings(1000, 1000)
RATES = {
    "before_apply": {"429": 0.1, "503": 0.05, "drop": 0.05},
    "after_apply": {"503": 0.05, "drop": 0.05, "timeout": 0.05},
}
# late writes here land before the client's timeout: a slow answer, still an injected kind
CHAOS = {
    "seed": 7,
    **RATES,
    "late_apply": {"probability": 0.05, "delay_ms": [10, 40]},
    "latency_ms": [0, 5],
    "retry_after": 0.01,  # seconds: a client that honours it is not slowed down
}
READS = 200
WRITES_ONLY = ["POST", "PUT", "PATCH", "DELETE"]  # PATCH: Amazon patchListingsItem


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """The control plane's own session: not the platform client's."""
    async with aiohttp.ClientSession() as session:
        yield session


async def _control(
    http: aiohttp.ClientSession, store: Store, method: str, body: Any = None, route: str = "chaos"
) -> tuple[int, Any]:
    url = f"{store.connection.base_url}/_sandbox/{route}"
    async with http.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


async def _read(store: Store) -> str:
    """One single-attempt read; what the client saw ("ok", or the error's type and status)."""
    try:
        await store.client.get_orders([min(store.facts.orders)])
    except CartgraphError as error:
        return f"{type(error).__name__}:{getattr(error, 'status', None)}"
    return "ok"


async def _chaotic_reads(
    store: Store, http: aiohttp.ClientSession, reads: int
) -> tuple[Counter[str], Any]:
    """Chaos on (a fresh seeded run), `reads` reads one after another, then the report."""
    status, _ = await _control(http, store, "POST", CHAOS)
    assert status == 200
    seen = Counter([await _read(store) for _ in range(reads)])
    return seen, (await _control(http, store, "GET"))[1]


async def test_chaos_injects_each_kind_at_about_its_rate_and_repeats_with_its_seed(
    open_store: OpenStore, http: aiohttp.ClientSession
) -> None:
    store = await open_store("chaos", rate_limit=UNPACED, max_attempts=1, timeout_seconds=0.1)
    seen, report = await _chaotic_reads(store, http, READS)
    _, again = await _chaotic_reads(store, http, READS // 2)

    assert report["enabled"] and report["seed"] == 7
    # a read whose 0.1 s client timeout ran out before it reached a loaded machine's server
    # is not a request the sandbox saw: a few may be missing
    assert READS - 5 <= report["requests"] <= READS + READS // 2
    rates = {f"{stage}.{kind}": p for stage, kinds in RATES.items() for kind, p in kinds.items()}
    rates["late_apply"] = 0.05
    for kind, rate in rates.items():
        assert abs(report["injected"][kind] / report["requests"] - rate) < 0.06, (kind, report)
    # the same seed and the same requests: the same faults on the same requests
    assert again["recent"] == [r for r in report["recent"] if r[0] <= again["requests"]]
    assert seen["RateLimitedError:429"] == report["injected"]["before_apply.429"]
    assert sum(sum(counts.values()) for counts in report["byRoute"].values()) >= READS - 5

    status, off = await _control(http, store, "DELETE")
    assert status == 200 and not off["enabled"]
    assert {await _read(store) for _ in range(20)} == {"ok"}
    _, after = await _control(http, store, "GET")
    assert after["requests"] == again["requests"] and after["injected"] == again["injected"]


async def _writable(store: Store) -> tuple[PlatformWriter, str, str, str]:
    """The store's writer, a (variant, location) with a stock level, and its inventory item."""
    assert store.spec.create_writer is not None
    facts = store.facts
    variant, item = next(
        (v, i) for v, i in sorted(facts.inventory_items.items()) if facts.levels[i]
    )
    return store.spec.create_writer(store.client), variant, sorted(facts.levels[item])[0], item


async def _set(writer: PlatformWriter, variant: str, location: str, available: int) -> None:
    command = SetInventory(variant, location, available)
    key = f"chaos-{available}"
    checkpoint = await writer.prepare(command, operation_key=key)
    await writer.execute(command, operation_key=key, checkpoint=checkpoint)


async def _available(store: Store, item: str, location: str) -> int | None:
    levels = await store.client.get_inventory_levels([item])
    return next(lv.available for lv in levels[item] if lv.location_external_id == location)


@pytest.mark.parametrize("fault", ["503", "drop", "timeout"])
async def test_after_apply_faults_fail_the_answer_of_a_write_that_was_applied(
    open_store: OpenStore, http: aiohttp.ClientSession, fault: str
) -> None:
    # 1 s: long enough for a cold GraphQL sandbox to validate a first document on a loaded
    # machine, short enough that the "timeout" fault (the answer held) ends the write quickly
    store = await open_store("after", rate_limit=UNPACED, max_attempts=1, timeout_seconds=1.0)
    writer, variant, location, item = await _writable(store)
    assert await _available(store, item, location) != 71  # also warms the documents up
    config = {"seed": 1, "after_apply": {fault: 1.0}, "methods": WRITES_ONLY}
    assert (await _control(http, store, "POST", config))[0] == 200

    with pytest.raises(CartgraphError):  # reads (the writer's own) are not faulted
        await _set(writer, variant, location, 71)

    assert await _available(store, item, location) == 71
    _, ledger = await _control(http, store, "GET", route="ledger")
    assert ledger["entries"][-1]["fault"] == f"after_apply.{fault}"
    _, report = await _control(http, store, "GET")
    assert report["injected"][f"after_apply.{fault}"] >= 1
    assert sum(report["injected"].values()) == report["requests"]


async def test_a_late_write_lands_after_the_client_gave_up(
    open_store: OpenStore, http: aiohttp.ClientSession
) -> None:
    # the client gives up after 1 s (a cold GraphQL sandbox's first answers take a few tenths
    # on a loaded machine); the sandbox applies the write 3 s after it arrived
    store = await open_store("late", rate_limit=UNPACED, max_attempts=1, timeout_seconds=1.0)
    writer, variant, location, item = await _writable(store)
    before = await _available(store, item, location)
    late = {"probability": 1.0, "delay_ms": [3000, 3000]}
    config = {"seed": 1, "late_apply": late, "methods": WRITES_ONLY}
    assert (await _control(http, store, "POST", config))[0] == 200

    with pytest.raises(CartgraphError):
        await _set(writer, variant, location, 66)
    _, held = await _control(http, store, "GET")
    assert held["latePending"] == 1 and held["lateApplied"] == 0
    assert await _available(store, item, location) == before

    deadline = asyncio.get_running_loop().time() + 15  # bounded: fails, never hangs
    while True:
        _, report = await _control(http, store, "GET")
        if report["lateApplied"] or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert report["lateApplied"] == 1 and report["latePending"] == 0
    assert await _available(store, item, location) == 66
    _, ledger = await _control(http, store, "GET", route="ledger")
    assert ledger["entries"][-1]["fault"] == "late_apply"
    assert ledger["entries"][-1]["clientGone"] is True


async def test_chaos_is_switched_and_reported_over_http_and_spares_the_control_plane(
    open_store: OpenStore, http: aiohttp.ClientSession
) -> None:
    store = await open_store("switch", rate_limit=UNPACED, max_attempts=1)
    for bad in ({"before_apply": {"429": 0.7, "503": 0.7}}, {"after_apply": {"500": 0.1}}, []):
        status, body = await _control(http, store, "POST", bad)
        assert status == 400 and "bad chaos config" in body["error"]

    status, on = await _control(http, store, "POST", {"seed": 3, "before_apply": {"429": 1.0}})
    assert status == 200 and on["enabled"] and on["config"]["before_apply"]["429"] == 1.0
    assert (await _control(http, store, "GET", route="calls"))[0] == 200  # never faulted
    with pytest.raises(RateLimitedError):
        await store.client.get_orders([min(store.facts.orders)])

    _, report = await _control(http, store, "GET")
    assert report["injected"]["before_apply.429"] == report["requests"] == 1
    assert [counts["before_apply.429"] for counts in report["byRoute"].values()] == [1]
    status, off = await _control(http, store, "DELETE")
    assert status == 200 and not off["enabled"] and off["injected"]["before_apply.429"] == 1
    assert await _read(store) == "ok"

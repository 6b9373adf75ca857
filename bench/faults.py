"""The fault run (`--only faults`): writes and events through a killed gateway over chaos."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import fault_events, machine
from bench.fault_gateway import RestartableGateway, killing
from bench.fault_truth import account, effects
from bench.fault_writes import (
    Answer,
    Intent,
    Item,
    ItemKey,
    choose_items,
    plan_lanes,
    send_lanes,
    settle,
    stock,
)
from bench.load import GraphQLError
from bench.procs import AUTH_HEADERS, GatewaySetup, StoreInfo, sandboxes


@dataclass(frozen=True)
class FaultPlan:
    """Sizes and timings of one fault run; `seed` makes the whole run repeatable."""

    seed: int
    writes: int  # per platform, repeats and conflicting keys included
    items: int  # stock levels written per platform (one lane each)
    submit_seconds: float  # the writes are spread over about this long
    kill_every: float  # the gateway is SIGKILLed and restarted about this often
    kills: int  # at most this many kills in the write run
    settle_seconds: float  # how long unfinished operations may take after the last send
    orders: int  # per platform, in the event run
    event_seconds: float
    event_wait_seconds: float  # for due events after the last order change
    late_ms: tuple[int, int]  # late_apply's delay
    store_timeout: float  # the gateway's per-request timeout for these stores
    write_timeout: float  # how long a store may still apply a write the gateway gave up on


FULL = FaultPlan(
    seed=1,
    writes=1000,
    items=50,
    submit_seconds=150,
    kill_every=20,
    kills=50,
    settle_seconds=300,
    orders=60,
    event_seconds=60,
    event_wait_seconds=90,
    late_ms=(500, 5000),
    store_timeout=2,
    write_timeout=8,
)
SHORT = FaultPlan(
    seed=1,
    writes=100,
    items=10,
    submit_seconds=8,
    kill_every=5,
    kills=1,
    settle_seconds=40,
    orders=10,
    event_seconds=8,
    event_wait_seconds=30,
    late_ms=(300, 1500),
    store_timeout=1,
    write_timeout=3,
)


def chaos(plan: FaultPlan, index: int) -> dict[str, Any]:
    """About 30% of API requests faulted: 16% before applying, 11% after, 3% applied late."""
    return {
        "seed": plan.seed * 100 + index,
        "before_apply": {"429": 0.08, "503": 0.04, "drop": 0.04},
        "after_apply": {"503": 0.04, "drop": 0.04, "timeout": 0.03},
        "late_apply": {"probability": 0.03, "delay_ms": list(plan.late_ms)},
        "latency_ms": [0, 50],
        "retry_after": 0.25,
    }


def _setup(plan: FaultPlan, poll: float = 0) -> GatewaySetup:
    options = (
        ("timeout_seconds", plan.store_timeout),
        ("write_timeout_seconds", plan.write_timeout),
        ("max_attempts", 10),
        ("poll_interval_seconds", poll),
    )
    return GatewaySetup(store_options=options)


async def _control(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    async with session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


async def _chaos(
    session: aiohttp.ClientSession, stores: list[StoreInfo], plan: FaultPlan | None
) -> list[Any]:
    """Chaos on (with the plan's seeds) or off, on every store; the reports."""
    reports = []
    for index, store in enumerate(stores):
        url = f"{store.url}/_sandbox/chaos"
        body = chaos(plan, index) if plan is not None else None
        reports.append(await _control(session, "POST" if plan else "DELETE", url, body))
    return reports


async def _quiet(session: aiohttp.ClientSession, stores: list[StoreInfo]) -> None:
    """Chaos off, and every write held for late apply has landed."""
    await _chaos(session, stores, None)
    for store in stores:
        for _ in range(600):  # a held write lands within late_apply's delay (≤ 60 s here)
            if not (await _control(session, "GET", f"{store.url}/_sandbox/chaos"))["latePending"]:
                break
            await asyncio.sleep(0.1)


async def _retrying(make: Any, seconds: float = 60) -> Any:
    """A read through the gateway, asked again while it restarts."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await make()
        except (aiohttp.ClientError, GraphQLError, TimeoutError, ValueError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@dataclass
class _Writes:
    """One store's planned write run: its levels before, the lanes and their items."""

    store: StoreInfo
    initial: dict[ItemKey, Any]
    items: list[Item]
    lanes: list[list[Intent]]


async def _plan(
    session: aiohttp.ClientSession, url: str, stores: list[StoreInfo], plan: FaultPlan
) -> tuple[list[_Writes], random.Random]:
    rng = random.Random(plan.seed)
    planned = []
    for store in stores:
        initial = await stock(session, url, store.id)
        items = choose_items(initial, plan.items, rng)
        lanes = plan_lanes(store.id, items, plan.writes, rng, plan.seed)
        planned.append(_Writes(store, initial, items, lanes))
    return planned, rng


async def _write_run(
    session: aiohttp.ClientSession, gw: RestartableGateway, stores: list[StoreInfo], plan: FaultPlan
) -> tuple[dict[str, dict[str, int]], list[Any]]:
    url = gw.url + "/graphql"
    planned, rng = await _plan(session, url, stores, plan)
    ids = [s.id for s in stores]
    await _chaos(session, stores, plan)
    async with killing(gw, plan.kill_every, random.Random(plan.seed + 1), plan.kills):
        sent = await asyncio.gather(
            *(send_lanes(session, url, p.items, p.lanes, plan.submit_seconds, rng) for p in planned)
        )
        # the gateway keeps being killed until nothing is left unfinished
        until = plan.settle_seconds
        await _retrying(lambda: settle(session, url, ids, until), until + 60)
    reports = [await _control(session, "GET", f"{s.url}/_sandbox/chaos") for s in stores]
    await _quiet(session, stores)
    ops = await _retrying(lambda: settle(session, url, ids, 30))
    figures = {
        p.store.id: await _count(session, url, p, answers, ops[p.store.id])
        for p, answers in zip(planned, sent, strict=True)
    }
    return figures, reports


async def _count(
    session: aiohttp.ClientSession,
    url: str,
    planned: _Writes,
    answers: list[Answer],
    ops: dict[str, dict[str, Any]],
) -> dict[str, int]:
    """With chaos off and late writes landed: the store's levels and ledger, accounted."""
    store = planned.store
    final = await _retrying(lambda: stock(session, url, store.id))
    ledger = await _control(session, "GET", f"{store.url}/_sandbox/ledger")
    levels = ({k: v[2] for k, v in planned.initial.items()}, {k: v[2] for k, v in final.items()})
    return account(planned.items, planned.lanes, answers, ops, levels, effects(ledger["entries"]))


async def measure(plan: FaultPlan, work: Path) -> dict[str, Any]:
    """Both halves of the fault run on their own sandboxes and gateways."""
    began, where = time.perf_counter(), machine.describe()
    async with sandboxes("faults") as by_id, aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
        stores = list(by_id.values())
        gw = RestartableGateway(stores, _setup(plan), work)
        try:
            await gw.start()
            writes, reports = await _write_run(session, gw, stores, plan)
            write_kills = gw.kills
        finally:
            await gw.close()
        gw = RestartableGateway(stores, _setup(plan, poll=1), work)
        try:
            await gw.start()
            await _chaos(session, stores, dataclasses.replace(plan, seed=plan.seed + 50))
            events = await fault_events.measure(session, gw, stores, plan, random.Random(plan.seed))
            await _quiet(session, stores)
        finally:
            await gw.close()
    return {
        "seed": plan.seed,
        "machine": where,
        "plan": dataclasses.asdict(plan),
        "platforms": {s.id: s.platform for s in stores},
        "writes": writes,
        "write_kills": write_kills,
        "chaos": {s.id: r["injected"] for s, r in zip(stores, reports, strict=True)},
        "events": events,
        "seconds": round(time.perf_counter() - began, 1),
    }

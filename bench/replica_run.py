"""The multi-replica run (`--only replicas`): gateways on one PostgreSQL and one Redis."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import events, fault_events, faults, machine, writes
from bench.faults import FaultPlan
from bench.load import GraphQLError, graphql
from bench.procs import AUTH_HEADERS, GatewaySetup, StoreInfo, sandboxes
from bench.replicas import Backends, ReplicaSet, backends, replica_set

# one upstream call: the store's first page of one order
ONE_CALL = """query ($stores: [ID!]) {
  orders(storeIds: $stores, first: 1) { edges { node { id } } }
}"""


@dataclass(frozen=True)
class ReplicaPlan:
    """Sizes of the multi-replica run."""

    replicas: int
    budget_seconds: float  # one Shopify store driven flat out through every replica
    budget_clients: int  # concurrent requests, spread over the replicas by the relay
    write_jobs: int  # per throughput run (1 replica, then all)
    write_seconds: float
    subscribers: int  # on one replica, while the webhooks go to another
    orders: int
    faults: FaultPlan


FULL = ReplicaPlan(3, 60, 12, 300, 120, 10, 40, faults.FULL)
SHORT = ReplicaPlan(3, 15, 6, 40, 60, 3, 5, faults.SHORT)


async def measure(plan: ReplicaPlan, work: Path) -> dict[str, Any]:
    """Every row of the run, on its own sandboxes, database and Redis key prefix."""
    began, where = time.perf_counter(), machine.describe()
    results: dict[str, Any] = {"machine": where, "replicas": plan.replicas}
    async with (
        sandboxes("replicas") as by_id,
        backends() as shared,
        aiohttp.ClientSession(headers=AUTH_HEADERS) as session,
    ):
        stores = list(by_id.values())
        results["budget"] = await _budget(session, plan, _one(stores, "budget"), shared, work)
        chosen = [s for s in stores if s.purpose == "writes"]
        results["writes"] = [
            await _throughput(session, plan, chosen, shared, work, n) for n in (1, plan.replicas)
        ]
        results["fanout"] = await _fanout(session, plan, _one(stores, "events"), shared, work)
        chosen = [s for s in stores if s.purpose == "faults"]
        results["faults"] = await _faults(session, plan, chosen, shared, work)
    results["seconds"] = round(time.perf_counter() - began, 1)
    return results


def _one(stores: list[StoreInfo], purpose: str) -> StoreInfo:
    return next(s for s in stores if s.purpose == purpose)


async def _budget(
    session: aiohttp.ClientSession,
    plan: ReplicaPlan,
    store: StoreInfo,
    shared: Backends,
    work: Path,
) -> dict[str, Any]:
    """One Shopify store read flat out through every replica: the share of its budget the
    platform accepted (capacity + leak x seconds at most), and its 429s and our errors."""
    capacity, leak = store.raw["server_bucket"]
    async with replica_set([store], shared.setup(GatewaySetup()), work, plan.replicas) as gws:
        await _control(session, "POST", f"{store.url}/_sandbox/bench/reset")
        errors: dict[str, int] = {}
        began = time.monotonic()
        deadline = began + plan.budget_seconds
        clients = [
            _client(session, gws.url, store.id, deadline, errors)
            for _ in range(plan.budget_clients)
        ]
        await asyncio.gather(*clients)
        report = await _control(session, "GET", f"{store.url}/_sandbox/bench")
    accepted = sum(1 for t in report["stamps"] if began <= t <= deadline)
    budget = capacity + leak * plan.budget_seconds
    return {
        "seconds": plan.budget_seconds,
        "capacity": capacity,
        "leak_per_second": leak,
        "accepted": accepted,
        "budget": budget,
        "use_pct": round(100 * accepted / budget, 1),
        "rejected_429": report["rejected"],
        "errors": errors,
    }


async def _client(
    session: aiohttp.ClientSession, url: str, store_id: str, deadline: float, errors: dict[str, int]
) -> None:
    while time.monotonic() < deadline:
        try:
            await graphql(session, url + "/graphql", ONE_CALL, {"stores": [store_id]})
        except (GraphQLError, aiohttp.ClientError) as exc:
            key = "THROTTLED" if "THROTTLED" in str(exc) else type(exc).__name__
            errors[key] = errors.get(key, 0) + 1


async def _throughput(
    session: aiohttp.ClientSession,
    plan: ReplicaPlan,
    stores: list[StoreInfo],
    shared: Backends,
    work: Path,
    n: int,
) -> dict[str, Any]:
    """`write_jobs` adjustInventory mutations over the write stores, accepted through the
    relay by `n` replicas and run by their workers, to SUCCEEDED."""
    async with replica_set(stores, shared.setup(GatewaySetup()), work, n) as gws:
        url = gws.url + "/graphql"
        stock = {s.id: await writes._stock(session, url, s) for s in stores}
        inputs = writes._inputs(stock, plan.write_jobs, hot=False)
        before = await writes._count(session, url, "SUCCEEDED")
        began = time.perf_counter()
        refused = await writes._enqueue(session, url, inputs)
        expected, done = before + len(inputs) - len(refused), before
        deadline = time.monotonic() + plan.write_seconds
        while done < expected and time.monotonic() < deadline:
            await asyncio.sleep(writes.POLL_SECONDS)
            done = await writes._count(session, url, "SUCCEEDED")
        seconds = time.perf_counter() - began
    return {
        "replicas": n,
        "jobs": len(inputs),
        "succeeded": done - before,
        "refused": len(refused),
        "seconds": round(seconds, 2),
        "jobs_per_s": round((done - before) / seconds, 1),
        "complete": done == expected and not refused,
    }


async def _fanout(
    session: aiohttp.ClientSession,
    plan: ReplicaPlan,
    store: StoreInfo,
    shared: Backends,
    work: Path,
) -> dict[str, Any]:
    """Webhooks into replica C, subscribers on replica A: order placed -> delivered."""
    async with replica_set([store], shared.setup(GatewaySetup()), work, plan.replicas) as gws:
        first, last = gws.replicas[0], gws.replicas[-1]
        secret = store.raw["credentials"]["webhook_secret"]
        hook = {"url": f"{last.url}/webhooks/{store.id}", "secret": secret}
        await _control(session, "POST", f"{store.url}/_sandbox/webhooks", hook)
        deadline = time.monotonic() + 120
        return await events._level(
            session, first.process, store, plan.subscribers, plan.orders, deadline
        )


async def _faults(
    session: aiohttp.ClientSession,
    plan: ReplicaPlan,
    stores: list[StoreInfo],
    shared: Backends,
    work: Path,
) -> dict[str, Any]:
    """The fault run's writes and events halves, through the replicas while one of them at
    a time is SIGKILLed and restarted (the others keep serving)."""
    fplan = plan.faults
    gws = ReplicaSet(stores, shared.setup(faults._setup(fplan)), work, plan.replicas)
    try:
        await gws.start()
        found, _ = await faults._write_run(session, gws, stores, fplan)
        write_kills = gws.kills
    finally:
        await gws.close()
    gws = ReplicaSet(stores, shared.setup(faults._setup(fplan, poll=1)), work, plan.replicas)
    try:
        await gws.start()
        await faults._chaos(session, stores, dataclasses.replace(fplan, seed=fplan.seed + 50))
        rng = random.Random(fplan.seed)
        seen = await fault_events.measure(session, gws, stores, fplan, rng)
        await faults._quiet(session, stores)
    finally:
        await gws.close()
    return {"writes": found, "write_kills": write_kills, "events": seen, "plan": fplan.writes}


async def _control(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    async with session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        with contextlib.suppress(aiohttp.ContentTypeError):
            return await resp.json()
        return None

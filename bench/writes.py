"""Write-queue throughput (table 4b): N adjustInventory mutations to SUCCEEDED, durable store."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.load import graphql
from bench.procs import AUTH_HEADERS, GatewayProcess, StoreInfo

STOCK = """query ($stores: [ID!], $first: Int) {
  products(storeIds: $stores, first: $first) { edges { node {
    variants { id inventoryLevels { location { id } } }
  } } }
}"""
ADJUST = """mutation ($input: AdjustInventoryInput!) {
  adjustInventory(input: $input, wait: false) {
    __typename
    ... on WriteQueued { operation { id } }
    ... on WriteFailed { code message }
    ... on UnsupportedOnPlatform { message }
  }
}"""
COUNT = """query ($status: WriteOperationStatus) {
  writeOperations(status: $status, first: 1) { totalCount }
}"""
SUBMITTERS = 16  # mutations in flight from the harness while enqueueing
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class WritePlan:
    """Mutations per scenario and the whole table's time box."""

    jobs: int
    seconds: float


async def _stock(
    session: aiohttp.ClientSession, url: str, store: StoreInfo
) -> list[dict[str, str]]:
    """Every stocked (variant, location) of the store, as adjustInventory inputs."""
    data = await graphql(session, url, STOCK, {"stores": [store.id], "first": 100})
    return [
        {"variantId": v["id"], "locationId": level["location"]["id"]}
        for edge in data["products"]["edges"]
        for v in edge["node"]["variants"]
        for level in v["inventoryLevels"]
        if level.get("location")
    ]


async def _count(session: aiohttp.ClientSession, url: str, status: str | None) -> int:
    data = await graphql(session, url, COUNT, {"status": status})
    return int(data["writeOperations"]["totalCount"])


async def _calls(session: aiohttp.ClientSession, stores: list[StoreInfo], reset: bool) -> int:
    total = 0
    for store in stores:
        if reset:
            async with session.post(store.url + "/_sandbox/calls/reset") as resp:
                resp.raise_for_status()
        else:
            async with session.get(store.url + "/_sandbox/calls") as resp:
                total += int((await resp.json())["total"])
    return total


async def _enqueue(
    session: aiohttp.ClientSession, url: str, inputs: list[dict[str, Any]]
) -> list[str]:
    """POST every mutation (wait: false) from a few concurrent submitters; typed refusals."""
    refused: list[str] = []
    pending = iter(inputs)

    async def submitter() -> None:
        for item in pending:
            data = await graphql(session, url, ADJUST, {"input": item})
            result = data["adjustInventory"]
            if result["__typename"] != "WriteQueued":
                refused.append(f"{result['__typename']}: {result.get('message', '')}"[:200])

    await asyncio.gather(*(submitter() for _ in range(SUBMITTERS)))
    return refused


def _inputs(stock: dict[str, list[dict[str, str]]], jobs: int, hot: bool) -> list[dict[str, Any]]:
    """`jobs` adjustments spread round-robin over the stores: each on its own (variant,
    location) when there are enough, or all of a store's on its first one (`hot`)."""
    per_store = [itertools.cycle(pairs[:1] if hot else pairs) for pairs in stock.values() if pairs]
    rounds = itertools.cycle(per_store)
    return [{**next(next(rounds)), "delta": 1} for _ in range(jobs)]


async def _scenario(
    session: aiohttp.ClientSession,
    gw: GatewayProcess,
    stores: list[StoreInfo],
    stock: dict[str, list[dict[str, str]]],
    jobs: int,
    hot: bool,
    deadline: float,
) -> dict[str, Any]:
    url = gw.url + "/graphql"
    inputs = _inputs({s.id: stock[s.id] for s in stores}, jobs, hot)
    distinct = len({(i["variantId"], i["locationId"]) for i in inputs})
    before = await _count(session, url, "SUCCEEDED")
    await _calls(session, stores, reset=True)
    began = time.perf_counter()
    refused = await _enqueue(session, url, inputs)
    accepted_s = time.perf_counter() - began
    expected = before + jobs - len(refused)
    done = before
    while done < expected and time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        done = await _count(session, url, "SUCCEEDED")
    seconds = time.perf_counter() - began
    succeeded = done - before
    return {
        "scenario": f"{len(stores)} store{'s' if len(stores) > 1 else ''}, "
        + ("one hot resource per store" if hot else "distinct resources"),
        "stores": [s.id for s in stores],
        "jobs": jobs,
        "resources": distinct,
        "succeeded": succeeded,
        "refused": len(refused),
        "refusals": refused[:3],
        "quarantined": await _count(session, url, "QUARANTINED"),
        "accept_rps": round(jobs / accepted_s, 1),
        "seconds": round(seconds, 2),
        "jobs_per_s": round(succeeded / seconds, 1) if succeeded else 0.0,
        "upstream_per_job": round(await _calls(session, stores, reset=False) / jobs, 2),
        "complete": succeeded == jobs,
        "peak_rss_mib": round(gw.peak_rss_mib(), 1),
    }


async def measure(
    gw: GatewayProcess, stores: list[StoreInfo], plan: WritePlan
) -> list[dict[str, Any]]:
    """One store (Shopify) then all three, distinct resources then one hot resource each."""
    deadline = time.monotonic() + plan.seconds
    async with aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
        stock = {s.id: await _stock(session, gw.url + "/graphql", s) for s in stores}
        shopify = [s for s in stores if s.platform == "shopify"][:1]
        rows = []
        for chosen in (shopify, stores):
            for hot in (False, True):
                gw.reset_peak_rss()
                rows.append(await _scenario(session, gw, chosen, stock, plan.jobs, hot, deadline))
        return rows

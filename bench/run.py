"""The benchmark run: sandboxes and gateways as child processes, load from this one."""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench import (
    events,
    fault_report,
    faults,
    machine,
    peer,
    replica_report,
    replica_run,
    report,
    writes,
)
from bench.backfill import backfill
from bench.events import EventPlan
from bench.load import Budget
from bench.procs import AUTH_HEADERS, ROOT, GatewaySetup, StoreInfo, gateway, sandboxes
from bench.reads import Upstream, build_rows, call_counts, floor, overhead
from bench.writes import WritePlan

SCENARIOS = ("reads", "backfill", "events", "writes", "peer")
OPT_IN = ("faults", "replicas")  # long, and on their own stores: only when named in --only

METHOD = """**How it runs.** `python -m bench` starts the sandbox stores in one child process
(`python -m bench.sandboxes`: Shopify, WooCommerce, Magento and BigCommerce stores for reads,
plus a 10,000-order Shopify store and 2,000-order WooCommerce/Magento/BigCommerce stores for
the backfill, all on 127.0.0.1), starts the gateway as another (`python -m gateway.cli serve
--config <generated toml> [--workers N]`, credentials passed as `env:` references) and drives
load from the harness process with aiohttp. Upstream calls are the sandboxes' own counters
(`/_sandbox/calls`).
Shopify is read twice, from two stores seeded alike: `(shopify)` rows through Admin GraphQL
(the default API; table 1 states each document's requested/actual points as the sandbox
reported them in `extensions.cost`) and `(shopify-rest)` rows through `api = "rest"`.
The read stores' rate limits (and GraphQL points) are lifted on both sides so tables 1-2
measure the gateway, not a bucket; the backfill stores enforce the platforms' limits
server-side (429 + Retry-After; Shopify's GraphQL store its points plan, THROTTLED).
The *floor* is the same upstream calls made directly with the platform clients in the
dependency order the API forces (HTTP, JSON and canonical mapping, no GraphQL; on Admin
GraphQL the gateway's own documents, the client given the same selection to push down, and
*floor calls/query* shows they match): what a live-read gateway cannot beat without caching.
*Cold* = product and location caches off; *warm* = both on (TTL 300 s). Latencies are per
request at fixed concurrency; p99 over the cell's requests. All processes share this
machine's cores, so throughput is a lower bound.
*CPU ms/query* is the gateway processes' user+system CPU time over the cell (warm-up
included) per request, and for the floor this harness process's: it barely moves when the
machine is busy, so it is the column to compare between runs; the *CPU ratio* is the work
GraphQL adds on top of the calls a query needs.
Scenarios run one after another, each time-boxed (a stalled peer is stopped and recorded;
a table-2 setup that would start after the reads' box is listed as skipped)."""


@dataclass(frozen=True)
class Plan:
    """What to run: the full benchmark, or a tiny smoke configuration."""

    profile: str
    page: int
    levels: tuple[int, ...]
    budget: Budget
    setups: tuple[tuple[str, GatewaySetup], ...]
    peer: bool
    events: EventPlan
    writes: WritePlan
    peer_seconds: float  # the peer's time box: a stalled Mesh is recorded, not waited for
    reads_seconds: float  # no further table-2 setup starts once the reads took this long
    faults: faults.FaultPlan = faults.FULL
    replicas: replica_run.ReplicaPlan = replica_run.FULL
    only: tuple[str, ...] = SCENARIOS


WARM = 300.0
FULL = Plan(
    "full",
    page=20,
    levels=(1, 8, 32),
    budget=Budget(seconds=1.0, max_requests=300, min_requests=20),
    setups=(
        ("cold, 1 worker", GatewaySetup(workers=1)),
        ("warm, 1 worker", GatewaySetup(workers=1, product_ttl=WARM, location_ttl=WARM)),
        ("cold, 2 workers", GatewaySetup(workers=2)),
        ("warm, 2 workers", GatewaySetup(workers=2, product_ttl=WARM, location_ttl=WARM)),
    ),
    peer=True,
    events=EventPlan(levels=((1, 40), (100, 15), (1000, 8)), seconds=90),
    writes=WritePlan(jobs=300, seconds=60),
    peer_seconds=120,
    reads_seconds=280,
)
QUICK = Plan(
    "quick",
    page=5,
    levels=(1, 4),
    budget=Budget(seconds=0.1, max_requests=12, min_requests=3, warmup=1),
    setups=(
        ("cold, 1 worker", GatewaySetup(workers=1)),
        ("warm, 2 workers", GatewaySetup(workers=2, product_ttl=WARM, location_ttl=WARM)),
    ),
    peer=False,
    events=EventPlan(levels=((1, 3), (10, 2)), seconds=30),
    writes=WritePlan(jobs=12, seconds=30),
    peer_seconds=60,
    reads_seconds=60,
    faults=faults.SHORT,
    replicas=replica_run.SHORT,
)


async def _reads(
    plan: Plan, stores: dict[str, StoreInfo], work: Path, results: dict[str, Any]
) -> None:
    read = [s for s in stores.values() if s.purpose == "read"]
    async with aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
        upstream = Upstream(session, stores)
        rows = None
        began = time.perf_counter()
        for label, setup in plan.setups:
            if rows is not None and time.perf_counter() - began > plan.reads_seconds:
                results["skipped"].append(f"table 2 '{label}': reads time box spent")
                continue
            async with gateway(read, setup, work) as gw:
                if rows is None:
                    rows = await build_rows(session, gw.url, read, plan.page)
                    results["calls"] = await call_counts(session, gw, upstream, rows)
                run = await overhead(session, gw, upstream, rows, label, plan.levels, plan.budget)
            results["overhead"].append(
                {"label": run.label, "cells": run.cells, "peak_rss_mib": run.peak_rss_mib}
            )
            results["memory"][f"reads, {label}"] = run.peak_rss_mib
            _say(f"overhead: {label} done")
        assert rows is not None
        results["floor"] = await floor(stores, rows, plan.levels, plan.budget, upstream)
        results["rows"] = [r.label for r in rows]


async def _backfill(stores: dict[str, StoreInfo], work: Path, results: dict[str, Any]) -> None:
    chosen = [s for s in stores.values() if s.purpose == "backfill"]
    async with (
        aiohttp.ClientSession(headers=AUTH_HEADERS) as session,
        gateway(chosen, GatewaySetup(), work) as gw,
    ):
        gw.reset_peak_rss()
        results["backfill"] = await backfill(session, gw, chosen)
        results["memory"]["backfill (every store at once)"] = gw.peak_rss_mib()


async def _events(
    plan: Plan, stores: dict[str, StoreInfo], work: Path, results: dict[str, Any]
) -> None:
    store = next(s for s in stores.values() if s.purpose == "events")
    async with gateway([store], GatewaySetup(), work) as gw:
        rows = await events.measure(gw, store, plan.events)
    results["events"] = rows
    for row in rows:
        if row.get("peak_rss_mib"):
            results["memory"][f"events, {row['subscribers']} subscribers"] = row["peak_rss_mib"]


async def _writes(
    plan: Plan, stores: dict[str, StoreInfo], work: Path, results: dict[str, Any]
) -> None:
    chosen = [s for s in stores.values() if s.purpose == "writes"]
    async with gateway(chosen, GatewaySetup(), work) as gw:
        rows = await writes.measure(gw, chosen, plan.writes)
    results["writes"] = rows
    for row in rows:
        results["memory"][f"writes, {row['scenario']}"] = row["peak_rss_mib"]


async def run(plan: Plan, out_dir: Path, markdown_path: Path | None) -> dict[str, Any]:
    """Run the plan; writes `latest.json` under out_dir and, if asked, BENCHMARKS.md."""
    began = time.perf_counter()
    work = out_dir / "work"
    results: dict[str, Any] = {
        "command": _command(),
        "profile": plan.profile,
        "machine": machine.describe(),
        "method": METHOD,
        "overhead": [],
        "memory": {},
        "calls": [],
        "floor": [],
        "backfill": [],
        "events": [],
        "writes": [],
        "peer": peer.skipped(),
        "skipped": [],
    }
    if "faults" in plan.only:  # first: its own sandboxes, and the others' leave it alone
        results["faults"] = await faults.measure(plan.faults, work)
        _say("faults done", began)
    if "replicas" in plan.only:  # its own sandboxes, database and Redis prefix
        results["replicas"] = await replica_run.measure(plan.replicas, work)
        _say("replicas done", began)
    if set(plan.only) & set(SCENARIOS):
        await _scenarios(plan, work, results, began)
    results["seconds"] = time.perf_counter() - began
    results["scenarios"] = list(plan.only)
    _save(results, out_dir, markdown_path)
    return results


async def _scenarios(plan: Plan, work: Path, results: dict[str, Any], began: float) -> None:
    async with sandboxes(plan.profile) as stores:
        _say(f"sandboxes up: {', '.join(stores)}", began)
        if "reads" in plan.only:
            await _reads(plan, stores, work, results)
            _say("reads done", began)
        # one scenario at a time: the sandboxes share one process, and a backfill running
        # beside the event scenario showed up in its end-to-end p99.
        if "backfill" in plan.only:
            await _backfill(stores, work, results)
            _say("backfill done", began)
        if "events" in plan.only:
            await _events(plan, stores, work, results)
            _say("events done", began)
        if "writes" in plan.only:
            await _writes(plan, stores, work, results)
            _say("writes done", began)
        if "peer" in plan.only:
            results["peer"] = await _peer(plan, stores, results)


def _save(results: dict[str, Any], out_dir: Path, markdown_path: Path | None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    previous = markdown_path.read_text() if markdown_path and markdown_path.exists() else ""
    found = results.get("faults")
    section = fault_report.section(found, results["command"]) if found else None
    alone = results["scenarios"] in (["faults"], ["replicas"]) and previous
    if alone:
        text = fault_report.splice(previous, section)  # the other tables stay as they were
    else:
        text = fault_report.splice(report.markdown(results), section or _kept(previous))
    rows = results.get("replicas")
    replicas = replica_report.section(rows, results["command"]) if rows else None
    text = replica_report.splice(text, replicas or replica_report.carried(previous))
    if markdown_path is not None:
        markdown_path.write_text(text)
    print((section or replicas) if alone else text)


def _kept(previous: str) -> str | None:
    # a run without the fault run keeps the last one's table rather than dropping it
    return fault_report.carried(previous) if previous else None


async def _peer(plan: Plan, stores: dict[str, StoreInfo], results: dict[str, Any]) -> Any:
    if not plan.peer or not results["overhead"]:
        return peer.skipped()
    # Mesh forks one process per core by default: compare with our 2-worker cold gateway.
    runs = {r["label"]: r for r in results["overhead"]}
    run = runs.get("cold, 2 workers", results["overhead"][0])
    nested = next(r for r in results["calls"] if r["row"] == "nested (shopify)")
    ours = {"label": run["label"], "cells": run["cells"], "calls": nested["calls"]}
    try:
        found: dict[str, Any] = await asyncio.wait_for(
            peer.compare(stores, ours, plan), plan.peer_seconds
        )
    except TimeoutError:
        found = {
            "status": "failed",
            "detail": f"GraphQL Mesh did not finish within the {plan.peer_seconds:.0f} s time box"
            " (build, start and both cells); it was stopped.",
        }
    _say(f"peer: {found['status']}")
    return found


def _command() -> str:
    args = " ".join(shlex.quote(a) for a in sys.argv[1:])
    # `./run bench` sets this so the report names the command that set the machine up too
    invoked_as = os.environ.get("CARTGRAPH_BENCH_COMMAND", "python -m bench")
    return f"{invoked_as} {args}".strip()


def _say(message: str, began: float | None = None) -> None:
    at = "" if began is None else f" (+{time.perf_counter() - began:.0f} s)"
    print(f"[bench] {message}{at}", file=sys.stderr, flush=True)


DEFAULT_OUT = ROOT / "bench" / "results"
DEFAULT_MARKDOWN = ROOT / "BENCHMARKS.md"

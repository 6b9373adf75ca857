"""Read scenarios: upstream calls per query (table 1) and gateway overhead (table 2)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.bounds import bound_for
from bench.floor import clients
from bench.load import Budget, drive, graphql, graphql_op
from bench.procs import GatewayProcess, StoreInfo
from bench.queries import ORDER_IDS, REST_SUFFIX, Row, read_rows


@dataclass
class Upstream:
    """The sandboxes' call counters, read over their control routes."""

    session: aiohttp.ClientSession
    stores: dict[str, StoreInfo]

    async def reset(self, store_ids: tuple[str, ...]) -> None:
        """Zero the counters of these stores."""
        for sid in store_ids:
            for route in ("/_sandbox/calls/reset", "/_sandbox/bench/reset"):
                async with self.session.post(self.stores[sid].url + route) as r:
                    r.raise_for_status()

    async def calls(self, store_ids: tuple[str, ...]) -> dict[str, int]:
        """Calls by "store route" since the last reset."""
        found: dict[str, int] = {}
        for sid in store_ids:
            async with self.session.get(self.stores[sid].url + "/_sandbox/calls") as resp:
                body = await resp.json()
            for route, count in body["byRoute"].items():
                found[f"{sid} {route}"] = count
        return found

    async def points(self, store_ids: tuple[str, ...]) -> list[list[int]]:
        """[requested, actual] points of each Admin GraphQL document since the last reset,
        as the sandbox reported them in `extensions.cost`, in the order they were answered."""
        found: list[list[int]] = []
        for sid in store_ids:
            async with self.session.get(self.stores[sid].url + "/_sandbox/bench") as resp:
                body = await resp.json()
            charges = (body.get("points") or {}).get("charges", [])
            found += [[int(c[2]), int(c[1])] for c in charges]  # (time, actual, requested)
        return found


def label(store: StoreInfo) -> str:
    """The platform as tables name it: Shopify's REST store is "shopify-rest"."""
    rest = store.platform == "shopify" and store.raw["options"].get("api") == "rest"
    return store.platform + REST_SUFFIX if rest else store.platform


async def build_rows(
    session: aiohttp.ClientSession, url: str, read: list[StoreInfo], page: int
) -> list[Row]:
    """The row set; the entity rows use real order ids fetched from the gateway first."""
    ids: dict[str, list[str]] = {}
    for store in read:
        data = await graphql(session, url + "/graphql", ORDER_IDS, _ids_vars(store, page))
        ids[store.id] = [e["node"]["id"] for e in data["orders"]["edges"]]
    return read_rows({s.id: label(s) for s in read}, page, ids)


def _ids_vars(store: StoreInfo, page: int) -> dict[str, Any]:
    return {"storeIds": [store.id], "first": page}


async def call_counts(
    session: aiohttp.ClientSession, gw: GatewayProcess, upstream: Upstream, rows: list[Row]
) -> list[dict[str, Any]]:
    """Table 1: each row once, cold, its upstream calls next to the API's lower bound."""
    out = []
    for row in rows:
        await upstream.reset(row.store_ids)
        data = await graphql(session, gw.url + "/graphql", row.document, row.variables)
        by_route = await upstream.calls(row.store_ids)
        points = await upstream.points(row.store_ids)
        bound = bound_for(row, data)
        measured = sum(by_route.values())
        out.append(
            {
                "row": row.label,
                "query": row.query,
                "platform": row.platform,
                "calls": measured,
                "bound": bound.calls,
                "ratio": round(measured / bound.calls, 2),
                "formula": bound.formula,
                "forced": bound.forced,
                "excess": bound.excess,
                "by_route": by_route,
                "points": points,
            }
        )
    return out


@dataclass
class OverheadRun:
    """One gateway configuration's cells (table 2) and its peak memory (table 5)."""

    label: str
    cells: list[dict[str, Any]] = field(default_factory=list)
    peak_rss_mib: float = 0.0


async def overhead(
    session: aiohttp.ClientSession,
    gw: GatewayProcess,
    upstream: Upstream,
    rows: list[Row],
    label: str,
    levels: tuple[int, ...],
    budget: Budget,
) -> OverheadRun:
    """Every row at every concurrency level through the gateway."""
    run = OverheadRun(label)
    gw.reset_peak_rss()
    for row in rows:
        op = graphql_op(session, gw.url + "/graphql", row.document, row.variables)
        for level in levels:
            await upstream.reset(row.store_ids)
            cpu = gw.cpu_seconds()
            result = await drive(op, level, budget)
            cpu = gw.cpu_seconds() - cpu
            calls = sum((await upstream.calls(row.store_ids)).values())
            done = result.requests + budget.warmup
            cell = {
                "row": row.label,
                **result.as_dict(),
                "calls_per_query": calls / done,
                "cpu_ms_per_query": round(cpu * 1000 / done, 2),
            }
            run.cells.append(cell)
    run.peak_rss_mib = gw.peak_rss_mib()
    return run


async def floor(
    stores: dict[str, StoreInfo],
    rows: list[Row],
    levels: tuple[int, ...],
    budget: Budget,
    upstream: Upstream | None = None,
) -> list[dict[str, Any]]:
    """The same rows made directly with the platform clients (the floor); with `upstream`,
    its calls per query too (they should equal the gateway's: the same requests)."""
    read = [stores[s] for s in dict.fromkeys(sid for row in rows for sid in row.store_ids)]
    out = []
    async with clients(read) as direct:
        for row in rows:
            for level in levels:
                if upstream is not None:
                    await upstream.reset(row.store_ids)
                cpu = time.process_time()  # this process: the direct calls and the driver
                result = await drive(direct.op_for(row), level, budget)
                cpu = time.process_time() - cpu
                done = result.requests + budget.warmup
                cell = {"row": row.label, **result.as_dict()}
                cell["cpu_ms_per_query"] = round(cpu * 1000 / done, 2)
                if upstream is not None:
                    calls = await upstream.calls(row.store_ids)
                    cell["calls_per_query"] = sum(calls.values()) / done
                out.append(cell)
    return out

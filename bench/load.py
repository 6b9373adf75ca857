"""Load driving: an operation run at fixed concurrency for a bounded time and request count."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

Operation = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Budget:
    """Bounds for one measured cell: whichever of `seconds` or `max_requests` comes first,
    but never fewer than `min_requests` (so p99 means something)."""

    seconds: float = 1.5
    max_requests: int = 400
    min_requests: int = 20
    warmup: int = 2


@dataclass(frozen=True)
class LoadResult:
    """Latency percentiles (ms), throughput (requests/s) and failures of one cell."""

    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    throughput: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "throughput_rps": round(self.throughput, 1),
        }


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def drive(op: Operation, concurrency: int, budget: Budget) -> LoadResult:
    """Run `op` from `concurrency` workers until the budget is spent; time every call."""
    for _ in range(budget.warmup):
        await op()
    latencies: list[float] = []
    errors = 0
    issued = 0
    start = time.perf_counter()
    deadline = start + budget.seconds

    def more() -> bool:
        if issued >= budget.max_requests:
            return False
        return issued < budget.min_requests or time.perf_counter() < deadline

    async def worker() -> None:
        nonlocal issued, errors
        while more():
            issued += 1
            began = time.perf_counter()
            try:
                await op()
            except Exception:  # counted, not fatal: a failing cell still reports
                errors += 1
                continue
            latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    if not latencies:
        return LoadResult(concurrency, issued, errors, float("nan"), float("nan"), 0.0)
    return LoadResult(
        concurrency,
        issued,
        errors,
        percentile(latencies, 50),
        percentile(latencies, 99),
        len(latencies) / elapsed,
    )


class GraphQLError(Exception):
    """A GraphQL answer with errors (or a non-200), raised so the cell counts it."""


def graphql_op(
    session: aiohttp.ClientSession, url: str, document: str, variables: dict[str, Any]
) -> Operation:
    """An operation that POSTs one GraphQL request and reads the whole answer."""
    payload = {"query": document, "variables": variables}

    async def op() -> None:
        async with session.post(url, json=payload) as resp:
            body = await resp.json()
            if resp.status != 200 or body.get("errors"):
                raise GraphQLError(str(body.get("errors"))[:200])

    return op


async def graphql(
    session: aiohttp.ClientSession, url: str, document: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """One GraphQL request; the data, or GraphQLError naming the first error."""
    async with session.post(url, json={"query": document, "variables": variables}) as resp:
        body: dict[str, Any] = await resp.json()
    if body.get("errors"):
        raise GraphQLError(str(body["errors"])[:300])
    data: dict[str, Any] = body["data"]
    return data

"""`python -m bench.cli_backfill`: `cartgraph backfill` of the 10,000-order store vs its budget.

The store is table 3's (seed 7, Shopify's Standard limits enforced server-side: Admin GraphQL
1,000 points restoring 100/s, Admin REST 40 requests draining 2/s); the command runs as a user
runs it, in its own process. The rate-budget minimum is the time the bucket forces on what
the walk spent: over GraphQL, the points it was charged beyond a full bucket at the restore
rate; over REST, all calls but the first (capacity - 1, the client's headroom) at the leak rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.sandboxes import BENCH_ROUTE, SHOPIFY_STANDARD, _instrument
from platforms.registry import get_spec
from platforms.sandbox.kit import serve

SINCE = "2025-01-01T00:00:00Z"  # before the seeded history: the whole store
CONFIG = """[gateway]
data_dir = "{data}"

[[stores]]
id = "shop-backfill"
platform = "shopify"
url = "{url}"
credentials = {{ access_token = "env:BENCH_BACKFILL_TOKEN" }}
options = {{ api = "{api}", bulk_above = "{bulk_above}" }}
poll_interval_seconds = 0
"""


def budget_minimum(calls: int, capacity: float, leak: float) -> float:
    """Seconds the bucket forces on `calls` sequential calls (headroom of one request)."""
    return max(0, calls - (capacity - 1)) / leak


def points_minimum(points: dict[str, Any]) -> float:
    """Seconds a points bucket forces on what the walk was charged: a full bucket's worth at
    once, the rest at the restore rate."""
    spent = sum(float(charge[1]) for charge in points["charges"])
    return max(0.0, spent - float(points["maximum"])) / float(points["restore_rate"])


def spent_window(server: dict[str, Any], api: str) -> tuple[float, float, int]:
    """(first to last call in seconds, the budget's minimum for it, upstream calls)."""
    if api == "graphql":
        points = server["points"]
        stamps = [float(charge[0]) for charge in points["charges"]]
        minimum = points_minimum(points)
    else:
        stamps = server["stamps"]
        capacity, leak = SHOPIFY_STANDARD.capacity, SHOPIFY_STANDARD.leak_per_second
        minimum = budget_minimum(len(stamps), capacity, leak)
    first_to_last = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return first_to_last, minimum, len(stamps)


async def measure(
    page_size: int | None, api: str = "graphql", bulk_above: str = "10000"
) -> dict[str, Any]:
    """One full backfill through the CLI; wall time, calls, and the budget's minimum."""
    sandbox: Any = get_spec("shopify").create_sandbox(
        seed=7, orders=10_000, products=300, bucket=SHOPIFY_STANDARD
    )
    _instrument(sandbox)
    async with serve(sandbox.app) as url, aiohttp.ClientSession() as http:
        with tempfile.TemporaryDirectory(prefix="bench-backfill-") as work:
            config = Path(work) / "cartgraph.toml"
            config.write_text(
                CONFIG.format(data=Path(work) / "data", url=url, api=api, bulk_above=bulk_above)
            )
            token = sandbox.connection("shop-backfill", url).credentials["access_token"]
            args = ["backfill", "--config", str(config), "--store", "shop-backfill"]
            args += ["--since", SINCE]
            args += ["--page-size", str(page_size)] if page_size else []
            began = time.monotonic()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "gateway.cli",
                *args,
                env={**os.environ, "BENCH_BACKFILL_TOKEN": token},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await proc.communicate()
            seconds = time.monotonic() - began
        async with http.get(url + BENCH_ROUTE) as resp:
            server = await resp.json()
    requests_s, minimum, calls = spent_window(server, api)
    points = server.get("points") or {}
    return {
        "api": api,
        "bulk_above": bulk_above,
        "page_size": page_size or "default",
        "exit": proc.returncode,
        "summary": out.decode().strip(),
        "progress_lines": err.decode().count("ETA"),
        "upstream_calls": calls,
        "http_requests": len(server["stamps"]),  # GraphQL documents, and any bulk download
        "points_spent": sum(int(charge[1]) for charge in points.get("charges", [])),
        "throttled_429": server["rejected"] + int(points.get("throttled", 0)),
        "seconds_wall": round(seconds, 2),
        "seconds_first_to_last_call": round(requests_s, 2),
        "budget_minimum_seconds": round(minimum, 2),
        "over_minimum": None if minimum == 0 else round(requests_s / minimum - 1, 4),
    }


def main() -> None:
    """Print one JSON line per page size measured."""
    parser = argparse.ArgumentParser(prog="python -m bench.cli_backfill", description=__doc__)
    parser.add_argument("--page-size", type=int, action="append", default=None)
    parser.add_argument("--api", choices=["graphql", "rest"], default="graphql")
    parser.add_argument(
        "--bulk-above", default="10000", help="the store's bulk_above option (GraphQL): 'off' or N"
    )
    args = parser.parse_args()
    for size in args.page_size or [None]:
        result = asyncio.run(measure(size, args.api, args.bulk_above))
        print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()

"""`python -m bench.profile`: pyinstrument over the gateway serving one benchmark row.

The sandboxes run in their own process; the gateway runs in this one under the profiler,
driven by an aiohttp client in the same loop (its frames are listed apart in the tree).
Needs the `bench` extra (pyinstrument).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tomllib

import aiohttp

from bench.load import Budget, drive, graphql_op
from bench.procs import AUTH_HEADERS, GatewaySetup, gateway_config, sandboxes
from bench.reads import build_rows
from gateway.cli import _build_app
from gateway.config import parse_config
from gateway.server import free_port, running


async def profile(row_label: str, requests: int, concurrency: int) -> str:
    """Profile `requests` requests of one row; returns pyinstrument's text report."""
    from pyinstrument import Profiler

    async with sandboxes("full") as stores:
        read = [s for s in stores.values() if s.purpose == "read"]
        text, env = gateway_config(read, GatewaySetup(), free_port())
        config = parse_config(tomllib.loads(text))
        os.environ.update(env)  # the generated config names its secrets as env refs
        app, _ = _build_app(config)
        async with running(app) as url, aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
            rows = {r.label: r for r in await build_rows(session, url, read, 20)}
            row = rows[row_label]
            op = graphql_op(session, url + "/graphql", row.document, row.variables)
            budget = Budget(seconds=3600, max_requests=requests, min_requests=requests, warmup=5)
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            profiler.start()
            result = await drive(op, concurrency, budget)
            profiler.stop()
    header = f"{row_label} x{requests} at concurrency {concurrency}: {result.as_dict()}\n"
    return header + profiler.output_text(unicode=False, color=False, show_all=False)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--row", default="nested (shopify)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(asyncio.run(profile(args.row, args.requests, args.concurrency)))


if __name__ == "__main__":
    main()

"""Table 6: GraphQL Mesh (OpenAPI source handler) on the same nested query, same sandbox.

Mesh is installed from npm into bench/peers/ (gitignored, never shipped) and reads
bench/shopify-openapi.yaml. Nesting uses Mesh's documented declarative `additionalResolvers`,
one OpenAPI operation per field, as its docs show for linking REST resources.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp

from bench.load import Budget, drive, graphql_op
from bench.procs import ROOT, StoreInfo
from gateway.server import free_port

if TYPE_CHECKING:
    from bench.run import Plan

PEERS = ROOT / "bench" / "peers"
PACKAGES = ["@graphql-mesh/cli@0.103.2", "@graphql-mesh/openapi@0.112.4", "graphql@16.11.0"]
LEVELS = (1, 8)  # Mesh spends one upstream call per nested object: 32 would only queue
REQUEST_TIMEOUT = 30.0  # a stalled request counts as an error instead of stalling the run
BUILD_SECONDS = 180.0
MESH_QUERY = """query Nested($limit: Int) {
  listOrders(limit: $limit, status: any, order: "updated_at desc") { orders {
    id name total_price_set { shop_money { amount currency_code } }
    line_items { quantity variant { id sku product_id inventory_item_id product { id title }
      inventoryLevels { available location_id location { name } } } }
  } }
}"""

MESHRC = """sources:
  - name: Shopify
    handler:
      openapi:
        source: ../shopify-openapi.yaml
        endpoint: "{env.SHOPIFY_URL}/admin/api/2025-07"
        operationHeaders:
          X-Shopify-Access-Token: "{env.SHOPIFY_TOKEN}"
additionalTypeDefs: |
  extend type LineItem { variant: Variant }
  extend type Variant { product: Product, inventoryLevels: [InventoryLevel] }
  extend type InventoryLevel { location: Location }
additionalResolvers:
%s
serve:
  port: %d
  hostname: 127.0.0.1
  browser: false
"""
LINKS = (
    ("LineItem", "variant", "variant_id", "getVariant", "variant"),
    ("Variant", "product", "product_id", "getProduct", "product"),
    ("Variant", "inventoryLevels", "inventory_item_id", "listInventoryLevels", "inventory_levels"),
    ("InventoryLevel", "location", "location_id", "getLocation", "location"),
)
ARG = {"variant_id": "variant_id", "product_id": "product_id", "location_id": "location_id"}


def _resolvers() -> str:
    out = []
    for target, fld, key, source, result in LINKS:
        arg = ARG.get(key, "inventory_item_ids")
        out.append(
            f"  - targetTypeName: {target}\n    targetFieldName: {fld}\n"
            f'    requiredSelectionSet: "{{ {key} }}"\n    sourceName: Shopify\n'
            f"    sourceTypeName: Query\n    sourceFieldName: {source}\n"
            f'    sourceArgs:\n      {arg}: "{{root.{key}}}"\n    result: {result}'
        )
    return "\n".join(out)


def skipped() -> dict[str, Any]:
    """The peer was not run (smoke runs, --no-peer)."""
    return {"status": "skipped", "detail": "skipped for this run (--quick or --no-peer)."}


def _failed(command: str, error: str) -> dict[str, Any]:
    tail = " ".join(error.strip().splitlines()[-3:])[:600]
    return {"status": "failed", "detail": f"`{command}` failed: {tail}"}


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        argv, cwd=PEERS, capture_output=True, text=True, timeout=timeout, check=False
    )


def install() -> dict[str, Any] | None:
    """npm-install Mesh into bench/peers once; None on success, a failure record otherwise."""
    if (PEERS / "node_modules" / ".bin" / "mesh").exists():
        return None
    PEERS.mkdir(parents=True, exist_ok=True)
    package = PEERS / "package.json"
    if not package.exists():
        package.write_text('{"name": "cartgraph-bench-peers", "private": true}\n')
    argv = ["npm", "install", "--no-audit", "--no-fund", *PACKAGES]
    try:
        done = _run(argv, 600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _failed(" ".join(argv), repr(exc))
    return None if done.returncode == 0 else _failed(" ".join(argv), done.stderr)


@contextlib.asynccontextmanager
async def mesh(shop: StoreInfo) -> AsyncIterator[str]:
    """Build and start Mesh against this Shopify sandbox; yields its GraphQL URL."""
    port = free_port()
    (PEERS / ".meshrc.yaml").write_text(MESHRC % (_resolvers(), port))
    env = {
        **os.environ,
        "SHOPIFY_URL": shop.url,
        "SHOPIFY_TOKEN": shop.raw["credentials"]["access_token"],
    }
    await _build(env)
    proc = await asyncio.create_subprocess_exec(
        "node_modules/.bin/mesh",
        "start",
        cwd=PEERS,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        await _ready(url, proc)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:  # a wedged Mesh must not hold the run
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()


async def _build(env: dict[str, str]) -> None:
    """`mesh build` as a child process that a time box can kill (a thread could not be)."""
    proc = await asyncio.create_subprocess_exec(
        "node_modules/.bin/mesh",
        "build",
        cwd=PEERS,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), BUILD_SECONDS)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"`mesh build` failed: {output.decode(errors='replace')[-600:]}")


async def _ready(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if proc.returncode is not None:
                raise RuntimeError(f"`mesh start` exited with status {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.post(url, json={"query": "{ __typename }"}) as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError("`mesh start` did not answer within 60 s")


async def _calls(session: aiohttp.ClientSession, shop: StoreInfo, url: str, page: int) -> int:
    await (await session.post(shop.url + "/_sandbox/calls/reset")).release()
    async with session.post(url, json={"query": MESH_QUERY, "variables": {"limit": page}}) as r:
        body = await r.json()
    if body.get("errors") or not body.get("data"):
        raise RuntimeError(f"Mesh answered with errors: {str(body.get('errors'))[:300]}")
    async with session.get(shop.url + "/_sandbox/calls") as resp:
        total: int = (await resp.json())["total"]
    return total


async def compare(stores: dict[str, StoreInfo], ours: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Mesh's calls and latency on the nested Shopify query, next to our cells for it."""
    failure = await asyncio.to_thread(install)
    if failure is not None:
        return failure
    shop = stores["shop-a"]
    # one Mesh query is hundreds of upstream calls: few requests per cell, each bounded
    budget = Budget(plan.budget.seconds, plan.budget.max_requests, min_requests=5)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, mesh(shop) as url:
            calls = await _calls(session, shop, url, plan.page)
            op = graphql_op(session, url, MESH_QUERY, {"limit": plan.page})
            cells = [(await drive(op, level, budget)).as_dict() for level in LEVELS]
    except (
        RuntimeError,
        OSError,
        TimeoutError,
        subprocess.TimeoutExpired,
        aiohttp.ClientError,
    ) as exc:
        return _failed("mesh build && mesh start", str(exc))
    mine = [c for c in ours["cells"] if c["row"] == "nested (shopify)"]
    return {
        "status": "ok",
        "compared_with": ours["label"],
        "mesh": {"calls": calls, "cells": cells},
        "cartgraph": {
            "calls": ours["calls"],
            "cells": [c for c in mine if c["concurrency"] in LEVELS],
        },
    }

"""`serve --workers 2`: one /metrics for both workers, and JSON log lines from all of them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from gateway.server import free_port
from tests.helpers.auth import AUTH_HEADERS, TEST_KEY, TEST_KEY_ENV
from tests.helpers.procs import READY_WITHIN, ROOT, write_config

REQUESTS = 12
TELEMETRY = '[telemetry]\nmetrics = "public"\n\n[logging]\nformat = "json"\n'


async def test_workers_share_one_metrics_endpoint_and_log_json(tmp_path: Path):
    port = free_port()
    config = write_config(tmp_path, port, TELEMETRY)
    env = {**os.environ, TEST_KEY_ENV: TEST_KEY}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--workers", "2",
        cwd=ROOT, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        lines = await _lines_until(proc, "worker ", "worker ")
        await _healthy(port)
        # a new connection per request: the kernel spreads them over both workers
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(headers=AUTH_HEADERS, connector=connector) as http:
            for _ in range(REQUESTS):
                body = {"query": "query Ping { stores { id } }"}
                async with http.post(f"http://127.0.0.1:{port}/graphql", json=body) as resp:
                    assert resp.status == 200
            bad = {"query": '{ orders(storeIds: ["nope"]) { edges { node { id } } } }'}
            headers = {"X-Request-Id": "workers-req-1"}
            async with http.post(
                f"http://127.0.0.1:{port}/graphql", json=bad, headers=headers
            ) as resp:
                assert resp.headers["X-Request-Id"] == "workers-req-1"
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                assert resp.status == 200
                text = await resp.text()
        lines += await _lines_until(proc, "workers-req-1")
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), READY_WITHIN)
    files = list((tmp_path / "data" / "prometheus-multiproc").glob("histogram_*.db"))
    assert len(files) == 2  # each worker writes its own; the scrape merged them
    counts = [
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "cartgraph_graphql_operation_duration_seconds_count"
        and s.labels["operation"] == "Ping"
    ]
    assert sum(counts) == REQUESTS
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    failed = next(e for e in entries if e.get("request_id") == "workers-req-1")
    assert failed["level"] == "INFO" and failed["code"] == "STORE_NOT_FOUND"


async def _lines_until(proc: asyncio.subprocess.Process, *wanted: str) -> list[str]:
    assert proc.stderr is not None
    lines: list[str] = []
    for text in wanted:
        while True:
            line = await asyncio.wait_for(proc.stderr.readline(), READY_WITHIN)
            assert line, f"cartgraph exited: {lines}"
            lines.append(line.decode().rstrip("\n"))
            if text in lines[-1]:
                break
    return lines


async def _healthy(port: int) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(READY_WITHIN):
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)

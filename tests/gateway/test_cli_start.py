"""Starting `cartgraph` as a user does: a taken port, worker processes' logs, no stores."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from gateway.server import free_port
from tests.helpers.auth import AUTH_HEADERS, TEST_KEY, TEST_KEY_ENV
from tests.helpers.procs import READY_WITHIN, ROOT, write_config

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) \S+ ")
CARTGRAPH = [sys.executable, "-m", "gateway.cli"]


async def _cartgraph(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *CARTGRAPH, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, TEST_KEY_ENV: TEST_KEY, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("command", [["demo"], ["serve"], ["serve", "--workers", "2"]])
async def test_a_taken_port_is_one_line_naming_it_and_exit_3(tmp_path: Path, command: list[str]):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, port, "")
        args = command if command == ["demo"] else [*command, "--config", str(config)]
        proc = await _cartgraph(*args, "--port", str(port))
        _, err = await asyncio.wait_for(proc.communicate(), READY_WITHIN)
    assert proc.returncode == 3, err
    printed = [line for line in err.decode().splitlines() if not LOG_LINE.match(line)]
    assert printed == [  # log lines aside (the config has no stores: a warning), one line
        f"cartgraph: port {port} on 127.0.0.1 is already in use; pick another with --port N"
    ]


@pytest.mark.parametrize("workers", [1, 2])
async def test_serve_says_where_it_serves_and_every_log_line_has_time_and_level(
    tmp_path: Path, workers: int
):
    port, config_port = free_port(), free_port()
    config = write_config(tmp_path, config_port, "")  # no [[stores]] at all
    proc = await _cartgraph(
        "serve", "--config", str(config), "--workers", str(workers),
        env={"CARTGRAPH_PORT": str(port)},  # wins over the config's port (the Docker image's)
    )  # fmt: skip
    try:
        lines = await _lines_until(proc, f"serving 0 stores at http://127.0.0.1:{port}/graphql")
        lines += await _lines_until(proc, *(["worker "] * workers if workers > 1 else []))
        await _healthy(port)
        async with (
            aiohttp.ClientSession(headers=AUTH_HEADERS) as http,
            http.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": '{ orders(storeIds: ["nope"]) { edges { node { id } } } }'},
            ) as resp,
        ):
            assert resp.status == 200
        lines += await _lines_until(proc, "client error")
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), READY_WITHIN)
    assert [line for line in lines if not LOG_LINE.match(line)] == []
    warning = f"WARNING cartgraph {config}: no [[stores]]: every query will find no store"
    assert any(warning in line for line in lines), lines
    assert any(" INFO " in line and "client error" in line for line in lines)


async def _lines_until(proc: asyncio.subprocess.Process, *wanted: str) -> list[str]:
    """stderr lines up to the one containing each `wanted` text in turn."""
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

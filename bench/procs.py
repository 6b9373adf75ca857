"""The benchmark's child processes: the sandbox stores and the gateway, plus their memory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from gateway.server import free_port

# a fixed key for the harness's gateways (never a real credential)
BENCH_KEY = "cg_bench0000000_bench-only-not-a-secret-000000000000000000000000"
BENCH_KEY_ENV = "CARTGRAPH_BENCH_KEY"
AUTH_HEADERS = {"Authorization": f"Bearer {BENCH_KEY}"}

ROOT = Path(__file__).resolve().parent.parent
UNLIMITED = (1_000_000.0, 1_000_000.0)  # lifts the client bucket so overhead runs measure us


@dataclass(frozen=True)
class StoreInfo:
    """One served sandbox store, as `python -m bench.sandboxes` described it."""

    id: str
    platform: str
    purpose: str
    url: str
    raw: dict[str, Any] = field(repr=False)

    @property
    def orders(self) -> int:
        """How many orders the store was seeded with."""
        return int(self.raw["orders"])


@dataclass(frozen=True)
class GatewaySetup:
    """How one gateway process is configured for a scenario."""

    workers: int = 1
    product_ttl: float = 0.0
    location_ttl: float = 0.0
    max_page_size: int = 250
    stores: tuple[str, ...] = ()
    # per-store keys over the harness's defaults (no polling), e.g. ("timeout_seconds", 2)
    store_options: tuple[tuple[str, float], ...] = ()
    # replicas (`--only replicas`): one PostgreSQL and one Redis shared by every process
    storage_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "cartgraph"


async def spawn(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    """`python *args` from the checkout, in its own process group, stdout piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopping it stops its workers too
    )


async def stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after 15 s."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()


@contextlib.asynccontextmanager
async def sandboxes(profile: str) -> AsyncIterator[dict[str, StoreInfo]]:
    """Start the sandbox process; yields its stores by id once they accept connections."""
    proc = await spawn("-m", "bench.sandboxes", "--profile", profile)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 180)
        if not line:
            raise RuntimeError("bench.sandboxes exited before describing its stores")
        stores = orjson.loads(line)["stores"]
        yield {
            s["id"]: StoreInfo(s["id"], s["platform"], s["purpose"], s["url"], s) for s in stores
        }
    finally:
        await stop(proc)


def _env_name(store_id: str, key: str) -> str:
    return "BENCH_" + re.sub(r"[^A-Z0-9]", "_", f"{store_id}_{key}".upper())


def gateway_config(
    stores: list[StoreInfo], setup: GatewaySetup, port: int, data_dir: Path | None = None
) -> tuple[str, dict[str, str]]:
    """A cartgraph.toml for these stores (secrets as env refs) and the env that fills them."""
    lines = [
        "[gateway]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f"max_page_size = {setup.max_page_size}",
        # the event log and write queue (SQLite) of this run, never the checkout's .cartgraph
        *([f'data_dir = "{data_dir}"'] if data_dir is not None else []),
        "",
        "[cache]",
        f"product_ttl_seconds = {setup.product_ttl}",
        f"location_ttl_seconds = {setup.location_ttl}",
        "",
        # the harness measures the gateway itself: per-caller budgets would throttle the load
        "[limits]",
        "max_upstream_calls_per_request = 100000",
        "requests_per_second = 0",
        "upstream_calls_per_minute = 0",
        "max_ws_connections = 0",  # 1,000 subscribers on one key: over the socket caps
        "max_ws_connections_per_key = 0",
        *_shared_sections(setup),
    ]
    env: dict[str, str] = {}
    for store in stores:
        raw = store.raw
        refs = []
        for key, value in raw["credentials"].items():
            env[_env_name(store.id, key)] = value
            refs.append(f'{key} = "env:{_env_name(store.id, key)}"')
        lines += [
            "",
            "[[stores]]",
            f'id = "{store.id}"',
            f'platform = "{store.platform}"',
            f'url = "{store.url}"',
            f'currency = "{raw["currency"]}"',
            f"credentials = {{ {', '.join(refs)} }}",
            *(f"{key} = {value:g}" for key, value in _store_options(setup).items()),
        ]
        if raw["options"]:
            opts = ", ".join(f'{k} = "{v}"' for k, v in raw["options"].items())
            lines.append(f"options = {{ {opts} }}")
        if store.purpose not in ("backfill", "budget"):  # only these measure a bucket
            cap, leak = UNLIMITED
            lines.append(f"rate_limit = {{ capacity = {cap}, leak_per_second = {leak} }}")
    # the harness measures the gateway as deployed: behind an API key, presented on every call
    lines += [
        "",
        "[[auth.keys]]",
        'name = "bench"',
        f'key = "env:{BENCH_KEY_ENV}"',
        'scopes = ["admin"]',
    ]
    env[BENCH_KEY_ENV] = BENCH_KEY
    return "\n".join(lines) + "\n", env


def _shared_sections(setup: GatewaySetup) -> list[str]:
    lines = ["", "[storage]", f'url = "{setup.storage_url}"'] if setup.storage_url else []
    if setup.redis_url:
        lines += [
            "",
            "[redis]",
            f'url = "{setup.redis_url}"',
            f'key_prefix = "{setup.redis_prefix}"',
        ]
    return lines


def _store_options(setup: GatewaySetup) -> dict[str, float]:
    # no polling safety nets by default: their calls would land in the upstream call counts
    return {
        "poll_interval_seconds": 0,
        "inventory_poll_interval_seconds": 0,
        **dict(setup.store_options),
    }


@dataclass
class GatewayProcess:
    """A running `cartgraph serve` process."""

    url: str
    proc: asyncio.subprocess.Process

    def pids(self) -> list[int]:
        """The server process and its uvicorn workers (not multiprocessing's helper)."""
        return [self.proc.pid, *(c for c in _children(self.proc.pid) if not _is_helper(c))]

    def reset_peak_rss(self) -> None:
        """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
        for pid in self.pids():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_rss_mib(self) -> float:
        """Peak resident memory since the last reset, summed over server and workers."""
        return sum(_vm_hwm_kib(pid) for pid in self.pids()) / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far, summed over server and workers: per-query
        CPU is steadier than latency on a shared machine (waiting for a core costs none)."""
        return sum(_cpu_seconds(pid) for pid in self.pids())


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in task.read_text().split()]
    return found


def _is_helper(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def _vm_hwm_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)", which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@contextlib.asynccontextmanager
async def gateway(
    stores: list[StoreInfo], setup: GatewaySetup, workdir: Path
) -> AsyncIterator[GatewayProcess]:
    """Start `python -m gateway.cli serve` for these stores; yields once /readyz answers."""
    port = free_port()
    data_dir = workdir / f"data-{port}"
    text, secrets = gateway_config(stores, setup, port, data_dir)
    config = _write(workdir / f"gateway-{port}.toml", text)
    env = {**os.environ, **secrets}
    args = ["-m", "gateway.cli", "--log-level", "warning", "serve", "--config", str(config)]
    proc = await spawn(*args, "--workers", str(setup.workers), env=env)
    running = GatewayProcess(f"http://127.0.0.1:{port}", proc)
    try:
        await wait_ready(running, setup.workers)
        yield running
    finally:
        await stop(proc)
        config.unlink(missing_ok=True)
        shutil.rmtree(data_dir, ignore_errors=True)


async def wait_ready(gw: GatewayProcess, workers: int) -> None:
    """Return once /readyz answers 200 and every worker is up (60 s at most)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if gw.proc.returncode is not None:
                raise RuntimeError(f"gateway exited with status {gw.proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(gw.url + "/readyz") as resp:
                    if resp.status == 200 and len(gw.pids()) >= workers + (workers > 1):
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("gateway did not become ready within 60 s")

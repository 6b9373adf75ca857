"""`./run fuzz --examples N`: the fuzz run against `cartgraph serve` in a child process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from bench.fuzz_cases import Request, operations, parse_sdl, read_only_requests, write_requests
from bench.fuzz_values import IdPool
from bench.fuzz_world import (
    LoopThread,
    Tally,
    Target,
    fuzz_stores,
    real_cursors,
    role_grants,
    run_one,
)
from bench.fuzz_ws import WsTally, ws_campaign, ws_report
from bench.fuzz_ws_cases import sessions
from gateway.auth.keys import mint
from gateway.cli import export_schema
from gateway.server import free_port
from platforms.adapter import StoreConnection

ROOT = Path(__file__).resolve().parent.parent
WRITE_SHARE = 0.1  # of the examples, sent last with a key holding every scope
IDLE_SECONDS = 5.0  # after the last example, before the end RSS: in-flight work settles
MEMORY_TOLERANCE = 0.20  # acceptance: RSS back within 20% of its start
JUMP_MIB = 4.0  # an example after which RSS rose this much is named in the report


@dataclass
class Memory:
    """The gateway process's resident memory (Linux /proc), in MiB."""

    pid: int
    cold: float = 0.0  # just after start-up, before any example
    start: float = 0.0
    samples: list[float] = field(default_factory=list)
    marks: list[tuple[int, float]] = field(default_factory=list)  # (examples, RSS) per 1000
    jumps: list[tuple[float, str]] = field(default_factory=list)  # (MiB, request)

    @staticmethod
    def rss_of(pid: int) -> float:
        """A process's current VmRSS."""
        return _status_kib(pid, "VmRSS") / 1024

    def rss(self) -> float:
        """Current VmRSS."""
        return self.rss_of(self.pid)

    def begin(self) -> None:
        """Record the start, and reset the peak (VmHWM) to it."""
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self.start = self.rss()
        self.samples, self.jumps = [self.start], []

    def sample(self, request: Request) -> None:
        """One RSS sample after `request`; the largest rises are kept with their request."""
        rss = self.rss()
        rise = rss - (self.samples[-1] if self.samples else rss)
        self.samples.append(rss)
        if rise >= JUMP_MIB:
            self.jumps = sorted([*self.jumps, (rise, request.describe()[:300])])[-3:]

    def peak(self) -> float:
        """The highest RSS since begin()."""
        return max([*self.samples, _status_kib(self.pid, "VmHWM") / 1024])


def _status_kib(pid: int, name: str) -> int:
    found = re.search(rf"^{name}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(found.group(1)) if found else 0


def fuzz_config(
    connections: Sequence[StoreConnection], keys: dict[str, str], port: int, workdir: Path
) -> tuple[str, dict[str, str]]:
    """The child's cartgraph.toml (secrets as env references) and the env that fills them."""
    env: dict[str, str] = {}
    lines = [
        f'[gateway]\nhost = "127.0.0.1"\nport = {port}\ndata_dir = "{workdir / "data"}"\n',
        # one very busy caller: its buckets would answer with RATE_LIMITED (COST_LIMIT stays)
        "[limits]\nrequests_per_second = 0\nupstream_calls_per_minute = 0\n",
    ]
    for i, conn in enumerate(connections):
        refs = []
        for name, value in conn.credentials.items():
            env[f"FUZZ_STORE{i}_{name.upper()}"] = value
            refs.append(f'{name} = "env:FUZZ_STORE{i}_{name.upper()}"')
        options = ", ".join(f'{k} = "{v}"' for k, v in conn.options.items())
        lines.append(
            f'[[stores]]\nid = "{conn.store_id}"\nplatform = "{conn.platform.value}"\n'
            f'url = "{conn.base_url}"\ncurrency = "{conn.currency_code}"\n'
            f"credentials = {{ {', '.join(refs)} }}\noptions = {{ {options} }}\n"
            # unpaced, no pollers: the run measures requests, not the safety nets' calls
            "rate_limit = { capacity = 1000, leak_per_second = 1000 }\n"
            "poll_interval_seconds = 0\ninventory_poll_interval_seconds = 0\n"
        )
    for role, (stores, scopes) in role_grants(connections[0].store_id).items():
        env[f"FUZZ_KEY_{role.upper().replace('-', '_')}"] = keys[role]
        where = "" if stores is None else f"stores = {sorted(stores)!r}\n".replace("'", '"')
        lines.append(
            f'[[auth.keys]]\nname = "{role}"\n'
            f'key = "env:FUZZ_KEY_{role.upper().replace("-", "_")}"\n{where}'
            f"scopes = {sorted(s.value for s in scopes)!r}\n".replace("'", '"')
        )
    return "\n".join(lines), env


@dataclass
class ServerErrors:
    """ERROR lines the child logged: our own bugs are logged there (an INTERNAL answer, a
    write job that failed unexpectedly), even when the response did not show the code."""

    count: int = 0
    first: list[str] = field(default_factory=list)

    async def follow(self, stream: asyncio.StreamReader) -> None:
        """Count the stream's ERROR lines, passing every line on to our stderr."""
        async for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip()
            print(line, file=sys.stderr)
            if " ERROR " in line:
                self.count += 1
                if len(self.first) < 10:
                    self.first.append(line[:300])


@contextlib.asynccontextmanager
async def child_gateway(
    config: Path, env: dict[str, str], port: int, errors: ServerErrors
) -> AsyncIterator[int]:
    """`cartgraph serve --config` in its own process group; yields its pid once ready."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "--log-level", "error", "serve",
        "--config", str(config), cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    follower = asyncio.create_task(errors.follow(proc.stderr))
    try:
        await _ready(proc, f"http://127.0.0.1:{port}/readyz")
        yield proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        await proc.wait()
        await follower


@contextlib.asynccontextmanager
async def _session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:  # made in the loop that will use it
        yield http


async def _ready(proc: asyncio.subprocess.Process, url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            if proc.returncode is not None:
                raise RuntimeError(f"the gateway exited with status {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("the gateway did not become ready within 60 s")


def campaign(
    loop: LoopThread,
    target: Target,
    requests: st.SearchStrategy[Request],
    examples: int,
    run_seed: int,
    tally: Tally,
    after_each: Callable[[Request], None],
) -> None:
    """`examples` requests drawn by Hypothesis, each sent and checked; never stops early."""
    if examples <= 0:
        return

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # nothing fails here (we count), so nothing to shrink
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @seed(run_seed)
    @given(requests)
    def one(request: Request) -> None:
        run_one(loop, target, request, tally)
        after_each(request)

    one()


@dataclass(frozen=True)
class Plan:
    """How N examples are spent: warm-up, then read-only keys, then every scope."""

    examples: int
    seed: int
    warmup: int
    ws: int = 0  # WebSocket sessions, played after the HTTP examples

    @property
    def writes(self) -> int:
        """Examples sent last with a key holding every scope."""
        return round(self.examples * WRITE_SHARE)

    @property
    def reads(self) -> int:
        """Read-only examples after the warm-up."""
        return max(0, self.examples - self.writes - self.warmup)


def run(plan: Plan) -> int:
    """The whole run; prints the report; 0 when clean and memory came back."""
    schema, port, tally, errors = parse_sdl(export_schema()), free_port(), Tally(), ServerErrors()
    started = time.monotonic()
    with LoopThread() as loop, tempfile.TemporaryDirectory(prefix="cartgraph-fuzz-") as tmp:
        target, pid = _start(loop, port, Path(tmp), errors)
        pool = IdPool.of(target.sandboxes, loop.run(real_cursors(target)))
        memory = Memory(pid, cold=Memory.rss_of(pid))
        progress = _progress(tally, memory, plan.examples)
        reads, writes = read_only_requests(schema, pool), write_requests(schema, pool)
        # bounded caches fill and code paths run for the first time: not a leak, so the
        # start is read after them (the cold figure is reported too)
        campaign(
            loop, target, reads, min(plan.warmup, plan.examples), plan.seed + 1, tally, progress
        )
        memory.begin()
        campaign(loop, target, reads, plan.reads, plan.seed, tally, progress)
        campaign(loop, target, writes, plan.writes, plan.seed, tally, progress)
        documents = operations(schema, pool, mutation=False)
        ws, ws_rss = _websocket_arm(loop, target, plan, documents, memory)
        time.sleep(IDLE_SECONDS)
        end = memory.rss()
        print(_report(tally, memory, end, plan, time.monotonic() - started))
        print("\n".join(ws_report(ws, (ws_rss, end))))
        print(f"gateway ERROR log lines: {errors.count}")
        print("\n".join(f"  ! {line}" for line in errors.first))
    back = end <= memory.start * (1 + MEMORY_TOLERANCE)
    return 0 if tally.clean and ws.clean and not errors.count and back else 1


def _websocket_arm(
    loop: LoopThread,
    target: Target,
    plan: Plan,
    documents: st.SearchStrategy[str],
    memory: Memory,
) -> tuple[WsTally, float]:
    """The WebSocket sessions (hand-written and schema-generated documents); the tally and
    the gateway's RSS before them."""
    before, count = memory.rss(), Counter[str]()

    def progress() -> None:
        count["sessions"] += 1
        if count["sessions"] % 500 == 0:
            rss = memory.rss()
            print(f"  {count['sessions']}/{plan.ws} WebSocket sessions, RSS {rss:.1f} MiB")

    return ws_campaign(loop, target, sessions(documents), plan.ws, plan.seed, progress), before


def _start(loop: LoopThread, port: int, tmp: Path, errors: ServerErrors) -> tuple[Target, int]:
    """Sandboxes in this process, keys minted, `cartgraph serve` started over them."""
    crashes: Counter[str] = Counter()
    connections, sandboxes = loop.enter(fuzz_stores(crashes))
    keys = {role: mint()[1] for role in role_grants(connections[0].store_id)}
    text, env = fuzz_config(connections, keys, port, tmp)
    (tmp / "cartgraph.toml").write_text(text)
    pid = loop.enter(child_gateway(tmp / "cartgraph.toml", env, port, errors))
    http = loop.enter(_session())
    return Target(f"http://127.0.0.1:{port}", keys, sandboxes, http, crashes), pid


def _progress(tally: Tally, memory: Memory, total: int) -> Callable[[Request], None]:
    def after_each(request: Request) -> None:
        memory.sample(request)
        if tally.examples % 1000 == 0:
            memory.marks.append((tally.examples, memory.rss()))
            print(f"  {tally.examples}/{total} examples, RSS {memory.rss():.1f} MiB", flush=True)

    return after_each


def _report(tally: Tally, memory: Memory, end: float, plan: Plan, took: float) -> str:
    growth = (end - memory.start) / memory.start * 100
    lines = [
        f"fuzz: {tally.examples} examples, seed {plan.seed}, in {took:.0f} s: "
        f"{tally.examples - plan.writes} with read-only keys (the first {plan.warmup} a "
        f"warm-up), then {plan.writes} with every scope",
        f"  HTTP 5xx: {tally.status_5xx}   INTERNAL: {tally.internal}   "
        f"writes without a write scope: {tally.unscoped_writes}   "
        f"sandbox crashes: {tally.sandbox_crashes}   no answer: {tally.hangs}",
        f"  gateway RSS: cold {memory.cold:.1f} MiB, start (after the warm-up) "
        f"{memory.start:.1f} MiB, peak {memory.peak():.1f} MiB, end {end:.1f} MiB after "
        f"{IDLE_SECONDS:g} s idle ({growth:+.1f}% of start)",
        *_trend(memory.marks),
        *(f"  ! {failure}" for failure in tally.failures),
        *(f"  RSS +{rise:.1f} MiB after {request}" for rise, request in memory.jumps),
    ]
    return "\n".join(lines)


def _trend(marks: list[tuple[int, float]]) -> list[str]:
    """RSS every 1000 examples, and its slope over the second half of the run: a leak keeps
    rising there, a cache filling up to its bound flattens out."""
    if len(marks) < 4:
        return []
    half = marks[len(marks) // 2 :]
    (n0, r0), (n1, r1) = half[0], half[-1]
    slope = (r1 - r0) / (n1 - n0) * 1000
    shown = ", ".join(f"{n // 1000}k {rss:.1f}" for n, rss in marks)
    return [
        f"  RSS by examples (MiB): {shown}",
        f"  slope over the second half ({n0}-{n1}): {slope:+.2f} MiB per 1000 examples",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="./run fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=1000, help="how many (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="Hypothesis seed (default 1)")
    parser.add_argument(
        "--warmup", type=int, default=500, help="examples before the start RSS (default 500)"
    )
    parser.add_argument(
        "--ws-examples", type=int, default=None, help="WebSocket sessions (default examples/10)"
    )
    args = parser.parse_args(argv)
    ws = args.examples // 10 if args.ws_examples is None else args.ws_examples
    return run(Plan(args.examples, args.seed, args.warmup, ws))


if __name__ == "__main__":
    raise SystemExit(main())

"""The fuzz run's world: small sandbox stores, keys per role, a loop thread, and the tally."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import orjson
from aiohttp import web

from bench.fuzz_cases import Request
from bench.fuzz_values import encode
from gateway.auth.principal import ALL_SCOPES, Scope
from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.registry import all_specs
from platforms.sandbox.kit import Sandbox, serve

T = TypeVar("T")
Handler = Any  # aiohttp's middleware handler type is private

# The roles a request is sent as. Only "write" holds a write scope: a sandbox that sees a
# write while a "read" or "one-store" request is answered is a write without a write scope.
READ_SCOPES = frozenset({Scope.READ, Scope.READ_CUSTOMERS, Scope.EVENTS})
WRITE_SCOPES = ALL_SCOPES  # admin too: replays and every field, so writes go deep
WRITE_ROLES = frozenset({"write"})
SIZE = {"seed": 1, "orders": 40, "products": 12}  # small: a page read is cheap, ids are real
UNPACED = RateLimitSettings(1000, 1000)  # pacing has its own tests; here it only slows the run
TIMEOUT_SECONDS = 60.0  # a request slower than this is a hang: reported, never waited out


def role_grants(first_store: str) -> dict[str, tuple[frozenset[str] | None, frozenset[Scope]]]:
    """Role -> (stores, scopes) of its key; `one-store` sees only `first_store`."""
    return {
        "read": (None, READ_SCOPES),
        "one-store": (frozenset({first_store}), frozenset({Scope.READ})),
        "write": (None, WRITE_SCOPES),
    }


class LoopThread:
    """An event loop in a daemon thread, so synchronous Hypothesis tests can drive async I/O."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._stack = contextlib.AsyncExitStack()

    def __enter__(self) -> LoopThread:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.run(self._stack.aclose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` in the loop thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def enter(self, context: contextlib.AbstractAsyncContextManager[T]) -> T:
        """Enter an async context in the loop; it is left when the thread stops."""
        return self.run(self._stack.enter_async_context(context))


@contextlib.asynccontextmanager
async def fuzz_stores(
    crashes: Counter[str],
) -> AsyncIterator[tuple[list[StoreConnection], dict[str, Sandbox]]]:
    """One small seeded sandbox per platform on a real socket, with no server-side limit;
    a request a sandbox fails to answer (a 5xx no real store would send) lands in `crashes`."""
    async with contextlib.AsyncExitStack() as stack:
        connections: list[StoreConnection] = []
        sandboxes: dict[str, Sandbox] = {}
        for spec in all_specs():
            sandbox = spec.create_sandbox(**SIZE, bucket=None)
            sandbox.app.middlewares.append(_count_crashes(crashes))
            url = await stack.enter_async_context(serve(sandbox.app))
            store_id = f"fuzz-{spec.platform.value}"
            conn = sandbox.connection(store_id, url)
            connections.append(dataclasses.replace(conn, rate_limit=UNPACED))
            sandboxes[store_id] = sandbox
        yield connections, sandboxes


def _count_crashes(crashes: Counter[str]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:
            crashes[f"{request.method} {request.path}: {type(exc).__name__}"] += 1
            raise
        return response

    return middleware


@dataclass
class Target:
    """A gateway to fuzz: its URL, a key per role, and the sandboxes behind it."""

    url: str
    keys: dict[str, str]
    sandboxes: dict[str, Sandbox]
    http: aiohttp.ClientSession
    crashes: Counter[str]  # sandbox requests that failed with an exception (see fuzz_stores)

    async def counts(self) -> tuple[int, int]:
        """(writes, crashes) the sandboxes have seen; read in their loop, never mid-update.
        A write is one the sandbox applied (its write log), or any request to a REST route
        other than GET (REST reads are all GETs; a GraphQL POST may be a read)."""
        writes = sum(writes_of(sandbox) for sandbox in self.sandboxes.values())
        return writes, sum(self.crashes.values())

    async def send(self, request: Request) -> tuple[int, Any]:
        """POST the request with its role's key: (status, parsed body or text); (0, None)
        when no answer came within TIMEOUT_SECONDS."""
        headers = {"Authorization": f"Bearer {self.keys[request.role]}"}
        headers["Content-Type"] = "application/json"
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                async with self.http.post(
                    f"{self.url}/graphql", data=encode(request.body), headers=headers
                ) as resp:
                    status, text = resp.status, await resp.read()
        except (TimeoutError, aiohttp.ClientError):
            return 0, None
        try:
            return status, orjson.loads(text)
        except orjson.JSONDecodeError:
            return status, text.decode("utf-8", "replace")


# POST routes that change nothing in a store: GraphQL reads, and Amazon's credential
# exchanges (an LWA access token, a restricted-data token for personal data)
READ_POSTS = ("/graphql.json", "/auth/o2/token", "/restrictedDataToken")


def writes_of(sandbox: Sandbox) -> int:
    """Writes `sandbox` applied (its write log) or was sent (REST requests other than reads)."""
    log = getattr(sandbox, "writes", None)  # every sandbox keeps one; not in the protocol
    applied = len(getattr(log, "applied", ()))
    rest = sum(
        count
        for route, count in sandbox.calls.by_route.items()
        if not route.startswith(("GET ", "HEAD ")) and not route.endswith(READ_POSTS)
    )
    return max(applied, rest)  # a REST write is in both


def has_internal(value: Any) -> bool:
    """Whether `{"code": "INTERNAL"}` appears anywhere in a response (errors or data)."""
    if isinstance(value, dict):
        return value.get("code") == "INTERNAL" or any(has_internal(v) for v in value.values())
    if isinstance(value, list):
        return any(has_internal(v) for v in value)
    return False


@dataclass
class Tally:
    """What a run found; `failures` keeps the first few offending examples."""

    examples: int = 0
    status_5xx: int = 0
    internal: int = 0
    unscoped_writes: int = 0
    sandbox_crashes: int = 0
    hangs: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No 5xx (ours or a sandbox's), no INTERNAL, no write without a write scope, no hang."""
        found = (self.status_5xx, self.internal, self.unscoped_writes, self.sandbox_crashes)
        return not (any(found) or self.hangs)

    def record(self, request: Request, status: int, body: Any, writes: int, crashes: int) -> str:
        """Count one answered example; returns what was wrong with it ("" when nothing)."""
        self.examples += 1
        checks = [
            (status >= 500, "status_5xx", f"HTTP {status}"),
            (has_internal(body), "internal", "INTERNAL"),
            (writes > 0, "unscoped_writes", f"{writes} upstream write(s) without a write scope"),
            # a queued write may fail later: the crash is seen during, not always caused by, this
            (crashes > 0, "sandbox_crashes", f"{crashes} sandbox crash(es) during"),
            (status == 0, "hangs", f"no answer within {TIMEOUT_SECONDS:g} s"),
        ]
        wrong = [text for hit, name, text in checks if hit and self._bump(name)]
        if wrong and len(self.failures) < 20:
            self.failures.append(f"{', '.join(wrong)}: {request.describe()}")
        return ", ".join(wrong)

    def _bump(self, name: str) -> bool:
        setattr(self, name, getattr(self, name) + 1)
        return True


def run_one(loop: LoopThread, target: Target, request: Request, tally: Tally) -> str:
    """Send one example and check it; returns what was wrong with it ("" when nothing)."""
    writes, crashes = loop.run(target.counts())
    status, body = loop.run(target.send(request))
    writes_after, crashes_after = loop.run(target.counts())
    unscoped = 0 if request.role in WRITE_ROLES else writes_after - writes
    return tally.record(request, status, body, unscoped, crashes_after - crashes)


CURSORS = " ".join(
    f"{field}(first: 2) {{ pageInfo {{ endCursor }} }}"
    for field in ("orders", "products", "customers")
)


async def real_cursors(target: Target) -> list[str]:
    """Cursors of the first pages of each connection, for the fuzz to forge."""
    status, body = await target.send(Request("read", {"query": f"{{ {CURSORS} }}"}))
    data = body.get("data") if status == 200 and isinstance(body, dict) else None
    pages = (data or {}).values()
    return [p["pageInfo"]["endCursor"] for p in pages if p and p["pageInfo"]["endCursor"]]


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """A fuzz run makes thousands of client mistakes (INFO) and store refusals (WARNING):
    keep only errors, which is where an INTERNAL would be logged."""
    logger = logging.getLogger("cartgraph")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)

"""Fuzzing over HTTP: generated operations, hostile values and raw bodies sent to the app in
front of one sandbox per platform never get a 5xx or an INTERNAL error, and a key without a
write scope never makes a store write. (`./run fuzz --examples N` is the long run.)"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import aiohttp
import pytest
from graphql import GraphQLSchema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_cases import Request, parse_sdl, read_only_requests, write_requests
from bench.fuzz_values import IdPool
from bench.fuzz_world import (
    LoopThread,
    Tally,
    Target,
    fuzz_stores,
    quiet_logs,
    real_cursors,
    role_grants,
    run_one,
)
from gateway.app import create_app
from gateway.auth.authenticator import AuthGate
from gateway.auth.keys import KeyAuthenticator, KeyStore
from gateway.cli import export_schema
from gateway.quotas import BudgetSettings
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry

SCHEMA = parse_sdl(export_schema())
FUZZ = settings(
    deadline=None,  # a request's time is the server's, not the test's
    derandomize=True,  # the same examples every run: the suite stays deterministic
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class World:
    """A target and what to send it (a short repr: Hypothesis prints it with a failure)."""

    loop: LoopThread
    target: Target
    requests: st.SearchStrategy[Request]

    def __repr__(self) -> str:
        return f"World({self.target.url})"


@contextlib.asynccontextmanager
async def in_process_target() -> AsyncIterator[Target]:
    """The app under uvicorn in this loop over `fuzz_stores`, with a key per role."""
    crashes: Counter[str] = Counter()
    async with fuzz_stores(crashes) as (connections, sandboxes), aiohttp.ClientSession() as http:
        keys = KeyStore(None)
        grants = role_grants(connections[0].store_id).items()
        tokens = {role: keys.create(role, stores, scopes)[1] for role, (stores, scopes) in grants}
        app = create_app(
            StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0)),
            auth=AuthGate([KeyAuthenticator(keys)]),
            # one very busy caller: its request buckets would answer most examples with
            # RATE_LIMITED and test nothing else (COST_LIMIT stays on)
            budgets=BudgetSettings(requests_per_second=0, upstream_calls_per_minute=0),
        )
        async with running(app) as url:
            yield Target(url, tokens, sandboxes, http, crashes)


@contextlib.contextmanager
def world(
    requests: Callable[[GraphQLSchema, IdPool], st.SearchStrategy[Request]],
) -> Iterator[World]:
    with LoopThread() as loop, quiet_logs():
        target = loop.enter(in_process_target())
        pool = IdPool.of(target.sandboxes, loop.run(real_cursors(target)))
        assert pool.cursors, "the cursors to forge come from the stores' first pages"
        yield World(loop, target, requests(SCHEMA, pool))


@pytest.fixture(scope="module")
def read_only() -> Iterator[World]:
    with world(read_only_requests) as found:
        yield found


@pytest.fixture(scope="module")
def writer() -> Iterator[World]:
    with world(write_requests) as found:  # its own stores: its writes are allowed
        yield found


@settings(FUZZ, max_examples=250)
@given(data=st.data())
def test_keys_without_a_write_scope_never_write_and_never_get_a_5xx_or_internal(
    read_only: World, data: st.DataObject
) -> None:
    request = data.draw(read_only.requests)
    assert not run_one(read_only.loop, read_only.target, request, Tally())


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_a_key_with_every_scope_never_gets_a_5xx_or_internal(
    writer: World, data: st.DataObject
) -> None:
    request = data.draw(writer.requests)
    assert not run_one(writer.loop, writer.target, request, Tally())

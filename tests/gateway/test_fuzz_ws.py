"""Fuzzing over WebSocket: hostile sessions on both GraphQL protocols (bad connection_init
payloads, junk and oversized frames, subscribe before init, unknown types, huge documents,
many subscriptions) are answered with the protocols' close codes or typed errors, never
INTERNAL or a dropped socket; the gateway stays up, and once the sockets are gone it holds
no slot and no task for them. (`./run fuzz --ws-examples N` is the long run.)"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from starlette.applications import Starlette

from bench.fuzz_world import LoopThread, fuzz_stores, quiet_logs, role_grants
from bench.fuzz_ws import Played, WsTally, play, play_and_judge
from bench.fuzz_ws_cases import LEGACY, MIB, TRANSPORT, Frame, Session, key, sessions
from gateway.app import create_app
from gateway.auth.authenticator import AuthGate
from gateway.auth.keys import KeyAuthenticator, KeyStore
from gateway.events.service import EventService
from gateway.quotas import BudgetSettings
from gateway.server import running
from gateway.sockets import SocketSlots
from gateway.stores import CacheTTLs, StoreRegistry

FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same sessions every run
    database=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class WsWorld:
    """A gateway with an event feed over one sandbox per platform, and a key per role."""

    loop: LoopThread
    url: str
    app: Starlette
    keys: dict[str, str]
    http: aiohttp.ClientSession
    tally: WsTally
    tasks: int  # the server loop's tasks before any session (uvicorn's own, the pollers')

    def __repr__(self) -> str:
        return f"WsWorld({self.url})"

    @property
    def sockets(self) -> SocketSlots:
        slots: SocketSlots = self.app.state.sockets
        return slots


@contextlib.asynccontextmanager
async def _gateway(data_dir: Path) -> AsyncIterator[tuple[str, Starlette, dict[str, str]]]:
    async with fuzz_stores(Counter()) as (connections, _):
        registry = StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0))
        no_polls = {c.store_id: 0.0 for c in connections}
        events = EventService.open(
            registry, data_dir, poll_intervals=no_polls, inventory_poll_intervals=no_polls
        )
        store = KeyStore(None)
        grants = role_grants(connections[0].store_id).items()
        keys = {role: store.create(role, stores, scopes)[1] for role, (stores, scopes) in grants}
        app = create_app(
            registry,
            events=events,
            auth=AuthGate([KeyAuthenticator(store)]),
            # one busy caller (see test_fuzz); the socket caps stay on
            budgets=BudgetSettings(requests_per_second=0, upstream_calls_per_minute=0),
        )
        async with running(app) as url:
            yield url, app, keys


@pytest.fixture(scope="module")
def ws_world() -> Iterator[WsWorld]:
    with tempfile.TemporaryDirectory() as tmp, LoopThread() as loop, quiet_logs():
        url, app, keys = loop.enter(_gateway(Path(tmp)))
        http = loop.enter(_client())
        yield WsWorld(loop, url, app, keys, http, WsTally(), loop.run(_tasks()))


@contextlib.asynccontextmanager
async def _client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:  # made in the loop that uses it
        yield http


async def _tasks() -> int:
    return len(asyncio.all_tasks())


async def _leftovers(world: WsWorld) -> tuple[int, dict[str, int], int]:
    """(open sockets, per-key counts, extra tasks) once they stop falling, within 1 s: less
    than the revalidation period a socket's revocation watch used to linger for after it."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1):
            # the state is inside the served app, which has no event to wait on
            while world.sockets.open or world.sockets.by_key or await _tasks() > world.tasks:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    return world.sockets.open, dict(world.sockets.by_key), await _tasks() - world.tasks


def _init(role: str = "read") -> Frame:
    return (
        "json",
        {"type": "connection_init", "payload": {"Authorization": f"Bearer {key(role)}"}},
    )


def _subscribe(query: str, op_id: object = "1", kind: str = "subscribe") -> Frame:
    return ("json", {"type": kind, "id": op_id, "payload": {"query": query}})


EVENTS = "subscription { orderEvents { id } }"
# (session, the close code expected, or None with the code of an error message expected)
EXPECTED: list[tuple[Session, int | None, str | None]] = [
    (Session(TRANSPORT, (_init("nobody"),)), 4403, None),  # no such key
    (Session(TRANSPORT, (("json", {"type": "connection_init", "payload": [1]}),)), 4400, None),
    (Session(TRANSPORT, (_subscribe(EVENTS),)), 4401, None),  # subscribe before init
    (Session(TRANSPORT, (_init(), _init())), 4429, None),
    (Session(TRANSPORT, (_init(), ("json", {"type": "bogus"}))), 4400, None),
    (Session(TRANSPORT, (_init(), ("big", MIB + 1))), 1009, None),
    (Session(TRANSPORT, (_init(), _subscribe(EVENTS), _subscribe(EVENTS))), 4409, None),
    (Session(TRANSPORT, (_init(), _subscribe("{ " + "__typename " * 6000 + "}"))), 4400, None),
    (Session(None, (_init(),)), 4406, None),
    # found by this fuzz: each crashed the socket (1006) or answered INTERNAL
    (Session(TRANSPORT, (_init(), *[_subscribe(EVENTS, "x" * 10_000)] * 2)), 4409, None),
    (Session(TRANSPORT, (_init(), ("json", {"type": "é" * 500}))), 4400, None),
    (Session(TRANSPORT, (_init(), ("json", 7))), 4400, None),
    (Session(TRANSPORT, (_init(), _subscribe(EVENTS, op_id=["1"]))), 4400, None),
    (Session(LEGACY, (_init(), ("json", {"id": "1"}))), 4400, None),
    (Session(LEGACY, (_init(), ("json", {"type": "start", "id": 1}))), 4400, None),
    (Session(LEGACY, (_init(), ("json", {"type": "start", "id": "1"}))), None, "BAD_REQUEST"),
    (
        Session(LEGACY, (_init(), _subscribe("{ stores { id } }", kind="start"))),
        None,
        "BAD_REQUEST",
    ),
    (Session(TRANSPORT, (_init(), _subscribe(""))), 4400, None),
    (Session(LEGACY, (_init(), _subscribe("", kind="start"))), None, "BAD_REQUEST"),
    # 130 subscriptions: the cap of 100 operations per socket answers the rest
    (
        Session(TRANSPORT, (_init(), *(_subscribe(EVENTS, f"m{i}") for i in range(130)))),
        None,
        None,
    ),
]


@pytest.mark.parametrize(("session", "closed", "code"), EXPECTED)
def test_each_kind_of_hostile_session_gets_its_protocol_answer(
    ws_world: WsWorld, session: Session, closed: int | None, code: str | None
) -> None:
    played: Played = ws_world.loop.run(
        play(ws_world.http, ws_world.url, ws_world.keys, session, 20)
    )
    assert not ws_world.tally.record(session, played, healthy=True)
    assert played.close_code == closed, played
    codes = [e.get("extensions", {}).get("code") for e in _errors(played)]
    if code is not None:
        assert code in codes, played.messages
    if len(session.frames) > 100:
        assert codes.count("TOO_MANY_OPERATIONS") == 30, played.messages


def _errors(played: Played) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for message in played.messages:
        if isinstance(message, dict) and message.get("type") == "error":
            payload = message.get("payload")
            found.extend(payload if isinstance(payload, list) else [payload])
    return found


@FUZZ
@given(session=sessions())
def test_hostile_sessions_get_protocol_answers_never_internal_or_a_crash(
    ws_world: WsWorld, session: Session
) -> None:
    found = ws_world.loop.run(
        play_and_judge(ws_world.http, ws_world.url, ws_world.keys, session, ws_world.tally)
    )
    assert not found, found


def test_the_sessions_reached_every_answer_and_left_nothing_behind(ws_world: WsWorld) -> None:
    """Runs after the fuzz (same module): the sessions were varied enough to mean something,
    and the gateway gives back every slot and task once they are gone."""
    closes = ws_world.tally.closes
    assert {4400, 4401, 4403, 4406, 4429, 1009}.issubset(closes), closes
    assert closes[None] > 0  # sessions that stayed open to the end (operations ran)
    assert ws_world.loop.run(_leftovers(ws_world)) == (0, {}, 0)

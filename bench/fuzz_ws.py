"""The WebSocket arm of the fuzz: play hostile sessions against /graphql and judge each one."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from bench.fuzz_world import LoopThread, Target, has_internal
from bench.fuzz_ws_cases import LEGACY, MIB, TRANSPORT, Frame, Session, render

# What the server may close a socket with: the protocols' own codes and RFC 6455's. Never
# 1011 (an unexpected condition, i.e. our bug) nor 1006 (dropped without a close frame).
COMMON = {1000, 1007, 1009, 1013}  # normal, bad UTF-8, message too big, try again later
ALLOWED = {
    TRANSPORT: COMMON | {4400, 4401, 4403, 4408, 4409, 4429},
    LEGACY: COMMON | {1002, 4400, 4401, 4408},  # 1002: Strawberry's answer to binary frames
    None: COMMON | {4406},  # no protocol both sides speak: "Subprotocol not acceptable"
}
LEGACY_REFUSED = 1011  # graphql-ws's own server closes a refused connection_init with it
ABNORMAL = 1006
SETTLE_SECONDS = 0.05  # after the probe's answer: late operation results still get judged


@dataclass
class Played:
    """What the server did with a session."""

    handshake: int | None = None  # the HTTP status of a refused upgrade
    protocol: str | None = None  # the subprotocol the server picked
    close_code: int | None = None  # None: still open after the probe (we closed it)
    messages: list[Any] = field(default_factory=list)
    answered: bool = False  # the probe was answered, or the server closed the socket
    # a frame over the message cap was sent: the server may fail the connection from the
    # frame's header (1009) and drop it unread, so the client may see 1006 instead
    oversized: bool = False


async def play(
    http: aiohttp.ClientSession, url: str, keys: dict[str, str], session: Session, wait: float
) -> Played:
    """Send the session's frames one by one, each followed by a probe the server answers only
    once it has handled the frame (a well-behaved client stops sending once it is closed:
    frames sent after a close make the kernel reset the connection, losing the close frame);
    collect everything the server sent. A probe not answered within `wait` is a hang."""
    played = Played()
    # "a, b" offers two (aiohttp wants them apart, or it refuses the server's pick)
    protocols = tuple(p.strip() for p in (session.protocol or "").split(",") if p.strip())
    try:
        ws = await http.ws_connect(f"{url}/graphql", protocols=protocols, max_msg_size=0)
    except aiohttp.WSServerHandshakeError as exc:
        played.handshake, played.answered = exc.status, True
        return played
    played.protocol = ws.protocol
    async with ws:
        talk = _Conversation(ws, played)
        reader = asyncio.create_task(talk.read())
        try:
            for frame in (*session.frames, None):  # None: the last probe alone
                state = await talk.step(frame, keys, wait)
                if state != OPEN:
                    break
            played.answered = state != HUNG
            await asyncio.sleep(SETTLE_SECONDS)  # late results of operations still get judged
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    return played


class _Conversation:
    """The client side of one socket: sends a frame, then waits for the answer to its probe."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, played: Played) -> None:
        self.ws, self.played = ws, played
        self.changed = asyncio.Event()  # set on every message and on the close
        self.pings = self.pongs = self.syncs = 0

    async def step(self, frame: Frame | None, keys: dict[str, str], wait: float) -> str:
        """Send `frame` (None: only the probe) and its probe, and wait for the answer: OPEN,
        CLOSED (by the server), or HUNG (no answer within `wait`)."""
        sent = frame is None or await self._send(*render(frame, keys))
        if frame is not None and sent:
            self.pings += _is_ping(frame)
            self.played.oversized |= frame[0] == "big" and int(frame[1]) > MIB
        done = await self._probe(frame) if sent else (lambda: False)  # closing: await it
        try:
            async with asyncio.timeout(wait):
                while not (done() or self.played.close_code is not None):
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            return HUNG
        return OPEN if self.played.close_code is None else CLOSED

    async def _probe(self, frame: Frame | None) -> Callable[[], bool]:
        legacy = self.played.protocol == LEGACY
        if not legacy:  # graphql-transport-ws answers every ping, before and after init
            self.pings += await self._send("text", '{"type": "ping"}')
            return lambda: self.pongs >= self.pings
        if self._acked or frame is None:  # a start it refuses at once names its id
            self.syncs += 1
            sync = f"__sync{self.syncs}__"
            query: object = "{ __typename }" if frame is None else 1
            start = {"type": "start", "id": sync, "payload": {"query": query}}
            await self._send("text", orjson.dumps(start).decode())
            return lambda: any(_with_id(m, sync) for m in self.played.messages)
        if _is_init(frame):
            return lambda: any(_typed(m, ANSWERS_TO_INIT) for m in self.played.messages)
        return lambda: True  # graphql-ws ignores anything else before its init

    @property
    def _acked(self) -> bool:
        return any(_typed(m, ("connection_ack",)) for m in self.played.messages)

    async def _send(self, kind: str, data: str | bytes) -> bool:
        """Send one frame; False once the socket is closing."""
        try:
            if kind == "binary":
                await self.ws.send_bytes(data if isinstance(data, bytes) else data.encode())
            else:
                await self.ws.send_str(data if isinstance(data, str) else data.decode())
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            return False
        return True

    async def read(self) -> None:
        """Every message until the socket closes (or the session ends)."""
        while True:
            message = await self.ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                self.played.close_code = self.ws.close_code
            elif message.type is aiohttp.WSMsgType.ERROR:
                self.played.close_code = ABNORMAL  # dropped without a close frame
            else:
                parsed = _parsed(message)
                self.played.messages.append(parsed)
                self.pongs += _typed(parsed, ("pong",))
            self.changed.set()
            if self.played.close_code is not None:
                return


ANSWERS_TO_INIT = ("connection_ack", "connection_error")
OPEN, CLOSED, HUNG = "open", "closed", "hung"


def _is_ping(frame: Frame) -> bool:
    kind, value = frame
    return kind == "big" or (kind == "json" and _typed(value, ("ping",)))


def _is_init(frame: Frame | None) -> bool:
    if frame is None:
        return False
    kind, value = frame  # as text (a too-deep payload) graphql-ws may ignore it: no wait
    return kind == "json" and _typed(value, ("connection_init",))


def _with_id(message: Any, op_id: str) -> bool:
    return isinstance(message, dict) and message.get("id") == op_id


def _parsed(message: aiohttp.WSMessage) -> Any:
    try:
        return orjson.loads(message.data)
    except (orjson.JSONDecodeError, TypeError):
        return {"unparsable": str(message.data)[:200]}


@dataclass
class WsTally:
    """What the WebSocket arm found; `failures` keeps the first few offending sessions."""

    examples: int = 0
    status_5xx: int = 0  # a refused upgrade answered with a 5xx
    internal: int = 0
    untyped: int = 0  # a GraphQL error without `extensions.code`
    bad_closes: int = 0  # a close code outside the protocol's (1011, 1006, ...)
    hangs: int = 0  # neither the probe answered nor the socket closed in time
    dead: int = 0  # /healthz did not answer 200 after the session
    closes: Counter[int | None] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing found."""
        found = (self.status_5xx, self.internal, self.untyped, self.bad_closes, self.hangs)
        return not (any(found) or self.dead)

    def record(self, session: Session, played: Played, healthy: bool) -> str:
        """Count one played session; returns what was wrong with it ("" when nothing)."""
        self.examples += 1
        self.closes[played.close_code] += 1
        checks = [
            ((played.handshake or 0) >= 500, "status_5xx", f"upgrade HTTP {played.handshake}"),
            (has_internal(played.messages), "internal", "INTERNAL"),
            (any(map(_untyped, played.messages)), "untyped", "an error without a code"),
            (not _allowed(played), "bad_closes", f"closed {played.close_code}"),
            (not played.answered, "hangs", "no answer to the probe"),
            (not healthy, "dead", "/healthz failed after it"),
        ]
        wrong = [text for hit, name, text in checks if hit and self._bump(name)]
        if wrong and len(self.failures) < 20:
            self.failures.append(f"{', '.join(wrong)}: {session.describe()}")
        return ", ".join(wrong)

    def _bump(self, name: str) -> bool:
        setattr(self, name, getattr(self, name) + 1)
        return True


def _allowed(played: Played) -> bool:
    code = played.close_code
    if code is None or played.handshake is not None:
        return True
    protocol = played.protocol if played.protocol in (TRANSPORT, LEGACY) else None
    if code == ABNORMAL and played.oversized:
        return True
    if code == LEGACY_REFUSED and protocol == LEGACY:
        return any(_typed(m, ("connection_error",)) for m in played.messages)
    return code in ALLOWED[protocol]


def _untyped(message: Any) -> bool:
    """Whether an error or result message carries a GraphQL error without a code."""
    if not isinstance(message, dict) or message.get("type") not in ("error", "next", "data"):
        return False
    payload = message.get("payload")
    if message["type"] == "error":
        errors = payload if isinstance(payload, list) else [payload]
    else:
        errors = payload.get("errors") or [] if isinstance(payload, dict) else []
    return any(
        not (isinstance(e, dict) and (e.get("extensions") or {}).get("code")) for e in errors
    )


def _typed(message: Any, kinds: tuple[str, ...]) -> bool:
    return isinstance(message, dict) and message.get("type") in kinds


async def healthy(http: aiohttp.ClientSession, url: str) -> bool:
    """Whether the gateway still answers /healthz."""
    try:
        async with asyncio.timeout(10), http.get(f"{url}/healthz") as resp:
            return resp.status == 200
    except (TimeoutError, aiohttp.ClientError):
        return False


async def play_and_judge(
    http: aiohttp.ClientSession,
    url: str,
    keys: dict[str, str],
    session: Session,
    tally: WsTally,
    wait: float = 20.0,
) -> str:
    """One session played and recorded; what was wrong with it ("" when nothing)."""
    played = await play(http, url, keys, session, wait)
    return tally.record(session, played, await healthy(http, url))


def ws_campaign(
    loop: LoopThread,
    target: Target,
    strategy: st.SearchStrategy[Session],
    examples: int,
    run_seed: int,
    after_each: Callable[[], None] = lambda: None,
) -> WsTally:
    """`examples` sessions drawn by Hypothesis against the target, each played and judged."""
    tally = WsTally()
    if examples <= 0:
        return tally

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # counted, not failed: nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @seed(run_seed)
    @given(strategy)
    def one(session: Session) -> None:
        loop.run(play_and_judge(target.http, target.url, target.keys, session, tally))
        after_each()

    one()
    return tally


def ws_report(tally: WsTally, rss: tuple[float, float]) -> list[str]:
    """The WebSocket arm's lines of the fuzz report."""
    closes = ", ".join(
        f"{'open' if code is None else int(code)}: {n}"
        for code, n in sorted(tally.closes.items(), key=lambda item: -item[1])
    )
    return [
        f"WebSocket: {tally.examples} sessions   upgrade 5xx: {tally.status_5xx}   "
        f"INTERNAL: {tally.internal}   untyped errors: {tally.untyped}   "
        f"bad close codes: {tally.bad_closes}   "
        f"no answer: {tally.hangs}   /healthz down after: {tally.dead}",
        f"  closed with (code: sessions): {closes}",
        f"  gateway RSS over the WebSocket arm: {rss[0]:.1f} -> {rss[1]:.1f} MiB",
        *(f"  ! {failure}" for failure in tally.failures),
    ]

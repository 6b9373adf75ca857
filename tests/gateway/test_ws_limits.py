"""WebSocket connection caps (in total and per key, 1013 "Try Again Later"), the slot a
closed socket frees, the connection_init deadline, and uvicorn's frame limit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway import app
from gateway.hardening import Hardening
from gateway.quotas import BudgetSettings
from gateway.sockets import TRY_AGAIN_LATER
from tests.helpers.sockets import (
    CLOSING,
    LEGACY_WS,
    WAIT,
    Socket,
    keyed_gateway,
    until,
)

CAPS = BudgetSettings(max_ws_connections=3, max_ws_connections_per_key=2)


async def test_a_key_over_its_socket_cap_is_closed_1013_and_a_closed_socket_frees_it(
    tmp_path: Path,
) -> None:
    async with keyed_gateway(tmp_path, budgets=CAPS) as gw:
        a = gw.key(name="a")
        first, second = await gw.open(a), await gw.open(a)
        assert first.acked and second.acked

        third = await gw.open(a)

        assert not third.acked
        assert third.first.type in CLOSING and third.ws.close_code == TRY_AGAIN_LATER
        assert "Try again later" in str(third.first.extra)
        await until(lambda: gw.sockets.open == 2)  # the refused socket gave its slot back
        assert gw.sockets.by_key == {_key_id(a): 2}

        await first.ws.close()
        await until(lambda: gw.sockets.open == 1)

        again = await gw.open(a)
        assert again.acked
        assert gw.sockets.by_key == {_key_id(a): 2}


async def test_the_per_key_cap_holds_over_legacy_graphql_ws(tmp_path: Path) -> None:
    async with keyed_gateway(tmp_path, budgets=CAPS) as gw:
        a = gw.key(name="a")
        held = [await gw.open(a), await gw.open(a, LEGACY_WS)]  # referenced: kept open
        assert all(s.acked for s in held)

        legacy = await gw.open(a, LEGACY_WS)

        assert legacy.first.json()["type"] == "connection_error"
        assert await legacy.closed() == TRY_AGAIN_LATER


async def test_over_the_total_cap_a_socket_is_closed_1013_before_any_handler_runs(
    tmp_path: Path,
) -> None:
    async with keyed_gateway(tmp_path, budgets=CAPS) as gw:
        a, b = gw.key(name="a"), gw.key(name="b")
        held = [await gw.open(a), await gw.open(a), await gw.open(b)]
        assert all(s.acked for s in held)

        late = await gw.connect()  # refused at the upgrade, whoever it is

        assert late.protocol == "graphql-transport-ws"  # accepted as asked, so clients see 1013
        message = await late.receive(timeout=WAIT)
        assert message.type in CLOSING and late.close_code == TRY_AGAIN_LATER
        await held[2].ws.close()
        await until(lambda: gw.sockets.open == 2)
        assert (await gw.open(b)).acked


async def test_sockets_refused_for_a_bad_key_free_their_slot(tmp_path: Path) -> None:
    async with keyed_gateway(tmp_path, budgets=CAPS) as gw:
        for _ in range(5):  # more than the total cap
            refused = await gw.open("cg_nope_bad")
            assert await _close_code(refused) == 4403
        await until(lambda: gw.sockets.open == 0)
        assert gw.sockets.by_key == {}


async def test_a_legacy_socket_that_never_authenticates_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Strawberry's legacy graphql-ws handler has no connection_init deadline of its own.
    monkeypatch.setattr(app, "CONNECTION_INIT_WAIT", timedelta(seconds=0.2))
    async with keyed_gateway(tmp_path, budgets=CAPS) as gw:
        silent = await gw.connect(LEGACY_WS)

        assert (await silent.receive(timeout=WAIT)).type in CLOSING
        assert silent.close_code == 4408
        await until(lambda: gw.sockets.open == 0)


async def test_uvicorn_refuses_a_frame_over_the_message_limit_from_its_header(
    tmp_path: Path,
) -> None:
    hardening = Hardening(max_ws_message_bytes=64 * 1024)
    async with keyed_gateway(tmp_path, hardening=hardening) as gw:
        ws = await gw.connect()
        await ws.send_str("x" * (64 * 1024 + 1))

        message = await ws.receive(timeout=WAIT)

        assert message.type in CLOSING and ws.close_code == 1009
        # the protocol layer's reason (the app's own check closes without one): uvicorn
        # refused the frame at its length, with the configured limit, not its 16 MiB default
        assert "65536" in str(message.extra)


async def _close_code(socket: Socket) -> int | None:
    if socket.first.type in CLOSING:
        return socket.ws.close_code
    return await socket.closed()


def _key_id(key: str) -> str:
    return key.removeprefix("cg_").split("_", 1)[0]

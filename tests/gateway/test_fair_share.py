"""A store's rate budget is shared fairly between API keys through the gateway: key B's
one-call read is served within a few slots of key A's 200-call request, over HTTP and over
WebSocket. Measured by the order in which the sandbox receives the requests, not by time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.quotas import BudgetSettings
from platforms.adapter import RateLimitSettings
from tests.helpers.sockets import STORE, KeyedGateway, keyed_gateway, until
from tests.resolvers.test_cost import LEVELS, made_up_variants

HEAVY = 200  # made-up variant ids: one `variants/{id}.json` call each, all queued at once
PACED = RateLimitSettings(2, 100)  # one call in the bucket, 100 a second: A's calls queue
ALLOWED = BudgetSettings(max_upstream_calls_per_request=1_000)  # A's ~204 calls may run
LIGHT = f'{{ locations(storeId: "{STORE}") {{ id }} }}'  # one `locations.json` call
Send = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def heavy_calls_before_light(tmp_path: Path, transport: str, same_key: bool) -> int:
    """How many of A's calls the sandbox received after B sent its read and before it."""
    # Admin REST: one call a variant (Admin GraphQL reads the 200 in one document)
    async with keyed_gateway(tmp_path, budgets=ALLOWED, rate_limit=PACED, api="rest") as gw:
        a = gw.key("read", name="a")
        b = a if same_key else gw.key("read", name="b")
        send_a, send_b = await _sender(gw, transport, a), await _sender(gw, transport, b)
        heavy = asyncio.ensure_future(send_a(LEVELS, "a", {"ids": made_up_variants(STORE, HEAVY)}))
        await until(lambda: len(gw.received) >= 2)  # A's calls are queued in the bucket
        sent_at = len(gw.received)
        answers = await asyncio.gather(heavy, send_b(LIGHT, "b", {}))
        assert not any(answer.get("errors") for answer in answers), answers
        served_at = next(i for i, p in enumerate(gw.received) if p.endswith("/locations.json"))
        assert len(gw.received) == HEAVY + 1
        return served_at - sent_at


async def _sender(gw: KeyedGateway, transport: str, key: str) -> Send:
    if transport == "http":
        return lambda query, _, variables: gw.post(key, query, variables)
    socket = await gw.open(key)  # opened before the race starts
    assert socket.acked

    async def send(query: str, op_id: str, variables: dict[str, Any]) -> dict[str, Any]:
        await socket.send("subscribe", op_id, query, variables=variables)
        payload: dict[str, Any] = (await socket.result(op_id))["payload"]
        return payload

    return send


@pytest.mark.parametrize("transport", ["http", "ws"])
async def test_one_heavy_key_cannot_starve_a_one_call_read_of_another(
    tmp_path: Path, transport: str
) -> None:
    # finding: a one-call read waited 78 s behind a 200-id request (first come, first served).
    fair = await heavy_calls_before_light(tmp_path / "fair", transport, same_key=False)
    one_queue = await heavy_calls_before_light(tmp_path / "fifo", transport, same_key=True)
    print(f"\n{transport}: B served after {fair} of A's calls; same key: {one_queue}")

    assert fair <= 4  # a couple of slots: B's turn comes right after A's current call
    assert one_queue >= HEAVY - 10  # one key's own calls stay first come, first served

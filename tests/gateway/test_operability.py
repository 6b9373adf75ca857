"""Issue 17 acceptance 1 (the GraphQL half): a store with a wrong token shows up in
syncStatus and in objectHistory of an order it failed to update, each naming the store and
the attempt; a healthy store beside it does not (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.writes.queue import WriteQueue
from platforms.http import RetryPolicy
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.gateway.events.conftest import SECRET, with_secrets
from tests.helpers.auth import AUTH_HEADERS, admin_gate
from tests.helpers.postgres import Backend

HOUR = 3600.0
FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
CANCEL = """mutation ($id: ID!) { cancelOrder(input: {orderId: $id}) {
  __typename ... on WriteFailed { code message operation { id attempts } } } }"""
HISTORY = """query ($id: ID!) { objectHistory(id: $id) {
  at kind storeId ref what source status attempts requestId errorCode errorMessage } }"""
STATUS = """{ syncStatus(storeIds: ["ok", "broken"]) {
  storeId platform up webhooks lastWebhookAt webhooksLastHour webhooksQuarantinedLastHour
  polls { stream intervalSeconds lastPollAt lastError checkpoint }
  lastEventAt lagSeconds upstreamRequests upstreamErrors { code count } errorRate
  rateBudgetUsed deadLetters writes { status count } credentialExpiresAt } }"""


@dataclasses.dataclass
class Ops:
    """A gateway in front of one Shopify sandbox, seen as a healthy and a broken store."""

    url: str
    session: aiohttp.ClientSession
    sandbox: ShopifySandbox

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """POST a query; its data (failing on any error)."""
        payload = {"query": query, "variables": variables or {}}
        async with self.session.post(f"{self.url}/graphql", json=payload) as resp:
            body = await resp.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture
async def ops(tmp_path: Path, backend: Backend) -> AsyncIterator[Ops]:
    """The broken store has the sandbox's URL and a wrong token; both are polled hourly."""
    async with contextlib.AsyncExitStack() as stack:
        sandbox = ShopifySandbox(seed=1, orders=30, products=10, bucket=None)
        base = await stack.enter_async_context(serve(sandbox.app))
        good = with_secrets(sandbox.connection("ok", base), SECRET)
        bad = with_secrets(sandbox.connection("broken", base), SECRET)
        bad = dataclasses.replace(bad, credentials={**bad.credentials, "access_token": "shpat_x"})
        registry = StoreRegistry([good, bad], ttls=CacheTTLs(products=0, locations=0))
        polls = {"ok": HOUR, "broken": HOUR}
        events = backend.event_service(registry, tmp_path / "data", poll_intervals=polls)
        writes = WriteQueue(backend.write_store(tmp_path / "data"), registry, retry=FAST)
        app = create_app(registry, events=events, writes=writes, auth=admin_gate())
        url = await stack.enter_async_context(running(app))
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))
        yield Ops(url, session, sandbox)


async def _refund_webhook(ops: Ops, store_id: str, order_id: int) -> str:
    """Shopify's refunds/create for the order (processing reads the order back); its id."""
    body = orjson.dumps({"id": 77, "order_id": order_id, "refund_line_items": []})
    emitter = ops.sandbox.webhooks
    delivery = str(emitter.sender.new_id())
    headers = emitter._headers("refunds/create", body, delivery, SECRET)
    async with ops.session.post(f"{ops.url}/webhooks/{store_id}", data=body, headers=headers) as r:
        assert r.status == 202
    return delivery


async def test_a_broken_store_is_named_in_history_and_status(ops: Ops) -> None:
    order = ops.sandbox.state.orders[0]["id"]
    broken_order = encode_id("broken", Kind.ORDER, str(order))
    failed = (await ops.data(CANCEL, {"id": broken_order}))["cancelOrder"]
    assert failed["__typename"] == "WriteFailed" and failed["code"] == "AUTHENTICATION_FAILED"
    delivery = await _refund_webhook(ops, "broken", order)

    async def history() -> list[dict[str, Any]]:
        return list((await ops.data(HISTORY, {"id": broken_order}))["objectHistory"])

    entries = await history()
    for _ in range(100):  # the webhook is processed after its 202
        if any(e["kind"] == "DEAD_LETTER" for e in entries):
            break
        entries = await history()
    write = next(e for e in entries if e["kind"] == "WRITE")
    assert write["storeId"] == "broken" and write["what"] == "CANCEL_ORDER"
    assert write["status"] == "QUARANTINED" and write["attempts"] == 1
    assert write["errorCode"] == "AUTHENTICATION_FAILED" and "broken" in write["errorMessage"]
    assert write["ref"] == failed["operation"]["id"]
    letter = next(e for e in entries if e["kind"] == "DEAD_LETTER")
    assert (letter["storeId"], letter["what"], letter["source"]) == (
        "broken",
        "refunds/create",
        "WEBHOOK",
    )
    assert letter["errorCode"] == "AUTHENTICATION_FAILED" and letter["requestId"].replace(
        "-", ""
    ) == delivery.replace("-", "")
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)  # in time order
    healthy_order = encode_id("ok", Kind.ORDER, str(order))
    assert (await ops.data(HISTORY, {"id": healthy_order}))["objectHistory"] == []

    ok, broken = (await ops.data(STATUS))["syncStatus"]
    assert broken["storeId"] == "broken" and broken["up"] is False
    codes = {e["code"]: e["count"] for e in broken["upstreamErrors"]}
    assert codes.get("AUTHENTICATION_FAILED", 0) >= 2  # the first poll, the write, the refetch
    assert broken["errorRate"] == 1.0 and broken["deadLetters"] == 1
    [poll] = broken["polls"]
    assert poll["stream"] == "orders" and "HTTP 401" in poll["lastError"]
    assert "broken" in poll["lastError"] and poll["checkpoint"] is None
    assert {w["status"]: w["count"] for w in broken["writes"]}["QUARANTINED"] == 1
    assert broken["webhooksLastHour"] == 1 and broken["webhooksQuarantinedLastHour"] == 1
    assert ok["up"] is True and ok["upstreamErrors"] == [] and ok["errorRate"] == 0.0
    assert ok["polls"][0]["lastError"] is None and ok["polls"][0]["checkpoint"] is not None
    assert 0.0 <= ok["rateBudgetUsed"] <= 1.0 and ok["credentialExpiresAt"] is None

    # the same failure on the two other operator surfaces: /status and /metrics
    async with ops.session.get(f"{ops.url}/status") as resp:
        assert resp.status == 200
        page = await resp.text()
    row = page[page.index(">broken<") :].split("</tr>", 1)[0]
    assert 'class="down"' in row and "AUTHENTICATION_FAILED" in row
    assert row.endswith("<td class=num>2</td>")  # dead letters: the receipt and the write
    async with ops.session.get(f"{ops.url}/metrics") as resp:
        metrics = await resp.text()
    assert re.search(r'cartgraph_store_up\{[^}]*store="broken"[^}]*\} 0', metrics)
    assert re.search(
        r'code="AUTHENTICATION_FAILED"[^}]*store="broken"|store="broken"[^}]*code="AUTHENTICATION_FAILED"',
        metrics,
    )

"""Acceptance 5 of #14: a real `cartgraph serve` is SIGKILLed between sending `refundCreate`
(over Admin GraphQL) and reading its answer, then restarted: one refund, and the log shows
that Shopify's idempotency key deduplicated the re-send."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import aiohttp

from gateway.server import free_port
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import DEFAULT_TOKEN, ShopifySandbox
from platforms.shopify.writes.graphql import KEY_PREFIX
from tests.gateway.writes.conftest import WriteGateway
from tests.helpers.auth import AUTH_HEADERS
from tests.helpers.postgres import Backend
from tests.helpers.procs import gateway_process, write_config

TOKEN_ENV = "CARTGRAPH_TEST_SHOP_TOKEN"
TIMEOUT = 2  # seconds: the restarted worker re-checks the write once it has settled
KEY = "refund-after-kill"
REFUND = """mutation($input: CreateRefundInput!, $key: String) {
  createRefund(input: $input, idempotencyKey: $key, wait: false) {
    __typename ... on WriteQueued { operation { id } } } }"""
OPERATION = """query($id: ID!) { writeOperation(id: $id) { status attempts
  result lastError { code } } }"""


def _config(tmp: Path, sandbox_url: str, port: int, backend: Backend) -> Path:
    return write_config(
        tmp,
        port,
        f"""{backend.toml()}
[[stores]]
id = "shop-k"
platform = "shopify"
url = "{sandbox_url}"
options = {{ api = "graphql" }}
poll_interval_seconds = 0
inventory_poll_interval_seconds = 0
credentials = {{ access_token = "env:{TOKEN_ENV}" }}
timeout_seconds = {TIMEOUT}
write_timeout_seconds = 0.2
""",
    )


async def test_killed_mid_refund_then_restarted_leaves_one_refund(
    tmp_path: Path, backend: Backend
) -> None:
    sandbox = ShopifySandbox(seed=3, orders=20, products=12, bucket=None)
    order = next(o for o in sandbox.state.orders if o["financial_status"] == "paid")
    refunds_before = len(order["refunds"])
    line = order["line_items"][0]
    variables = {
        "input": {
            "orderId": encode_id("shop-k", Kind.ORDER, str(order["id"])),
            "lines": [{"lineItemId": str(line["id"]), "quantity": 1}],
            "amount": "4.00",
        },
        "key": KEY,
    }
    log = tmp_path / "gateway.log"
    async with serve(sandbox.app) as url, aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
        port = free_port()
        config = _config(tmp_path, url, port, backend)
        gw = WriteGateway(f"http://127.0.0.1:{port}", session)
        sandbox.writes.hold = asyncio.Event()  # the refund is made; its answer is held back
        async with gateway_process(config, port, {TOKEN_ENV: DEFAULT_TOKEN}, log=log) as proc:
            queued = (await gw.data(REFUND, variables))["createRefund"]
            assert queued["__typename"] == "WriteQueued", queued
            await sandbox.writes.wait_for("refund:")
            proc.send_signal(signal.SIGKILL)  # sent, applied, never read
            await proc.wait()
        assert len(order["refunds"]) == refunds_before + 1
        sandbox.writes.hold.set()
        operation = queued["operation"]["id"]
        async with gateway_process(config, port, {TOKEN_ENV: DEFAULT_TOKEN}, log=log):
            async with asyncio.timeout(30):
                while (found := await _operation(gw, operation))["status"] != "SUCCEEDED":
                    assert found["status"] != "QUARANTINED", found
                    await asyncio.sleep(0.05)
    assert len(order["refunds"]) == refunds_before + 1  # exactly one refund
    assert sandbox.writes.count(f"refund:{order['id']}") == 1
    assert sandbox.graphql.fields["mutation refundCreate"] == 2  # sent again after restart...
    assert found["result"]["refund_id"] == str(order["refunds"][-1]["id"])
    text = log.read_text(encoding="utf-8")
    # ...with the key of the first send (kept in the checkpoint), and Shopify answered with
    # the first refund
    [key] = re.findall(r"refundCreate in doubt: re-sending with idempotency key (\S+)", text)
    assert key.startswith(KEY_PREFIX)
    assert f"refundCreate with idempotency key {key} was deduplicated by Shopify" in text
    assert sandbox.graphql.extras["idempotency"].keys() == {("refundCreate", key)}
    assert DEFAULT_TOKEN not in text


async def _operation(gw: WriteGateway, ident: str) -> dict[str, object]:
    found: dict[str, object] = (await gw.data(OPERATION, {"id": ident}))["writeOperation"]
    return found

"""An order line id no platform could have (found by fuzzing createRefund on BigCommerce,
whose writer turned it into an int: INTERNAL) is, on every registered platform, a typed
failure of the write or of the request, never INTERNAL, and nothing is sent to the store."""

from __future__ import annotations

from collections import Counter

import aiohttp
import pytest

from bench.fuzz_values import IdPool
from bench.fuzz_world import fuzz_stores, has_internal, writes_of
from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.ids import Kind
from tests.helpers.auth import AUTH_HEADERS, admin_gate

BAD_LINE = "6\u1c85n\x18\x88"  # the id the fuzz sent: not ASCII digits
WRITES = {
    "createRefund": "mutation($o: ID!, $l: String!) { createRefund(input: {orderId: $o, "
    "lines: [{lineItemId: $l, quantity: 1}]}) { __typename ... on WriteFailed { code } } }",
    "createFulfillment": "mutation($o: ID!, $l: String!) { createFulfillment(input: {orderId:"
    " $o, lines: [{lineItemId: $l, quantity: 1}]}) { __typename ... on WriteFailed { code } } }",
}
TYPED = {"BAD_USER_INPUT", "NOT_FOUND", "UPSTREAM_VALIDATION"}


@pytest.mark.parametrize("field", sorted(WRITES))
async def test_a_line_id_no_platform_has_is_a_typed_failure_everywhere(field: str) -> None:
    async with (
        fuzz_stores(Counter()) as (connections, sandboxes),
        running(
            create_app(
                StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0)),
                auth=admin_gate(),
            )
        ) as url,
        aiohttp.ClientSession(headers=AUTH_HEADERS) as http,
    ):
        for store_id, kinds in IdPool.of(sandboxes).stores.items():
            variables = {"o": kinds[Kind.ORDER][0], "l": BAD_LINE}
            payload = {"query": WRITES[field], "variables": variables}
            async with http.post(f"{url}/graphql", json=payload) as resp:
                assert resp.status == 200
                body = await resp.json()
            assert not has_internal(body), (store_id, body)
            result = (body.get("data") or {}).get(field) or {}
            codes = {e["extensions"]["code"] for e in body.get("errors") or []}
            assert (
                result.get("code") in TYPED
                or codes & TYPED
                or (result.get("__typename") == "UnsupportedOnPlatform")
            ), (store_id, body)
        assert not any(writes_of(s) for s in sandboxes.values())

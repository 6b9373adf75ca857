"""Operations over WebSocket follow the HTTP rules: trusted documents and APQ, per-caller
budgets (subscription starts included), and the request timeout for queries and mutations."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from gateway.documents import DocumentStore, PersistedDocuments
from gateway.quotas import BudgetSettings
from platforms.adapter import RateLimitSettings
from tests.helpers.sockets import LEGACY_WS, STORE, errors_of, keyed_gateway
from tests.resolvers.test_cost import LEVELS, made_up_variants

QUERY = "query Stores { stores { id } }"
SUBSCRIPTION = "subscription Orders { orderEvents { id } }"
OTHER_QUERY = "{ stores { id name } }"
OTHER_SUBSCRIPTION = "subscription { inventoryEvents { type } }"


def _pq(text: str) -> dict[str, Any]:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def _trusted(data_dir: Path) -> PersistedDocuments:
    store = DocumentStore.open(data_dir / "documents")
    store.add(QUERY)
    store.add(SUBSCRIPTION)
    return PersistedDocuments(store, trusted_only=True)


async def test_trusted_mode_refuses_unregistered_operations_over_both_protocols(
    tmp_path: Path,
) -> None:
    async with keyed_gateway(tmp_path, documents=_trusted(tmp_path)) as gw:
        key = gw.key()
        socket = await gw.open(key)
        await socket.send("subscribe", "by-text", QUERY)
        assert (await socket.result("by-text"))["payload"]["data"]["stores"] == [{"id": STORE}]
        await socket.send("subscribe", "by-hash", extensions=_pq(QUERY))
        assert (await socket.result("by-hash"))["payload"]["data"]["stores"] == [{"id": STORE}]
        for op_id, text in (("q", OTHER_QUERY), ("s", OTHER_SUBSCRIPTION)):
            await socket.send("subscribe", op_id, text)
            message = await socket.result(op_id)
            assert message["type"] == "error"
            assert errors_of(message)[0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"

        legacy = await gw.open(key, LEGACY_WS)
        await legacy.send("start", "s", OTHER_SUBSCRIPTION)
        message = await legacy.result("s")
        assert message["type"] == "error"
        assert errors_of(message)[0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        assert gw.received == []  # nothing ran upstream


async def test_automatic_persisted_queries_work_over_websocket(tmp_path: Path) -> None:
    async with keyed_gateway(tmp_path) as gw:
        socket = await gw.open(gw.key())
        await socket.send("subscribe", "1", extensions=_pq(QUERY))
        miss = await socket.result("1")
        assert errors_of(miss)[0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        await socket.send("subscribe", "2", QUERY, extensions=_pq(OTHER_QUERY))
        assert errors_of(await socket.result("2"))[0]["extensions"]["code"] == "BAD_REQUEST"

        await socket.send("subscribe", "3", QUERY, extensions=_pq(QUERY))
        registered = await socket.result("3")
        await socket.send("subscribe", "4", extensions=_pq(QUERY))
        hit = await socket.result("4")

        assert registered["payload"] == hit["payload"] == {"data": {"stores": [{"id": STORE}]}}


async def test_subscription_starts_and_queries_share_the_callers_request_bucket(
    tmp_path: Path,
) -> None:
    budgets = BudgetSettings(requests_per_second=0.001, request_burst=2)
    async with keyed_gateway(tmp_path, budgets=budgets) as gw:
        key = gw.key()
        socket = await gw.open(key)
        await socket.send("subscribe", "q", QUERY)
        assert not errors_of(await socket.result("q"))
        await socket.send("subscribe", "s1", SUBSCRIPTION)  # the second request: allowed

        await socket.send("subscribe", "s2", SUBSCRIPTION)
        refused = errors_of(await socket.result("s2"))

        assert refused[0]["extensions"]["code"] == "RATE_LIMITED"
        assert refused[0]["extensions"]["retryAfter"] >= 1
        other = await gw.open(key)  # the bucket is the key's, not the socket's
        await other.send("subscribe", "q", QUERY)
        assert errors_of(await other.result("q"))[0]["extensions"]["code"] == "RATE_LIMITED"
        over_http = (await gw.post(key, QUERY))["errors"]
        assert over_http[0]["extensions"]["code"] == "RATE_LIMITED"


async def test_a_subscription_over_the_list_cap_is_refused(tmp_path: Path) -> None:
    async with keyed_gateway(tmp_path, budgets=BudgetSettings(max_list_argument=3)) as gw:
        socket = await gw.open(gw.key())
        query = "subscription($v: [ID!]) { inventoryEvents(variantIds: $v) { type } }"

        await socket.send("subscribe", "s", query, variables={"v": made_up_variants(STORE, 4)})

        error = errors_of(await socket.result("s"))[0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["cap"] == 3


async def test_queries_over_websocket_time_out_and_subscriptions_do_not(tmp_path: Path) -> None:
    timeout = 0.3
    paced = RateLimitSettings(1, 0.05)  # one call now, the next in 20 s
    budgets = BudgetSettings(request_timeout_seconds=timeout)
    # Admin REST: a request bucket and one call a variant (GraphQL would read them in one)
    async with keyed_gateway(tmp_path, budgets=budgets, rate_limit=paced, api="rest") as gw:
        socket = await gw.open(gw.key())
        await socket.send("subscribe", "live", SUBSCRIPTION)
        variables = {"ids": made_up_variants(STORE, 3)}

        await socket.send("subscribe", "slow", LEVELS, variables=variables)
        error = errors_of(await socket.result("slow"))[0]

        assert error["extensions"]["code"] == "TIMEOUT"
        assert error["extensions"]["timeoutSeconds"] == timeout
        assert len(gw.received) == 1  # the queued calls were dropped with the request
        await asyncio.sleep(timeout * 3)  # well past the timeout: the subscription lives on
        await socket.send("subscribe", "live", SUBSCRIPTION)
        assert await socket.closed() == 4409  # "Subscriber for live already exists"

"""A request's upstream work stops at its timeout (TIMEOUT) and when its client hangs up."""

from __future__ import annotations

import asyncio

import aiohttp

from gateway.quotas import BudgetSettings
from platforms.adapter import RateLimitSettings
from platforms.canonical import Platform
from platforms.sandbox.kit import Sandbox
from tests.helpers.auth import AUTH_HEADERS
from tests.helpers.budgets import error_of, rig
from tests.resolvers.test_cost import LEVELS, made_up_variants

IDS = 100  # one paced `variants/{id}.json` call each: ~10 s of work at 10 calls a second
PACED = RateLimitSettings(2, 10)
# Admin REST: a variant without its product is a call of its own, so the work is long enough
# to stop halfway (Admin GraphQL, the default, reads all 100 in one `nodes(ids:)` document)
REST = {"api": "rest"}


async def settled(sandbox: Sandbox) -> int:
    """The call count once it has stopped moving for a while (in-flight calls land)."""
    last = -1
    while sandbox.calls.total != last:
        last = sandbox.calls.total
        await asyncio.sleep(0.5)  # 5 paced slots: a live request would have made more calls
    return last


async def test_a_request_over_its_timeout_gets_timeout_and_its_calls_stop() -> None:
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop", rate_limit=PACED, options=REST)
        url = await r.gateway([conn], BudgetSettings(request_timeout_seconds=0.5))

        error = error_of(await r.post(url, LEVELS, {"ids": made_up_variants("shop", IDS)}))

        assert error["extensions"]["code"] == "TIMEOUT"
        assert error["extensions"]["timeoutSeconds"] == 0.5
        assert 0 < await settled(sandbox) < IDS


async def test_upstream_calls_stop_when_the_client_hangs_up() -> None:
    # finding: upstream calls went on after the client hung up.
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop", rate_limit=PACED, options=REST)
        url = await r.gateway([conn])
        payload = {"query": LEVELS, "variables": {"ids": made_up_variants("shop", IDS)}}
        async with aiohttp.ClientSession(headers=AUTH_HEADERS) as client:
            request = asyncio.ensure_future(client.post(url, json=payload))
            while sandbox.calls.total < 3:  # noqa: ASYNC110 (the request is under way upstream)
                await asyncio.sleep(0.01)
            request.cancel()  # the client hangs up: its connection closes
        hung_up_at = sandbox.calls.total

        stopped_at = await settled(sandbox)

        assert stopped_at - hung_up_at <= 2  # at most the calls already in flight
        assert stopped_at < IDS

"""Per-caller token buckets: requests and estimated upstream calls, RATE_LIMITED with
`retryAfter` before any upstream call."""

from __future__ import annotations

from gateway.quotas import BudgetSettings, CallerQuotas
from platforms.canonical import Platform
from tests.helpers.budgets import error_of, rig

ORDERS = "{ orders(first: 2) { edges { node { number } } } }"  # 1 call on Shopify


async def test_a_caller_over_its_request_rate_is_refused_with_retry_after() -> None:
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop")
        budgets = BudgetSettings(requests_per_second=0.01, request_burst=2)
        url = await r.gateway([conn], budgets)
        for _ in range(2):
            assert not (await r.post(url, ORDERS)).get("errors")
        calls = sandbox.calls.total

        error = error_of(await r.post(url, ORDERS))

        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryable"] is True
        assert error["extensions"]["retryAfter"] >= 1
        assert sandbox.calls.total == calls


async def test_a_caller_over_its_upstream_call_budget_is_refused() -> None:
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop")
        url = await r.gateway([conn], BudgetSettings(upstream_calls_per_minute=3))
        for _ in range(3):
            assert not (await r.post(url, ORDERS)).get("errors")

        error = error_of(await r.post(url, ORDERS))

        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] >= 1  # one call refills in 20 s
        assert sandbox.calls.total == 3


def test_callers_have_separate_buckets_and_a_refusal_takes_nothing() -> None:
    now = [0.0]
    quotas = CallerQuotas(
        BudgetSettings(requests_per_second=1, request_burst=1, upstream_calls_per_minute=60),
        clock=lambda: now[0],
    )
    assert quotas.charge("a", 60) is None
    assert quotas.charge("a", 1) == 1.0  # both buckets empty
    assert quotas.charge("b", 60) is None  # another caller is unaffected
    now[0] = 1.0
    assert quotas.charge("a", 1) is None  # one second: one request and one call back
    assert quotas.charge("a", 1) == 1.0

"""Upstream-cost estimate: over-cost requests and over-long lists are refused before any
upstream call; the estimate is an upper bound of what a request really costs."""

from __future__ import annotations

import pytest

from gateway.quotas import BudgetSettings
from platforms.canonical import Platform
from platforms.ids import Kind, encode_id
from tests.helpers.budgets import error_of, rig

NESTED = """
query($first: Int) {
  orders(first: $first) {
    edges { node {
      number storeId
      totalPrice { amount currencyCode }
      lineItems { quantity variant { sku product { title }
        inventoryLevels { available location { name } } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
LEVELS = "query($ids: [ID!]!) { inventoryLevels(variantIds: $ids) { available } }"


def made_up_variants(store_id: str, count: int) -> list[str]:
    return [encode_id(store_id, Kind.VARIANT, str(900_000_000 + i)) for i in range(count)]


async def test_nested_first_100_on_woocommerce_is_refused_before_any_call() -> None:
    # finding: this query made 172 WooCommerce calls (15 s).
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.WOOCOMMERCE, "woo")
        url = await r.gateway([conn])

        error = error_of(await r.post(url, NESTED, {"first": 100}))

        ext = error["extensions"]
        assert ext["code"] == "COST_LIMIT"
        assert ext["limit"] == 250
        assert ext["estimate"] > 250
        assert ext["perStore"] == {"woo": ext["estimate"]}
        assert str(ext["estimate"]) in error["message"] and "250" in error["message"]
        assert sandbox.calls.total == 0


@pytest.mark.parametrize("platform", list(Platform))
async def test_readme_example_is_allowed_and_the_estimate_bounds_the_real_calls(
    platform: Platform,
) -> None:
    async with rig() as r:
        sandbox, conn = await r.sandbox(platform, "s1")
        strict = await r.gateway([conn], BudgetSettings(max_upstream_calls_per_request=1))
        default = await r.gateway([conn])
        for first in (2, 30):
            estimate = error_of(await r.post(strict, NESTED, {"first": first}))["extensions"]
            assert sandbox.calls.total == 0

            body = await r.post(default, NESTED, {"first": first})

            assert not body.get("errors"), body["errors"]
            assert len(body["data"]["orders"]["edges"]) == first
            assert 0 < sandbox.calls.total <= estimate["estimate"], (platform, first)
            sandbox.calls.reset()


async def test_a_thousand_made_up_ids_are_refused_by_the_list_cap() -> None:
    # finding: inventoryLevels with 1,000 made-up ids made 1,000 upstream calls.
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop")
        url = await r.gateway([conn])

        error = error_of(await r.post(url, LEVELS, {"ids": made_up_variants("shop", 1000)}))

        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["argument"] == "variantIds"
        assert error["extensions"]["cap"] == 250
        assert "variantIds" in error["message"] and "250" in error["message"]
        assert sandbox.calls.total == 0


async def test_under_the_cap_the_made_up_ids_still_cost_too_much() -> None:
    async with rig() as r:
        # REST: a variant without its product is one call each
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop", options={"api": "rest"})
        url = await r.gateway([conn])

        error = error_of(await r.post(url, LEVELS, {"ids": made_up_variants("shop", 250)}))

        assert error["extensions"]["code"] == "COST_LIMIT"
        assert error["extensions"]["estimate"] >= 250  # one `variants/{id}.json` each
        assert sandbox.calls.total == 0


async def test_aliases_multiply_the_estimate() -> None:
    # finding: 50 aliases x 400 ids would make about 20,000 calls (Shopify REST).
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop", options={"api": "rest"})
        url = await r.gateway([conn])
        aliases = " ".join(
            f"a{i}: inventoryLevels(variantIds: $ids) {{ available }}" for i in range(50)
        )
        query = f"query($ids: [ID!]!) {{ {aliases} }}"

        error = error_of(await r.post(url, query, {"ids": made_up_variants("shop", 100)}))

        assert error["extensions"]["code"] == "COST_LIMIT"
        assert error["extensions"]["estimate"] >= 50 * 100
        assert sandbox.calls.total == 0


async def test_every_list_argument_is_capped_storeids_included() -> None:
    async with rig() as r:
        sandbox, conn = await r.sandbox(Platform.SHOPIFY, "shop")
        url = await r.gateway([conn], BudgetSettings(max_list_argument=3))

        body = await r.post(
            url, '{ orders(storeIds: ["shop","a","b","c"]) { pageInfo { hasNextPage } } }'
        )

        error = error_of(body)
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "retryable": False,
            "argument": "storeIds",
            "cap": 3,
        }
        assert sandbox.calls.total == 0

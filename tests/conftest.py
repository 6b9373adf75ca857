"""Shared fixtures: sandboxes on real sockets and the gateway served by uvicorn."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from resolvers.context import Limits
from tests.helpers.auth import AUTH_HEADERS, admin_gate
from tests.helpers.postgres import backend, pg_database, pg_url  # noqa: F401 - fixtures


class Gateway:
    """A running gateway, queried over real HTTP."""

    def __init__(
        self, url: str, session: aiohttp.ClientSession, registry: StoreRegistry | None = None
    ) -> None:
        self.url = url
        self.session = session
        self.registry = registry  # the stores it serves (their clients), when started here

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL request; returns the whole response body (data and errors)."""
        async with self.session.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}
        ) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
            return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Like query, but fails the test on any GraphQL error."""
        body = await self.query(query, variables)
        assert not body.get("errors"), body.get("errors")
        data: dict[str, Any] = body["data"]
        return data


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def start_gateway() -> AsyncIterator[StartGateway]:
    """Start a gateway for some store connections; everything stops at teardown."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))

        async def start(
            connections: list[StoreConnection],
            *,
            limits: Limits | None = None,
            ttls: CacheTTLs | None = None,
        ) -> Gateway:
            registry = StoreRegistry(connections, ttls=ttls or CacheTTLs(products=0, locations=0))
            app = create_app(registry, limits=limits, auth=admin_gate())
            url = await stack.enter_async_context(running(app))
            return Gateway(url, session, registry)

        yield start


SHOPIFY_STANDARD = RateLimitSettings(40, 2)
ServeShopify = Callable[..., Awaitable[tuple[ShopifySandbox, StoreConnection]]]


@pytest.fixture
async def serve_shopify() -> AsyncIterator[ServeShopify]:
    """Serve Shopify sandboxes on real sockets; returns (sandbox, connection) per call, the
    connection on Admin REST unless `api="graphql"`."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            store_id: str = "shop-a",
            *,
            seed: int = 1,
            orders: int = 300,
            products: int = 80,
            bucket: RateLimitSettings | None = SHOPIFY_STANDARD,
            api: str = "rest",
            **overrides: Any,
        ) -> tuple[ShopifySandbox, StoreConnection]:
            sandbox = ShopifySandbox(seed=seed, orders=orders, products=products, bucket=bucket)
            url = await stack.enter_async_context(serve(sandbox.app))
            conn = sandbox.connection(store_id, url)
            # these tests count REST routes; the GraphQL API (the default) is asked for by name
            if api == "rest":
                conn = dataclasses.replace(conn, options={**conn.options, "api": "rest"})
            if overrides:
                conn = dataclasses.replace(conn, **overrides)
            return sandbox, conn

        yield start


# Issue 14 (Shopify Admin GraphQL) and issue 16 (money conformance) are in progress: REST is
# still Shopify's default transport and these tests describe the GraphQL client and the
# cross-platform scenario as they must end up. They run on every `./run test` (xfail, not
# skipped) so the day they pass shows as XPASS; remove an id once it passes.
IN_PROGRESS = {
    "tests/platforms/conformance/test_conformance.py::test_the_scenario_reads_as_docs_money_defines_it[shopify-graphql]",
    "tests/platforms/conformance/test_properties.py::test_any_generated_order_reconciles_with_plain_amounts[shopify-graphql]",
    "tests/platforms/contract/test_gateway.py::test_nested_order_query_costs_the_fewest_calls_the_api_allows[shopify-30]",
    "tests/platforms/contract/test_gateway.py::test_nested_order_query_costs_the_fewest_calls_the_api_allows[shopify-50]",
    "tests/platforms/contract/test_gateway.py::test_nested_order_query_costs_the_fewest_calls_the_api_allows[shopify-graphql-30]",
    "tests/platforms/contract/test_gateway.py::test_nested_order_query_costs_the_fewest_calls_the_api_allows[shopify-graphql-50]",
    "tests/platforms/contract/test_payload_errors.py::test_one_bad_order_does_not_sink_the_listing[shopify-graphql]",
    "tests/platforms/contract/test_payload_errors.py::test_a_batch_read_fails_the_bad_key_only[shopify-graphql]",
    "tests/platforms/shopify/test_graphql_client.py::test_graphql_is_the_default_and_rest_stays_selectable",
    "tests/platforms/shopify/test_graphql_client.py::test_a_throttled_document_waits_what_shopify_says_then_succeeds",
    "tests/platforms/shopify/test_graphql_client.py::test_a_burst_over_the_budget_is_paced_never_throttled",
    "tests/platforms/shopify/test_graphql_client.py::test_the_bucket_is_read_from_the_answers_never_assumed",
    "tests/platforms/shopify/test_graphql_client.py::test_refused_documents_are_permanent_errors_sent_once",
    "tests/platforms/shopify/test_graphql_client.py::test_the_nested_50_order_page_of_the_demo_store_is_3_requests",
    "tests/platforms/test_people_clients.py::test_customers_of_a_whole_page_cost_one_call[shopify]",
    "tests/platforms/test_people_clients.py::test_customers_of_a_whole_page_cost_one_call[shopify-graphql]",
    "tests/platforms/test_people_clients.py::test_a_customer_page_costs_one_call[shopify]",
    "tests/platforms/test_people_clients.py::test_a_customer_page_costs_one_call[shopify-graphql]",
    "tests/platforms/test_people_clients.py::test_fulfillments_of_a_whole_page_cost_one_call[shopify]",
    "tests/platforms/test_people_clients.py::test_fulfillments_of_a_whole_page_cost_one_call[shopify-graphql]",
    "tests/platforms/test_people_clients.py::test_refunds_cost_one_call_or_one_per_refunded_order[shopify]",
    "tests/platforms/test_people_clients.py::test_refunds_cost_one_call_or_one_per_refunded_order[shopify-graphql]",
    "tests/resolvers/test_customers.py::test_shopify_graphql_reads_the_page_then_its_parts_at_once",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the in-progress tests above as expected failures, with the issue that owns them."""
    for item in items:
        if item.nodeid in IN_PROGRESS:
            item.add_marker(
                pytest.mark.xfail(reason="issue 14/16 in progress (see IN_PROGRESS)", strict=False)
            )

"""The Amazon client against its sandbox over real sockets: Login with Amazon tokens refreshed
before they expire and once when Amazon says one expired (acceptance 4, through the gateway),
one bucket per operation adopting x-amzn-RateLimit-Limit, and what the canonical order shows."""

from __future__ import annotations

from decimal import Decimal

from platforms.adapter import OrderQuery
from platforms.amazon.auth import LwaTokens
from platforms.canonical import FinancialStatus, FulfillmentStatus, OrderStatus
from platforms.errors import AuthenticationError
from platforms.http import CallContext
from tests.conftest import StartGateway
from tests.platforms.amazon.conftest import UNPACED, Served

CTX = CallContext("amz", "amazon", "test")
ORDERS = "{ orders(first: 10) { edges { node { number totalPrice { amount } } } } }"


async def test_the_access_token_is_refreshed_before_expires_in(served: Served) -> None:
    now = [0.0]
    creds = served.connection.credentials
    tokens = LwaTokens(
        refresh_token=creds["refresh_token"],
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        token_url=served.connection.options["token_url"],
        timeout=5,
        clock=lambda: now[0],
    )
    try:
        first = await tokens.ensure(CTX)
        now[0] = 3539.0  # a minute before the hour: still the same token
        assert await tokens.ensure(CTX) == first and tokens.exchanges == 1
        now[0] = 3541.0  # inside the margin: exchanged before it can expire in flight
        assert await tokens.ensure(CTX) != first and tokens.exchanges == 2
        assert "Atz" not in repr(tokens) and creds["client_secret"] not in repr(tokens)
    finally:
        await tokens.aclose()


async def test_an_expired_token_mid_run_costs_no_failed_query(
    served: Served, start_gateway: StartGateway
) -> None:
    gateway = await start_gateway([served.connection])
    before = await gateway.query(ORDERS)
    served.sandbox.desk.expire_all()  # Amazon ends the token's hour early (e.g. rotation)

    after = await gateway.query(ORDERS)

    assert "errors" not in before and "errors" not in after
    assert after["data"] == before["data"]
    assert served.sandbox.desk.exchanges == 3  # the fixture's, the first, the one refresh


async def test_wrong_credentials_fail_at_the_token_endpoint_naming_no_secret(
    served: Served,
) -> None:
    wrong = {**served.connection.credentials, "client_secret": "amzn1.oa2-cs.v1.wrong"}
    client = served.client(credentials=wrong, rate_limit=UNPACED)
    try:
        error = None
        try:
            await client.list_orders(OrderQuery(), cursor=None, limit=5)
        except AuthenticationError as caught:
            error = caught
        assert error is not None and error.status == 401 and error.operation == "lwaToken"
        assert "wrong" not in f"{error} {error.extensions()}" and served.sandbox.calls.total == 0
    finally:
        await client.aclose()


async def test_each_operation_has_its_own_bucket_adopting_amazons_rate(served: Served) -> None:
    client = served.client()
    try:
        page = await client.list_orders(OrderQuery(), cursor=None, limit=5)
        await client.get_orders([page.items[0].external_id])
        orders, by_id = client.buckets.bucket("searchOrders"), client.buckets.bucket("getOrder")
        assert orders is not by_id
        assert (orders.settings.capacity, orders.settings.leak_per_second) == (20, 0.0056)
        assert (by_id.settings.capacity, by_id.settings.leak_per_second) == (30, 0.5)
        assert client.buckets.rates == {"searchOrders": 0.0056, "getOrder": 0.5}
    finally:
        await client.aclose()


async def test_pending_orders_show_zero_amounts_and_pending_payment(served: Served) -> None:
    client = served.client(rate_limit=UNPACED)
    try:
        page = await client.list_orders(OrderQuery(status=OrderStatus.OPEN), cursor=None, limit=100)
    finally:
        await client.aclose()
    pending = [o for o in page.items if o.raw["fulfillment"]["fulfillmentStatus"] == "PENDING"]
    assert pending and all(o.status is OrderStatus.OPEN for o in page.items)
    for order in pending:
        assert order.financial_status is FinancialStatus.PENDING
        assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
        assert order.total_price.amount == Decimal(0) and order.line_items
        assert all(li.unit_price.amount == 0 for li in order.line_items)
        assert order.total_price.currency_code in ("USD", "CAD")
    assert {o.currency_code for o in page.items} == {"USD", "CAD"}  # two marketplaces

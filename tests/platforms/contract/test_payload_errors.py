"""Contract: one payload that cannot be mapped costs only itself, never its page or batch.

The sandbox corrupts one field of one seeded order (e.g. an unparseable timestamp); list
and batch reads must still return every other order, and name the bad one in a PayloadError carrying the
store, platform, operation and the order's external id. Through the gateway, the same error
is a partial error next to the good data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platforms.adapter import OrderQuery
from platforms.errors import PayloadError
from platforms.ids import Kind, encode_id
from platforms.mapping.kit import errors_of
from tests.platforms.contract.support import Store, walk

if TYPE_CHECKING:
    from tests.conftest import StartGateway
    from tests.platforms.contract.support import OpenStore


def newest_orders(store: Store) -> list[str]:
    """The seeded order ids, newest `updated_at` first (ids break ties, as the platforms do)."""

    def tie(o: str) -> tuple[int, str]:  # numeric ids compare as numbers (Amazon's do not)
        return (int(o), "") if o.isdigit() else (0, o)

    return sorted(store.facts.orders, key=lambda o: (store.facts.orders[o], tie(o)), reverse=True)


def assert_names(
    error: PayloadError, store: Store, operation: str, order_id: str, field: str
) -> None:
    assert error.code == "UPSTREAM_PAYLOAD_INVALID"
    assert error.external_id == order_id
    assert error.store_id == store.store_id
    assert error.platform == store.spec.platform.value
    assert error.operation == operation
    # names what was wrong, as the API under test spells it (see `Sandbox.corrupt_order`)
    assert any(name in error.message for name in field.split("|")), error.message


async def test_one_bad_order_does_not_sink_the_listing(store: Store) -> None:
    bad = newest_orders(store)[7]  # on the first page, with good orders either side
    field = store.sandbox.corrupt_order(bad)
    errors: list[PayloadError] = []

    async def fetch(cursor: str | None) -> object:
        page = await store.client.list_orders(OrderQuery(), cursor=cursor, limit=25)
        errors.extend(page.errors)
        return page

    orders, _ = await walk(fetch)

    ids = [o.external_id for o in orders]
    assert len(ids) == len(set(ids))  # the cursor moved past the bad one: no repeats
    assert set(ids) == set(store.facts.orders) - {bad}  # and no gaps
    assert len(errors) == 1
    assert_names(errors[0], store, "list_orders", bad, field)


async def test_a_batch_read_fails_the_bad_key_only(store: Store) -> None:
    bad, *good = newest_orders(store)[:4]
    field = store.sandbox.corrupt_order(bad)

    found = await store.client.get_orders([bad, *good])

    assert sorted(found) == sorted(good)
    assert set(errors_of(found)) == {bad}
    assert_names(errors_of(found)[bad], store, "get_orders", bad, field)


async def test_graphql_reports_the_bad_order_next_to_the_good_ones(
    open_store: OpenStore, start_gateway: StartGateway
) -> None:
    store = await open_store("bad-payload")
    bad, *good = newest_orders(store)[:3]
    store.sandbox.corrupt_order(bad)
    gateway = await start_gateway([store.connection])
    query = """query($bad: ID!, $good: ID!) {
      orders(first: 5) { edges { node { id } } }
      badOrder: order(id: $bad) { id }
      goodOrder: order(id: $good) { id }
    }"""
    ids = {
        "bad": encode_id("bad-payload", Kind.ORDER, bad),
        "good": encode_id("bad-payload", Kind.ORDER, good[0]),
    }

    body = await gateway.query(query, ids)

    listed = [e["node"]["id"] for e in body["data"]["orders"]["edges"]]
    assert listed[:2] == [encode_id("bad-payload", Kind.ORDER, g) for g in good]
    assert len(listed) == 5 and ids["bad"] not in listed
    assert body["data"]["goodOrder"] == {"id": ids["good"]}
    assert body["data"]["badOrder"] is None
    by_path = {tuple(e["path"]): e["extensions"] for e in body["errors"]}
    expected = {
        "code": "UPSTREAM_PAYLOAD_INVALID",
        "storeId": "bad-payload",
        "platform": store.spec.platform.value,
        "externalId": bad,
    }
    assert by_path.keys() == {("orders",), ("badOrder",)}
    for path, operation in ((("orders",), "list_orders"), (("badOrder",), "get_orders")):
        assert expected.items() <= by_path[path].items()
        assert by_path[path]["operation"] == operation

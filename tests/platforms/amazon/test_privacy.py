"""Acceptance 4: Amazon's personal data (buyer, recipient) is fetched with a Restricted Data
Token only for a request that selects it and whose key may see it (`read:customers`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.auth.keys import KeyStore
from gateway.auth.principal import Scope
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from tests.helpers.auth import admin_gate
from tests.platforms.amazon.conftest import Served

PLAIN = "{ orders(first: 20) { edges { node { number totalPrice { amount } } } } }"
PERSONAL = """{ orders(first: 20) { edges { node { number email
  shippingAddress { city countryCode } } } } }"""
Ask = Callable[[str, str], Awaitable[dict[str, Any]]]


@pytest.fixture
async def ask(served: Served) -> AsyncIterator[Ask]:
    """POST a query to a gateway over the sandbox with the key of the named scopes."""
    keys = KeyStore(None)
    secrets = {
        "reader": keys.create("reader", None, {Scope.READ})[1],
        "people": keys.create("people", None, {Scope.READ, Scope.READ_CUSTOMERS})[1],
    }
    registry = StoreRegistry([served.connection], ttls=CacheTTLs(products=0, locations=0))
    async with (
        running(create_app(registry, auth=admin_gate(keys))) as url,
        aiohttp.ClientSession() as http,
    ):

        async def post(who: str, query: str) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {secrets[who]}"}
            async with http.post(f"{url}/graphql", json={"query": query}, headers=headers) as r:
                body: dict[str, Any] = await r.json()
                return body

        yield post


async def test_personal_fields_are_never_fetched_without_read_customers(
    served: Served, ask: Ask
) -> None:
    plain = await ask("reader", PLAIN)
    refused = await ask("reader", PERSONAL)
    plain_by_people = await ask("people", PLAIN)

    assert "errors" not in plain and len(plain["data"]["orders"]["edges"]) == 20
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in plain_by_people  # allowed, but not selected: not fetched either
    assert served.sandbox.people.issued == 0 and served.sandbox.personal_reads == 0


async def test_selected_and_allowed_personal_fields_come_with_one_rdt(
    served: Served, ask: Ask
) -> None:
    first = await ask("people", PERSONAL)
    again = await ask("people", PERSONAL)

    assert "errors" not in first and first == again
    nodes = [e["node"] for e in first["data"]["orders"]["edges"]]
    assert all(n["shippingAddress"]["countryCode"] in ("US", "CA") for n in nodes)
    assert any(n["email"] and n["email"].endswith("@marketplace.amazon.com") for n in nodes)
    assert served.sandbox.people.issued == 1  # one RDT an hour, not one per query
    assert served.sandbox.personal_reads == 40

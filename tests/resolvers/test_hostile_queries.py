"""Hostile documents: token cap, fragment bombs, bounded caches, typed client errors."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import orjson

from gateway.hardening import Hardening
from platforms.ids import Kind, encode_id
from resolvers.limits import InputLimits
from tests.helpers.hostile import hostile_gateway

KIB = 1024


def _codes(answer: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]


async def test_a_huge_typename_document_is_refused_by_the_token_cap_and_never_cached():
    document = "{ " + "__typename " * 90_000 + "}"  # ~1 MiB, 90,002 tokens
    async with hostile_gateway() as gw:
        async with aiohttp.ClientSession() as http:
            post = asyncio.create_task(gw.post({"query": document}))
            async with http.get(f"{gw.url}/healthz") as resp:
                assert resp.status == 200
            status, answer = await post
        assert status == 200 and answer.get("data") is None
        assert _codes(answer) == ["GRAPHQL_PARSE_FAILED"]
        assert "5000 tokens" in answer["errors"][0]["message"]
        assert len(gw.caches.parsed) == 0 and gw.caches.parsed.total_bytes == 0


async def test_caches_keep_only_small_documents_within_their_byte_budget():
    limits = InputLimits(cache_max_document_bytes=1 * KIB, cache_max_total_bytes=256)
    async with hostile_gateway(Hardening(documents=limits)) as gw:
        for i in range(20):  # ~30 bytes each: 600 in all, over the 256-byte budget
            status, answer = await gw.post({"query": f"query Q{i} {{ __typename }}"})
            assert status == 200 and answer["data"] == {"__typename": "Query"}, answer
        for i in range(3):  # 20 KiB each (a long comment): served, never cached
            big = f"query Big{i} {{ __typename }}\n#" + "x" * 20 * KIB
            status, answer = await gw.post({"query": big})
            assert status == 200 and answer["data"] == {"__typename": "Query"}, answer
        for cache in (gw.caches.parsed, gw.caches.validated):
            assert 0 < cache.total_bytes <= 256
            assert 4 < len(cache) < 20  # the oldest were evicted; the big ones never went in


async def test_a_fragment_spread_bomb_is_refused_before_execution():
    fragments = ["fragment F0 on Query { stores { id name } }"] + [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)
    ]  # 2^40 stores selections once expanded
    document = "query Bomb { ...F40 }\n" + "\n".join(fragments)
    async with hostile_gateway() as gw:
        status, answer = await gw.post({"query": document})
        assert gw.sandbox.calls.total == 0
    assert status == 200 and answer.get("data") is None
    assert _codes(answer) == ["QUERY_TOO_COMPLEX"]


async def test_entities_with_an_unknown_typename_fail_only_that_entry():
    order_id = encode_id("shop-a", Kind.ORDER, "5000000000001")
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
        __typename ... on Order { id } } }"""
    representations = [{"__typename": "Nope", "id": "x"}, {"__typename": "Order", "id": order_id}]
    async with hostile_gateway() as gw:
        status, answer = await gw.post({"query": query, "variables": {"r": representations}})
    assert status == 200
    entities = answer["data"]["_entities"]
    assert entities[0] is None and entities[1] == {"__typename": "Order", "id": order_id}
    assert _codes(answer) == ["BAD_USER_INPUT"]
    assert answer["errors"][0]["path"] == ["_entities", 0]


async def test_an_entity_without_its_id_fails_only_that_entry():
    """Found by fuzzing: resolve_reference() without `id` was a TypeError, INTERNAL."""
    order_id = encode_id("shop-a", Kind.ORDER, "5000000000001")
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }"""
    representations = [{"__typename": "Order"}, {"__typename": "Order", "id": order_id}]
    async with hostile_gateway() as gw:
        status, answer = await gw.post({"query": query, "variables": {"r": representations}})
    assert status == 200
    assert answer["data"]["_entities"] == [None, {"id": order_id}]
    assert _codes(answer) == ["BAD_USER_INPUT"]
    assert answer["errors"][0]["path"] == ["_entities", 0]


async def test_variables_their_scalar_refuses_are_typed_client_errors():
    """Found by fuzzing: a variable a custom scalar cannot parse (the same value as a literal
    was a validation error) was masked as INTERNAL."""
    cases = [
        (
            "query($t: DateTime) { orders(filter: {updatedAfter: $t}) { edges { cursor } } }",
            "t",
            "2026-02-30T00:00:00Z",
        ),
        (
            "query($t: DateTime) { products(filter: {updatedAfter: $t}) { edges { cursor } } }",
            "t",
            5,
        ),
        (
            'mutation($p: Decimal!) { updateVariantPrice(input: {variantId: "x", price: $p}) { __typename } }',
            "p",
            "x",
        ),
    ]
    async with hostile_gateway() as gw:
        for query, name, value in cases:
            status, answer = await gw.post({"query": query, "variables": {name: value}})
            assert status == 200 and answer["data"] is None, answer
            assert _codes(answer) == ["GRAPHQL_VALIDATION_FAILED"], answer
            assert answer["errors"][0]["message"].startswith(
                f"Variable '${name}' has invalid value"
            )
        assert gw.sandbox.calls.total == 0


async def test_datetime_filters_at_the_ends_of_the_calendar_are_not_internal_errors():
    instants = [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-01:00",
    ]
    fields = [
        "orders(filter: {updatedAfter: $t, createdAfter: $t}, first: 1) { edges { node { id } } }",
        "products(filter: {updatedAfter: $t}, first: 1) { edges { node { id } } }",
        "customers(filter: {updatedAfter: $t}, first: 1) { edges { node { id } } }",
    ]
    async with hostile_gateway() as gw:
        for field in fields:
            for instant in instants:
                query = f"query($t: DateTime) {{ {field} }}"
                status, answer = await gw.post({"query": query, "variables": {"t": instant}})
                assert status == 200 and not answer.get("errors"), (field, instant, answer)


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


async def test_forged_cursors_are_typed_client_errors():
    """Found by fuzzing: a cursor whose positions are not an object, or whose page token
    is not a string, was an INTERNAL error (the token reached the platform client)."""
    orders = "query($c: String) { orders(first: 1, after: $c) { pageInfo { endCursor } } }"
    async with hostile_gateway() as gw:
        _, page = await gw.post({"query": orders})
        cursor = page["data"]["orders"]["pageInfo"]["endCursor"]
        real = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        forged = [[], "x", {"shop-a": [{"a": 1}, 0, False]}, {"shop-a": [None, -1, False]}]
        for positions in forged:
            _, answer = await gw.post(
                {"query": orders, "variables": {"c": _b64({**real, "p": positions})}}
            )
            assert _codes(answer) == ["BAD_USER_INPUT"], (positions, answer)
        past_sqlite = base64.urlsafe_b64encode(b"wop:99999999999999999999").decode()
        query = "query($c: String) { writeOperations(after: $c) { totalCount } }"
        _, answer = await gw.post({"query": query, "variables": {"c": past_sqlite}})
        assert _codes(answer) == ["BAD_USER_INPUT"], answer

"""Abuse limits (depth, aliases) reject before any upstream call, and validation is cached."""

from __future__ import annotations

from tests.helpers.hostile import hostile_gateway

DEEP = (
    "query Deep { orders(first: 1) { edges { node { lineItems { variant { product {"
    + (" variants { product {" * 4)
    + " id"
    + " } }" * 4
    + " } } } } } } }"
)


async def test_too_deep_query_is_refused_without_upstream_calls(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify()
    gw = await start_gateway([conn])
    sandbox.calls.reset()
    body = await gw.query(DEEP)
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in e["message"] for e in body["errors"])
    assert sandbox.calls.total == 0


async def test_too_many_aliases_are_refused(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify()
    gw = await start_gateway([conn])
    sandbox.calls.reset()
    fields = " ".join(f"s{i}: stores {{ id }}" for i in range(51))
    body = await gw.query(f"query Aliases {{ {fields} }}")
    assert any("aliases" in e["message"].lower() for e in body["errors"])
    assert sandbox.calls.total == 0


async def test_a_repeated_document_is_validated_once():
    # The limits used to be rebuilt per request, which changed the validation cache's key
    # every time: each repeat was validated again. One miss, then only hits.
    async with hostile_gateway() as gw:
        cache = gw.caches.validated
        query = "query OnlyInThisTest { stores { id platform } }"
        for _ in range(3):
            status, body = await gw.post({"query": query})
            assert status == 200 and body["data"]["stores"]
        assert (cache.misses, cache.hits) == (1, 2)

"""Abuse limits (depth, aliases) reject before any upstream call, and validation is cached."""

from __future__ import annotations

from strawberry.extensions.validation_cache import _get_validate_cache

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


async def test_a_repeated_document_is_validated_once(serve_shopify, start_gateway):
    # The limits used to be rebuilt per request, which changed the validation cache's key
    # every time: each repeat was validated again. One miss, then only hits.
    _, conn = await serve_shopify()
    gw = await start_gateway([conn])
    cache = _get_validate_cache(512)
    query = "query OnlyInThisTest { stores { id platform } }"
    before = cache.cache_info()
    for _ in range(3):
        assert (await gw.data(query))["stores"]
    after = cache.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)

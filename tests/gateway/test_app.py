"""The served app: health endpoints and the offline GraphiQL page."""

from __future__ import annotations

import re

import aiohttp


async def test_health_endpoints_and_offline_graphiql(serve_shopify, start_gateway):
    _, conn = await serve_shopify()
    gw = await start_gateway([conn])
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gw.url}/healthz") as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "ok"
        async with http.get(f"{gw.url}/readyz") as resp:
            assert (await resp.json()) == {"status": "ready", "stores": 1}
        async with http.get(f"{gw.url}/graphql", headers={"Accept": "text/html"}) as resp:
            page = await resp.text()
        assert resp.status == 200 and "graphiql" in page.lower()
        urls = re.findall(r"(?:src|href)=\"([^\"]+)\"", page)
        external = [u for u in urls if "//" in u and not u.startswith("data:")]
        assert external == []
        for asset in re.findall(r"(?:src|href)=\"(/graphiql/assets/[^\"]+)\"", page):
            async with http.get(f"{gw.url}{asset}") as resp:
                assert resp.status == 200, asset

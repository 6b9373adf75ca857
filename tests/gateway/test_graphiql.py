"""Offline GraphiQL: vendored assets verify, the page is local-only, assets serve over a socket."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

from gateway.graphiql import (
    ASSETS_DIR,
    IMMUTABLE_CACHE,
    GraphiQLAssetError,
    asset_routes,
    graphiql_html,
    load_manifest,
    sha384_sri,
    verify_assets,
)

# The seven files Strawberry 0.341's page pins (package@version/path as the CDN names them).
EXPECTED_ASSETS = {
    "react@18.2.0/umd/react.production.min.js",
    "react-dom@18.2.0/umd/react-dom.production.min.js",
    "js-cookie@3.0.5/dist/js.cookie.min.js",
    "graphiql@3.8.3/graphiql.min.css",
    "graphiql@3.8.3/graphiql.min.js",
    "@graphiql/plugin-explorer@1.0.2/dist/style.css",
    "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
}
# Anything that names a host: scheme-relative or absolute URLs.
HOST_URL_RE = re.compile(r"(?:https?:)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.IGNORECASE)
# The inline SVG favicon (a data: URL) declares the SVG XML namespace; browsers never fetch it.
HARMLESS_HOSTS = {"http://www.w3.org"}
LOAD_ATTR_RE = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"[^>]*>', re.DOTALL)
TAG_RE = re.compile(r"<(?:script|link)\b[^>]*>", re.DOTALL)


def assets() -> list[str]:
    """Local names of the vendored assets (licences and the manifest excluded)."""
    return sorted(n for n, e in load_manifest().items() if e.kind == "asset")


def loaded_urls(html: str) -> list[str]:
    """Every src/href a browser would fetch from the page (data: URLs excluded)."""
    return [u for u in LOAD_ATTR_RE.findall(html) if not u.startswith("data:")]


@asynccontextmanager
async def serve_asgi(app: ASGIApp) -> AsyncIterator[str]:
    """Run an ASGI app under uvicorn on a real 127.0.0.1 socket; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):  # bounded wait: 5 s
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def test_manifest_covers_every_asset_the_page_pins_with_a_licence() -> None:
    manifest = load_manifest()
    keys = {e.cdn_key for e in manifest.values() if e.kind == "asset"}
    assert keys == EXPECTED_ASSETS
    packages = {e.package for e in manifest.values() if e.kind == "asset"}
    licensed = {e.package for e in manifest.values() if e.kind == "license"}
    assert packages == licensed


def test_vendored_assets_verify() -> None:
    verify_assets()


def test_verify_assets_rejects_an_altered_file(tmp_path: Path) -> None:
    copy = tmp_path / "graphiql"
    shutil.copytree(ASSETS_DIR, copy)
    target = copy / "js-cookie-3.0.5-js.cookie.min.js"
    target.write_bytes(target.read_bytes() + b"\n")
    with pytest.raises(GraphiQLAssetError, match=r"js-cookie-3\.0\.5-js\.cookie\.min\.js"):
        verify_assets(copy)


def test_verify_assets_rejects_a_missing_file(tmp_path: Path) -> None:
    copy = tmp_path / "graphiql"
    shutil.copytree(ASSETS_DIR, copy)
    (copy / "react-18.2.0-react.production.min.js").unlink()
    with pytest.raises(GraphiQLAssetError, match="missing"):
        verify_assets(copy)


def test_verify_assets_rejects_a_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(GraphiQLAssetError, match="vendor_graphiql"):
        verify_assets(tmp_path)


def test_page_names_no_external_host() -> None:
    html = graphiql_html()
    hosts = set(HOST_URL_RE.findall(html))
    assert hosts <= HARMLESS_HOSTS, hosts - HARMLESS_HOSTS
    # The same regex does see the CDN hosts in Strawberry's untouched page.
    assert set(HOST_URL_RE.findall(get_graphql_ide_html())) - HARMLESS_HOSTS


def test_page_loads_every_asset_locally_with_its_integrity() -> None:
    html = graphiql_html()
    urls = loaded_urls(html)
    assert sorted(urls) == sorted(f"/graphiql/assets/{name}" for name in assets())
    manifest = load_manifest()
    for tag in TAG_RE.findall(html):
        for url in loaded_urls(tag):
            name = url.rsplit("/", 1)[1]
            assert f'integrity="{manifest[name].sha384}"' in tag


def test_page_honours_a_custom_prefix() -> None:
    urls = loaded_urls(graphiql_html("/ide/static/"))
    assert len(urls) == len(EXPECTED_ASSETS)
    assert all(u.startswith("/ide/static/") and "//" not in u for u in urls)


def test_asset_routes_reject_a_relative_prefix() -> None:
    with pytest.raises(ValueError, match="absolute"):
        asset_routes("assets")


async def test_assets_served_with_types_cache_and_exact_bytes() -> None:
    app = Starlette(routes=asset_routes())
    async with serve_asgi(app) as base, aiohttp.ClientSession() as http:
        for name in assets():
            async with http.get(f"{base}/graphiql/assets/{name}") as resp:
                body = await resp.read()
                assert resp.status == 200, name
                expected_type = "text/css" if name.endswith(".css") else "text/javascript"
                assert resp.headers["content-type"] == f"{expected_type}; charset=utf-8"
                assert resp.headers["cache-control"] == IMMUTABLE_CACHE
                assert resp.headers["x-content-type-options"] == "nosniff"
                assert sha384_sri(body) == load_manifest()[name].sha384
        async with http.get(f"{base}/graphiql/assets/react-18.2.0-LICENSE.txt") as resp:
            assert resp.status == 200
            assert resp.headers["content-type"] == "text/plain; charset=utf-8"
            assert "MIT License" in await resp.text()
        async with http.get(f"{base}/graphiql/assets/nope.js") as resp:
            assert resp.status == 404


async def test_revalidation_answers_304() -> None:
    name = "graphiql-3.8.3-graphiql.min.css"
    async with serve_asgi(Starlette(routes=asset_routes())) as base, aiohttp.ClientSession() as h:
        url = f"{base}/graphiql/assets/{name}"
        async with h.get(url) as first:
            etag = first.headers["etag"]
        async with h.get(url, headers={"If-None-Match": etag}) as second:
            assert second.status == 304
            assert second.headers["cache-control"] == IMMUTABLE_CACHE


@strawberry.type
class Query:
    """Smallest schema that lets Strawberry serve its IDE."""

    @strawberry.field
    def ping(self) -> str:
        """Liveness field."""
        return "pong"


class OfflineGraphQL(GraphQL[None, None]):
    """What the gateway does: Strawberry's app, with the IDE page served offline."""

    async def render_graphql_ide(self, request: Request) -> Response:
        """The local-only GraphiQL page."""
        return HTMLResponse(graphiql_html())


async def test_browser_view_page_and_every_asset_it_loads_from_one_origin() -> None:
    gql = OfflineGraphQL(strawberry.Schema(query=Query))
    app = Starlette(routes=[*asset_routes(), Route("/graphql", gql)])
    async with serve_asgi(app) as base, aiohttp.ClientSession() as http:
        async with http.get(f"{base}/graphql", headers={"Accept": "text/html"}) as resp:
            assert resp.status == 200
            html = await resp.text()
        tags = [t for t in TAG_RE.findall(html) if loaded_urls(t)]
        assert len(tags) == len(EXPECTED_ASSETS)
        for tag in tags:
            (url,) = loaded_urls(tag)
            integrity = re.search(r'integrity="([^"]+)"', tag)
            assert integrity is not None
            async with http.get(f"{base}{url}") as asset:
                assert asset.status == 200, url
                # The check a browser makes before it runs the file.
                assert sha384_sri(await asset.read()) == integrity.group(1)
        async with http.post(f"{base}/graphql", json={"query": "{ ping }"}) as resp:
            assert await resp.json() == {"data": {"ping": "pong"}}

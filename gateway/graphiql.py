"""Offline GraphiQL: Strawberry's page rewired to vendored, hash-checked assets served locally."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import Scope
from strawberry.http.ides import get_graphql_ide_html

ASSETS_DIR: Path = Path(__file__).resolve().parent / "static" / "graphiql"
MANIFEST_NAME = "MANIFEST.json"
DEFAULT_ASSET_PREFIX = "/graphiql/assets"

# Asset names carry the package version, so a browser may keep them for a year untouched.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=3600"

# Explicit types: mimetypes varies by Python version and /etc/mime.types (.js especially).
_MEDIA_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".txt": "text/plain",
}

_TAG_RE = re.compile(r"<(?:script|link)\b[^>]*>", re.DOTALL)
_URL_ATTR_RE = re.compile(r'\b(src|href)="(https?://[^"]+)"')
_INTEGRITY_RE = re.compile(r'\bintegrity="([^"]+)"')
_REMOTE_ATTR_RE = re.compile(r'\b(?:src|href)="(?:https?:)?//', re.IGNORECASE)


class GraphiQLAssetError(RuntimeError):
    """The vendored GraphiQL files are missing, altered, or do not match Strawberry's page."""


@dataclass(frozen=True)
class VendoredFile:
    """One MANIFEST.json entry: local file name, npm origin and the sha384 SRI of its bytes."""

    name: str
    kind: str
    package: str
    path: str
    sha384: str

    @property
    def cdn_key(self) -> str:
        """``<package>@<version>/<path>``: how a CDN URL path names this file."""
        return f"{self.package}/{self.path}"


def sha384_sri(data: bytes) -> str:
    """Subresource-integrity string (``sha384-<base64>``) for some bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def load_manifest(directory: Path = ASSETS_DIR) -> dict[str, VendoredFile]:
    """MANIFEST.json of a vendored directory, keyed by local file name."""
    manifest_path = directory / MANIFEST_NAME
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        return {
            name: VendoredFile(
                name, entry["kind"], entry["package"], entry["path"], entry["sha384"]
            )
            for name, entry in raw["files"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GraphiQLAssetError(
            f"GraphiQL manifest {manifest_path} is missing or malformed ({exc!r}); "
            "run scripts/vendor_graphiql.py"
        ) from exc


def verify_assets(directory: Path = ASSETS_DIR) -> None:
    """Check each MANIFEST.json file exists with its recorded sha384; raise on the first fault."""
    for entry in load_manifest(directory).values():
        path = directory / entry.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise GraphiQLAssetError(
                f"vendored GraphiQL file {entry.name} is missing ({exc.strerror}); "
                "run scripts/vendor_graphiql.py"
            ) from exc
        actual = sha384_sri(data)
        if actual != entry.sha384:
            raise GraphiQLAssetError(
                f"vendored GraphiQL file {entry.name} ({entry.package}/{entry.path}) has "
                f"{actual}, MANIFEST.json says {entry.sha384}"
            )


@functools.lru_cache(maxsize=8)
def graphiql_html(asset_prefix: str = DEFAULT_ASSET_PREFIX) -> str:
    """Strawberry's GraphiQL page with every CDN URL pointed at ``asset_prefix``.

    ``integrity`` attributes are kept, so the browser still checks each file. ``crossorigin``
    is kept too: on a same-origin URL it changes nothing, and it keeps SRI working if the
    prefix is ever an absolute URL on another origin. Raises GraphiQLAssetError if the page
    loads a file that is not vendored or pins a different hash (a Strawberry upgrade).
    """
    by_key = {e.cdn_key: e for e in load_manifest().values() if e.kind == "asset"}
    prefix = asset_prefix.rstrip("/")
    page = _TAG_RE.sub(lambda m: _localise_tag(m.group(0), by_key, prefix), get_graphql_ide_html())
    page = _with_key_support(page)
    leftover = _REMOTE_ATTR_RE.search(page)
    if leftover is not None:
        raise GraphiQLAssetError(f"GraphiQL page still loads a remote URL near {leftover.start()}")
    return page


# GraphiQL sends the API key given as `/graphql#key=cg_…` (the fragment never reaches a server
# or its logs): kept in sessionStorage, sent as a Bearer header over HTTP and in connection_init.
_KEY_SCRIPT = """const defaultHeaders = {};
      const keyFromHash = new URLSearchParams(window.location.hash.slice(1)).get("key");
      if (keyFromHash) {
        sessionStorage.setItem("cartgraph-key", keyFromHash);
        history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      const cartgraphKey = sessionStorage.getItem("cartgraph-key");
      if (cartgraphKey) {
        defaultHeaders["Authorization"] = "Bearer " + cartgraphKey;
      }"""
_KEY_ANCHORS = (
    ("const defaultHeaders = {};", _KEY_SCRIPT),
    (
        "subscriptionUrl,\n",
        "subscriptionUrl,\n        wsConnectionParams: cartgraphKey"
        ' ? { Authorization: "Bearer " + cartgraphKey } : undefined,\n',
    ),
)


def _with_key_support(page: str) -> str:
    for anchor, replacement in _KEY_ANCHORS:
        if page.count(anchor) != 1:
            raise GraphiQLAssetError(f"GraphiQL page no longer has {anchor!r} (Strawberry upgrade)")
        page = page.replace(anchor, replacement)
    return page


def _localise_tag(tag: str, by_key: dict[str, VendoredFile], prefix: str) -> str:
    url_match = _URL_ATTR_RE.search(tag)
    if url_match is None:
        return tag
    attr, url = url_match.groups()
    entry = by_key.get(urlsplit(url).path.lstrip("/"))
    if entry is None:
        raise GraphiQLAssetError(f"GraphiQL page loads {url}, which is not vendored")
    integrity = _INTEGRITY_RE.search(tag)
    if integrity is None or integrity.group(1) != entry.sha384:
        raise GraphiQLAssetError(f"GraphiQL page pins {url} to a hash MANIFEST.json lacks")
    local = f'{attr}="{prefix}/{entry.name}"'
    return tag[: url_match.start()] + local + tag[url_match.end() :]


def asset_routes(asset_prefix: str = DEFAULT_ASSET_PREFIX) -> list[BaseRoute]:
    """A Mount serving ASSETS_DIR at ``asset_prefix`` with explicit types and cache headers."""
    prefix = asset_prefix.rstrip("/")
    if not prefix.startswith("/"):
        raise ValueError(f"asset_prefix must be an absolute path, got {asset_prefix!r}")
    immutable = {e.name for e in load_manifest().values() if e.kind == "asset"}
    files = VendoredStaticFiles(directory=ASSETS_DIR, immutable_names=frozenset(immutable))
    return [Mount(prefix, app=files, name="graphiql-assets")]


class VendoredStaticFiles(StaticFiles):
    """StaticFiles with fixed content types, nosniff and long caching for versioned assets."""

    def __init__(self, *, directory: Path, immutable_names: frozenset[str]) -> None:
        super().__init__(directory=directory)
        self._immutable = immutable_names

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Serve one file; answers 304 when the browser's ETag/date still match."""
        name = Path(full_path).name
        cache = IMMUTABLE_CACHE if name in self._immutable else SHORT_CACHE
        response = FileResponse(
            full_path,
            status_code=status_code,
            stat_result=stat_result,
            media_type=_MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream"),
            headers={"cache-control": cache, "x-content-type-options": "nosniff"},
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response

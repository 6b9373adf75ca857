"""Vendor the GraphiQL assets Strawberry's page loads from a CDN into gateway/static/graphiql/."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from strawberry.http.ides import get_graphql_ide_html

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "gateway" / "static" / "graphiql"
MANIFEST_NAME = "MANIFEST.json"
_STRAWBERRY = importlib.metadata.version("strawberry-graphql")

# A <script>/<link> tag; attributes are read out of it separately because their order varies.
_TAG_RE = re.compile(r"<(?:script|link)\b[^>]*>", re.DOTALL)
_URL_ATTR_RE = re.compile(r'\b(?:src|href)="(https?://[^"]+)"')
_INTEGRITY_RE = re.compile(r'\bintegrity="([^"]+)"')
# CDN paths look like /<package>@<version>/<path inside the package>; package may be scoped.
_CDN_PATH_RE = re.compile(r"^/(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<ver>[^/]+)/(?P<path>.+)$")
# Anything in a stylesheet that would make the browser fetch from another host.
_REMOTE_CSS_RE = re.compile(r"@import|url\(\s*['\"]?(?:https?:)?//", re.IGNORECASE)

# Packages whose npm tarball ships no LICENSE file: (licence source package, why that is right).
_LICENCE_FALLBACK = {
    "@graphiql/plugin-explorer": (
        "graphiql",
        "The @graphiql/plugin-explorer tarball ships no LICENSE file. Its package.json declares "
        "MIT and points at the graphql/graphiql monorepo (packages/graphiql-plugin-explorer); "
        "below is that monorepo's MIT licence text as shipped in the graphiql package.",
    ),
}


@dataclass(frozen=True)
class Wanted:
    """One asset the Strawberry page loads: npm package, version, path inside it, SRI hash."""

    package: str
    version: str
    path: str
    integrity: str

    @property
    def spec(self) -> str:
        """The npm spec, e.g. ``@graphiql/plugin-explorer@1.0.2``."""
        return f"{self.package}@{self.version}"

    @property
    def slug(self) -> str:
        """A flat, versioned file-name stem, e.g. ``graphiql-plugin-explorer-1.0.2``."""
        return f"{self.package.lstrip('@').replace('/', '-')}-{self.version}"

    @property
    def local_name(self) -> str:
        """Flat file name (package-data globs do not recurse), versioned so it can be cached."""
        return f"{self.slug}-{Path(self.path).name}"


def sha384_sri(data: bytes) -> str:
    """Subresource-integrity string (``sha384-<base64>``) for some bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def wanted_assets(html: str) -> list[Wanted]:
    """Every CDN asset in the page, with the integrity value the page pins it to."""
    found: list[Wanted] = []
    for tag in _TAG_RE.findall(html):
        url_match = _URL_ATTR_RE.search(tag)
        if url_match is None:
            continue
        integrity = _INTEGRITY_RE.search(tag)
        path_match = _CDN_PATH_RE.match(urlsplit(url_match.group(1)).path)
        if integrity is None or path_match is None:
            raise SystemExit(f"cannot vendor {url_match.group(1)}: no integrity or odd path")
        found.append(
            Wanted(path_match["pkg"], path_match["ver"], path_match["path"], integrity.group(1))
        )
    return found


def npm_pack(spec: str, dest: Path) -> tuple[Path, str]:
    """Fetch one package tarball with the npm client; returns (tarball, npm's sha512 integrity)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is required to vendor GraphiQL (apt-get install npm)")
    # Arguments are a fixed executable and a spec parsed from Strawberry's own page.
    proc = subprocess.run(  # noqa: S603
        [npm, "pack", "--json", "--pack-destination", str(dest), spec],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(proc.stdout)[0]
    return dest / info["filename"], str(info["integrity"])


def read_member(tarball: Path, path: str) -> bytes | None:
    """Bytes of ``package/<path>`` in an npm tarball, or None; read in memory, never extracted."""
    with tarfile.open(tarball, "r:gz") as tar:
        try:
            member = tar.getmember(f"package/{path}")
        except KeyError:
            return None
        handle = tar.extractfile(member)
        return None if handle is None else handle.read()


def licence_text(want: Wanted, tarball: Path, tarballs: dict[str, Path]) -> tuple[bytes, str]:
    """(text, origin) of the package's own LICENSE, or of a documented fallback if it has none."""
    own = read_member(tarball, "LICENSE")
    if own is not None:
        return own, "LICENSE"
    if want.package not in _LICENCE_FALLBACK:
        raise SystemExit(f"{want.spec} ships no LICENSE and has no documented fallback")
    source_pkg, why = _LICENCE_FALLBACK[want.package]
    spec, source = next((s, t) for s, t in tarballs.items() if s.startswith(f"{source_pkg}@"))
    text = read_member(source, "LICENSE")
    if text is None:
        raise SystemExit(f"fallback licence source {source_pkg} ships no LICENSE either")
    return why.encode() + b"\n\n" + text, f"{spec}:LICENSE (package ships none)"


def check_css(want: Wanted, data: bytes) -> None:
    """Refuse a stylesheet that would pull fonts or other CSS from a remote host."""
    if want.path.endswith(".css") and _REMOTE_CSS_RE.search(data.decode("utf-8")):
        raise SystemExit(f"{want.spec}/{want.path} references a remote resource: neutralise it")


def main() -> int:
    """Download, verify and write the assets plus MANIFEST.json; exit non-zero on any mismatch."""
    wanted = wanted_assets(get_graphql_ide_html("graphiql"))
    files: dict[str, dict[str, str]] = {}
    blobs: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tarballs: dict[str, Path] = {}
        tar_integrity: dict[str, str] = {}
        for spec in dict.fromkeys(w.spec for w in wanted):
            tarballs[spec], tar_integrity[spec] = npm_pack(spec, Path(tmp))
        for want in wanted:
            data = read_member(tarballs[want.spec], want.path)
            if data is None:
                raise SystemExit(f"{want.spec} has no {want.path}")
            if sha384_sri(data) != want.integrity:
                raise SystemExit(f"{want.spec}/{want.path}: sha384 differs from the page's pin")
            check_css(want, data)
            blobs[want.local_name] = data
            files[want.local_name] = _entry(want, "asset", want.path, data, tar_integrity)
            lic_name = f"{want.slug}-LICENSE.txt"
            lic, origin = licence_text(want, tarballs[want.spec], tarballs)
            blobs[lic_name] = lic
            files[lic_name] = _entry(want, "license", origin, lic, tar_integrity)
    _write(blobs, files)
    print(f"wrote {len(blobs)} files + {MANIFEST_NAME} to {OUT_DIR.relative_to(REPO_ROOT)}")
    return 0


def _entry(
    want: Wanted, kind: str, path: str, data: bytes, tar_integrity: dict[str, str]
) -> dict[str, str]:
    return {
        "kind": kind,
        "package": want.spec,
        "path": path,
        "sha384": sha384_sri(data),
        "tarball_integrity": tar_integrity[want.spec],
    }


def _write(blobs: dict[str, bytes], files: dict[str, dict[str, str]]) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # Drop files from an earlier vendoring so a version bump leaves no stale assets behind.
    for old in OUT_DIR.iterdir():
        if old.is_file():
            old.unlink()
    for name, data in blobs.items():
        (OUT_DIR / name).write_bytes(data)
    manifest = {
        "generated_by": "scripts/vendor_graphiql.py",
        "source_page": f"strawberry-graphql {_STRAWBERRY}: static/graphiql.html",
        "notes": [
            "Assets are byte-identical to the npm tarballs; sha384 equals the page's integrity=.",
            "Stylesheets checked: no @import and no remote url(); fonts are inlined as data: URLs.",
            "URLs inside the JS bundles are doc links, licence headers and XML namespaces; "
            "none is fetched at run time.",
            "graphiql min.js/min.css end with a relative sourceMappingURL; the .map files are "
            "not vendored, so only an open devtools panel sees a 404 for them.",
        ],
        "files": dict(sorted(files.items())),
    }
    text = json.dumps(manifest, indent=2, sort_keys=False) + "\n"
    (OUT_DIR / MANIFEST_NAME).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

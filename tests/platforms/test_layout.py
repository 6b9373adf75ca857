"""Every platform package has one shape (platforms/README.md): the same role modules under the
same names, and nothing flat that belongs in `mapping/`, `writes/` or `sandbox/`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from platforms.registry import PlatformSpec, all_specs

PLATFORMS = Path(__file__).resolve().parents[2] / "platforms"

TOP = {"__init__", "auth", "classify", "client", "client_people", "pagination", "rest"}
MAPPING = {"__init__", "common", "orders", "catalog", "people"}
WRITES = {"__init__", "writer", "orders"}
SANDBOX = {
    *("__init__", "app", "facts", "seed", "seed_orders", "query", "storefront"),
    *("orders", "catalog", "people", "writes"),
}
# A platform with a GraphQL API (Shopify) reads through it: its `StoreClient` (`graphql`), the
# documents as data (`documents`), the platform's published cost rules (`cost`), its mappers
# (`mapping/graphql_<role>`), and reads past 400 lines as `client_graphql*` (client_ rule).
GRAPHQL = {"graphql", "documents", "cost"}
SUBPACKAGES = {"mapping", "writes", "sandbox"}
LEGACY = re.compile(r"(orders|catalog|people)_v\d+")
# The shapes of #13's first three platforms, none of which may come back at the top level.
FLAT = re.compile(r"^(sandbox|map|mapping|seed|writes)_|^(sandbox|seed|convert|testing)$")


def _package(spec: PlatformSpec) -> Path:
    return PLATFORMS / spec.create_client.__module__.split(".")[1]


def _modules(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py")}


def _folders(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"}


SPECS = all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.platform.value)
def test_role_modules(spec: PlatformSpec) -> None:
    package = _package(spec)
    webhooks = {"webhooks"} if spec.webhooks is not None else set()
    top = _modules(package)
    if spec.subscribe_webhooks is not None:  # `cartgraph webhooks sync`, beside the adapter
        webhooks |= {"subscriptions"}
    more_reads = {m for m in top if m.startswith("client_")} - TOP  # Magento's client_catalog
    graphql = GRAPHQL if "graphql" in top else set()  # all three roles or none
    assert top - more_reads == TOP | webhooks | graphql
    assert _folders(package) == SUBPACKAGES
    mapping = _modules(package / "mapping")
    graphql_mapping = {m for m in mapping if m.startswith("graphql_")}
    assert graphql_mapping <= {f"graphql_{m}" for m in MAPPING - {"__init__"}}
    assert bool(graphql_mapping) == bool(graphql)
    # an older API version's mapper, for payloads users still hold (Amazon's Orders v0)
    legacy = {m for m in mapping if LEGACY.fullmatch(m)}
    assert mapping - graphql_mapping - legacy == MAPPING
    # writes through a GraphQL API: the mutations and their send (`writes/graphql`) and a
    # `graphql_<role>` beside each role it writes through them
    writes = _modules(package / "writes")
    graphql_writes = {m for m in writes if m.startswith("graphql")}
    assert graphql_writes <= {"graphql"} | {f"graphql_{m}" for m in WRITES - {"__init__"}}
    assert not graphql_writes or graphql
    assert writes - graphql_writes == WRITES
    sandbox = _modules(package / "sandbox")
    assert SANDBOX | webhooks <= sandbox
    assert ("webhooks" in sandbox) == bool(webhooks)  # a sandbox sends what the platform does
    assert not _folders(package / "sandbox")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.platform.value)
def test_no_flat_modules(spec: PlatformSpec) -> None:
    flat = sorted(m for m in _modules(_package(spec)) if FLAT.search(m))
    assert flat == []


def test_every_platform_package_is_registered() -> None:
    shared = {"sandbox", "mapping", "writes"}
    packages = {p for p in _folders(PLATFORMS) if (PLATFORMS / p / "__init__.py").exists()}
    assert packages - shared == {_package(spec).name for spec in SPECS}

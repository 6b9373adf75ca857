"""Smoke test of `python -m bench --quick`: it runs end to end and prints its tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_prints_every_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "results"
    markdown = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(  # noqa: S603 - our own module, fixed argv
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--out-dir",
            str(out),
            "--markdown",
            str(markdown),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for heading in (
        "## 1. Upstream calls per query",
        "## 2. Gateway overhead",
        "## 3. Rate-budget use",
        "## 4. Event latency and write-queue throughput",
        "## 5. Memory",
    ):
        assert heading in done.stdout
    assert "| nested (shopify) |" in done.stdout
    assert markdown.read_text().strip() in done.stdout  # the file is the printed report

    results = orjson.loads((out / "latest.json").read_bytes())
    rows = {r["row"]: r for r in results["calls"]}
    assert set(rows) >= {
        "nested (shopify)",
        "nested (woocommerce)",
        "nested (magento)",
        "nested (bigcommerce)",
        "multi-store (all)",
        "entities (magento)",
    }
    for row in rows.values():
        # a bound above what was measured would be a wrong bound, not a fast gateway
        assert 1 <= row["bound"] <= row["calls"], row
    # one orders page per platform's default store (Shopify's REST store is not fanned out to)
    multi = rows["multi-store (all)"]
    assert multi["calls"] == multi["bound"] and "shop-a-rest" not in str(multi["by_route"])
    assert_graphql_beside_rest(rows, results["floor"])
    assert "| nested (shopify-rest) |" in done.stdout
    assert {b["store"] for b in results["backfill"]} == {
        "shop-backfill",  # Admin GraphQL: points
        "shop-backfill-rest",
        "woo-backfill",
        "mage-backfill",
        "bc-backfill",  # a window quota, not a bucket
    }
    assert all(
        b["orders_seen"] == b["orders"] and b["throttled_429"] == b.get("throttled", 0) == 0
        for b in results["backfill"]
    )
    [window] = [b for b in results["backfill"] if "windows" in b]
    assert window["store"] == "bc-backfill" and window["limit"] == "15 per 3 s window"
    [graphql] = [b for b in results["backfill"] if "points_spent" in b]
    assert graphql["store"] == "shop-backfill" and graphql["points_spent"] > 0
    assert all(cell["errors"] == 0 for run in results["overhead"] for cell in run["cells"])
    assert all(m > 0 for m in results["memory"].values())
    # every subscriber got every order exactly as placed, over real WebSockets
    assert [e["subscribers"] for e in results["events"]] == [1, 10]
    for level in results["events"]:
        assert level["complete"] and level["errors"] == 0, level
        assert level["deliveries"] == level["subscribers"] * level["orders"] > 0
    # every mutation reached SUCCEEDED in the durable queue, none refused or quarantined
    assert len(results["writes"]) == 4
    for row in results["writes"]:
        assert row["succeeded"] == row["jobs"] and row["refused"] == row["quarantined"] == 0, row
    assert {w["resources"] for w in results["writes"] if "hot" in w["scenario"]} == {1, 3}


def assert_graphql_beside_rest(rows: dict[str, Any], floor: list[dict[str, Any]]) -> None:
    """Shopify is measured on both APIs: every Admin GraphQL request states its requested and
    actual points, REST none; the floor sends the same requests as the gateway."""
    for query in ("nested", "catalogue", "entities"):
        graphql, rest = rows[f"{query} (shopify)"], rows[f"{query} (shopify-rest)"]
        assert len(graphql["points"]) == graphql["calls"] and rest["points"] == [], query
        assert all(0 <= actual <= requested <= 1000 for requested, actual in graphql["points"])
        assert set(graphql["by_route"]) == {"shop-a POST /admin/api/{version}/graphql.json"}
        assert "graphql.json" not in str(rest["by_route"]), rest
    assert rows["nested (shopify)"]["calls"] <= 3 < rows["nested (shopify-rest)"]["calls"]
    for cell in floor:
        if "shopify" in cell["row"]:
            assert cell["calls_per_query"] == rows[cell["row"]]["calls"], cell

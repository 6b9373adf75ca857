"""Smoke test of `python -m bench --quick`: it runs end to end and prints its tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
        "multi-store (all)",
        "entities (magento)",
    }
    for row in rows.values():
        # a bound above what was measured would be a wrong bound, not a fast gateway
        assert 1 <= row["bound"] <= row["calls"], row
    assert rows["multi-store (all)"]["calls"] == 3
    assert {b["store"] for b in results["backfill"]} == {
        "shop-backfill",
        "woo-backfill",
        "mage-backfill",
    }
    assert all(
        b["orders_seen"] == b["orders"] and b["throttled_429"] == 0 for b in results["backfill"]
    )
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

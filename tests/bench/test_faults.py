"""The short fault run end to end (`--quick --only faults`), and its accounting on ledgers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from bench.fault_report import HEADING, splice, zero_figures
from bench.fault_truth import account, effects
from bench.fault_writes import Answer, Intent, Item

ROOT = Path(__file__).resolve().parents[2]


def test_the_short_fault_run_loses_doubles_and_misses_nothing(tmp_path: Path) -> None:
    out, markdown = tmp_path / "results", tmp_path / "BENCHMARKS.md"
    markdown.write_text("# Benchmarks\n\n## 6. Peer\n\ntext\n\n## Profile and optimisations\n")
    argv = ["-m", "bench", "--quick", "--only", "faults", "--out-dir", str(out)]
    done = subprocess.run(  # noqa: S603 - our own module, fixed argv
        [sys.executable, *argv, "--markdown", str(markdown)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = orjson.loads((out / "latest.json").read_bytes())["faults"]
    assert results["seed"] == 1 and results["write_kills"] == 1
    for store, row in results["writes"].items():
        assert row["news"] + row["repeats"] + row["conflicts"] == 100, (store, row)
        assert row["succeeded"] > 0 and sum(results["chaos"][store].values()) > 0, (store, row)
    for store, row in results["events"].items():
        assert row["orders"] == 10 and row["received"] > 0, (store, row)
    assert zero_figures(results), results
    text = markdown.read_text()  # spliced in before the notes; the rest untouched
    assert text.index("## 6. Peer") < text.index(HEADING) < text.index("## Profile and")


ITEMS = [
    Item("v1", "l1", ("11", "L"), "adjust"),
    Item("v2", "l1", ("22", "default"), "set"),
]
LANES = [
    [
        Intent("a0", 0, 1, "new"),
        Intent("a1", 0, 2, "new"),
        Intent("a2", 0, 3, "new"),
        Intent("a3", 0, 4, "new"),
        Intent("a0", 0, 1, "repeat"),
        Intent("a1", 0, 1002, "conflict"),
    ],
    [Intent("s0", 1, 10_000, "new"), Intent("s1", 1, 10_001, "new")],
]


def _adjust(delta: int) -> dict[str, object]:
    body = {"inventory_item_id": 11, "location_id": "L", "available_adjustment": delta}
    return {"path": "/admin/api/x/inventory_levels/adjust.json", "body": body}


def _woo_set(level: int) -> dict[str, object]:
    return {"path": "/wp-json/wc/v3/products/22", "body": {"stock_quantity": level}}


def test_the_ledger_names_every_lost_doubled_and_quarantined_but_applied_write() -> None:
    entries = [_adjust(1), _adjust(1), _adjust(3), _adjust(4), _adjust(1002)]
    entries += [_woo_set(10_000), _woo_set(10_001), _woo_set(10_001), _woo_set(10_000)]
    for seq, entry in enumerate(entries, 1):
        entry["seq"] = seq
    status = {"a0": "SUCCEEDED", "a1": "SUCCEEDED", "a2": "QUARANTINED", "a3": "RETRYING"}
    status |= {"s0": "SUCCEEDED", "s1": "SUCCEEDED"}
    ops = {key: {"status": value} for key, value in status.items()}
    answers = [Answer(i, "WriteQueued", f"op-{i.key}") for i in LANES[0][:4] + LANES[1]]
    answers += [Answer(LANES[0][4], "WriteQueued", "op-other"), Answer(LANES[0][5], "WriteQueued")]
    initial = {("11", "L"): 5, ("22", "default"): None}
    final = {("11", "L"): 5 + 1 + 1 + 3 + 4 + 1002, ("22", "default"): 10_000}

    found = account(ITEMS, LANES, answers, ops, (initial, final), effects(entries))

    # a0 twice; a1 never (SUCCEEDED); a2 applied though QUARANTINED; a3 unfinished;
    # s0 written again after s1 (a stale set: doubled, and s1's value overwritten: lost)
    assert found["doubled"] == 2 and found["lost"] == 2
    assert found["quarantined_applied"] == 1 and found["stuck"] == 1
    assert found["conflicts_applied"] == 1 and found["key_errors"] == 2
    assert found["ledger_mismatch"] == 0
    assert (found["news"], found["repeats"], found["conflicts"]) == (6, 1, 1)


def test_a_stale_absolute_write_that_undoes_an_adjustment_is_a_lost_write() -> None:
    # WooCommerce and Magento adjust by writing absolute levels: a late write of an old
    # level lands after the next adjustment and takes it back
    item = Item("v1", "l1", ("22", "default"), "adjust")
    lane = [Intent("a0", 0, 1, "new"), Intent("a1", 0, 2, "new")]
    entries = [_woo_set(6), _woo_set(8), _woo_set(6)]
    for seq, entry in enumerate(entries, 1):
        entry["seq"] = seq
    ops = {"a0": {"status": "SUCCEEDED"}, "a1": {"status": "SUCCEEDED"}}
    answers = [Answer(i, "WriteQueued", i.key) for i in lane]
    levels = ({("22", "default"): 5}, {("22", "default"): 6})

    found = account([item], [lane], answers, ops, levels, effects(entries))

    assert found["lost"] == 1 and found["doubled"] == 0 and found["ledger_mismatch"] == 0


def test_a_fault_section_replaces_the_last_one_and_nothing_else() -> None:
    old = f"# B\n\n## 6. Peer\n\npeer\n\n{HEADING}\n\nold table\n\n## Profile and optimisations\n"
    new = splice(old, f"{HEADING}\n\nnew table\n")
    assert "old table" not in new and "new table" in new
    assert new.replace("new table", "old table") == old
    assert splice(old, None) == old

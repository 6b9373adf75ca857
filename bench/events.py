"""Event latency and write-queue throughput (table 4): plugged in once those features land.

A feature counts as landed when its package is committed (`git ls-files`), so a half-written
work tree never produces numbers. Until then the table says so, and never shows a number.
"""

from __future__ import annotations

import subprocess
from typing import Any

from bench.procs import ROOT

FEATURES = {
    "events": ("gateway/events", "webhook received -> subscriber delivered, p50/p99, 1/100/1,000"),
    "writes": ("gateway/writes", "write-queue throughput (writes/s) and upstream calls per write"),
}


def landed(path: str) -> bool:
    """True when the feature's package is committed."""
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["git", "ls-files", "--error-unmatch", path],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def measure() -> dict[str, Any]:
    """Status of every pluggable scenario (numbers once a scenario is implemented here)."""
    rows = []
    for name, (path, what) in FEATURES.items():
        status = "landed, scenario not written yet" if landed(path) else "feature not landed"
        rows.append({"scenario": name, "what": what, "status": f"not yet measured: {status}"})
    lines = ["| scenario | what | result |", "|---|---|---|"]
    lines += [f"| {r['scenario']} | {r['what']} | {r['status']} |" for r in rows]
    return {"rows": rows, "text": "\n".join(lines)}

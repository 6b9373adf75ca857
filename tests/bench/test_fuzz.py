"""`./run fuzz` end to end on a few examples: a child gateway, the report, the exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.fuzz import fuzz_config
from gateway.config import load_config
from platforms.adapter import StoreConnection
from platforms.canonical import Platform

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_fuzz_run_reports_zeros_and_the_gateways_memory() -> None:
    argv = ["-m", "bench.fuzz", "--examples", "40", "--warmup", "10", "--ws-examples", "12"]
    done = subprocess.run(  # noqa: S603 - our own module, fixed argv
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = done.stdout
    assert "fuzz: 40 examples, seed 1" in report
    assert "HTTP 5xx: 0   INTERNAL: 0   writes without a write scope: 0" in report
    assert "gateway RSS: cold " in report and "% of start)" in report
    ws = "WebSocket: 12 sessions   upgrade 5xx: 0   INTERNAL: 0   untyped errors: 0   "
    ws += "bad close codes: 0   "
    assert f"{ws}no answer: 0   /healthz down after: 0" in report
    assert "gateway RSS over the WebSocket arm: " in report
    assert "gateway ERROR log lines: 0" in report


def test_the_child_gateway_config_holds_only_references_to_secrets(tmp_path: Path) -> None:
    conn = StoreConnection(
        "s-1", Platform.SHOPIFY, "http://127.0.0.1:1", "S", credentials={"access_token": "shpat_x"}
    )
    keys = {"read": "cg_a_1", "one-store": "cg_b_2", "write": "cg_c_3"}
    text, env = fuzz_config([conn], keys, 8123, tmp_path)
    assert "shpat_x" not in text and not any(k in text for k in keys.values())
    assert env["FUZZ_STORE0_ACCESS_TOKEN"] == "shpat_x"
    (tmp_path / "cartgraph.toml").write_text(text)
    config = load_config(tmp_path / "cartgraph.toml")  # references only: not resolved
    assert [k.name for k in config.auth.keys] == ["read", "one-store", "write"]
    assert config.auth.keys[1].stores == ["s-1"]

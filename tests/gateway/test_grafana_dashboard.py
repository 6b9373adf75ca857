"""deploy/grafana-dashboard.json charts only metrics the gateway exports, under their labels."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gateway.telemetry.metrics import Metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json"
SUFFIXES = ("_bucket", "_count", "_sum")


def _families() -> dict[str, set[str]]:
    """Every metric family of the app's registry with the labels its samples carry."""
    metrics = Metrics()
    found: dict[str, set[str]] = {}
    for family in metrics.registry.collect():
        name = family.name + ("_total" if family.type == "counter" else "")
        found[name] = set()
    # labels from the declarations (a family without samples yet reports none)
    for collector in metrics.registry._collector_to_names:
        for name in metrics.registry._collector_to_names[collector]:
            labels = set(getattr(collector, "_labelnames", ()))
            for base in (name, *(name.removesuffix(s) for s in SUFFIXES)):
                if base in found:
                    found[base] |= labels | {"le"}
    return found


def test_every_expression_names_an_exported_metric_and_its_labels() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    families = _families()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 14
    charted = set()
    for expr in exprs:
        for name in re.findall(r"cartgraph_[a-z_]+", expr):
            base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
            assert base in families, f"{name} is not exported by gateway/telemetry"
            charted.add(base)
        for label in re.findall(r"(?:by \(|,\s*)([a-z_]+)(?=[,)])", expr):
            assert any(label in labels for labels in families.values()), (label, expr)
    assert charted == set(families)  # and every metric there is has a panel


def test_store_variable_and_datasource_are_templated() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    names = {v["name"] for v in dashboard["templating"]["list"]}
    assert names == {"datasource", "store"}
    assert all(p["datasource"]["uid"] == "${datasource}" for p in dashboard["panels"])

"""Turning results into tables: Markdown for BENCHMARKS.md and the console, JSON on disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

NOTES = Path(__file__).with_name("optimisations.md")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("|", "\\|")


def calls_table(rows: list[dict[str, Any]]) -> str:
    """Table 1."""
    return table(
        ["query (platform)", "upstream calls", "lower bound", "ratio", "bound counted as", "why"],
        [[r["row"], r["calls"], r["bound"], r["ratio"], r["formula"], _why(r)] for r in rows],
    )


def _why(row: dict[str, Any]) -> str:
    if row["ratio"] > 1:
        return row.get("excess") or "gateway spends more than the API needs (see below)"
    return row["forced"] or "-"


def overhead_table(runs: list[dict[str, Any]], floor: list[dict[str, Any]]) -> str:
    """Table 2: gateway cells next to the direct-client floor, ratio of p50 and throughput."""
    floors = {(f["row"], f["concurrency"]): f for f in floor}
    out = []
    for run in runs:
        for cell in run["cells"]:
            base: dict[str, Any] = floors.get((cell["row"], cell["concurrency"]), {})
            out.append(
                [
                    run["label"],
                    cell["row"],
                    cell["concurrency"],
                    cell["p50_ms"],
                    cell["p99_ms"],
                    cell["throughput_rps"],
                    base.get("p50_ms"),
                    base.get("p99_ms"),
                    base.get("throughput_rps"),
                    _ratio(cell["p50_ms"], base.get("p50_ms")),
                    _ratio(base.get("throughput_rps"), cell["throughput_rps"]),
                    round(cell["calls_per_query"], 2),
                    cell["errors"],
                ]
            )
    headers = [
        "gateway",
        "query (platform)",
        "conc.",
        "p50 ms",
        "p99 ms",
        "req/s",
        "floor p50",
        "floor p99",
        "floor req/s",
        "p50 ratio",
        "req/s ratio (floor/gw)",
        "calls/query",
        "errors",
    ]
    return table(headers, out)


def _ratio(num: float | None, den: float | None) -> float | None:
    if not num or not den:
        return None
    return round(num / den, 2)


def backfill_table(rows: list[dict[str, Any]]) -> str:
    """Table 3."""
    return table(
        [
            "store",
            "limit",
            "orders (seen)",
            "page size",
            "pages",
            "upstream calls",
            "seconds",
            "steady req/s",
            "fraction of limit",
            "429s",
            "rate bound by",
        ],
        [
            [
                r["store"],
                r["limit"],
                f"{r['orders']} ({r['orders_seen']})",
                r["page_size"],
                r["pages"],
                r["upstream_calls"],
                r["seconds"],
                r["steady_rps"],
                None if r["fraction"] is None else f"{r['fraction'] * 100:.1f}%",
                r["throttled_429"],
                r.get("bound_by"),
            ]
            for r in rows
        ],
    )


def memory_table(rows: list[tuple[str, float]]) -> str:
    """Table 5."""
    return table(["scenario", "gateway peak RSS (MiB)"], [[s, round(m, 1)] for s, m in rows])


def peer_table(peer: dict[str, Any]) -> str:
    """Table 6: ours and the peer's rows side by side."""
    if peer.get("status") != "ok":
        return f"**Not measured.** {peer.get('detail', '')}"
    ours, theirs = peer["cartgraph"], peer["mesh"]
    out = [
        [
            "upstream calls / query",
            ours["calls"],
            theirs["calls"],
            _ratio(theirs["calls"], ours["calls"]),
        ]
    ]
    for mine, other in zip(ours["cells"], theirs["cells"], strict=True):
        c = mine["concurrency"]
        out.append(
            [
                f"p50 ms @{c}",
                mine["p50_ms"],
                other["p50_ms"],
                _ratio(other["p50_ms"], mine["p50_ms"]),
            ]
        )
        out.append(
            [
                f"p99 ms @{c}",
                mine["p99_ms"],
                other["p99_ms"],
                _ratio(other["p99_ms"], mine["p99_ms"]),
            ]
        )
        out.append([f"errors/timeouts @{c}", mine["errors"], other["errors"], None])
        out.append(
            [
                f"req/s @{c}",
                mine["throughput_rps"],
                other["throughput_rps"],
                _ratio(mine["throughput_rps"], other["throughput_rps"]),
            ]
        )
    return table(["metric", "cartgraph", "GraphQL Mesh", "ratio (Mesh/ours, req/s ours/Mesh)"], out)


def markdown(results: dict[str, Any]) -> str:
    """The whole BENCHMARKS.md."""
    m = results["machine"]
    parts = [
        "# Benchmarks",
        "",
        "Generated by the harness; do not edit by hand. Reproduce with:",
        "",
        f"```sh\n{results['command']}\n```",
        "",
        f"- **Date:** {m['date']}",
        f"- **Machine:** {m['cores']} cores, {m['memory_gib']} GiB RAM, {m['cpu']}, {m['os']}",
        f"- **Python:** {m['python']}; load average at start {m['load_average']}",
        f"- **Run time:** {results['seconds']:.0f} s (profile `{results['profile']}`)",
        "",
        results["method"],
        "",
        "## 1. Upstream calls per query",
        "",
        calls_table(results["calls"]),
        "",
        "## 2. Gateway overhead",
        "",
        overhead_table(results["overhead"], results["floor"]),
        "",
        "## 3. Rate-budget use (full backfill)",
        "",
        backfill_table(results["backfill"]),
        "",
        "## 4. Event latency and write-queue throughput",
        "",
        results["events"]["text"],
        "",
        "## 5. Memory",
        "",
        memory_table([(k, v) for k, v in results["memory"].items()]),
        "",
        "## 6. Peer: GraphQL Mesh (OpenAPI source) on the same nested query",
        "",
        peer_table(results["peer"]),
        "",
    ]
    if NOTES.exists():
        parts += [NOTES.read_text().rstrip(), ""]
    return "\n".join(parts)

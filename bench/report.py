"""Turning results into tables: Markdown for BENCHMARKS.md and the console, JSON on disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

NOTES = Path(__file__).with_name("optimisations.md")
NOT_RUN = "_Not run in this invocation._"
EVENTS_METHOD = """One gateway (1 worker, durable SQLite event log) receives the signed
`orders/create` webhooks of a Shopify sandbox (`POST /_sandbox/webhooks` points them at
`/webhooks/{store}`). The harness holds N `graphql-transport-ws` subscriptions to
`orderEvents` (aiohttp, one event loop), places orders one after another with
`POST /_sandbox/orders` and waits until every subscriber has each one. *Received ->
delivered* is the subscriber's receive time minus the event's `recordedAt` (stamped when the
gateway processes the durably stored receipt); *placed -> delivered* starts before the
sandbox call. Same machine, same wall clock. The first order at each count only proves every
subscription live and is not timed. *Gateway CPU ms per event* is the gateway process's user +
system CPU time over the timed orders divided by their count (receipt, log append and every
subscriber's delivery): unlike latency it does not grow while another process holds a core."""
WRITES_METHOD = """`adjustInventory(wait: false)` mutations (16 in flight from the harness) against
the sandboxes (limits lifted), the gateway serving with a data dir (durable SQLite queue);
*jobs/s* is jobs / seconds from the first mutation until `writeOperations(status:
SUCCEEDED) { totalCount }` counts them all. *Distinct* spreads jobs over the stocked
(variant, location) pairs; *hot* puts every job of a store on one, which the queue runs one
after another (writes to one resource are ordered)."""


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
        [
            "query (platform)",
            "upstream calls",
            "lower bound",
            "ratio",
            "points requested/actual per request",
            "bound counted as",
            "why",
        ],
        [
            [r["row"], r["calls"], r["bound"], r["ratio"], _points(r), r["formula"], _why(r)]
            for r in rows
        ],
    )


def _points(row: dict[str, Any]) -> str:
    """Admin GraphQL documents' cost as the sandbox reported it ("-": a REST-only row)."""
    spent = row.get("points") or []
    if not spent:
        return "-"
    each = ", ".join(f"{requested}/{actual}" for requested, actual in spent)
    if len(spent) == 1:
        return each
    total = f"{sum(r for r, _ in spent)}/{sum(a for _, a in spent)}"
    return f"{each} (total {total})"


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
                    cell.get("cpu_ms_per_query"),
                    base.get("cpu_ms_per_query"),
                    _ratio(cell.get("cpu_ms_per_query"), base.get("cpu_ms_per_query")),
                    round(cell["calls_per_query"], 2),
                    _rounded(base.get("calls_per_query")),
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
        "CPU ms/query",
        "floor CPU ms/query",
        "CPU ratio",
        "calls/query",
        "floor calls/query",
        "errors",
    ]
    return table(headers, out)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ratio(num: float | None, den: float | None) -> float | None:
    if not num or not den:
        return None
    return round(num / den, 2)


BACKFILL_METHOD = (
    "Shopify is walked twice: `shop-backfill` over Admin GraphQL (the default API; its budget\n"
    "is points, the sandbox charging each document's calculated cost against the plan's bucket)\n"
    "and `shop-backfill-rest` over REST (requests). The GraphQL walk runs after the others: its\n"
    "documents keep the sandboxes' one process busy enough to slow their answers.\n"
    "`bc-backfill` is BigCommerce's window quota (`X-Rate-Limit-*` headers, 429 past it): its\n"
    "steady rate is the requests of every window that closed after the first, over their time."
)


def _steady(row: dict[str, Any]) -> str | None:
    """A backfill's steady rate in its budget's unit: points on Admin GraphQL, else requests."""
    if row.get("steady_points_per_s") is not None:
        return f"{row['steady_points_per_s']:g} points/s"
    return None if row["steady_rps"] is None else f"{row['steady_rps']:.2f} req/s"


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
            "steady for s",
            "steady rate",
            "fraction of limit",
            "429s / THROTTLED",
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
                r.get("steady_seconds"),
                _steady(r),
                None if r["fraction"] is None else f"{r['fraction'] * 100:.1f}%",
                r["throttled_429"] + r.get("throttled", 0),
                r.get("bound_by"),
            ]
            for r in rows
        ],
    )


def events_table(rows: list[dict[str, Any]]) -> str:
    """Table 4a: per subscriber count, latency from the gateway's receipt and end to end."""
    if not rows:
        return NOT_RUN
    return table(
        [
            "subscribers",
            "orders timed",
            "deliveries",
            "received -> delivered p50 ms",
            "p99 ms",
            "order placed -> delivered p50 ms",
            "p99 ms",
            "gateway CPU ms per event",
            "errors",
            "peak RSS MiB",
            "complete",
        ],
        [
            [
                r["subscribers"],
                r.get("orders"),
                r.get("deliveries"),
                r.get("ingest_p50_ms"),
                r.get("ingest_p99_ms"),
                r.get("e2e_p50_ms"),
                r.get("e2e_p99_ms"),
                r.get("cpu_ms_per_event"),
                r.get("errors"),
                r.get("peak_rss_mib"),
                "yes" if r.get("complete") else f"no: {r.get('note', 'event wait timed out')}",
            ]
            for r in rows
        ],
    )


def writes_table(rows: list[dict[str, Any]]) -> str:
    """Table 4b: write-queue throughput to SUCCEEDED."""
    if not rows:
        return NOT_RUN
    return table(
        [
            "scenario",
            "jobs",
            "resources",
            "succeeded",
            "refused",
            "quarantined",
            "accepted/s",
            "seconds to all SUCCEEDED",
            "jobs/s",
            "upstream calls/job",
        ],
        [
            [
                r["scenario"],
                r["jobs"],
                r["resources"],
                r["succeeded"],
                r["refused"],
                r["quarantined"],
                r["accept_rps"],
                r["seconds"],
                r["jobs_per_s"],
                r["upstream_per_job"],
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
        *[f"- **Skipped:** {item}" for item in results.get("skipped", [])],
        "## 1. Upstream calls per query",
        "",
        calls_table(results["calls"]) if results["calls"] else NOT_RUN,
        "",
        "## 2. Gateway overhead",
        "",
        overhead_table(results["overhead"], results["floor"]) if results["overhead"] else NOT_RUN,
        "",
        "## 3. Rate-budget use (full backfill)",
        "",
        backfill_table(results["backfill"]) if results["backfill"] else NOT_RUN,
        "",
        BACKFILL_METHOD,
        "",
        "## 4. Event latency and write-queue throughput",
        "",
        "### 4a. Event latency: webhook received -> WebSocket subscriber",
        "",
        EVENTS_METHOD,
        "",
        events_table(results["events"]),
        "",
        "### 4b. Write-queue throughput",
        "",
        WRITES_METHOD,
        "",
        writes_table(results["writes"]),
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

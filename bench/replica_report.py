"""BENCHMARKS.md's multi-replica section: shared budget, write throughput, fan-out, faults."""

from __future__ import annotations

from typing import Any

HEADING = "## 8. Replicas: 3 gateways on one PostgreSQL and one Redis"
BEFORE = "## Profile and optimisations"  # the section goes in front of the notes
METHOD = """`python -m bench --only replicas` starts its own sandbox process and a fresh PostgreSQL
database and Redis key prefix on this machine's servers, then runs `cartgraph serve` processes
with `[storage] url` and `[redis] url` set, behind a round-robin TCP relay in the harness (a
load balancer's job: each new connection goes to the next replica that accepts it). Rows:
*budget*: one Shopify sandbox store enforcing the standard plan's bucket (40, 2/s; 429 over
it) read flat out through every replica; *use* = requests the platform accepted in the window
over the most it could accept (capacity + leak x seconds). *Writes*: adjustInventory
mutations over the three write stores to SUCCEEDED, through 1 replica, then through all.
*Fan-out*: webhooks delivered to the last replica, subscribers on the first one; latency from
placing the order in the sandbox to each subscriber's receipt. *Faults*: the fault run (section
7's writes and events halves, chaos included) through the replicas while one of them at a time,
chosen at random, is SIGKILLed and restarted; the others keep serving."""


def section(results: dict[str, Any], command: str) -> str:
    """The section for one run's results."""
    where = results.get("machine") or {}
    verdict = "goals met" if goals_met(results) else "**goals not all met**"
    lines = [
        HEADING,
        "",
        f"{results['replicas']} replicas ({verdict}: budget use >= 95% with no 429 or THROTTLED;"
        f" 0 writes lost or doubled, 0 events missed or duplicated); reproduce with `{command}`;"
        f" {results['seconds']:.0f} s on {where.get('cores', '?')} cores,"
        f" {where.get('date', 'date not recorded')}.",
        "",
        METHOD,
        "",
    ]
    lines += [*_budget(results["budget"]), "", *_writes(results["writes"]), ""]
    lines += [*_fanout(results["fanout"]), "", *_faults(results["faults"])]
    return "\n".join(lines) + "\n"


def goals_met(results: dict[str, Any]) -> bool:
    """The issue's goals: >= 95% of the budget with no 429/THROTTLED, and zero faults."""
    budget = results["budget"]
    found = results["faults"]
    writes = all(f.get("lost", 0) == f.get("doubled", 0) == 0 for f in found["writes"].values())
    events = all(
        f.get("missed", 0) == f.get("duplicated", 0) == 0 for f in found["events"].values()
    )
    throttled = budget["rejected_429"] or budget["errors"].get("THROTTLED", 0)
    return budget["use_pct"] >= 95 and not throttled and writes and events


def _budget(row: dict[str, Any]) -> list[str]:
    errors = ", ".join(f"{k} {v}" for k, v in sorted(row["errors"].items())) or "none"
    return [
        "| budget of one Shopify store, 3 replicas | window | accepted / budget | use "
        "| 429s | THROTTLED / other errors |",
        "|---|---:|---:|---:|---:|---|",
        f"| {row['capacity']:g} + {row['leak_per_second']:g}/s | {row['seconds']:g} s "
        f"| {row['accepted']} / {row['budget']:g} | {row['use_pct']}% | {row['rejected_429']} "
        f"| {errors} |",
    ]


def _writes(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| write throughput | jobs | succeeded | refused | seconds | jobs/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['replicas']} replica{'s' if row['replicas'] > 1 else ''} | {row['jobs']} "
            f"| {row['succeeded']} | {row['refused']} | {row['seconds']} | {row['jobs_per_s']} |"
        )
    return lines


def _fanout(row: dict[str, Any]) -> list[str]:
    return [
        "| webhook on one replica -> subscriber on another | subscribers | orders "
        "| deliveries | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| order placed -> received | {row['subscribers']} | {row['orders']} "
        f"| {row.get('deliveries', 0)} | {row.get('e2e_p50_ms')} | {row.get('e2e_p99_ms')} "
        f"| {row.get('errors', 0)} |",
    ]


def _faults(found: dict[str, Any]) -> list[str]:
    lines = [
        "| fault run through the replicas | writes planned | kills (writes) | lost | doubled "
        "| events missed | events duplicated |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for store, figures in found["writes"].items():
        seen = found["events"].get(store, {})
        lines.append(
            f"| {store} | {found['plan']} | {found['write_kills']} | {figures.get('lost', 0)} "
            f"| {figures.get('doubled', 0)} | {seen.get('missed', 0)} "
            f"| {seen.get('duplicated', 0)} |"
        )
    return lines


def splice(text: str, new_section: str | None) -> str:
    """`text` with its replicas section replaced by `new_section` (None: left as it is)."""
    if new_section is None:
        return text
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        return text[:start] + new_section.rstrip() + "\n" + (text[end:] if end >= 0 else "")
    at = text.find(BEFORE)
    if at < 0:
        return text.rstrip() + "\n\n" + new_section
    return text[:at] + new_section.rstrip() + "\n\n" + text[at:]


def carried(previous: str) -> str | None:
    """The replicas section of an earlier report, so a run without it keeps it."""
    start = previous.find(HEADING)
    if start < 0:
        return None
    end = previous.find("\n## ", start + len(HEADING))
    return previous[start : end if end >= 0 else len(previous)].rstrip() + "\n"

"""The fault run's section of BENCHMARKS.md, and splicing it into an existing report."""

from __future__ import annotations

from typing import Any

from bench.report import table

HEADING = "## 7. Fault run: exactly once under chaos and kills"
BEFORE = "## Profile and optimisations"  # the section goes in front of the notes
METHOD = """`python -m bench --only faults` starts its own sandbox process (one Shopify, WooCommerce
and Magento store) and a gateway child process with a durable data dir. **Writes:** per
platform, {writes} `adjustInventory` / `setInventory` mutations (`wait: false`) in one lane per
stock level ({items} levels, about 60% adjusted and 40% set), one write at a time per lane, spread
over about {submit:.0f} s; about 15% resend an earlier key of the lane with the same input and
about 1.5% reuse one with another input. Every sandbox runs `POST /_sandbox/chaos` at about
30% of API requests (reads and writes): before applying 8% 429 (Retry-After 0.25 s), 4% 503,
4% dropped connection; after applying 4% 503, 4% dropped, 3% answer held past the gateway's
{timeout:g} s store timeout; 3% applied {late_low}-{late_high} ms after arrival (after the
gateway gave up); 0-50 ms latency. The gateway is SIGKILLed and restarted about every
{every:.0f} s until every operation is finished ({kills} kills). **Counting:** the sandbox's
ledger of applied writes (`GET /_sandbox/ledger`) is the truth: each new key's value is unique
on its level, so every applied write names its key. *Lost*: SUCCEEDED but never applied, or
undone by a stale write; *doubled*: applied more than once (a stale write that re-adds counts
too); *quarantined but applied*: QUARANTINED yet in the ledger; *stuck*: not SUCCEEDED or
QUARANTINED once the run settled; *key errors*: a repeat answered with another operation, or a
conflicting reuse not refused. **Events:** a new gateway polling every second; per platform
{orders} storefront orders, each with a seeded path of changes (none, update, cancel, fulfil,
refund, partial refund, update+cancel, fulfil+refund) over {event_seconds:.0f} s, webhooks
(Shopify, WooCommerce; Magento has none and is polled) at 30% drop, 30% duplicate, 30%
reorder, API chaos as above and one kill; one `orderEvents` subscriber resumes with `after`.
*Missed*: a created, cancelled, fulfilled or refund event due and never received;
*duplicated*: an event id received twice, or a due type more than once; *out of order*: an
event older than one received before it for the same order, or before its creation. The seed
fixes the plan, every chaos and webhook generator and the kill schedule; which request draws
which fault follows arrival order, so a rerun repeats the experiment, not the exact trace."""


def section(results: dict[str, Any], command: str) -> str:
    """The fault run's tables, with the command and seed that reproduce them."""
    plan = results["plan"]
    late_low, late_high = plan["late_ms"]
    method = METHOD.format(
        writes=plan["writes"],
        items=plan["items"],
        submit=plan["submit_seconds"],
        timeout=plan["store_timeout"],
        late_low=late_low,
        late_high=late_high,
        every=plan["kill_every"],
        kills=results["write_kills"],
        orders=plan["orders"],
        event_seconds=plan["event_seconds"],
    )
    verdict = "every figure zero" if zero_figures(results) else "**not all zero**"
    where = results.get("machine") or {}
    return "\n".join(
        [
            HEADING,
            "",
            f"Seed **{results['seed']}** ({verdict}); reproduce with `{command}`; "
            f"{results['seconds']:.0f} s on {where.get('cores', '?')} cores, "
            f"{where.get('date', 'date not recorded')}.",
            "",
            method,
            "",
            _writes_table(results),
            "",
            _events_table(results),
            "",
        ]
    )


def zero_figures(results: dict[str, Any]) -> bool:
    """Every figure the run is judged by is zero."""
    writes = ("lost", "doubled", "quarantined_applied", "stuck", "key_errors", "conflicts_applied")
    events = ("missed", "duplicated", "out_of_order")
    return all(all(r.get(f, 0) == 0 for f in writes) for r in results["writes"].values()) and all(
        all(r.get(f, 0) == 0 for f in events) for r in results["events"].values()
    )


def _writes_table(results: dict[str, Any]) -> str:
    rows = []
    for store, r in results["writes"].items():
        injected = sum(results["chaos"][store].values())
        rows.append(
            [
                results["platforms"][store],
                f"{r.get('news', 0)} / {r.get('repeats', 0)} / {r.get('conflicts', 0)}",
                injected,
                r.get("succeeded", 0),
                r.get("quarantined", 0),
                r.get("lost", 0),
                r.get("doubled", 0),
                r.get("quarantined_applied", 0),
                r.get("stuck", 0),
                r.get("key_errors", 0) + r.get("conflicts_applied", 0),
            ]
        )
    headers = [
        "platform",
        "new keys / repeats / conflicts",
        "API faults injected",
        "succeeded",
        "quarantined",
        "lost",
        "doubled",
        "quarantined but applied",
        "stuck",
        "key errors",
    ]
    return table(headers, rows)


def _events_table(results: dict[str, Any]) -> str:
    rows = [
        [
            results["platforms"][store],
            r.get("orders", 0),
            r.get("due", 0),
            r.get("received", 0),
            r.get("missed", 0),
            r.get("duplicated", 0),
            r.get("out_of_order", 0),
        ]
        for store, r in results["events"].items()
    ]
    headers = [
        "platform",
        "orders",
        "events due",
        "received",
        "missed",
        "duplicated",
        "out of order",
    ]
    return table(headers, rows)


def splice(text: str, new_section: str | None) -> str:
    """`text` with its fault section replaced by `new_section` (None: left as it is)."""
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
    """The fault section of an earlier report, so a run without faults keeps it."""
    start = previous.find(HEADING)
    if start < 0:
        return None
    end = previous.find("\n## ", start + len(HEADING))
    return previous[start : end if end >= 0 else len(previous)].rstrip() + "\n"

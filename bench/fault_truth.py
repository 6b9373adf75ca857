"""The fault run's accounting: the sandboxes' ledgers of applied writes against the gateway."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from bench.fault_writes import TERMINAL, Answer, Intent, Item, ItemKey

Effect = tuple[str, int]  # ("delta", units added) or ("abs", the level written)


def effects(entries: list[dict[str, Any]]) -> dict[ItemKey, list[Effect]]:
    """Stock writes per level, in the order the sandbox applied them."""
    found: dict[ItemKey, list[Effect]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: int(e["seq"])):
        body = entry.get("body")
        if isinstance(body, dict):
            for key, effect in _stock_writes(str(entry["path"]), body):
                found[key].append(effect)
    return found


def _stock_writes(path: str, body: dict[str, Any]) -> Iterator[tuple[ItemKey, Effect]]:
    """Each platform's stock write bodies, by the fields their APIs define."""
    variables = body.get("variables")
    data = variables.get("input") if isinstance(variables, dict) else None
    if isinstance(data, dict):  # Shopify Admin GraphQL (the ledger lists applied ones only)
        for row in data.get("changes") or []:  # inventoryAdjustQuantities
            yield _gid_key(row), ("delta", int(row["delta"]))
        for row in data.get("quantities") or []:  # inventorySetQuantities
            yield _gid_key(row), ("abs", int(row["quantity"]))
    elif "available_adjustment" in body:  # Shopify inventory_levels/adjust
        key = (str(body["inventory_item_id"]), str(body["location_id"]))
        yield key, ("delta", int(body["available_adjustment"]))
    elif "available" in body and "inventory_item_id" in body:  # Shopify inventory_levels/set
        key = (str(body["inventory_item_id"]), str(body["location_id"]))
        yield key, ("abs", int(body["available"]))
    elif "stock_quantity" in body:  # WooCommerce product or variation PUT (one location)
        ident = path.rstrip("/").rsplit("/", 1)[-1]
        yield (ident, "default"), ("abs", int(body["stock_quantity"] or 0))
    elif isinstance(body.get("sourceItems"), list):  # Magento MSI source items
        for row in body["sourceItems"]:
            yield (str(row["sku"]), str(row["source_code"])), ("abs", int(row["quantity"]))
    elif isinstance(body.get("stockItem"), dict):  # Magento legacy stock item
        sku = path.split("/products/", 1)[-1].split("/", 1)[0]
        yield (sku, "default"), ("abs", int(body["stockItem"].get("qty") or 0))


def _gid_key(row: dict[str, Any]) -> ItemKey:
    """(inventory item, location) of a GraphQL stock row, as the REST ids they end in."""
    item, location = (str(row[k]).rsplit("/", 1)[-1] for k in ("inventoryItemId", "locationId"))
    return item, location


def account(
    items: list[Item],
    lanes: list[list[Intent]],
    answers: list[Answer],
    ops: dict[str, dict[str, Any]],
    levels: tuple[dict[ItemKey, int | None], dict[ItemKey, int | None]],
    applied: dict[ItemKey, list[Effect]],
) -> dict[str, int]:
    """One store's figures: lost, doubled, quarantined-but-applied, stuck (goal: all zero)."""
    initial, final = levels
    status = {key: op["status"] for key, op in ops.items()}
    figures: Counter[str] = Counter()
    for item, lane in zip(items, lanes, strict=True):
        apps, stale, end = _replay(item, lane, applied.get(item.key, []), initial[item.key])
        news = [i for i in lane if i.role == "new"]
        figures["conflicts_applied"] += apps.pop("conflict", 0)
        figures["lost"] += sum(
            1 for i in news if status.get(i.key) == "SUCCEEDED" and not apps[i.key]
        )
        figures["doubled"] += sum(max(0, n - 1) for n in apps.values())
        figures["quarantined_applied"] += sum(
            1 for i in news if status.get(i.key) == "QUARANTINED" and apps[i.key]
        )
        figures["stuck"] += sum(1 for i in news if status.get(i.key) not in TERMINAL)
        # a stale write undoes (negative) or re-does (positive) someone else's
        figures["lost"] += sum(1 for d in stale if d < 0)
        figures["doubled"] += sum(1 for d in stale if d > 0)
        figures["lost"] += _last_set_overwritten(item, news, status, apps, final[item.key])
        figures["ledger_mismatch"] += end != (final[item.key] or 0)
    figures.update(_answers(answers, status))
    return dict(figures)


def _replay(
    item: Item, lane: list[Intent], effects_: list[Effect], start: int | None
) -> tuple[Counter[str], list[int], int]:
    """Walk the item's applied writes: applications per key ("conflict" for a conflicting
    input), unexplained changes, and the level the ledger ends at."""
    by_value = {i.value: i.key for i in lane if i.role == "new"}
    conflicts = {i.value for i in lane if i.role == "conflict"}
    apps: Counter[str] = Counter()
    stale: list[int] = []
    level = start or 0
    for kind, value in effects_:
        after = level + value if kind == "delta" else value
        change, level = after - level, after
        if change == 0:
            continue  # the same level written again (a resent or late set): no effect
        token = change if item.kind == "adjust" else after
        if token in by_value:
            apps[by_value[token]] += 1
        elif token in conflicts:
            apps["conflict"] += 1
        else:
            stale.append(change)
    return apps, stale, level


def _last_set_overwritten(
    item: Item,
    news: list[Intent],
    status: dict[str, str],
    apps: Counter[str],
    final: int | None,
) -> int:
    """1 when a set lane's last successful value is not the level in the end (and was
    applied: a never-applied one is already counted)."""
    if item.kind != "set":
        return 0
    done = [i for i in news if status.get(i.key) == "SUCCEEDED"]
    return int(bool(done) and apps[done[-1].key] > 0 and final != done[-1].value)


def _answers(answers: list[Answer], status: dict[str, str]) -> Counter[str]:
    """Key handling as the client saw it: repeats must get the original operation, conflicts
    a refusal; plus the totals the table shows."""
    first = {a.intent.key: a.operation_id for a in answers if a.intent.role == "new"}
    found: Counter[str] = Counter()
    for answer in answers:
        role = answer.intent.role
        found[f"{role}s"] += 1
        if answer.typename is None:
            found["unanswered"] += 1
        else:
            found["key_errors"] += _mishandled(answer, first)
    found["succeeded"] = sum(1 for s in status.values() if s == "SUCCEEDED")
    found["quarantined"] = sum(1 for s in status.values() if s == "QUARANTINED")
    return found


def _mishandled(answer: Answer, first: dict[str, str | None]) -> bool:
    """A repeat answered with another operation, or a conflicting reuse not refused."""
    if answer.intent.role == "repeat":
        return answer.operation_id != first.get(answer.intent.key)
    return answer.intent.role == "conflict" and answer.typename != "IdempotencyKeyReused"

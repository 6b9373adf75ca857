"""The fault run's writes: seeded lanes of stock writes with repeated and conflicting keys."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.load import GraphQLError, graphql

ItemKey = tuple[str, str]  # (inventory item id, location external id): what the ledger names

STOCK = """query ($stores: [ID!]) {
  products(storeIds: $stores, first: 100) { edges { node { variants { id
    inventoryLevels { inventoryItemId available location { id externalId } }
  } } } }
}"""
MUTATION = """mutation ($input: %(input)s!, $key: String) {
  result: %(field)s(input: $input, idempotencyKey: $key, wait: false) {
    __typename
    ... on WriteQueued { operation { id status } }
    ... on %(success)s { operation { id status } }
    ... on WriteFailed { operation { id status } code }
    ... on IdempotencyKeyReused { message }
    ... on UnsupportedOnPlatform { message }
  }
}"""
ADJUST = MUTATION % {
    "input": "AdjustInventoryInput",
    "field": "adjustInventory",
    "success": "AdjustInventorySuccess",
}
SET = MUTATION % {
    "input": "SetInventoryInput",
    "field": "setInventory",
    "success": "SetInventorySuccess",
}
OPERATIONS = """query ($store: String, $after: String) {
  writeOperations(storeId: $store, first: 100, after: $after) {
    edges { node { id status idempotencyKey attempts lastError { code } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
TERMINAL = ("SUCCEEDED", "QUARANTINED")
RESUBMIT_PAUSE = 0.2  # while the gateway restarts, a lane asks again this often


@dataclass(frozen=True)
class Item:
    """One stocked (variant, location) and the kind of writes its lane sends."""

    variant_id: str
    location_id: str
    key: ItemKey
    kind: str  # "adjust" (unique positive deltas) or "set" (unique absolute values)


@dataclass(frozen=True)
class Intent:
    """One mutation to send: a new key, a repeat of an earlier one, or a conflicting reuse."""

    key: str
    item: int
    value: int  # the delta or the absolute level
    role: str  # "new", "repeat" or "conflict"


@dataclass
class Answer:
    """What the gateway answered for one intent (after resending through restarts)."""

    intent: Intent
    typename: str | None = None
    operation_id: str | None = None
    error: str | None = None  # the last failure, when no answer ever came


async def stock(session: aiohttp.ClientSession, url: str, store: str) -> dict[ItemKey, Any]:
    """Every stock level of the store: (item, location) -> (variant gid, location gid, level)."""
    data = await graphql(session, url, STOCK, {"stores": [store]})
    return {
        (lv["inventoryItemId"], lv["location"]["externalId"]): (
            v["id"],
            lv["location"]["id"],
            lv["available"],
        )
        for edge in data["products"]["edges"]
        for v in edge["node"]["variants"]
        for lv in v["inventoryLevels"]
        if lv.get("location")
    }


def choose_items(levels: dict[ItemKey, Any], count: int, rng: random.Random) -> list[Item]:
    """`count` distinct levels, about 60% adjusted and 40% set."""
    keys = rng.sample(sorted(levels), min(count, len(levels)))
    return [
        Item(levels[k][0], levels[k][1], k, "adjust" if rng.random() < 0.6 else "set") for k in keys
    ]


def plan_lanes(
    store: str, items: list[Item], writes: int, rng: random.Random, seed: int
) -> list[list[Intent]]:
    """One lane per item, `writes` intents in all: ~15% repeat an earlier key of the lane with
    the same input, ~1.5% reuse one with another input; the rest are new keys whose value is
    unique on the item (so the ledger tells whose write it was)."""
    lanes: list[list[Intent]] = []
    for index, item in enumerate(items):
        size = writes // len(items) + (index < writes % len(items))
        lane: list[Intent] = []
        news: list[Intent] = []
        for slot in range(size):
            roll = rng.random()
            if news and roll < 0.015:
                earlier = rng.choice(news)
                lane.append(Intent(earlier.key, index, _conflicting(item, slot), "conflict"))
            elif news and roll < 0.165:
                lane.append(Intent(**{**rng.choice(news).__dict__, "role": "repeat"}))
            else:
                new = Intent(
                    f"f{seed}-{store}-{index}-{len(news)}", index, _value(item, len(news)), "new"
                )
                news.append(new)
                lane.append(new)
        lanes.append(lane)
    return lanes


def _value(item: Item, nth: int) -> int:
    return nth + 1 if item.kind == "adjust" else 10_000 + nth


def _conflicting(item: Item, slot: int) -> int:
    # outside every new key's range on the item: if it lands, the ledger shows it
    return 1000 + slot if item.kind == "adjust" else 90_000 + slot


async def send_lanes(
    session: aiohttp.ClientSession,
    url: str,
    items: list[Item],
    lanes: list[list[Intent]],
    seconds: float,
    rng: random.Random,
) -> list[Answer]:
    """Every lane at once, each one write at a time (so acceptance order is lane order),
    spread over about `seconds` with seeded pauses."""
    answers: list[Answer] = []

    async def lane_task(lane: list[Intent], pauses: list[float]) -> None:
        for intent, pause in zip(lane, pauses, strict=True):
            await asyncio.sleep(pause)
            answers.append(await _send(session, url, items[intent.item], intent))

    tasks = [
        lane_task(lane, [rng.uniform(0, 2 * seconds / max(1, len(lane))) for _ in lane])
        for lane in lanes
    ]
    await asyncio.gather(*tasks)
    return answers


async def _send(session: aiohttp.ClientSession, url: str, item: Item, intent: Intent) -> Answer:
    document = ADJUST if item.kind == "adjust" else SET
    field = "delta" if item.kind == "adjust" else "available"
    variables = {
        "input": {
            "variantId": item.variant_id,
            "locationId": item.location_id,
            field: intent.value,
        },
        "key": intent.key,
    }
    deadline = time.monotonic() + 120  # a gateway that never comes back ends the lane
    error = ""
    while time.monotonic() < deadline:
        try:
            result = (await graphql(session, url, document, variables))["result"]
        except (aiohttp.ClientError, TimeoutError, GraphQLError, ValueError, KeyError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
            await asyncio.sleep(RESUBMIT_PAUSE)  # killed or restarting: ask again, same key
            continue
        operation = result.get("operation") or {}
        return Answer(intent, result["__typename"], operation.get("id"))
    return Answer(intent, error=error)


async def operations(
    session: aiohttp.ClientSession, url: str, store: str
) -> dict[str, dict[str, Any]]:
    """Every write operation of the store, by idempotency key."""
    found: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        data = await graphql(session, url, OPERATIONS, {"store": store, "after": after})
        page = data["writeOperations"]
        for edge in page["edges"]:
            found[edge["node"]["idempotencyKey"]] = edge["node"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def settle(
    session: aiohttp.ClientSession, url: str, stores: list[str], seconds: float
) -> dict[str, dict[str, dict[str, Any]]]:
    """Operations per store once none is left unfinished, or at the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        found = {s: await operations(session, url, s) for s in stores}
        open_ = [o for ops in found.values() for o in ops.values() if o["status"] not in TERMINAL]
        if not open_ or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)

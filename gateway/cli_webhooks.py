"""`cartgraph webhooks sync`: create or repair each store's webhook subscriptions."""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter

from gateway.config import GatewayConfig, load_config, store_connections
from platforms.adapter import StoreConnection
from platforms.errors import CartgraphError, ConfigError
from platforms.registry import get_spec
from platforms.subscriptions import SubscriptionChange

NONE_REASON = {  # why a platform gets no subscriptions: said, not silently skipped
    "magento": "Magento Open Source sends no webhooks: its events come from polling",
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `webhooks sync`."""
    webhooks = sub.add_parser("webhooks", help="manage the stores' webhook subscriptions")
    commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    sync = commands.add_parser(
        "sync",
        help="create or repair every store's subscriptions to <[gateway] public_url>/webhooks/"
        "<store id> through the platform's API; a second run changes nothing",
    )
    sync.add_argument("--config", required=True, help="path to cartgraph.toml")
    sync.add_argument("--store", default=None, help="only this store (default: every store)")


def run(args: argparse.Namespace) -> int:
    """Sync and print what changed; 1 when a store could not be synced."""
    config = load_config(args.config)
    public_url = _public_url(config)
    connections = store_connections(config)
    if args.store is not None:
        connections = [c for c in connections if c.store_id == args.store]
        if not connections:
            raise ConfigError(f"no store {args.store!r} in {args.config}")
    return asyncio.run(_sync_all(connections, public_url))


def _public_url(config: GatewayConfig) -> str:
    url = config.gateway.public_url
    if url is None:
        raise ConfigError(
            f"{config.source}: gateway.public_url is not set: the stores need the URL they"
            " reach this gateway at"
        )
    return url.rstrip("/")


async def _sync_all(connections: list[StoreConnection], public_url: str) -> int:
    failed = 0
    for connection in connections:
        failed += not await _sync_one(connection, f"{public_url}/webhooks/{connection.store_id}")
    return 1 if failed else 0


async def _sync_one(connection: StoreConnection, address: str) -> bool:
    spec = get_spec(connection.platform)
    name = f"{connection.store_id} ({spec.display_name})"
    if spec.subscribe_webhooks is None:
        reason = NONE_REASON.get(connection.platform.value, "no webhook API to subscribe with")
        print(f"{name}: skipped: {reason}")
        return True
    client = spec.create_client(connection, None)
    try:
        changes = await spec.subscribe_webhooks(
            client, address, connection.credentials.get("webhook_secret")
        )
    except (CartgraphError, ConfigError) as exc:  # names store and platform, never a secret
        print(f"{name}: failed: {exc}")
        return False
    finally:
        await client.aclose()
    print(f"{name}: {_summary(changes)} -> {address}")
    for change in changes:
        if change.action != "unchanged":
            print(f"  {change.action:<8} {change.topic}")
    return True


def _summary(changes: list[SubscriptionChange]) -> str:
    counts = Counter(change.action for change in changes)
    return ", ".join(f"{counts[a]} {a}" for a in ("created", "repaired", "unchanged"))

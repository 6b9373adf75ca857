"""`cartgraph keys create | list | revoke`: API keys in the data dir every replica shares."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from gateway.auth.keys import ApiKey, KeyBackend
from gateway.auth.pg_keys import open_key_store
from gateway.auth.principal import parse_scopes
from gateway.config import load_config, storage_url
from platforms.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `keys` and its three sub-commands."""
    keys = sub.add_parser("keys", help="create, list and revoke API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="mint a key (printed once, only its hash kept)")
    _where(create)
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--stores", default=None, help="store ids, comma-separated (default all)")
    create.add_argument(
        "--scopes",
        required=True,
        help="comma-separated: read, read:customers, write:inventory, write:prices, "
        "write:orders, events, admin",
    )
    _where(keys_sub.add_parser("list", help="every key: id, name, stores, scopes, state"))
    revoke = keys_sub.add_parser("revoke", help="revoke a key by id (open sockets close too)")
    _where(revoke)
    revoke.add_argument("key_id")


def _where(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--config", help="cartgraph.toml (its [storage] url or [gateway] data_dir holds the keys)"
    )
    group.add_argument("--data-dir", help="the gateway's data dir")


def run(args: argparse.Namespace) -> int:
    """Run one `keys` sub-command; returns the exit code."""
    store_ids: list[str] | None = None
    data_dir, url = args.data_dir, None
    if args.config:
        config = load_config(args.config)
        data_dir, url = config.gateway.data_dir, storage_url(config)
        store_ids = [s.id for s in config.stores]
    store = open_key_store(data_dir, url)
    try:
        if args.keys_command == "create":
            return _create(store, args, store_ids)
        if args.keys_command == "list":
            for key in store.list():
                print(_row(key))
            return 0
        if store.revoke(args.key_id):
            print(f"revoked {args.key_id}")
            return 0
        print(f"cartgraph: no live key {args.key_id!r}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _create(store: KeyBackend, args: argparse.Namespace, known: list[str] | None) -> int:
    try:
        scopes = parse_scopes(args.scopes)
    except ValueError as exc:
        raise ConfigError(f"--scopes: {exc}") from None
    if not scopes:
        raise ConfigError("--scopes: at least one scope is required")
    stores = None if args.stores in (None, "*") else [s for s in args.stores.split(",") if s]
    unknown = [s for s in stores or [] if known is not None and s not in known]
    if unknown:
        raise ConfigError(f"--stores: not in the config: {', '.join(unknown)}")
    key, secret = store.create(args.name, stores, scopes)
    print(secret)
    print(
        f"created key {key.id} ({key.name}); this is the only time it is shown.",
        file=sys.stderr,
    )
    return 0


def _row(key: ApiKey) -> str:
    stores = ",".join(sorted(key.stores)) if key.stores is not None else "*"
    scopes = ",".join(sorted(key.scopes))
    created = datetime.fromtimestamp(key.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    state = "revoked" if key.revoked_at is not None else "live"
    return f"{key.id}\t{key.name}\tstores={stores}\tscopes={scopes}\t{created}\t{state}"

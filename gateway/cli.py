"""The `cartgraph` command: serve, demo, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette

from gateway import cli_documents, cli_keys
from gateway.app import create_app
from gateway.auth.guard import default_allowed_hosts
from gateway.auth.setup import build_gate
from gateway.config import GatewayConfig, load_config, store_connections
from gateway.documents import DocumentStore, PersistedDocuments
from gateway.events.service import EventService
from gateway.hardening import hardening
from gateway.logs import configure_logging
from gateway.quotas import BudgetSettings
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.writes.queue import open_queue
from platforms.errors import ConfigError
from resolvers.context import Limits
from resolvers.schema import build_schema

CONFIG_ENV = "CARTGRAPH_CONFIG"  # how `serve --workers N` hands the config path to workers


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        if args.command == "export-schema":
            sys.stdout.write(export_schema())
        elif args.command == "keys":
            return cli_keys.run(args)
        elif args.command == "documents":
            return cli_documents.run(args)
        elif args.command == "demo":
            from gateway.demo import run_demo

            asyncio.run(run_demo(args.host, args.port))
        elif args.workers > 1:
            _serve_workers(args.config, args.host, args.port, args.workers)
        else:
            asyncio.run(_serve(args.config, args.host, args.port))
    except ConfigError as exc:
        print(f"cartgraph: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def export_schema() -> str:
    """The SDL that schema.graphql must equal."""
    return build_schema().as_str() + "\n"


def app_factory() -> Starlette:
    """The app for one uvicorn worker of `serve --workers N` (config path from the env)."""
    app, _ = _build_app(load_config(os.environ[CONFIG_ENV]))
    return app


def _serve_workers(config_path: str, host: str | None, port: int | None, workers: int) -> None:
    # uvicorn's multi-process mode needs an import string: each worker builds its own app.
    config = load_config(config_path)  # validated here so errors exit 2 at once
    settings = config.gateway
    build_gate(config.auth, settings.data_dir)  # and so is a door without a lock
    os.environ[CONFIG_ENV] = os.path.abspath(config_path)
    uvicorn.run(
        "gateway.cli:app_factory",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="warning",
        ws="websockets-sansio",
    )


async def _serve(config_path: str, host: str | None, port: int | None) -> None:
    config = load_config(config_path)
    settings = config.gateway
    app, registry = _build_app(config)
    async with running(app, host or settings.host, port or settings.port) as url:
        logging.getLogger("cartgraph").info(
            "serving %d stores at %s/graphql", len(registry.store_ids), url
        )
        await asyncio.Event().wait()


def _build_app(config: GatewayConfig) -> tuple[Starlette, StoreRegistry]:
    settings = config.gateway
    registry = StoreRegistry(
        store_connections(config),
        ttls=CacheTTLs(
            products=config.cache.product_ttl_seconds,
            locations=config.cache.location_ttl_seconds,
            max_entries=config.cache.max_entries,
        ),
    )
    limits = Limits(
        max_page_size=settings.max_page_size,
        default_page_size=settings.default_page_size,
        customer_raw=config.privacy.customer_raw,
    )
    events = EventService.open(
        registry,
        settings.data_dir,
        poll_intervals={s.id: s.poll_interval_seconds for s in config.stores},
        inventory_poll_intervals={s.id: s.inventory_poll_interval_seconds for s in config.stores},
    )
    writes = open_queue(registry, settings.data_dir)
    auth = build_gate(config.auth, settings.data_dir)  # ConfigError when there is no lock
    app = create_app(
        registry,
        limits=limits,
        max_depth=settings.max_query_depth,
        events=events,
        writes=writes,
        budgets=BudgetSettings(**config.limits.model_dump()),
        auth=auth,
        allowed_hosts=(
            settings.allowed_hosts
            if settings.allowed_hosts is not None
            else default_allowed_hosts([settings.host])
        ),
        cors_origins=settings.cors_origins,
        graphiql=settings.graphiql,
        introspection=settings.introspection,
        hardening=hardening(settings),
        documents=PersistedDocuments(
            DocumentStore.open(settings.data_dir), trusted_only=settings.trusted_documents
        ),
    )
    return app, registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cartgraph", description=__doc__)
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the gateway for the stores in a config file")
    serve.add_argument("--config", required=True, help="path to cartgraph.toml")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (default 1)"
    )
    demo = sub.add_parser("demo", help="serve the gateway in front of seeded sandbox stores")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    sub.add_parser("export-schema", help="print the GraphQL SDL")
    cli_keys.add_parser(sub)
    cli_documents.add_parser(sub)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())

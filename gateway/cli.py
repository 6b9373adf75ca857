"""The `cartgraph` command: serve, demo, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from importlib import metadata

import uvicorn
from starlette.applications import Starlette

from gateway import (
    cli_backfill,
    cli_documents,
    cli_events,
    cli_keys,
    cli_migrate,
    cli_webhooks,
)
from gateway.app import create_app
from gateway.auth.guard import default_allowed_hosts
from gateway.auth.setup import build_gate
from gateway.config import (
    GatewayConfig,
    load_config,
    redis_url,
    storage_url,
    store_connections,
)
from gateway.documents import PersistedDocuments
from gateway.events.service import EventService
from gateway.hardening import hardening
from gateway.logs import LogFormat, configure_logging, log_config
from gateway.pg_documents import open_documents
from gateway.quotas import BudgetSettings
from gateway.readiness import Probe, postgres_probe
from gateway.server import (
    CANNOT_LISTEN_EXIT,
    GRACEFUL_SHUTDOWN_SECONDS,
    CannotListen,
    bind_socket,
    running,
)
from gateway.shared.state import RedisShared
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.telemetry.hub import Telemetry
from gateway.telemetry.metrics import prepare_multiprocess_dir
from gateway.writes.queue import open_queue
from platforms.errors import ConfigError
from resolvers.context import Limits
from resolvers.schema import build_schema

CONFIG_ENV = "CARTGRAPH_CONFIG"  # how `serve --workers N` hands the config path to workers
PORT_ENV = "CARTGRAPH_PORT"  # `serve --port`'s default: the Docker image's CMD and HEALTHCHECK
log = logging.getLogger("cartgraph")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.log_level, args.log_format or "text")
    try:
        if args.command == "export-schema":
            sys.stdout.write(export_schema())
        elif args.command == "keys":
            return cli_keys.run(args)
        elif args.command == "documents":
            return cli_documents.run(args)
        elif args.command == "migrate":
            return cli_migrate.run(args)
        elif args.command == "events":
            return cli_events.run(args)
        elif args.command == "webhooks":
            return cli_webhooks.run(args)
        elif args.command in ("backfill", "export"):
            return cli_backfill.run(args)
        elif args.command == "demo":
            from gateway.demo import run_demo

            asyncio.run(run_demo(args.host, args.port))
        elif args.workers > 1:
            _serve_workers(args.config, args.host, args.port, args.workers, args)
        else:
            asyncio.run(_serve(args.config, args.host, args.port, args))
    except ConfigError as exc:
        print(f"cartgraph: configuration error: {exc}", file=sys.stderr)
        return 2
    except CannotListen as exc:
        print(f"cartgraph: {exc}", file=sys.stderr)
        return CANNOT_LISTEN_EXIT
    except KeyboardInterrupt:
        return 0
    return 0


def export_schema() -> str:
    """The SDL that schema.graphql must equal."""
    return build_schema().as_str() + "\n"


def app_factory() -> Starlette:
    """The app for one uvicorn worker of `serve --workers N` (config path from the env)."""
    app, registry = _build_app(load_config(os.environ[CONFIG_ENV]))
    log.info("worker %d: serving %d stores", os.getpid(), len(registry.store_ids))
    return app


def _log_format(config: GatewayConfig, args: argparse.Namespace) -> LogFormat:
    """`--log-format`, else `[logging] format`; the config's applies from here on."""
    chosen: LogFormat = args.log_format or config.logging.format
    if chosen != (args.log_format or "text"):
        configure_logging(args.log_level, chosen)
    return chosen


def _serve_workers(
    config_path: str, host: str | None, port: int | None, workers: int, args: argparse.Namespace
) -> None:
    # uvicorn's multi-process mode needs an import string: each worker builds its own app.
    config = load_config(config_path)  # validated here so errors exit 2 at once
    log_format = _log_format(config, args)
    settings = config.gateway
    url = storage_url(config)  # PostgreSQL: migrated here, once, before the workers start
    build_gate(config.auth, settings.data_dir, source=config.source, storage_url=url)  # no lock
    store_connections(config)  # and so are the stores' secrets
    redis_url(config)  # and the Redis URL's reference
    _warn_if_no_stores(config)
    host, port = host or settings.host, port or settings.port
    bind_socket(host, port).close()  # a taken port: our one-line error, not uvicorn's exit
    os.environ[CONFIG_ENV] = os.path.abspath(config_path)
    # before the workers import prometheus_client: their metrics then go to shared files
    prepare_multiprocess_dir(settings.data_dir)
    log.info(
        "serving %d stores at http://%s:%d/graphql with %d workers",
        len(config.stores),
        host,
        port,
        workers,
    )
    uvicorn.run(
        "gateway.cli:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        log_config=log_config(args.log_level, log_format),  # workers never run ours
        ws="websockets-sansio",
        ws_max_size=settings.max_ws_message_bytes,  # refused from the frame header, not buffered
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


async def _serve(
    config_path: str, host: str | None, port: int | None, args: argparse.Namespace
) -> None:
    config = load_config(config_path)
    _log_format(config, args)
    settings = config.gateway
    app, registry = _build_app(config)
    _warn_if_no_stores(config)
    stopped = _stop_on_signals()  # before uvicorn starts: it restores and re-raises to these
    async with running(app, host or settings.host, port or settings.port) as url:
        logging.getLogger("cartgraph").info(
            "serving %d stores at %s/graphql", len(registry.store_ids), url
        )
        await stopped.wait()


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT. uvicorn's own handlers, installed over these while
    it serves, drain and stop the server and then re-raise the signal, which lands here.
    Without them the re-raised SIGTERM took its default action, which for PID 1 (a
    container's process) is none: the listener was closed and the process lived on."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    return stopped


def _warn_if_no_stores(config: GatewayConfig) -> None:
    if not config.stores:
        log.warning("%s: no [[stores]]: every query will find no store", config.source)


def _build_app(config: GatewayConfig) -> tuple[Starlette, StoreRegistry]:
    settings = config.gateway
    shared = _shared(config)  # None: this process's own buckets and caches
    registry = StoreRegistry(
        store_connections(config),
        ttls=CacheTTLs(
            products=config.cache.product_ttl_seconds,
            locations=config.cache.location_ttl_seconds,
            max_entries=config.cache.max_entries,
        ),
        shared=shared,
    )
    limits = Limits(
        max_page_size=settings.max_page_size,
        default_page_size=settings.default_page_size,
        customer_raw=config.privacy.customer_raw,
    )
    url = storage_url(config)  # None: SQLite files in data_dir; else PostgreSQL, migrated now
    events = EventService.open(
        registry,
        settings.data_dir,
        poll_intervals={s.id: s.poll_interval_seconds for s in config.stores},
        inventory_poll_intervals={s.id: s.inventory_poll_interval_seconds for s in config.stores},
        storage_url=url,
        wakeups=shared.wakeups() if shared is not None else None,
    )
    writes = open_queue(registry, settings.data_dir, url)
    auth = build_gate(config.auth, settings.data_dir, source=config.source, storage_url=url)
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
            open_documents(settings.data_dir, url), trusted_only=settings.trusted_documents
        ),
        readiness=_probes(url, shared),
        telemetry=Telemetry.from_config(config.telemetry),
    )
    return app, registry


def _shared(config: GatewayConfig) -> RedisShared | None:
    url = redis_url(config)
    if url is None or config.redis is None:
        return None
    return RedisShared.connect(url, config.redis.key_prefix)


def _probes(storage: str | None, shared: RedisShared | None) -> list[Probe]:
    """/readyz's checks: what replicas share must answer (SQLite files need no check)."""
    probes = [postgres_probe(storage)] if storage else []
    return [*probes, shared.ready] if shared is not None else probes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cartgraph", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cartgraph {_version()}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument(
        "--log-format",
        default=None,
        choices=["text", "json"],
        help="text (default) or json: one object per line; overrides [logging] format",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the gateway for the stores in a config file")
    serve.add_argument("--config", required=True, help="path to cartgraph.toml")
    serve.add_argument("--host", default=None)
    serve.add_argument(
        "--port",
        type=int,
        default=os.environ.get(PORT_ENV),
        help=f"default: ${PORT_ENV}, else the config's",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (default 1)"
    )
    demo = sub.add_parser("demo", help="serve the gateway in front of seeded sandbox stores")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    sub.add_parser("export-schema", help="print the GraphQL SDL")
    cli_keys.add_parser(sub)
    cli_documents.add_parser(sub)
    cli_migrate.add_parser(sub)
    cli_events.add_parser(sub)
    cli_webhooks.add_parser(sub)
    cli_backfill.add_parsers(sub)
    return parser


def _version() -> str:
    try:
        return metadata.version("cartgraph")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown (not installed)"


if __name__ == "__main__":
    raise SystemExit(main())

"""`cartgraph demo`: one sandbox store per registered platform, the gateway in front of them."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
from collections.abc import AsyncIterator

from gateway.app import create_app
from gateway.auth.authenticator import AuthGate
from gateway.auth.guard import default_allowed_hosts
from gateway.auth.keys import KeyAuthenticator, KeyStore
from gateway.auth.principal import ALL_SCOPES
from gateway.events.demo import banner, demo_events, wire_webhooks, with_demo_secret
from gateway.server import running
from gateway.stores import StoreRegistry
from platforms.adapter import StoreConnection
from platforms.registry import all_specs
from platforms.sandbox.kit import Sandbox, serve

EXAMPLE_QUERY = """{
  orders(first: 5) {
    edges { node {
      number storeId totalPrice { amount currencyCode }
      lineItems { quantity variant { sku product { title }
        inventoryLevels { available location { name } } } }
    } }
  }
}"""


@contextlib.asynccontextmanager
async def demo_stores() -> AsyncIterator[tuple[list[StoreConnection], dict[str, Sandbox]]]:
    """Start one seeded sandbox per platform on free ports; yields their connections."""
    async with contextlib.AsyncExitStack() as stack:
        connections: list[StoreConnection] = []
        sandboxes: dict[str, Sandbox] = {}
        for spec in all_specs():
            sandbox = spec.create_sandbox()
            base_url = await stack.enter_async_context(serve(sandbox.app))
            store_id = f"demo-{spec.platform.value}"
            connections.append(sandbox.connection(store_id, base_url))
            sandboxes[store_id] = sandbox
        yield connections, sandboxes


async def run_demo(host: str, port: int) -> None:
    """Serve the demo until interrupted."""
    async with demo_stores() as (plain, _):
        connections = with_demo_secret(plain)
        registry = StoreRegistry(connections)
        with tempfile.TemporaryDirectory(prefix="cartgraph-demo-") as data_dir:
            keys = KeyStore.in_data_dir(data_dir)
            _, key = keys.create("demo", None, ALL_SCOPES)  # the demo's one key: every right
            app = create_app(
                registry,
                events=demo_events(registry, data_dir),
                auth=AuthGate([KeyAuthenticator(keys)]),
                allowed_hosts=default_allowed_hosts([host]),
            )
            async with running(app, host, port) as url:
                await wire_webhooks(url, connections)
                print(f"cartgraph demo: {len(connections)} sandbox stores behind the gateway")
                for conn in connections:
                    print(f"  {conn.store_id:<18} {conn.platform.value:<12} {conn.base_url}")
                print(f"\nAPI key (every scope, this demo only): {key}")
                print(f"GraphiQL (sends the key): {url}/graphql#key={key}")
                print(f'Other clients: -H "Authorization: Bearer {key}"')
                print(f"Status page (sends the key): {url}/status#key={key}")
                print(f"\nTry:\n{EXAMPLE_QUERY}\n")
                print(f"{banner(connections)}\n\nCtrl+C stops the demo.", flush=True)
                await _wait_for_signal()


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()

"""Running the app under uvicorn inside an existing event loop (serve, demo, tests)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

DEFAULT_WS_MAX_SIZE = 1024 * 1024  # `[gateway] max_ws_message_bytes`'s default
CANNOT_LISTEN_EXIT = 3  # `cartgraph serve/demo` exit status when the port cannot be bound
# on SIGTERM, open requests and sockets (live subscriptions never end by themselves) get
# this long before the process exits anyway: orchestrators SIGKILL after 10-30 s.
GRACEFUL_SHUTDOWN_SECONDS = 8


class CannotListen(OSError):
    """The gateway's address cannot be bound; the message names it and the way out."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A socket bound like uvicorn binds its own (which logs and sys.exit()s on failure)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "is already in use" if exc.errno == errno.EADDRINUSE else f"failed: {exc.strerror}"
        message = f"port {port} on {host} {why}; pick another with --port N"
        raise CannotListen(message) from None
    return sock


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def ws_max_size(app: Starlette) -> int:
    """The app's WebSocket message limit (create_app keeps `[gateway] max_ws_message_bytes`):
    uvicorn refuses a bigger frame from its header (close 1009) instead of buffering up to
    its default of 16 MiB before the app's own check sees it."""
    return int(getattr(app.state, "max_ws_message_bytes", DEFAULT_WS_MAX_SIZE))


@contextlib.asynccontextmanager
async def running(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `app` with uvicorn in this loop; yields "http://host:port" once it accepts.

    CannotListen when the port is taken (bound here, so uvicorn has no traceback to print)."""
    sock = bind_socket(host, port)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # uvicorn's lines through our handler and format, not its own
        lifespan="on",
        ws="websockets-sansio",
        ws_max_size=ws_max_size(app),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # surface the start-up error (e.g. port in use)
            raise RuntimeError(f"gateway did not start on {host}:{port}")
        await asyncio.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task

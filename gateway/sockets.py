"""Caps on open WebSocket connections, in total and per credential, counted per process."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

# RFC 6455 "Try Again Later". The graphql-ws client library retries it with backoff, while
# graphql-transport-ws's 4429 means "Too many initialisation requests" and is fatal there.
TRY_AGAIN_LATER = 1013
_KEY = "cartgraph.socket_key"  # the scope entry naming the credential a socket counts for


class TooManySockets(Exception):
    """A credential already holds its maximum of open sockets (raised by `on_ws_connect`)."""


class SocketSlots:
    """Open sockets of this process: `total` over every caller and `per_key` per credential
    (0 = no cap). With `serve --workers N` each worker counts its own, so the effective caps
    are N times these."""

    def __init__(self, total: int, per_key: int) -> None:
        self.total, self.per_key = total, per_key
        self.open = 0
        self.by_key: dict[str, int] = {}

    def enter(self) -> bool:
        """Take a slot for a socket being opened; False when every slot is taken."""
        if self.total and self.open >= self.total:
            return False
        self.open += 1
        return True

    def claim(self, scope: MutableMapping[str, Any], key: str) -> None:
        """Count an authenticated socket (its ASGI `scope`) for `key`; TooManySockets when
        the key is at its cap. A second connection_init (legacy graphql-ws allows it)
        moves the socket's count rather than adding one."""
        self.unclaim(scope)
        if self.per_key and self.by_key.get(key, 0) >= self.per_key:
            raise TooManySockets(
                f"Try again later: this credential has {self.per_key} sockets open already"
            )
        self.by_key[key] = self.by_key.get(key, 0) + 1
        scope[_KEY] = key

    def unclaim(self, scope: MutableMapping[str, Any]) -> None:
        key = scope.pop(_KEY, None)
        if key is None:
            return
        left = self.by_key.get(key, 0) - 1
        if left > 0:
            self.by_key[key] = left
        else:
            self.by_key.pop(key, None)

    def leave(self, scope: MutableMapping[str, Any]) -> None:
        """The socket is closed: give back its slot and its credential's count."""
        self.unclaim(scope)
        self.open -= 1

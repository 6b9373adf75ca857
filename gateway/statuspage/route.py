"""`GET /status`: admin keys only by default, like /metrics (`[telemetry] status`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.auth.authenticator import AuthGate, bearer_token
from gateway.auth.principal import Scope
from gateway.operability.letters import count_dead_letters
from gateway.statuspage.render import REFRESH_SECONDS, STYLE, page
from gateway.statuspage.snapshot import BudgetHistory, DeadLetterCount, snapshot
from gateway.telemetry.settings import MetricsAccess

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.stores import StoreRegistry
    from gateway.telemetry.metrics import Metrics
    from gateway.writes.queue import WriteQueue

NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


@dataclass
class StatusPage:
    """The page's sources. `dead_letters` counts a store's dead letters (by default: its
    quarantined receipts, polled payloads and writes; the column shows "—" with neither)."""

    registry: StoreRegistry
    metrics: Metrics
    events: EventService | None = None
    writes: WriteQueue | None = None
    dead_letters: DeadLetterCount | None = None
    history: BudgetHistory = field(init=False)

    def __post_init__(self) -> None:
        self.history = BudgetHistory(self.registry)
        if self.dead_letters is None and (self.events is not None or self.writes is not None):
            events, writes = self.events, self.writes

            async def count(store_id: str) -> int:
                return await count_dead_letters(events, writes, store_id)

            self.dead_letters = count

    async def html(self, *, refresh: bool) -> str:
        """The rendered page, now."""
        rows = await snapshot(
            self.registry,
            self.metrics,
            self.history,
            events=self.events,
            writes=self.writes,
            dead_letters=self.dead_letters,
        )
        return page(rows, refresh=refresh)


def status_routes(status: StatusPage, auth: AuthGate, access: MetricsAccess) -> list[Route]:
    """The `/status` route, or none when `access` is "off"."""
    if access == "off":
        return []

    async def show(request: Request) -> Response:
        if access == "admin" and not auth.off:
            principal = await auth.principal(bearer_token(request.headers.get("authorization")))
            if principal is None:
                # a browser cannot send the header by navigating: the shell asks for the key
                return HTMLResponse(shell(), 401, headers=NO_STORE)
            if not principal.has(Scope.ADMIN):
                return HTMLResponse(shell("This key lacks the admin scope."), 403, NO_STORE)
        body = await status.html(refresh=access == "public" or auth.off)
        return HTMLResponse(body, headers=NO_STORE)

    return [Route("/status", show, methods=["GET"])]


def shell(problem: str = "") -> str:
    """The page without data: takes an admin key (from `#key=` like GraphiQL's URL, or
    typed), then loads and refreshes the page with it. The key stays in this tab only."""
    note = f"<p class=down>{problem}</p>" if problem else ""
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<title>cartgraph status</title><style>{STYLE}</style></head><body><div id=shell>
<h1>cartgraph status</h1>{note}<p>This page needs an API key with the admin scope.</p>
<form id=form><input id=key type=password placeholder="cg_…" autocomplete=off size=40>
<button>Show</button></form><p id=msg class=down></p></div>
<script>
(function () {{
  var slot = "cartgraph-status-key";
  var key = new URLSearchParams(location.hash.slice(1)).get("key")
    || sessionStorage.getItem(slot);
  if (location.hash) history.replaceState(null, "", location.pathname);
  function load() {{
    if (!key) return;
    fetch(location.pathname, {{headers: {{Authorization: "Bearer " + key}}, cache: "no-store"}})
      .then(function (r) {{
        if (!r.ok) throw new Error("refused: HTTP " + r.status);
        return r.text();
      }})
      .then(function (html) {{
        sessionStorage.setItem(slot, key);
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.body.innerHTML = doc.body.innerHTML;
      }})
      .catch(function (e) {{
        var msg = document.getElementById("msg"); if (msg) msg.textContent = e.message;
      }});
  }}
  document.getElementById("form").addEventListener("submit", function (e) {{
    e.preventDefault(); key = document.getElementById("key").value.trim(); load();
  }});
  load();
  setInterval(load, {REFRESH_SECONDS * 1000});
}})();
</script></body></html>"""

"""The status page as one self-contained HTML document: inline CSS and SVG, no assets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from gateway.statuspage.snapshot import WINDOW_SECONDS, StoreStatus

REFRESH_SECONDS = 10
CHART_W, CHART_H = 240, 44
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d232b;background:#f6f7f9}
h1{font-size:20px;margin:0 0 4px}p.meta{color:#5b6675;margin:0 0 16px}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
th,td{padding:8px 12px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:middle}
th{font-size:12px;text-transform:uppercase;color:#5b6675;background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.up{color:#127a3a}.down{color:#b42318}.idle{color:#5b6675}.warn{color:#b54708}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;background:currentColor}
small{color:#5b6675}svg{display:block}
"""


def page(rows: Sequence[StoreStatus], *, now: datetime | None = None, refresh: bool) -> str:
    """The whole document; `refresh` adds the meta refresh (clients that sent no header
    refresh through the shell's script instead)."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    body = "".join(_row(row) for row in rows) or '<tr><td colspan="8">No stores</td></tr>'
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>cartgraph status</title>{meta}<style>{STYLE}</style></head><body>"
        "<h1>cartgraph status</h1>"
        f"<p class=meta>{len(rows)} stores · {moment} · refreshes every {REFRESH_SECONDS} s</p>"
        "<table><thead><tr><th>Store</th><th>Health</th><th>Event lag</th><th>Last poll</th>"
        f"<th>Rate budget, last {int(WINDOW_SECONDS // 60)} min</th><th>Pending writes</th>"
        "<th>Quarantined</th><th>Dead letters</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def _row(row: StoreStatus) -> str:
    errors = ", ".join(f"{escape(code)}: {n}" for code, n in sorted(row.errors.items()))
    health = (
        f'<span class="{row.health}"><span class=dot></span>{row.health}</span>'
        + (f"<br><small>{errors}</small>" if errors else "")
        + (f"<br><small class=warn>throttled: {row.throttled}</small>" if row.throttled else "")
    )
    poll = _ago(row.poll_age_seconds) + (
        f"<br><small class=down>{escape(row.poll_error[:80])}</small>" if row.poll_error else ""
    )
    letters = "—" if row.dead_letters is None else str(row.dead_letters)
    quarantined = f'<span class="{"down" if row.quarantined_writes else ""}">'
    return (
        f'<tr data-store="{escape(row.store_id)}"><td><b>{escape(row.store_id)}</b><br>'
        f"<small>{escape(row.platform)}</small></td><td>{health}</td>"
        f"<td class=num>{_ago(row.lag_seconds)}</td><td>{poll}</td>"
        f"<td>{chart(row.budget)}</td><td class=num>{row.pending_writes}</td>"
        f"<td class=num>{quarantined}{row.quarantined_writes}</span></td>"
        f"<td class=num>{letters}</td></tr>"
    )


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def chart(points: Sequence[tuple[float, float]]) -> str:
    """Bucket fill (0 empty .. 1 full: calls wait) against time, as an inline SVG polyline;
    the right edge is now."""
    if not points:
        return "<small>no samples yet</small>"
    coords = " ".join(
        f"{CHART_W * (1 - min(ago, WINDOW_SECONDS) / WINDOW_SECONDS):.1f},"
        f"{CHART_H - 2 - fill * (CHART_H - 4):.1f}"
        for ago, fill in points
    )
    peak = max(fill for _, fill in points)
    colour = "#b42318" if peak >= 0.9 else ("#b54708" if peak >= 0.6 else "#127a3a")
    return (
        f'<svg class=budget width="{CHART_W}" height="{CHART_H}" viewBox="0 0 {CHART_W} '
        f'{CHART_H}" role="img" aria-label="rate budget use, peak {peak:.0%}">'
        f'<rect width="{CHART_W}" height="{CHART_H}" fill="#fafbfc" stroke="#e4e7eb"/>'
        f'<line x1="0" x2="{CHART_W}" y1="2" y2="2" stroke="#f2b8b5" stroke-dasharray="3 3"/>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>'
        f"</svg><small>peak {peak:.0%} · now {points[-1][1]:.0%}</small>"
    )

"""The progress bar's ETA comes from the store's rate budget (or latency when that binds)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from gateway.progress import Budget, Progress, estimate_total
from platforms.adapter import RateLimitSettings

SHOPIFY = RateLimitSettings(40, 2)  # Shopify's standard REST plan


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_eta_is_the_pages_left_at_the_leak_rate_after_the_burst() -> None:
    now = [0.0]
    bar = Progress(
        "backfill shop orders", Budget.of(SHOPIFY), 50, out=io.StringIO(), clock=lambda: now[0]
    )
    assert bar.budget == Budget(39, 2)  # one request of headroom below the capacity
    now[0] = 0.1
    bar.advance(50, 1, total=10_000, units=1, seconds=0.1)
    # 199 pages left, 39 of them granted at once, the other 160 at 2/s
    assert bar.eta() == 80.0
    assert "50/~10,000" in bar.line() and "ETA 1m20s" in bar.line() and "1 calls" in bar.line()


def test_latency_binds_when_the_budget_would_allow_more() -> None:
    bar = Progress("export", Budget(1000, 100), 250, out=io.StringIO(), clock=lambda: 1.0)
    bar.advance(250, 1, total=2500, units=1, seconds=0.5)
    assert bar.eta() == 9 * 0.5  # nine pages left at the fastest page seen


def test_points_per_page_count_against_a_points_budget() -> None:
    bar = Progress(
        "backfill",
        Budget.of(RateLimitSettings(1000, 100), available=0),
        20,
        clock=lambda: 1.0,
        out=io.StringIO(),
    )
    bar.advance(20, 1, total=120, units=467, seconds=0.2)
    assert bar.eta() == 5 * 467 / 100  # five pages of 467 points at 100 points/s


def test_terminal_output_is_one_line_rewritten_and_a_summary() -> None:
    out = Tty()
    bar = Progress("export", Budget(10, 1), 10, out=out, clock=lambda: 2.0)
    bar.advance(10, 1, total=None)
    bar.advance(10, 1, total=None)
    assert out.getvalue().count("\r") == 2 and "ETA ?" in out.getvalue()
    assert bar.summary("complete") == "export: complete: 20 in 0.0s (0.0/s, 2 upstream calls)"


def test_total_is_estimated_from_the_span_the_walk_covered() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    top, reached = datetime(2026, 1, 11, tzinfo=UTC), datetime(2026, 1, 9, tzinfo=UTC)
    assert estimate_total(100, since, top, reached) == 500  # 2 of 10 days in 100 items
    assert estimate_total(0, since, top, reached) is None

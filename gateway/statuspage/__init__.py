"""The `/status` page: per store health, lag, rate-budget use, writes, dead letters."""

"""Durable state on PostgreSQL: connections, NOTIFY listeners, advisory locks and migrations."""

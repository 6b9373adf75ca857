"""What replicas share live through Redis: rate buckets, event wake-ups and read caches."""

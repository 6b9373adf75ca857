"""What operators ask when something is missing: sync status, dead letters, object history."""

"""The durable, idempotent write queue: jobs, their store, the worker and the facade."""

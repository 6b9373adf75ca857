"""Operability: Prometheus metrics, OpenTelemetry traces, request ids and JSON logs."""

"""What every platform's mapping shares: where a payload failed, per-payload error isolation."""

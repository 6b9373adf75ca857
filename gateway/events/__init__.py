"""Order and inventory events: webhook receipts, polling, the event log and live fan-out."""

"""What every platform's sandbox shares: the `Sandbox` contract and its facts, call counting,
scripted faults and chaos, the server-side bucket, serving, webhook delivery, the write log."""

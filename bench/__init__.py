"""The benchmark harness: `python -m bench` rewrites BENCHMARKS.md (see bench/run.py)."""

"""`python -m bench`: run the benchmark and rewrite BENCHMARKS.md (`--quick`: a smoke run)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from pathlib import Path

from bench.run import DEFAULT_MARKDOWN, DEFAULT_OUT, FULL, OPT_IN, QUICK, SCENARIOS, run


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds not minutes")
    parser.add_argument("--no-peer", action="store_true", help="skip the GraphQL Mesh run")
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS + OPT_IN)} (default: all but "
        f"{','.join(OPT_IN)}; a partial run writes no BENCHMARKS.md unless --markdown names a "
        "file, except a full `--only faults` or `--only replicas`, which replaces only its own"
        " section)",
    )
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where JSON goes")
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help=f"where the report goes (default {DEFAULT_MARKDOWN.name} for a full run; "
        "a --quick run writes none unless asked)",
    )
    parser.add_argument(
        "--setup",
        action="append",
        default=None,
        help="run only this gateway setup of table 2 (repeatable), e.g. 'warm, 1 worker'",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    named = (*SCENARIOS, *OPT_IN)
    only = tuple(s for s in named if s in args.only.split(","))
    unknown = set(args.only.split(",")) - set(named)
    if unknown or not only:
        parser.error(f"--only takes names from {','.join(named)}, not {sorted(unknown)}")
    plan = dataclasses.replace(plan, only=only, peer=plan.peer and not args.no_peer)
    if args.setup:
        setups = tuple(s for s in plan.setups if s[0] in args.setup)
        if not setups:
            parser.error(f"--setup takes one of {[s[0] for s in plan.setups]}")
        plan = dataclasses.replace(plan, setups=setups)
    # a full fault (or replicas) run alone splices its own section into BENCHMARKS.md
    whole = not args.quick and only in (SCENARIOS, ("faults",), ("replicas",)) and not args.setup
    markdown = args.markdown or (DEFAULT_MARKDOWN if whole else None)
    asyncio.run(run(plan, args.out_dir, markdown))


if __name__ == "__main__":
    main()

"""Dedupe on real Polis conversations: merges per tier, every merge printed for reading by hand.

Usage: python benchmarks/dedupe_real.py [DATA_DIR] [--include-rejected] [--tiers exact,fuzzy,semantic]
                                        [--semantic-threshold T]
DATA_DIR defaults to ../shared/data/polis-open (one folder per conversation with comments.csv). Prints,
per conversation, the comments read, the merges per tier and the time; then every merge as
`tier score | kept | absorbed | reason`, and the number of near misses kept apart.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from polis_seed.config import Settings
from polis_seed.pipeline import deduplicate
from polis_seed.plan import dedupe_settings_of
from polis_seed.io.statements import read_statements


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/data/polis-open"))
    parser.add_argument("--include-rejected", action="store_true")
    parser.add_argument("--tiers", default="exact,fuzzy,semantic")
    parser.add_argument("--semantic-threshold", type=float, default=None)
    args = parser.parse_args()
    settings = Settings(tiers=args.tiers.split(","), include_rejected=args.include_rejected,
                        **({"semantic_threshold": args.semantic_threshold} if args.semantic_threshold else {}))
    totals: Counter = Counter()
    merges = []
    for conversation in sorted(Path(args.data).iterdir()):
        comments = conversation / "comments.csv"
        if not comments.is_file():
            continue
        read = read_statements(str(comments), settings.include_rejected)
        started = time.perf_counter()
        result = deduplicate(read.statements, dedupe_settings_of(settings))
        seconds = time.perf_counter() - started
        by_tier = Counter(merge.tier for merge in result.merges)
        totals.update(by_tier)
        print(f"{conversation.name}: {len(read.statements)} comments ({read.rejected} rejected left out), merged "
              + (", ".join(f"{tier} {count}" for tier, count in sorted(by_tier.items())) or "none")
              + f", {len(result.near_misses)} near misses kept apart, {seconds:.1f} s")
        merges += [(conversation.name, merge) for merge in result.merges]
    print("all: " + ", ".join(f"{tier} {count}" for tier, count in sorted(totals.items())))
    for name, merge in merges:
        print(f"\n[{name}] {merge.tier} {merge.score:g}\n  kept:     {merge.kept}\n  absorbed: {merge.absorbed}\n"
              f"  why:      {merge.reason}")


if __name__ == "__main__":
    main()

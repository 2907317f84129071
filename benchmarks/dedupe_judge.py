"""The llm tier's judgement on labelled pairs: does the model's word help, before it is turned on by default?

Usage: python benchmarks/dedupe_judge.py [--provider local] [--model ...] [--base-url ...] [--heldout]
Every pair of tests/data/dedupe/pairs.tsv (or heldout_pairs.tsv) that the comparison keeps apart and would put
to the judge (not a number, a negation, swapped roles or opposite predicates) is asked, all in as few requests
as stages/judge.py makes; prints the judge's precision and recall on them (same claim = the 'dup' label), the
requests and the time, and the pairs it got wrong.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from polis_seed.config import Settings
from polis_seed.language.compare import compare
from polis_seed.language.embeddings import e5_embed
from polis_seed.providers.registry import open_provider
from polis_seed.stages.dedupe import _NEVER_JUDGED, SPAN_THRESHOLD, WORD_THRESHOLD
from polis_seed.stages.judge import llm_judge

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedupe"


def span_similarity(first: str, second: str) -> float:
    vectors = e5_embed([first, second])
    return float(vectors[0] @ vectors[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provider", default="local")
    parser.add_argument("--model", default=None)
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--heldout", action="store_true")
    args = parser.parse_args()
    rows = [line.split("\t") for line in (DATA / ("heldout_pairs.tsv" if args.heldout else "pairs.tsv"))
            .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    asked = []
    for label, first, second in rows:
        verdict = compare(first, second, span_similarity, SPAN_THRESHOLD, word_threshold=WORD_THRESHOLD)
        if not verdict.equivalent and not verdict.reason.startswith(_NEVER_JUDGED):
            asked.append((label, first, second))
    settings = Settings(provider=args.provider, model=args.model, base_url=args.base_url, no_cache=True)
    started = time.perf_counter()
    with open_provider(settings) as provider:
        judge = llm_judge(provider)
        said = judge([(first, second) for _, first, second in asked])
    seconds = time.perf_counter() - started
    yes = [(label, a, b) for (label, a, b), same in zip(asked, said) if same]
    true_yes = sum(label == "dup" for label, _, _ in yes)
    duplicates = sum(label == "dup" for label, _, _ in asked)
    print(f"{len(rows)} pairs; {len(asked)} put to the judge ({duplicates} duplicates, {len(asked) - duplicates} not)")
    print(f"requests {len(judge.attempts)}, {seconds:.0f} s")
    print(f"judge said same claim for {len(yes)}: precision {true_yes / len(yes) if yes else 1:.2f}, "
          f"recall {true_yes / duplicates if duplicates else 1:.2f}")
    for (label, a, b), same in zip(asked, said):
        if same != (label == "dup"):
            print(f"  wrong: {label} judged {'same' if same else 'different'} | {a} | {b}")


if __name__ == "__main__":
    main()

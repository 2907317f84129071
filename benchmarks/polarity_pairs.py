"""The contradicts-quote rule (language/polarity.py) on labelled statement–quote pairs, and on the read lists.

Usage: python benchmarks/polarity_pairs.py [--part dev|heldout|all] [--show]

1. English pairs (tests/data/polarity/english_pairs.tsv: statement, quote, label faithful|reversed, the kind of
   paraphrase or reversal, where it comes from, and its part): per part, the faithful pairs the rule flags and
   the reversals it misses. The parts were split by a hash of the pair before the rule was worked on; only
   `dev` was looked at while developing. `--show` lists the misses of the parts printed.
2. The statements people read (docs/judged/*.jsonl and ../shared/data/judged/*.jsonl with a quote, each
   against its quote; the candidates_*.jsonl files, each candidate against its source sentence), by language:
   how many the rule flags, and (with --show) which. The Japanese figures are the ones the rule must keep.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from polis_seed.language.polarity import contradicting_word
from polis_seed.language.text import statement_language

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "tests" / "data" / "polarity" / "english_pairs.tsv"
JUDGED = [ROOT / "docs" / "judged", ROOT.parent / "shared" / "data" / "judged"]


def read_pairs() -> list[dict]:
    with PAIRS.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter="\t"))


def pairs_report(parts: list[str], show: bool) -> None:
    pairs = read_pairs()
    for part in parts:
        chosen = [pair for pair in pairs if pair["part"] == part]
        faithful = [pair for pair in chosen if pair["label"] == "faithful"]
        reversed_ = [pair for pair in chosen if pair["label"] == "reversed"]
        flagged = [(pair, found) for pair in faithful if (found := contradicting_word(pair["statement"], pair["quote"]))]
        missed = [pair for pair in reversed_ if not contradicting_word(pair["statement"], pair["quote"])]
        print(f"english pairs, {part}: {len(chosen)} pairs; faithful flagged {len(flagged)} of {len(faithful)}; "
              f"reversals missed {len(missed)} of {len(reversed_)}")
        if show:
            for pair, found in flagged:
                print(f"  flagged [{pair['kind']}] {found.word!r}: {pair['statement']!r} <- {pair['quote']!r}")
            for pair in missed:
                print(f"  missed  [{pair['kind']}]: {pair['statement']!r} <- {pair['quote']!r}")


def judged_rows() -> list[tuple[str, str, str, str]]:
    """(file, text, what it is checked against, kind): statements with a quote, candidates with their source."""
    rows = []
    for folder in JUDGED:
        for path in sorted(folder.glob("*.jsonl")):
            candidates = path.name.startswith(("candidates_", "heldout_candidates_"))
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                record = json.loads(line)
                cited = record.get("source") if candidates else record.get("quote")
                if cited:
                    rows.append((path.name, record["text"], cited, "candidate" if candidates else "statement"))
    return rows


def judged_report(show: bool) -> None:
    counts: Counter = Counter()
    flagged: list[tuple[str, str, str, str, str]] = []
    for name, text, cited, kind in judged_rows():
        language = statement_language(text)
        counts[(kind, language)] += 1
        found = contradicting_word(text, cited)
        if found:
            counts[(kind, language, "flagged")] += 1
            flagged.append((kind, name, found.word, text, cited))
    for kind in ("statement", "candidate"):
        for language in sorted({key[1] for key in counts if key[0] == kind and len(key) == 2}):
            print(f"read {kind}s, {language}: {counts[(kind, language)]}; flagged {counts[(kind, language, 'flagged')]}")
    if show:
        for kind, name, word, text, cited in flagged:
            print(f"  {kind} [{name}] {word!r}: {text!r} <- {cited[:160]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--show", action="store_true", help="list the misses")
    args = parser.parse_args()
    pairs_report(["dev", "heldout"] if args.part == "all" else [args.part], args.show)
    judged_report(args.show)


if __name__ == "__main__":
    main()

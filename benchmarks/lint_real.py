"""`polis-seed lint` on real Polis conversations: findings per rule, and a fixed random sample of findings
per rule printed with their comment, for reading by hand.

Usage: python benchmarks/lint_real.py [DATA_DIR] [--sample N] [--seed S]
DATA_DIR defaults to ../shared/data/polis-open (one folder per conversation, each with comments.csv).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

from polis_seed.config import Settings
from polis_seed.lists import lint_file
from polis_seed.io.statements import read_statement_lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/data/polis-open"))
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    totals: Counter = Counter()
    findings_by_rule: dict[str, list[tuple[str, int | None, str, str]]] = {}
    settings = Settings()
    for conversation in sorted(Path(args.data).iterdir()):
        comments = conversation / "comments.csv"
        if not comments.is_file():
            continue
        outcome = lint_file(str(comments), settings)
        texts = {line: statement.text for line, statement in read_statement_lines(str(comments)).lines if statement}
        counts = Counter(finding.rule for finding in outcome.findings)
        totals.update(counts)
        print(f"{conversation.name}: {outcome.statements} comments ({outcome.rejected} rejected, left out); "
              + ", ".join(f"{rule} {count}" for rule, count in counts.most_common()))
        for finding in outcome.findings:
            findings_by_rule.setdefault(finding.rule, []).append(
                (conversation.name, finding.line, texts.get(finding.line, ""), finding.message))
    print("all: " + ", ".join(f"{rule} {count}" for rule, count in totals.most_common()))
    if args.sample:
        random.seed(args.seed)
        for rule, items in sorted(findings_by_rule.items()):
            print(f"\n== {rule}: {min(args.sample, len(items))} of {len(items)}")
            for name, line, text, message in random.sample(items, min(args.sample, len(items))):
                print(f"- [{name}:{line}] {text[:200]!r} -> {message[:90]}")


if __name__ == "__main__":
    main()

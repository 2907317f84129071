"""The English fact-report and bare-figure rules on labelled facts and views (tests/data/fact_rules/english.tsv):
per part, the facts found and the views flagged.

Usage: python benchmarks/fact_rules.py [--show]
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from polis_seed.rules import Context, check_statement

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "fact_rules" / "english.tsv"
RULES = {"fact-report", "bare-figure"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="list the facts missed and the views flagged")
    args = parser.parse_args()
    totals: Counter = Counter()
    flagged: Counter = Counter()
    wrong: list[tuple[str, str, str]] = []
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            found = {f.rule for f in check_statement(row["statement"], Context(max_chars=140)).findings} & RULES
            key = (row["part"], row["label"])
            totals[key] += 1
            flagged[key] += bool(found)
            if bool(found) != (row["label"] == "fact"):
                wrong.append((row["part"], row["label"], row["statement"]))
    for part in sorted({part for part, _ in totals}):
        print(f"{part}: facts found {flagged[part, 'fact']} of {totals[part, 'fact']}, "
              f"views flagged {flagged[part, 'view']} of {totals[part, 'view']}")
    if args.show:
        for part, label, statement in wrong:
            print(f"  {part} {'missed' if label == 'fact' else 'flagged'}: {statement}")


if __name__ == "__main__":
    main()

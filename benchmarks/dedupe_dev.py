"""Calibration words for the semantic evidence on what differs (tests/data/dedupe/dev_words.tsv): synonyms,
antonyms and other members of one category, with the cosine of their e5 embeddings and what the comparison's
word-level checks say. WORD_THRESHOLD (stages/dedupe.py) was set here, not on the labelled lists.

Usage: python benchmarks/dedupe_dev.py
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from polis_seed.language.compare import _changed, _known_equivalent, _why_not_similar_enough, tokenize
from polis_seed.language.embeddings import e5_embed

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedupe" / "dev_words.tsv"


def main() -> None:
    rows = [line.split("\t") for line in DATA.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    vectors = e5_embed([text for _, a, b in rows for text in (a, b)])
    by_label = defaultdict(list)
    for index, (label, first, second) in enumerate(rows):
        cosine = float(vectors[2 * index] @ vectors[2 * index + 1])
        # A Japanese word alone has no kana to tell it from Chinese: it is compared inside 「これは…」.
        left, right = ([t for t in tokenize(text if text.isascii() else f"これは{text}")
                        if t.kind != "function" and t.key != "此れ"] for text in (first, second))
        refused = _changed(left, right)
        known = _known_equivalent(left, right)
        checks = _why_not_similar_enough(left, right)
        outcome = ("opposite" if refused else "known" if known else "weighable" if checks is None else "apart")
        by_label[label].append((cosine, outcome, first, second))
    for label, items in by_label.items():
        cosines = [c for c, *_ in items]
        print(f"{label}: {len(items)} pairs, cosine {min(cosines):.3f}–{max(cosines):.3f}")
        for cosine, outcome, first, second in sorted(items):
            print(f"  {cosine:.3f} {outcome:9} {first} / {second}")


if __name__ == "__main__":
    main()

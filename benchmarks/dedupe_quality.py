"""Precision and recall of dedupe merges per tier on the labelled data in tests/data/dedupe.

Usage: python benchmarks/dedupe_quality.py [--sweep]
- pairs.tsv: each pair is deduped on its own; a merge of a 'dup' pair is a true positive, a merge of a
  'distinct' or 'opposite' pair a false positive (an 'opposite' merge is a polarity-guard failure).
- lists.yaml: whole lists deduped; claim recall = share of claims with at least one statement left;
  redundancy left = share of kept statements that repeat a claim already kept.
--sweep prints the scores of dup vs other pairs per tier, used to calibrate the default thresholds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from polis_seed.embeddings import e5_embed
from polis_seed.models import Statement
from polis_seed.stages.dedupe import (
    DEFAULT_FUZZY_THRESHOLD,
    DEFAULT_SEMANTIC_THRESHOLD,
    DedupeOptions,
    dedupe_statements,
)

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedupe"
CONFIGS = {
    "exact,fuzzy without polarity guard": ("exact", "fuzzy", "no-guard"),
    "exact,fuzzy (fuzzy only)": ("exact", "fuzzy"),
    "exact": ("exact",),
    "fuzzy": ("fuzzy",),
    "semantic": ("semantic",),
    "exact,fuzzy,semantic (default)": ("exact", "fuzzy", "semantic"),
}


def load_pairs() -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / "pairs.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, first, second = line.split("\t")
            rows.append((label, first, second))
    return rows


def options_for(tiers: tuple[str, ...]) -> DedupeOptions:
    return DedupeOptions(tiers=[t for t in tiers if t != "no-guard"], polarity_guard="no-guard" not in tiers)


def pair_metrics(tiers: tuple[str, ...], pairs) -> dict[str, float]:
    options = options_for(tiers)
    merged = {"dup": 0, "distinct": 0, "opposite": 0}
    total = {"dup": 0, "distinct": 0, "opposite": 0}
    for label, first, second in pairs:
        total[label] += 1
        result = dedupe_statements([Statement(text=first), Statement(text=second)], options, embed=e5_embed)
        merged[label] += len(result.kept) == 1
    positives = merged["dup"] + merged["distinct"] + merged["opposite"]
    return {"precision": merged["dup"] / positives if positives else 1.0, "recall": merged["dup"] / total["dup"],
            "distinct_merged": merged["distinct"], "opposites_merged": merged["opposite"]}


def list_metrics(tiers: tuple[str, ...]) -> dict[str, float]:
    lists = yaml.safe_load((DATA / "lists.yaml").read_text(encoding="utf-8"))["lists"]
    claims_total = claims_kept = kept_total = redundant = statements_in = 0
    for entry in lists:
        claim_of = {text: index for index, texts in enumerate(entry["claims"]) for text in texts}
        statements = [Statement(text=text) for texts in entry["claims"] for text in texts]
        kept = dedupe_statements(statements, options_for(tiers), embed=e5_embed).kept
        kept_claims = [claim_of[s.text] for s in kept]
        claims_total += len(entry["claims"])
        claims_kept += len(set(kept_claims))
        kept_total += len(kept)
        redundant += len(kept_claims) - len(set(kept_claims))
        statements_in += len(statements)
    return {"claim_recall": claims_kept / claims_total, "redundancy_left": redundant / kept_total,
            "redundant_in": (statements_in - claims_total) / statements_in, "kept": kept_total}


def sweep(pairs) -> None:
    from rapidfuzz import fuzz

    from polis_seed.polarity import may_merge
    from polis_seed.text import normalize_for_matching

    vectors = e5_embed([t for _, a, b in pairs for t in (a, b)])
    print("label     guard  fuzzy  cosine  pair")
    for index, (label, first, second) in enumerate(pairs):
        guard = may_merge(first, second)
        ratio = fuzz.ratio(normalize_for_matching(first), normalize_for_matching(second))
        cosine = float(vectors[2 * index] @ vectors[2 * index + 1])
        print(f"{label:9} {'pass' if guard else 'block':5}  {ratio:5.1f}  {cosine:.3f}   {first} | {second}")


def main() -> None:
    pairs = load_pairs()
    if "--sweep" in sys.argv:
        sweep(pairs)
        return
    print(f"labelled data: {len(pairs)} pairs ({sum(1 for p in pairs if p[0] == 'dup')} dup, "
          f"{sum(1 for p in pairs if p[0] == 'distinct')} distinct, {sum(1 for p in pairs if p[0] == 'opposite')} opposite)")
    print(f"thresholds: fuzzy {DEFAULT_FUZZY_THRESHOLD}, semantic {DEFAULT_SEMANTIC_THRESHOLD}")
    print(f"{'tiers':40} {'precision':>9} {'recall':>7} {'distinct merged':>16} {'opposites merged':>17} "
          f"{'claim recall':>13} {'redundancy left':>16}")
    for name, tiers in CONFIGS.items():
        pm = pair_metrics(tiers, pairs)
        lm = list_metrics(tiers)
        print(f"{name:40} {pm['precision']:9.2f} {pm['recall']:7.2f} {pm['distinct_merged']:16d} "
              f"{pm['opposites_merged']:17d} {lm['claim_recall']:13.2f} {lm['redundancy_left']:16.2f}")
    print(f"redundant share of the input lists: {list_metrics(('exact',))['redundant_in']:.2f}")


if __name__ == "__main__":
    main()

"""Precision and recall of dedupe merges per tier on the labelled data in tests/data/dedupe.

Usage: python benchmarks/dedupe_quality.py [--heldout] [--sweep]
--heldout measures heldout_pairs.tsv and heldout_lists.yaml instead (written before the paraphrase work and
never tuned on).
- pairs.tsv: each pair is deduped on its own; a merge of a 'dup' pair is a true positive, a merge of a
  'distinct' or 'opposite' pair a false positive.
- lists.yaml: whole lists deduped. Claim recall = share of claims with at least one statement left;
  kept-precision = share of kept statements that are the first of their claim (1 − redundancy left).
--sweep prints every pair with its fuzzy ratio, cosine and the comparison's verdict.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from polis_seed.language.compare import compare
from polis_seed.defaults import default_of
from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Statement
from polis_seed.stages.dedupe import DedupeOptions, dedupe_statements

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedupe"
CONFIGS = {
    "exact,fuzzy without the guard": ("exact", "fuzzy", "no-guard"),
    "exact": ("exact",),
    "exact,fuzzy": ("exact", "fuzzy"),
    "semantic": ("semantic",),
    "exact,fuzzy,semantic (default)": ("exact", "fuzzy", "semantic"),
}


def load_pairs(name: str = "pairs.tsv") -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, first, second = line.split("\t")
            rows.append((label, first, second))
    return rows


def options_for(tiers: tuple[str, ...]) -> DedupeOptions:
    return DedupeOptions(tiers=[t for t in tiers if t != "no-guard"], guard="no-guard" not in tiers)


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


def list_metrics(tiers: tuple[str, ...], lists_file: Path = DATA / "lists.yaml") -> dict[str, float]:
    lists = yaml.safe_load(lists_file.read_text(encoding="utf-8"))["lists"]
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
    return {"claim_recall": claims_kept / claims_total, "kept_precision": 1 - redundant / kept_total,
            "redundant_in": (statements_in - claims_total) / statements_in, "kept": kept_total, "in": statements_in}


def sweep(pairs) -> None:
    from rapidfuzz import fuzz

    from polis_seed.language.text import normalize_for_matching

    vectors = e5_embed([t for _, a, b in pairs for t in (a, b)])
    print("label     fuzzy  cosine  verdict | pair")
    for index, (label, first, second) in enumerate(pairs):
        ratio = fuzz.ratio(normalize_for_matching(first), normalize_for_matching(second))
        cosine = float(vectors[2 * index] @ vectors[2 * index + 1])
        print(f"{label:9} {ratio:5.1f}  {cosine:.3f}  {compare(first, second).reason} | {first} | {second}")


def main() -> None:
    heldout = "--heldout" in sys.argv
    pairs = load_pairs("heldout_pairs.tsv" if heldout else "pairs.tsv")
    lists_file = DATA / ("heldout_lists.yaml" if heldout else "lists.yaml")
    if "--sweep" in sys.argv:
        sweep(pairs)
        return
    print(f"labelled data{' (held out)' if heldout else ''}: {len(pairs)} pairs ({sum(1 for p in pairs if p[0] == 'dup')} dup, "
          f"{sum(1 for p in pairs if p[0] == 'distinct')} distinct, {sum(1 for p in pairs if p[0] == 'opposite')} opposite)")
    print(f"thresholds: fuzzy {default_of('threshold')}, semantic {default_of('semantic_threshold')}")
    print(f"{'tiers':34} {'precision':>9} {'recall':>7} {'distinct merged':>16} {'opposites merged':>17} "
          f"{'claim recall':>13} {'kept-precision':>15}")
    for name, tiers in CONFIGS.items():
        pm = pair_metrics(tiers, pairs)
        lm = list_metrics(tiers, lists_file)
        print(f"{name:34} {pm['precision']:9.2f} {pm['recall']:7.2f} {pm['distinct_merged']:16d} "
              f"{pm['opposites_merged']:17d} {lm['claim_recall']:13.2f} {lm['kept_precision']:15.2f}")
    baseline = list_metrics(("exact",), lists_file)
    print(f"lists: {baseline['in']} statements; redundant share of the input {baseline['redundant_in']:.2f}")


if __name__ == "__main__":
    main()

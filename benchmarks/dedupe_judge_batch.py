"""The llm tier as a capable model would run it, through batch files, on the labelled lists and pairs.

Usage: python benchmarks/dedupe_judge_batch.py DIR [--heldout] [--model NAME]
Dedupes every list of tests/data/dedupe/lists.yaml (heldout_lists.yaml with --heldout) and every pair of
pairs.tsv (heldout_pairs.tsv) with the tiers exact,fuzzy,semantic,llm. The judge's requests that are not answered
yet go to DIR/round-N.requests.jsonl (OpenAI batch lines) and the script stops; answer them (DEVELOPERS.md: a
capable stand-in through benchmarks/stand_in.py split/join) into DIR/round-N.results.jsonl and run it again.
When every answer is in, it prints the requests, the pairs per request, the nomination recall (the share of the
lists' duplicate pairs that the tiers nominate: merged, or put to the judge), claim recall, kept-precision,
merges across claims, and the merged pairs labelled 'opposite'. Run it from one commit: the custom_ids are the
requests' cache keys.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import yaml

from polis_seed.batch.rounds import BatchDir, BatchQueue
from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Statement
from polis_seed.providers.base import PendingAnswer
from polis_seed.providers.cache import CachedProvider, ResponseCache
from polis_seed.stages.dedupe import DedupeOptions, candidate_pairs, dedupe_statements
from polis_seed.stages.judge import llm_judge

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedupe"
TIERS = ("exact", "fuzzy", "semantic", "llm")


def load_pairs(name: str) -> list[tuple[str, str, str]]:
    return [tuple(line.split("\t")) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--heldout", action="store_true")
    parser.add_argument("--model", default="gpt-4o")
    args = parser.parse_args()
    lists = yaml.safe_load((DATA / ("heldout_lists.yaml" if args.heldout else "lists.yaml")).read_text("utf-8"))["lists"]
    pairs = load_pairs("heldout_pairs.tsv" if args.heldout else "pairs.tsv")
    folder = BatchDir(args.directory)
    cache = ResponseCache(args.directory / "cache")
    for report in folder.ingest(cache):
        print(f"round {report.round}: {report.answers} answers read" + "".join(f"\n  {p}" for p in report.problems))
    queue = BatchQueue({"provider": "openai", "model": args.model, "base_url": ""}, "openai", args.model)
    provider = CachedProvider(queue, cache)
    options = DedupeOptions(tiers=TIERS)
    judge = llm_judge(provider)
    waiting = False
    outcomes = []
    for entry in lists:
        statements = [Statement(text=text) for texts in entry["claims"] for text in texts]
        try:
            outcomes.append((entry, statements, dedupe_statements(statements, options, embed=e5_embed, judge=judge)))
        except PendingAnswer:
            waiting = True
    pair_results = []
    for label, first, second in pairs:
        try:
            result = dedupe_statements([Statement(text=first), Statement(text=second)], options, embed=e5_embed,
                                       judge=judge)
            pair_results.append((label, first, second, len(result.kept) == 1))
        except PendingAnswer:
            waiting = True
    if waiting:
        number, _ = folder.write_round(queue.waiting)
        sizes = [line["body"]["messages"][-1]["content"].count("\nPair ") for line in queue.waiting.values()]
        print(f"{len(queue.waiting)} requests, {sum(sizes)} pairs ({max(sizes)} at most in one request) wait in "
              f"{folder.requests_path(number)}; answer them into "
              f"{folder.results_path(number)} and run this again")
        return
    print(f"judge requests: {len(judge.attempts)} (lists and pairs, re-asks included)")
    claims_total = claims_kept = kept_total = redundant = across = 0
    duplicates = nominated = 0
    for entry, statements, result in outcomes:
        claim_of = {text: index for index, texts in enumerate(entry["claims"]) for text in texts}
        found = candidate_pairs([s.text for s in statements], options, e5_embed)
        for texts in entry["claims"]:
            for a, b in itertools.combinations(texts, 2):
                duplicates += 1
                i, j = sorted((statements.index(next(s for s in statements if s.text == a)),
                               statements.index(next(s for s in statements if s.text == b))))
                nominated += (i, j) in found
        kept_claims = [claim_of[s.text] for s in result.kept]
        claims_total += len(entry["claims"])
        claims_kept += len(set(kept_claims))
        kept_total += len(result.kept)
        redundant += len(kept_claims) - len(set(kept_claims))
        across += sum(claim_of[m.kept] != claim_of[m.absorbed] for m in result.merges)
    print(f"nomination recall: {nominated}/{duplicates} duplicate pairs nominated ({nominated / duplicates:.2f})")
    print(f"lists: claim recall {claims_kept / claims_total:.3f}, kept-precision {1 - redundant / kept_total:.3f}, "
          f"merges across claims {across}")
    merged = {label: sum(1 for l, _, _, m in pair_results if l == label and m) for label in ("dup", "distinct", "opposite")}
    total = {label: sum(1 for l, _, _, _ in pair_results if l == label) for label in merged}
    print(f"pairs: dup merged {merged['dup']}/{total['dup']}, distinct merged {merged['distinct']}/{total['distinct']}, "
          f"opposite merged {merged['opposite']}/{total['opposite']}")


if __name__ == "__main__":
    main()

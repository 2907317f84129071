"""The llm tier of dedupe on the labelled lists: what reaches the judge, and what its answers make of the lists.

Usage:
  python benchmarks/dedupe_judge.py [--dev] --answerer oracle|same|different
      model-free judges: the labels themselves (the ceiling the nomination allows), "same" to every pair (what
      the guards alone prevent), "different" to every pair (the tiers without a judge).
  python benchmarks/dedupe_judge.py [--dev] --provider openai --model gpt-4o --batch-dir DIR [--cache-dir C]
      through batch files: the first run writes DIR/round-1.requests.jsonl and stops; answer it (DEVELOPERS.md:
      benchmarks/stand_in.py split/join) and run the same command again, which reads the answers and reports.
  python benchmarks/dedupe_judge.py [--dev] --provider local|openai|anthropic [--model M] [--base-url URL]
      live.
  python benchmarks/dedupe_judge.py --nomination [--dev]
      only the nomination: the share of true duplicate pairs that reach a decision that can merge them
      (merged by the comparison or put to the judge), and the pairs put to the judge, per floor.

The lists are tests/data/dedupe/heldout_lists.yaml (--dev: lists.yaml), each deduped on its own with tiers
exact,fuzzy,semantic,llm. Claim recall = share of claims with at least one statement kept; kept-precision = share
of kept statements that are the first of their claim; a wrong merge joins statements of two claims (the lists'
traps are negations, antonyms, another subject, number or qualifier: every wrong merge is shown).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import yaml

from polis_seed.language.embeddings import CachedEmbedder
from polis_seed.models import Statement
from polis_seed.providers.base import PendingAnswer
from polis_seed.stages import dedupe as dedupe_stage
from polis_seed.stages.dedupe import DedupeOptions, PairJudge, candidate_pairs, dedupe_statements, pairs_to_judge
from polis_seed.stages.judge import PAIRS_PER_REQUEST, llm_judge

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedupe"
TIERS = ("exact", "fuzzy", "semantic", "llm")


def load_lists(dev: bool) -> list[dict]:
    return yaml.safe_load((DATA / ("lists.yaml" if dev else "heldout_lists.yaml")).read_text(encoding="utf-8"))["lists"]


def claims_of(entry: dict) -> dict[str, int]:
    return {text: index for index, texts in enumerate(entry["claims"]) for text in texts}


def nomination(lists: list[dict], embed, floors=(0.93, 0.92, 0.90, 0.88, 0.85)) -> None:
    """Per floor: duplicate pairs that can merge (merged by the comparison or asked), and pairs asked."""
    original = dedupe_stage.JUDGE_FLOOR
    print(f"{'floor':>6} {'duplicate pairs reaching a decision':>36} {'pairs put to the judge':>23} {'requests':>9}")
    for floor in floors:
        dedupe_stage.JUDGE_FLOOR = floor
        reached = duplicates = asked_total = requests = 0
        for entry in lists:
            claim = claims_of(entry)
            texts = [text for texts in entry["claims"] for text in texts]
            options = DedupeOptions(tiers=TIERS)
            found = candidate_pairs(texts, options, embed)
            judge = PairJudge(texts, options, embed, judge=None)
            asked = set(judge.judgeable(found))
            for i, j in itertools.combinations(range(len(texts)), 2):
                if claim[texts[i]] != claim[texts[j]]:
                    continue
                duplicates += 1
                if (i, j) in found and ((i, j) in asked or judge.decide(i, j, found[(i, j)][0])[0]):
                    reached += 1
            pairs = pairs_to_judge([Statement(text=text) for text in texts], options, embed=embed)
            asked_total += len(pairs)
            requests += -(-len(pairs) // PAIRS_PER_REQUEST)
        print(f"{floor:6.2f} {reached:>16} of {duplicates:<4} ({reached / duplicates:.3f}) {asked_total:>23} {requests:>9}")
    dedupe_stage.JUDGE_FLOOR = original


def model_free(kind: str, lists: list[dict]):
    """A judge that needs no model: from the labels, or one answer for every pair."""
    claim = {text: (entry["name"], index) for entry in lists for text, index in claims_of(entry).items()}

    def judge(pairs):
        judge.requests += -(-len(pairs) // PAIRS_PER_REQUEST)
        judge.pairs += len(pairs)
        if kind == "oracle":
            return [claim[a] == claim[b] for a, b in pairs]
        return [kind == "same"] * len(pairs)

    judge.requests = 0
    judge.pairs = 0
    return judge


def measure(lists: list[dict], judge, embed) -> dict | None:
    """Dedupe every list with `judge`; None when a batch round waits for its answers (every list's requests are
    queued first)."""
    waiting = False
    claims_total = claims_kept = kept_total = redundant = 0
    wrong: list[str] = []
    for entry in lists:
        claim = claims_of(entry)
        statements = [Statement(text=text) for texts in entry["claims"] for text in texts]
        try:
            result = dedupe_statements(statements, DedupeOptions(tiers=TIERS), embed=embed, judge=judge)
        except PendingAnswer:
            waiting = True
            continue
        kept = [claim[statement.text] for statement in result.kept]
        claims_total += len(entry["claims"])
        claims_kept += len(set(kept))
        kept_total += len(kept)
        redundant += len(kept) - len(set(kept))
        wrong += [f"{entry['name']}: {merge.tier}: {merge.kept} ← {merge.absorbed}" for merge in result.merges
                  if claim[merge.kept] != claim[merge.absorbed]]
    if waiting:
        return None
    return {"claim_recall": claims_kept / claims_total, "kept_precision": 1 - redundant / kept_total,
            "kept": kept_total, "claims": claims_total, "wrong": wrong}


class Events:
    def info(self, message: str) -> None:
        print(message, file=sys.stderr)

    def warning(self, message: str) -> None:
        print(f"warning: {message}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="lists.yaml instead of heldout_lists.yaml")
    parser.add_argument("--nomination", action="store_true")
    parser.add_argument("--answerer", choices=("oracle", "same", "different"))
    parser.add_argument("--provider")
    parser.add_argument("--model")
    parser.add_argument("--base-url")
    parser.add_argument("--batch-dir", type=Path)
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args()
    lists = load_lists(args.dev)
    statements = sum(len(texts) for entry in lists for texts in entry["claims"])
    print(f"{'lists.yaml' if args.dev else 'heldout_lists.yaml'}: {len(lists)} lists, {statements} statements, "
          f"{sum(len(entry['claims']) for entry in lists)} claims; nomination floor {dedupe_stage.JUDGE_FLOOR}, "
          f"{dedupe_stage.JUDGE_NEIGHBOURS} neighbours; {PAIRS_PER_REQUEST} pairs per request at most")
    embed = CachedEmbedder()
    if args.nomination:
        nomination(lists, embed)
        return
    if args.answerer:
        judge = model_free(args.answerer, lists)
        report(measure(lists, judge, embed), judge)
        return
    if not args.provider:
        parser.error("give --answerer, --provider or --nomination")
    from polis_seed.batch.submit import BatchRun
    from polis_seed.providers.cache import default_cache_dir
    from polis_seed.providers.registry import resolve_provider

    resolved = resolve_provider(args.provider, args.model, args.base_url, 600.0, 2, None, None, {})
    cache_dir = args.cache_dir or default_cache_dir()
    batch = BatchRun(args.batch_dir, resolved, cache_dir) if args.batch_dir else None
    if batch is not None:
        batch.collect_and_ingest(Events())
    queue = batch.queue() if batch else None
    with resolved.open(cache_dir, batch_queue=queue) as provider:
        judge = llm_judge(provider)
        result = measure(lists, judge, embed)
    if queue is not None and queue.waiting:
        written = batch.write_round(queue, submit=False)
        print(f"round {written.number}: {written.requests} requests ({judge.pairs} pairs, {PAIRS_PER_REQUEST} per "
              f"request at most) → {written.path}; answer it and run the same command again")
        return
    report(result, judge)


def report(result: dict | None, judge) -> None:
    assert result is not None
    print(f"judge: {judge.requests} requests, {judge.pairs} pairs ({judge.pairs / max(1, judge.requests):.1f} per request)")
    print(f"kept {result['kept']} for {result['claims']} claims: claim recall {result['claim_recall']:.3f}, "
          f"kept-precision {result['kept_precision']:.3f}, wrong merges {len(result['wrong'])}")
    for line in result["wrong"]:
        print(f"  wrong merge: {line}")


if __name__ == "__main__":
    main()

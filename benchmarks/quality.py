"""Statement quality of `polis-seed run` on documents, with a given provider, as numbers.

Usage: python benchmarks/quality.py [PATH ...] [-- extra polis-seed run options]
       (default: seeds/ on the embedded model, no cache)
Prints the run's quality report (quality.json) and, for every reference list in benchmarks/references
whose document was among the inputs, how many reference claims the exported statements cover: a claim
is covered when some statement's e5 embedding has cosine ≥ 0.96 with it (the semantic dedupe threshold,
calibrated so that no distinct claim pair in tests/data/dedupe reaches it), and "related" at ≥ 0.93.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from run_args import run_command

from polis_seed.language.embeddings import e5_embed
from polis_seed.stages.dedupe import DEFAULT_SEMANTIC_THRESHOLD

REFERENCES = Path(__file__).resolve().parent / "references"
RELATED = 0.93


def coverage(claims: list[str], statements: list[str]) -> tuple[int, int, list[tuple[str, str, float]]]:
    if not statements:
        return 0, 0, []
    claim_vectors, statement_vectors = e5_embed(claims), e5_embed(statements)
    scores = claim_vectors @ statement_vectors.T
    best = scores.argmax(axis=1)
    rows = [(claim, statements[j], float(scores[i, j])) for i, (claim, j) in enumerate(zip(claims, best))]
    covered = sum(1 for _, _, score in rows if score >= DEFAULT_SEMANTIC_THRESHOLD)
    related = sum(1 for _, _, score in rows if score >= RELATED)
    return covered, related, rows


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        paths, extra, command = run_command(sys.argv[1:], out)
        finished = subprocess.run(command, capture_output=True, text=True)
        if finished.returncode != 0:
            sys.exit(f"polis-seed failed ({finished.returncode}): {finished.stderr[-2000:]}")
        quality = json.loads((Path(out) / "quality.json").read_text(encoding="utf-8"))
        exported = [json.loads(line) for line in (Path(out) / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    print(f"command: polis-seed run {' '.join(paths)} --no-cache {' '.join(extra)}".rstrip())
    for key in ("statements_generated", "statements_exported", "angles_with_both_sides", "grounding_rate",
                "near_copy_rate_of_model_answers", "near_copy_rate_exported", "mean_similarity_to_quote",
                "duplicate_rate", "duplicates_left_after_dedupe", "over_length_limit", "questions", "mean_length",
                "answers_checked"):
        print(f"{key}: {quality[key]}")
    print(f"answers_rejected_by_rule: {json.dumps(quality['answers_rejected_by_rule'], ensure_ascii=False)}")
    print(f"dropped_after_reasks_by_rule: {json.dumps(quality['dropped_after_reasks_by_rule'], ensure_ascii=False)}")
    for angle, row in quality["per_angle"].items():
        unclear = f", unclear {row['unclear']}" if "unclear" in row else ""
        print(f"  {angle}: pro {row['pro']}, con {row['con']}{unclear} "
              f"({'both sides' if row['both_sides'] else 'one side or none'})")
    inputs = {Path(p).name for p in paths} | {f.name for p in paths if Path(p).is_dir() for f in Path(p).iterdir()}
    for reference_file in sorted(REFERENCES.glob("*.yaml")):
        reference = yaml.safe_load(reference_file.read_text(encoding="utf-8"))
        if reference["document"] not in inputs:
            continue
        from_document = [s["text"] for s in exported if s.get("source_path", "").endswith(reference["document"])]
        covered, related, rows = coverage(reference["claims"], [s["text"] for s in exported])
        print(f"reference {reference_file.name}: {covered}/{len(rows)} claims covered (cosine ≥ "
              f"{DEFAULT_SEMANTIC_THRESHOLD}), {related}/{len(rows)} related (≥ {RELATED}); "
              f"{len(from_document)} exported statements come from that document")
        for claim, statement, score in rows:
            print(f"    {score:.3f}  {claim}  ←  {statement}")


if __name__ == "__main__":
    main()

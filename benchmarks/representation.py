"""Representation measured against real votes: how many of a conversation's most agreed comments a list covers.

    python benchmarks/representation.py CONVERSATION_DIR OUTPUT_DIR [--top 30] [--threshold T] [--show]
        CONVERSATION_DIR holds a Polis comments.csv (agrees, disagrees, moderated, comment-body); OUTPUT_DIR is
        what `polis-seed run CONVERSATION_DIR/comments.csv -o OUTPUT_DIR` wrote (deduped.jsonl, else
        statements.jsonl). Prints the share of the top comments the list covers, and each top comment with its
        closest statement and their similarity (--show), so the borderline ones can be read.
    python benchmarks/representation.py --all POLIS_OPEN_DIR RUNS_DIR
        the same for every conversation of POLIS_OPEN_DIR that has a run in RUNS_DIR/<conversation name>/.
    python benchmarks/representation.py --validate
        the matcher against the labelled coverage in tests/data/representation/labelled.yaml: agreement per
        threshold, so the threshold is chosen by reading, not by the lists being measured.

The top comments: accepted or unmoderated (moderated is not -1), ordered by agrees − disagrees (ties by comment id),
the first 30. A comment is covered when a statement of the list says its claim. How that is matched: the cosine of
multilingual-e5-small ("query:" mode, the embedder polis-seed uses for dedupe) between the comment and each
statement; the comment is covered when its closest statement reaches the threshold. Each comment is compared whole
and sentence by sentence (a long comment's claim is often one of its sentences), the higher of the two counting.
The run's own `support` is printed beside it: whether a statement names the comment among its holders (the model
said the comment holds the claim; its row ids were checked to be comments it was shown).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "representation" / "labelled.yaml"
POLIS = next((p for p in (ROOT.parent / "shared" / "data" / "polis-open", ROOT.parent.parent / "shared" / "data" /
                           "polis-open") if p.is_dir()), ROOT.parent / "shared" / "data" / "polis-open")
# Validated on tests/data/representation/labelled.yaml (--validate): 52 of 60 labels agree at 0.89, the most of any
# threshold (3 covered comments missed, 5 uncovered ones matched: a statement on the same subject that states
# another claim); the comments within 0.03 of it are worth reading (--show prints every top comment).
THRESHOLD = 0.89
TOP = 30


@dataclass(frozen=True)
class Comment:
    id: str
    score: int  # agrees − disagrees
    text: str


def top_comments(conversation: Path, top: int = TOP) -> list[Comment]:
    with (conversation / "comments.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("moderated", "0").strip() != "-1"
                and row["comment-body"].strip()]
    comments = [Comment(row["comment-id"].strip(), int(row["agrees"] or 0) - int(row["disagrees"] or 0),
                        row["comment-body"].strip()) for row in rows]
    return sorted(comments, key=lambda c: (-c.score, int(c.id) if c.id.isdigit() else 0))[:top]


def list_of(output: Path) -> list[dict]:
    path = next((output / name for name in ("deduped.jsonl", "statements.jsonl") if (output / name).is_file()), None)
    if path is None:
        raise SystemExit(f"{output}: no deduped.jsonl or statements.jsonl; run polis-seed run … -o {output} first")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")


def similarities(comments: list[str], statements: list[str], embed) -> np.ndarray:
    """comments × statements: the cosine of the whole comment or of its closest sentence, whichever is higher."""
    if not comments or not statements:
        return np.zeros((len(comments), len(statements)))
    listed = embed(statements)
    whole = embed(comments) @ listed.T
    best = whole.copy()
    for index, comment in enumerate(comments):
        sentences = [s for s in _SENTENCE.split(comment) if len(s.strip()) > 10]
        if len(sentences) > 1:
            best[index] = np.maximum(best[index], (embed(sentences) @ listed.T).max(axis=0))
    return best


def _embedder():
    sys.path.insert(0, str(ROOT / "src"))
    from polis_seed.language.embeddings import e5_embed

    return e5_embed


def measure(conversation: Path, output: Path, threshold: float, top: int, show: bool) -> float:
    comments = top_comments(conversation, top)
    statements = list_of(output)
    texts = [s["text"] for s in statements]
    scores = similarities([c.text for c in comments], texts, _embedder())
    held = {str(holder.get("row")) for s in statements for holder in (s.get("support") or {}).get("holders", [])
            if holder.get("row")}
    covered = 0
    for index, comment in enumerate(comments):
        best = int(scores[index].argmax()) if texts else -1
        score = float(scores[index, best]) if texts else 0.0
        hit = score >= threshold
        covered += hit
        if show:
            mark = "covered" if hit else "-      "
            named = "named in support" if comment.id in held else ""
            print(f"  {mark} {score:.3f}  #{comment.id} (+{comment.score}) {comment.text[:90]!r}\n"
                  f"           → {texts[best][:90] if texts else ''!r} {named}")
    share = covered / max(1, len(comments))
    named = sum(1 for c in comments if c.id in held)
    print(f"{conversation.name}: {covered} of {len(comments)} top comments covered ({share:.0%}) by {len(texts)} "
          f"statements at cosine ≥ {threshold}; {named} of them named among a statement's holders")
    return share


def validate(path: Path = LABELLED) -> None:
    """Agreement of 'closest statement ≥ t' with the labels, per threshold; and whether the closest statement of
    each covered comment is one that holds it."""
    labelled = yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    embed = _embedder()
    rows = []
    for name, statements in labelled.items():
        comments = top_comments(POLIS / name)
        texts = [s["text"] for s in statements]
        holders = {str(c): index for index, s in enumerate(statements) for c in s["holds"]}
        scores = similarities([c.text for c in comments], texts, embed)
        for index, comment in enumerate(comments):
            best = int(scores[index].argmax())
            rows.append((name, comment, comment.id in holders, float(scores[index, best]),
                         holders.get(comment.id) == best, texts[best]))
    print(f"{len(rows)} top comments, {sum(r[2] for r in rows)} covered by the labels")
    print("threshold  agree  covered-missed  uncovered-matched  covered with the right statement")
    for step in range(80, 95):
        t = step / 100
        missed = sum(1 for r in rows if r[2] and r[3] < t)
        false = sum(1 for r in rows if not r[2] and r[3] >= t)
        right = sum(1 for r in rows if r[2] and r[3] >= t and r[4])
        print(f"{t:>9.2f}  {len(rows) - missed - false:>5}  {missed:>14}  {false:>17}  {right:>5}")
    print("\nborderline (within 0.03 of the threshold):")
    for name, comment, label, score, right, text in sorted(rows, key=lambda r: r[3]):
        if abs(score - THRESHOLD) <= 0.03:
            print(f"  {'holds' if label else 'no   '} {score:.3f} #{comment.id} {comment.text[:70]!r} → {text[:60]!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--top", type=int, default=TOP)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    if args.validate:
        validate()
        return
    if args.all:
        polis, runs = args.paths
        shares = [measure(conversation, runs / conversation.name, args.threshold, args.top, args.show)
                  for conversation in sorted(polis.iterdir()) if (runs / conversation.name).is_dir()]
        print(f"mean {sum(shares) / max(1, len(shares)):.0%} over {len(shares)} conversations")
        return
    conversation, output = args.paths
    measure(conversation, output, args.threshold, args.top, args.show)


if __name__ == "__main__":
    main()

"""How many angle × side cells get a passage that really speaks to them: the passages the selector gives each
cell (what report.html and the review page show for a cell the model could not fill), against a person's reading.

Usage: python benchmarks/evidence_cells.py [--show] [--top K] [PATH TOPIC ...]
Reads benchmarks/references/cells/*.yaml: per document, the cells of prompts/angles.yaml each of its sentences
speaks to, read by a person. For each document it prints:
- cells: the cells some sentence speaks to; found: those whose K passages (default 3) hold such a sentence;
- shown: the passages shown over all cells; right: those that speak to the cell they are shown for;
- class: the labelled sentences that are questions or comparisons (language/forms.py), and how many of them
  are shown for a cell they speak to.
With PATH TOPIC pairs (a folder such as seeds/ and its subject), it prints each cell's passages for reading, as
--show does for the labelled documents. No model is called; the embeddings are cached as in a run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from polis_seed.language.embeddings import embedder_for
from polis_seed.language.text import detect_language, is_question
from polis_seed.models import Angle
from polis_seed.providers.cache import default_cache_dir
from polis_seed.stages import select
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.load import load_documents

ROOT = Path(__file__).resolve().parent.parent
CELLS = ROOT / "benchmarks" / "references" / "cells"
ANGLES = ROOT / "prompts" / "angles.yaml"


def cell_passages(angles: list[Angle], pool, embed, language: str, topic: str, top: int) -> dict[str, list[str]]:
    """'angle/side' → the sentences shown for it, best first."""
    if hasattr(select, "evidence_for"):
        evidence = select.evidence_for(angles, pool, embed, language, topic, per_cell=top)
        return {f"{angle}/{side}": [p.sentence for p in passages]
                for angle, sides in evidence.items() for side, passages in sides.items()}
    cells: dict[str, list[str]] = {}  # before evidence_for: the split generate.plan_asks made
    for angle in angles:
        passages = select.select_passages(angle, pool, embed, language, topic, 16, 4000)
        ordered = sorted(passages, key=lambda p: p.leans_con, reverse=True)
        half = len(ordered) // 2
        for side, part in (("con", ordered[:half]), ("pro", ordered[half:])):
            ranked = sorted(part, key=lambda p: p.relevance, reverse=True)
            cells[f"{angle.id}/{side}"] = [p.sentence for p in ranked[:top]]
    return cells


def measure(path: Path, topic: str, angles: list[Angle], embed, top: int):
    documents = load_documents([path]).documents
    language = detect_language("\n".join(document.text for document in documents))
    pool = select.SentencePool.build(chunk_documents(documents), documents, embed)
    return cell_passages(angles, pool, embed, language, topic, top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", nargs="*", help="PATH TOPIC pairs to print the cells of")
    parser.add_argument("--show", action="store_true", help="print every cell's passages with a mark")
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    angles = [Angle.model_validate(a) for a in yaml.safe_load(ANGLES.read_text(encoding="utf-8"))["angles"]]
    embed = embedder_for(default_cache_dir())
    totals = [0] * 6
    from polis_seed.language.forms import compares_options

    for reference in sorted(CELLS.glob("*.yaml")):
        data = yaml.safe_load(reference.read_text(encoding="utf-8"))
        labelled = [(item["text"], set(item["cells"])) for item in data["sentences"]]

        def cells_of(sentence: str) -> set[str]:
            return set().union(*[cells for start, cells in labelled if sentence.startswith(start) or start in sentence])

        shown = measure(ROOT / data["document"], data["topic"], angles, embed, args.top)
        wanted = set().union(*[cells for _, cells in labelled])
        found = {cell for cell in wanted if any(cell in cells_of(s) for s in shown.get(cell, []))}
        passages = sum(len(sentences) for sentences in shown.values())
        right = sum(1 for cell, sentences in shown.items() for s in sentences if cell in cells_of(s))
        in_class = [start for start, cells in labelled
                    if any(start in s for s in _pool_sentences(ROOT / data["document"]) if is_question(s)
                           or compares_options(s))]
        class_shown = sum(1 for start in in_class
                          if any(start in s and cell in cells_of(s) for cell, ss in shown.items() for s in ss))
        row = [len(wanted), len(found), passages, right, len(in_class), class_shown]
        totals = [a + b for a, b in zip(totals, row)]
        print(f"{reference.stem:24} cells {row[0]:3}  found {row[1]:3} ({row[1] / max(1, row[0]):4.0%})  "
              f"shown {row[2]:3}  right {row[3]:3} ({row[3] / max(1, row[2]):4.0%})  class {row[4]:2} shown {row[5]:2}")
        if args.show:
            for cell, sentences in sorted(shown.items()):
                for sentence in sentences:
                    mark = "+" if cell in cells_of(sentence) else " "
                    print(f"   {mark} {cell:28} {sentence[:100]}")
    print(f"{'all':24} cells {totals[0]:3}  found {totals[1]:3} ({totals[1] / max(1, totals[0]):4.0%})  "
          f"shown {totals[2]:3}  right {totals[3]:3} ({totals[3] / max(1, totals[2]):4.0%})  "
          f"class {totals[4]:2} shown {totals[5]:2}")
    pairs = args.pairs
    for path, topic in zip(pairs[::2], pairs[1::2]):
        print(f"# {path} ({topic})")
        for cell, sentences in sorted(measure(Path(path), topic, angles, embed, args.top).items()):
            for sentence in sentences:
                print(f"   {cell:28} {sentence[:110]}")
    embed.close()
    return 0


def _pool_sentences(path: Path) -> list[str]:
    documents = load_documents([path]).documents
    return [sentence for chunk in chunk_documents(documents) for sentence in chunk.sentences]


if __name__ == "__main__":
    sys.exit(main())

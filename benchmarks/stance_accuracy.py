"""Accuracy of the stance check on the labelled statements in tests/data/stance/labelled.yaml.

Usage: python benchmarks/stance_accuracy.py [--base-url URL]
Without --base-url the embedded model is started (llama-server); with it, that OpenAI-compatible server is
asked. Prints the accuracy of the model's reading, of the embeddings' and of the two combined (a wrong
side and "unclear" both count as misses), per language, and every miss of the combined reading.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from polis_seed.config import Settings
from polis_seed.language.embeddings import e5_embed
from polis_seed.prompts import load_angles
from polis_seed.plan import provider_of
from polis_seed.rules import Topic
from polis_seed.stages.stance import EMBEDDING_SCALE, UNCLEAR_BAND, StanceChecker

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "stance" / "labelled.yaml"


def side(score: float) -> str:
    return "pro" if score > UNCLEAR_BAND else "con" if score < -UNCLEAR_BAND else "unclear"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url")
    args = parser.parse_args()
    angles = {angle.id: angle for angle in load_angles()}
    sets = yaml.safe_load(DATA.read_text(encoding="utf-8"))["sets"]
    settings = Settings(provider="openai", base_url=args.base_url, model="embedded", no_cache=True) if args.base_url \
        else Settings(no_cache=True)
    rows = []
    with provider_of(settings).open(None) as provider:
        for labelled in sets:
            checker = StanceChecker(provider, e5_embed, Topic(labelled["topic"]), labelled["language"])
            for angle, label, text in labelled["statements"]:
                rows.append((labelled["language"], angle, label, text, checker.read(text, angles[angle])))
    readings = {"model": lambda r: side(r.model), "embeddings": lambda r: side(EMBEDDING_SCALE * r.embedding),
                "combined": lambda r: r.side}
    for name, pick in readings.items():
        for language in ("ja", "en", "all"):
            chosen = [row for row in rows if language in ("all", row[0])]
            right = sum(1 for row in chosen if pick(row[4]) == row[2])
            unclear = sum(1 for row in chosen if pick(row[4]) == "unclear")
            decided = len(chosen) - unclear
            print(f"{name:11} {language:3} accuracy {right}/{len(chosen)} = {right / len(chosen):.0%}, unclear {unclear}; "
                  f"right where it decided {right}/{decided} = {right / max(1, decided):.0%}")
    print("\nmisses of the combined reading:")
    for language, angle, label, text, reading in rows:
        if reading.side != label:
            print(f"  [{language}] {angle} {label} → {reading.side} (model {reading.model:+.2f}, "
                  f"embeddings {reading.embedding:+.3f}): {text}")


if __name__ == "__main__":
    main()

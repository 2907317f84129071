"""Accuracy of the stance check on the labelled statements in tests/data/stance/labelled.yaml.

Usage: python benchmarks/stance_accuracy.py [--base-url URL]
       python benchmarks/stance_accuracy.py --list --batch-dir DIR [--model gpt-4o]
Without --base-url the embedded model is started (llama-server); with it, that OpenAI-compatible server is
asked. Prints the accuracy of the model's reading, of the embeddings' and of the two combined (a wrong
side and "unclear" both count as misses), per language, and every miss of the combined reading.

--list measures the list check of capable models (one request reads the sides of a whole list,
prompts/sides.yaml), one request per labelled set, through batch files: the first run writes
DIR/round-1.requests.jsonl; answer it (a hosted model's batch API, `polis-seed batch answer`, or a capable
model standing in: see DEVELOPERS.md) into DIR/round-1.results.jsonl and run again for the accuracy.
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


def list_check(sets: list[dict], angles: dict, batch_dir: Path, model: str) -> None:
    from polis_seed.batch.submit import BatchRun
    from polis_seed.cli.views import ConsoleEvents
    from polis_seed.providers.base import PendingAnswer
    from polis_seed.providers.registry import resolve_provider
    from polis_seed.prompts import load_system_user_prompt
    from polis_seed.stages.ask import ask_together
    from polis_seed.stages.stance import ListSideCheck

    provider = resolve_provider("openai", model)
    run = BatchRun(batch_dir, provider, batch_dir / "cache")
    run.collect_and_ingest(ConsoleEvents())
    queue = run.queue()
    rows = []
    with provider.open(batch_dir / "cache", batch_queue=queue) as asking:
        def read(labelled: dict) -> list:
            check = ListSideCheck(asking, load_system_user_prompt("sides.yaml"), Topic(labelled["topic"]),
                                  labelled["language"])
            return check.read_all([(text, angles[angle]) for angle, _, text in labelled["statements"]])

        try:
            answers = ask_together([lambda labelled=labelled: read(labelled) for labelled in sets])
            for labelled, readings in zip(sets, answers):
                rows += [(labelled["language"], angle, label, text, reading.side)
                         for (angle, label, text), reading in zip(labelled["statements"], readings)]
        except PendingAnswer:
            written = run.write_round(queue, submit=False)
            print(f"{written.requests} requests wait in {written.path}; answer them into "
                  f"{written.path.with_name(written.path.name.replace('.requests.', '.results.'))} and run again")
            return
    for language in ("ja", "en", "all"):
        chosen = [row for row in rows if language in ("all", row[0])]
        right = sum(1 for row in chosen if row[4] == row[2])
        unclear = sum(1 for row in chosen if row[4] == "unclear")
        print(f"list check ({model}) {language:3} accuracy {right}/{len(chosen)} = {right / len(chosen):.0%}, "
              f"neither {unclear}")
    print("\nmisses:")
    for language, angle, label, text, read in rows:
        if read != label:
            print(f"  [{language}] {angle} {label} → {read}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url")
    parser.add_argument("--list", action="store_true", help="measure the list check of capable models")
    parser.add_argument("--batch-dir", type=Path)
    parser.add_argument("--model", default="gpt-4o")
    args = parser.parse_args()
    angles = {angle.id: angle for angle in load_angles()}
    sets = yaml.safe_load(DATA.read_text(encoding="utf-8"))["sets"]
    if args.list:
        if args.batch_dir is None:
            parser.error("--list needs --batch-dir DIR")
        list_check(sets, angles, args.batch_dir, args.model)
        return
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

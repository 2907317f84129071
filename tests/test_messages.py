"""messages.py: every message a page shows exists in English and Japanese, with the same parameters, and the
Japanese says it in Japanese."""

from __future__ import annotations

import re
import string
from pathlib import Path

from polis_seed.messages import LANGUAGES, MESSAGES, say
from polis_seed.models import said
from polis_seed.rules import RULES

SOURCE = Path(__file__).parents[1] / "src" / "polis_seed"
# What a Japanese message may hold in Latin letters: names of tools and options, not English words.
NAMES = {"SudachiDict", "discover", "angles", "fill", "from", "knowledge"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_rule_and_every_message_the_code_says_has_an_english_and_a_japanese_text():
    said_in_code = {match for path in SOURCE.rglob("*.py")
                    for match in re.findall(r"said\(\s*\"([a-z][a-z.-]*)\"", path.read_text(encoding="utf-8"))}
    # the other branch of a conditional
    said_in_code |= {"no-side.unleaning", "no-claim.filled", "merge.model-different", "merge.guard-off"}
    missing = {rule.name for rule in RULES if not any(key.split(".")[0] == rule.name for key in MESSAGES)}
    assert missing == set()
    assert said_in_code - set(MESSAGES) == set()
    for key, templates in MESSAGES.items():
        assert set(templates) == set(LANGUAGES), key
        assert fields(templates["en"]) == fields(templates["ja"]), key


def test_a_japanese_message_holds_no_english_words():
    for key, templates in MESSAGES.items():
        words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", templates["ja"])))
        assert words <= NAMES, (key, words - NAMES)


def test_parameters_are_shown_the_way_each_language_writes_them():
    judge = said("judge", score=0.0812, threshold=0.1, features={"side_margin": 0.5, "grounding": 0.25})
    assert judge.as_reason() == ("judge: score 0.08 below 0.10 (side margin 0.50, grounding 0.25); restore it if it "
                                 "reads well")
    assert judge.as_reason("ja") == ("judge: 評価 0.08 が基準の 0.10 に届きません（立場の明確さ 0.50、出典との重なり 0.25）。"
                                     "読んで良い文なら戻してください")
    assert say("loaded", {"words": ["絶対", "最悪"]}, "ja") == "決めつける言葉（絶対、最悪）を避け、中立な言い方にしてください"
    assert say("formula", {"start": "\t"}) == ("starts with '\\t', which a spreadsheet runs as a formula; reword the "
                                              "start")
    surplus = said("surplus", side="con", angle="cost")
    assert surplus.text() == "con on 'cost' already has its best statements"  # report.json: ids, as before
    assert surplus.text("ja", {"cost": "コスト"}) == "観点「コスト」の反対側には、より良い文がすでにそろっています"
    nested = said("merge.model-same", because=said("merge.word", shown="a → b").model_dump())
    assert nested.text() == "the model judged them the same claim (a word is changed: a → b)"
    assert nested.text("ja") == "モデルが同じ主張と判定しました（言葉が変わっています: a → b）"
    assert say("no such message", {}, "ja") == "no such message"
    assert say("question", {}, "de") == say("question")  # a language the catalogue lacks: English

"""The stance check: which side a statement takes, read from the model's yes/no likelihoods and the
embeddings; generate re-asks or relabels a statement on the wrong side; lint --angles reports it."""

from __future__ import annotations

import contextlib
import json
import re

import numpy as np
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.models import Angle
from polis_seed.providers.base import CompletionResult
from polis_seed.rules import Topic
from polis_seed.stages.stance import StanceChecker, probability_of_yes

from .replay import ReplayProvider

runner = CliRunner()
COST = Angle(id="cost", name="費用", pro="{topic}は費用に見合う", con="{topic}は費用がかかりすぎる", keywords=["費用"])
TOPIC = Topic("予約システム", ("予約システム",))
# Which side each test statement takes, as a reader would say.
SIDES = {"予約システムは人件費の削減で元が取れる": "pro", "予約システムの維持費は高すぎる": "con",
         "予約システムは来年度に入れ替える": "unclear",
         "Online booking pays for itself through lower staff costs.": "pro"}


def agreement(request) -> dict:
    """A model that answers like a careful reader: someone on a side agrees with statements on that side."""
    text = request.messages[-1].content
    opinion = re.search(r"Opinion: (.*)", text).group(1)
    statement = re.search(r"Statement: (.*)", text).group(1)
    side = "con" if ("かかりすぎる" in opinion or "too much" in opinion) else "pro"
    return {"answer": "yes" if SIDES.get(statement) == side else "no"}


def neutral_embed(texts: list[str]) -> np.ndarray:
    return np.ones((len(texts), 4)) / 2.0  # every text equally close to both sides: the model decides


def checker(provider) -> StanceChecker:
    return StanceChecker(provider, neutral_embed, TOPIC, "ja")


def test_the_model_reading_decides_the_side_and_a_statement_on_neither_side_is_unclear():
    provider = ReplayProvider()
    provider.always("Agreement", agreement)
    stance = checker(provider)
    assert stance.read("予約システムは人件費の削減で元が取れる", COST).side == "pro"
    assert stance.read("予約システムの維持費は高すぎる", COST).side == "con"
    assert stance.read("予約システムは来年度に入れ替える", COST).side == "unclear"
    assert len(stance.attempts) == 6 and all(a.purpose == "stance" for a in stance.attempts)
    stance.read("予約システムの維持費は高すぎる", COST)
    assert len(stance.attempts) == 6  # a statement is read once


def test_the_probability_of_yes_comes_from_the_answer_tokens_alternatives():
    result = CompletionResult(content='{"answer": "no"}', top_logprobs=[
        {"{\"": -0.01}, {"answer": -0.01}, {"\":": -0.01}, {" \"": -0.02},
        {"no": np.log(0.6), "yes": np.log(0.4)}])
    assert abs(probability_of_yes(result, None) - 0.4) < 1e-6
    assert probability_of_yes(CompletionResult(content='{"answer": "yes"}'), None) == 0.5
    from polis_seed.stages.stance import Agreement

    assert probability_of_yes(CompletionResult(content=""), Agreement(answer="yes")) == 1.0


def test_embeddings_alone_decide_when_there_is_no_model():
    def embed(texts):
        return np.array([[1.0, 0.0] if "高すぎる" in t or "かかりすぎる" in t else [0.0, 1.0] for t in texts])

    stance = StanceChecker(None, embed, TOPIC, "ja")
    assert stance.read("予約システムの維持費は高すぎる", COST).side == "con"
    assert stance.read("予約システムは人件費の削減で元が取れる", COST).side == "pro"


def test_generate_labels_each_statement_with_the_side_it_takes_and_the_table_counts_checked_sides(
        tmp_path, replay, monkeypatch):
    from polis_seed.language import embeddings

    monkeypatch.setattr(embeddings, "e5_embed", neutral_embed)
    document = tmp_path / "booking.md"
    document.write_text("予約システムの導入で人件費が削減され、費用は5年で回収できる見込みだ。\n\n"
                        "一方、予約システムの維持費が高く、小さな町には負担が重いとの声もある。\n", encoding="utf-8")
    angles = tmp_path / "angles.yaml"
    angles.write_text("angles:\n  - {id: cost, name: 費用, pro: '{topic}は費用に見合う', con: '{topic}は費用がかかりすぎる'}\n",
                      encoding="utf-8")
    replay.always("Agreement", agreement)
    SIDES.update({"予約システムは人件費削減で費用を回収できる": "pro", "予約システムの維持費は小さな町に重い負担だ": "con"})
    replay.always("Candidates", lambda request: {"statements": [
        "予約システムは人件費削減で費用を回収できる" if "回収" in request.messages[-1].content
        else "予約システムの維持費は小さな町に重い負担だ"]})
    result = runner.invoke(cli.app, ["run", str(document), "-o", str(tmp_path / "out"), "--angles", str(angles),
                                     "--per-angle", "2", "--topic", "予約システム", "--tiers", "exact"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "out" / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["stance"], r["checked_stance"]) for r in rows] == [("pro", "pro"), ("con", "con")]
    assert "as the stance check read them" in result.output


def _two_cost_sentences(tmp_path):
    document = tmp_path / "booking.md"
    document.write_text("予約システムの導入で人件費が削減され、費用は5年で回収できる見込みだ。\n\n"
                        "予約システムの費用は人件費の削減で賄えると事務局は説明した。\n", encoding="utf-8")
    angles = tmp_path / "angles.yaml"
    angles.write_text("angles:\n  - {id: cost, name: 費用, pro: '{topic}は費用に見合う', con: '{topic}は費用がかかりすぎる'}\n",
                      encoding="utf-8")
    return document, angles


def test_a_statement_that_reads_as_the_other_side_is_labelled_with_the_side_it_takes(tmp_path, replay, monkeypatch):
    from polis_seed.language import embeddings

    monkeypatch.setattr(embeddings, "e5_embed", neutral_embed)
    document, angles = _two_cost_sentences(tmp_path)
    replay.always("Agreement", agreement)
    answers = ["予約システムは人件費削減で費用を回収できる", "予約システムは人件費の削減で費用を賄える"]
    SIDES.update({answer: "pro" for answer in answers})
    for answer in answers:
        replay.enqueue({"statements": [answer]})
    result = runner.invoke(cli.app, ["generate", str(document), "-o", str(tmp_path / "s.jsonl"), "--angles",
                                     str(angles), "--per-angle", "4", "--topic", "予約システム"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    # The sentence leaning con gave a pro statement: kept, labelled pro; nothing is asked again.
    assert [(r["text"], r["stance"], r["checked_stance"]) for r in rows] == [(answers[0], "pro", "pro"),
                                                                           (answers[1], "pro", "pro")]
    assert len([r for r in replay.history if r.schema_name == "Candidates"]) == 2


def test_a_capable_model_writes_one_statement_per_sentence_for_a_side_and_one_request_reads_every_side(
        tmp_path, replay, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    document, angles = _two_cost_sentences(tmp_path)
    answers = ["予約システムは人件費削減で費用を回収できる", "予約システムは人件費の削減で費用を賄える"]
    for answer in answers:
        replay.enqueue({"statements": [answer]})
    replay.enqueue({"sides": [{"item": 1, "side": "pro"}, {"item": 2, "side": "pro"}]})
    result = runner.invoke(cli.app, ["generate", str(document), "-o", str(tmp_path / "s.jsonl"), "--angles",
                                     str(angles), "--per-angle", "4", "--topic", "予約システム", "--provider", "openai",
                                     "--strategy", "sentence"])
    assert result.exit_code == 0, result.output
    asked = [r for r in replay.history if r.schema_name == "Candidates"]
    assert len(asked) == 2 and all(re.search(r"Write 1\s+statement", r.messages[0].content) for r in asked)
    # The rich prompt asks a side: both sentences speak for the cost, so both are asked for the pro side (the passage
    # scoring of stages/select.py, since the evidence merge, gives neither to the con side).
    assert all("立場: 予約システムは費用に見合う" in r.messages[-1].content for r in asked)
    assert [r.schema_name for r in replay.history].count("SidesAnswer") == 1
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["stance"], r["checked_stance"]) for r in rows] == [("pro", "pro"), ("pro", "pro")]


def test_lint_with_angles_reports_statements_that_read_as_the_other_side(tmp_path, monkeypatch):
    from polis_seed.language import embeddings
    from polis_seed.providers import registry

    provider = ReplayProvider()
    provider.always("Agreement", agreement)

    @contextlib.contextmanager
    def fake_open(self, cache_dir, debug=False, batch_queue=None):
        yield provider

    monkeypatch.setattr(registry.ResolvedProvider, "open", fake_open)
    monkeypatch.setattr(embeddings, "e5_embed", neutral_embed)
    angles = tmp_path / "angles.yaml"
    angles.write_text("angles:\n  - {id: cost, name: 費用, pro: '{topic}は費用に見合う', con: '{topic}は費用がかかりすぎる'}\n",
                      encoding="utf-8")
    statements = tmp_path / "labelled.csv"
    statements.write_text("text,angle,stance\n"
                          "予約システムは人件費の削減で元が取れる,cost,pro\n"
                          "予約システムの維持費は高すぎる,cost,pro\n"
                          "予約システムは来年度に入れ替える,cost,con\n"
                          "予約システムは便利だ,safety,pro\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["lint", str(statements), "--angles", str(angles), "--topic", "予約システム",
                                     "--json"])
    report = json.loads(result.stdout)
    stance = {f["line"]: f["message"] for f in report["findings"] if f["rule"] == "stance"}
    assert sorted(stance) == [3, 4, 5]  # file lines: the header is line 1
    assert "reads as con" in stance[3] and "neither side" in stance[4] and "'safety'" in stance[5]
    plain = runner.invoke(cli.app, ["lint", str(statements), "--json"])
    assert not [f for f in json.loads(plain.stdout)["findings"] if f["rule"] == "stance"]


def test_in_a_batch_round_both_questions_are_queued_before_the_round_waits():
    import pytest

    from polis_seed.providers.base import PendingAnswer

    class Queue:
        def __init__(self):
            self.asked = []

        def identity(self):
            return {"provider": "queue", "model": "m"}

        def complete(self, request):
            self.asked.append(request.messages[-1].content)
            raise PendingAnswer(str(len(self.asked)))

    queue = Queue()
    with pytest.raises(PendingAnswer):
        checker(queue).read("予約システムの維持費は高すぎる", COST)
    assert len(queue.asked) == 2 and "費用に見合う" in queue.asked[0] and "かかりすぎる" in queue.asked[1]


def test_progress_counts_the_stance_questions_so_it_does_not_stall_at_the_end():
    import io

    from rich.console import Console

    from polis_seed.models import Attempt
    from polis_seed.cli.views import ConsoleEvents

    out = io.StringIO()
    events = ConsoleEvents(Console(file=out, width=200))
    events.requests_planned(2, checks_per_request=2)  # two statements, each checked by two questions
    for purpose in ["statement", "stance", "stance", "statement", "stance", "stance"]:
        events.request_done(Attempt(purpose=purpose))
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("generate: 6/6 requests (100%)")
    assert any(line.startswith("generate: 3/6 requests (50%)") for line in lines)

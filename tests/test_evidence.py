"""Evidence for the cells no statement fills: a run keeps, per angle and side, the document passages that speak to
it (report.json `evidence`, both strategies); report.html and `polis-seed report DIR` show them for every empty
cell without a model; the review page's checks of a typed statement use the run's context, as generate did."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.review.store import ReviewStore, findings_for
from polis_seed.rules import Topic, run_context
from polis_seed.stages.generate import GenerateSettings

from .run_folder import make_run_folder

DATA = Path(__file__).parent / "data"
# The minutes' sentences that argue each con cell (tests/data/facility_booking_ja.md).
COST_CON = "毎年の保守費用が想定より高くなれば"
RESIDENTS_CON = "高齢者などスマートフォンを使わない住民"
RESIDENTS_PRO = "住民の利便性は大きく向上する"


def evidence_texts(report: dict, angle: str, side: str) -> list[str]:
    return [passage["text"] for passage in report["evidence"][angle][side]]


def test_a_run_keeps_each_cells_passages_and_report_html_shows_those_of_the_empty_cells(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay, per_angle=1)  # one pro statement per angle: the con cells are empty
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert set(report["evidence"]) == {"cost", "resident_services"}
    for sides in report["evidence"].values():
        assert set(sides) == {"pro", "con"}
        for passages in sides.values():
            assert 1 <= len(passages) <= 3
            for passage in passages:
                assert passage["path"].endswith("minutes.md") and passage["title"].startswith("公共施設予約")
                assert passage["document_id"] and (passage["before"] or passage["after"])
    assert any(COST_CON in text for text in evidence_texts(report, "cost", "con")[:2])
    assert any(RESIDENTS_CON in text for text in evidence_texts(report, "resident_services", "con")[:2])
    assert report["checks"] == {"language": "ja", "max_chars": 140, "max_chars_given": False}

    # Shown without a model, for the empty cells only: the report is made again from the folder.
    (folder / "report.html").unlink()
    result = CliRunner().invoke(cli.app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="evidence-cost-con"' in html and 'id="evidence-resident_services-con"' in html
    assert 'id="evidence-cost-pro"' not in html and 'href="#evidence-cost-con"' in html
    block = html.split('id="evidence-cost-con"', 1)[1].split("</div></li>", 1)[0]
    assert "出典" in block


def test_the_document_strategy_keeps_the_evidence_too(tmp_path, replay):
    quote = "人件費削減によって5年程度で回収できる見込みである"
    subject = "公共施設予約のオンライン化"
    replay.enqueue({"subjects": [subject], "claims": [
        {"id": 1, "angle": "cost", "stance": "pro", "subject": subject, "claim": "費用は回収できる", "document": "D1",
         "quote": quote, "comments": []}],
        "statements": [{"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro", "claims": [1]}]})
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["run", str(DATA / "facility_booking_ja.md"), "-o", str(out), "--angles",
                                          str(DATA / "two_angles.yaml"), "--strategy", "document", "--count", "1",
                                          "--no-stance-check", "--context-tokens", "32000"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert any(RESIDENTS_PRO in text for text in evidence_texts(report, "resident_services", "pro"))
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="evidence-resident_services-pro"' in html and 'id="evidence-cost-pro"' not in html
    assert RESIDENTS_PRO in html.split('id="evidence-resident_services-pro"', 1)[1]


def test_a_typed_statement_is_checked_in_the_runs_context(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay, per_angle=1)
    store = ReviewStore(folder)
    context = store.rule_context()
    assert context.language == "ja" and context.topic is not None and "予約" in context.topic.terms

    def rules(text: str) -> set[str]:
        return {finding["rule"] for finding in findings_for(text, context, "ja")}

    assert "question" in rules("公共施設予約のオンライン化はいつから始まるのですか？")
    assert "fact-report" in rules("公共施設予約のオンライン化は昨年から始まった")
    # The run's language and subject: what the page's own length limit alone would not find.
    assert "language" in rules("Online booking of public facilities saves staff time.")
    assert "language" not in {f["rule"] for f in findings_for("Online booking saves staff time.", 140, "ja")}
    assert "off-topic" in rules("駅前の再開発はもっと急ぐべきだ")
    assert "off-topic" not in rules("高齢者にはスマホの講習会を開くべきだ")  # a phrase the documents use
    assert rules("公共施設予約のオンライン化には紙の申込みも残すべきだ") == set()
    snapshot = store.snapshot()
    cell = snapshot["evidence"]["cost"]["con"]
    assert cell["title"] == "観点「コスト」の反対側" and cell["passages"] and snapshot["messages"]["source"] == "出典"
    assert snapshot["angles"][:2] == ["cost", "resident_services"]


def test_the_review_checks_what_generate_checks():
    topic = Topic("the streaming of council meetings", ("streaming",))
    for language, given in (("ja", False), ("en", False), ("en", True)):
        settings = GenerateSettings(language=language, max_chars=120, per_angle=2, max_chars_given=given, topic=topic)
        assert run_context(language, 120, given, topic) == dataclasses.replace(settings.context(), source=None)


def test_a_run_from_before_the_evidence_shows_no_cells_and_checks_by_length(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay, per_angle=1)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    for key in ("evidence", "checks"):
        report.pop(key)
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    store = ReviewStore(folder)
    assert store.rule_context().language is None and store.snapshot()["evidence"] == {}
    result = CliRunner().invoke(cli.app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="evidence-cost-con"' in html and "この観点・立場について述べている箇所は文書にありません" in html


def test_an_english_run_shows_its_evidence_in_english(tmp_path, replay):
    replay.always("TopicAnswer", {"topic": "the streaming of council meetings", "terms": ["streaming"]})
    replay.always("Candidates", lambda request: {"statements": ["Streaming council meetings is worth its small cost."]})
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["run", str(DATA / "council_streaming_en.md"), "-o", str(out), "--angles",
                                          str(DATA / "two_angles_en.yaml"), "--per-angle", "1", "--no-stance-check"])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Passages for the empty cells" in html and 'id="evidence-cost-con"' in html
    cost_con = html.split('id="evidence-cost-con"', 1)[1].split("</ol>", 1)[0]
    assert "cost, con side" in cost_con and "Others warned that the hosting fee would grow" in cost_con
    assert "show it in context" in cost_con and "council_streaming_en.md" in cost_con
    store = ReviewStore(out)
    assert store.snapshot()["messages"]["write"] == "Write a statement for this cell"
    assert "question" in {f["rule"] for f in findings_for("Will streaming start next year?", store.rule_context())}

import json
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.models import Angle, Attempt, Document, GenerationReport, Statement
from polis_seed.stages.quality import quality_report
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.discover import discover_angles, sample_sentences
from polis_seed.stages.load import load_documents
from tests.replay import ReplayProvider, statement_from_the_source

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def chunks():
    return chunk_documents(load_documents([DATA / "facility_booking_ja.md"]).documents)


def test_the_quality_report_measures_grounding_against_the_documents_not_the_slices():
    document = Document(id="d1", path="a.md", title="a", text="予約システムの費用は人件費の削減で5年で回収できる見込みだ。")
    angles = [Angle(id="cost", name="cost", pro="p", con="c"), Angle(id="staffing", name="s", pro="p", con="c")]
    exported = [
        Statement(text="予約システムの費用は人件費削減で回収できる", angle="cost", stance="pro", document_id="d1",
                  quote="人件費の削減で5年で回収できる"),
        # A quote that is not in the document it names (made up): grounding must show it.
        Statement(text="予約システムは高齢者を取り残す", angle="cost", stance="con", document_id="d1",
                  quote="高齢者の利用が減ったと報告された"),
        Statement(text="職員の研修が欠かせないのか", angle="staffing", stance="pro"),
    ]
    generated = exported + [Statement(text="予約システムの費用は人件費削減で回収できる。", angle="cost", stance="pro")]
    report = GenerationReport(attempts=[Attempt(purpose="statement"), Attempt(purpose="statement", attempt=1,
                                                                              problems=["near-copy: x"])])
    quality = quality_report(generated, exported, report, [document], angles, max_chars=15)
    assert quality["grounding"]["quotes_found_in_their_document"] == 0.5
    assert quality["grounding"]["statements_without_quote"] == 1
    assert 0 < quality["grounding"]["lowest_share_of_content_words_in_quote"] < \
        quality["grounding"]["mean_share_of_content_words_in_quote"] < 1
    assert quality["per_angle"]["cost"] == {"pro": 1, "con": 1, "generated": {"pro": 2, "con": 1}, "both_sides": True}
    assert quality["per_angle"]["staffing"]["both_sides"] is False and quality["angles_with_both_sides"] == 1
    assert quality["near_copy_rate_of_model_answers"] == 0.5 and quality["answers_rejected_by_rule"] == {"near-copy": 1}
    assert quality["questions"] == 1 and quality["over_length_limit"] == 1
    assert quality["duplicate_rate"] == 0.25 and quality["statements_exported"] == 3


def test_discovered_angles_keep_only_keywords_found_in_the_documents():
    provider = ReplayProvider([{"angles": [
        {"name": "Cost recovery", "pro": "the system pays for itself", "con": "upkeep eats the savings",
         "keywords": ["保守費用", "人件費", "宇宙開発"]},
        {"name": "Invented axis", "pro": "x", "con": "y", "keywords": ["ロケット"]},
        {"name": "One side twice", "pro": "online booking helps", "con": "online booking helps.", "keywords": ["予約"]},
        {"name": "高齢者への配慮", "pro": "online booking serves everyone", "con": "older residents are left out",
         "keywords": ["高齢者", "スマートフォン"]},
    ]}])
    angles = discover_angles(chunks(), provider, "ja").angles
    assert [(a.id, a.keywords) for a in angles] == [("cost_recovery", ["保守費用", "人件費"]),
                                                   ("axis_4", ["高齢者", "スマートフォン"])]
    prompt = provider.history[0].messages[-1].content
    assert "<sentences>" in prompt and "高齢者" in prompt
    assert all(len(s) >= 20 for s in sample_sentences(chunks()))


def test_an_unusable_discovery_answer_is_asked_again_once_then_gives_no_angles():
    provider = ReplayProvider(["I think the main axis is cost.", {"angles": [{"name": "x", "pro": "same", "con": "same",
                                                                              "keywords": ["予約"]}]}])
    discovery = discover_angles(chunks(), provider, "ja")
    assert discovery.angles == [] and len(discovery.attempts) == 2
    assert "not-json" in provider.history[1].messages[-1].content


def test_run_with_discovered_angles_writes_them_and_a_quality_report(tmp_path, replay):
    replay.enqueue({"angles": [{"name": "費用対効果", "pro": "the system is worth its cost",
                                "con": "the system costs more than it saves", "keywords": ["費用", "人件費"]}]})
    replay.always("Candidates", statement_from_the_source)
    out = tmp_path / "out"
    configured = tmp_path / "angles.yaml"
    configured.write_text("angles:\n  - id: space\n    name: 宇宙\n    pro: p\n    con: c\n    keywords: [ロケット]\n",
                          encoding="utf-8")
    result = runner.invoke(cli.app, ["run", str(DATA / "facility_booking_ja.md"), "-o", str(out), "--per-angle", "2",
                                     "--discover-angles", "--angles", str(configured), "--no-stance-check"])
    assert result.exit_code == 0, result.output
    assert "angles discovered in the documents" in result.output
    assert "adding the configured angles" in result.output  # one axis is too few on its own
    assert "費用対効果" in (out / "angles.yaml").read_text(encoding="utf-8")
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    assert quality["per_angle"]["axis_1"]["pro"] == 1 and quality["per_angle"]["axis_1"]["con"] == 1
    assert quality["grounding"]["quotes_found_in_their_document"] == 1.0 and quality["near_copy_rate_exported"] == 0.0
    assert quality["questions"] == 0 and quality["over_length_limit"] == 0
    assert "quotes found in their document 100%" in result.output


def test_a_side_without_support_is_noted_once_and_nothing_is_invented(tmp_path, replay):
    angles = tmp_path / "angles.yaml"
    angles.write_text("angles:\n  - id: cost\n    name: cost\n    pro: saves money\n    con: costs too much\n"
                      "    keywords: [人件費]\n", encoding="utf-8")
    replay.always("Candidates", statement_from_the_source)
    document = tmp_path / "one.md"  # one usable sentence: enough for one side only
    document.write_text("# 予約システム\n\nシステムの導入費用は、窓口業務の人件費削減によって5年程度で回収できる見込みである。\n",
                        encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli.app, ["run", str(document), "-o", str(out), "--per-angle", "2",
                                     "--angles", str(angles), "--no-stance-check"])
    assert result.exit_code == 0, result.output
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    assert quality["per_angle"]["cost"]["con"] == 0 and quality["per_angle"]["cost"]["both_sides"] is False
    notes = [line for line in result.output.splitlines() if line.startswith("note: cost")]
    assert notes == ["note: cost: no con statement; no sentence of the documents leans to that side; nothing was "
                     "invented"]

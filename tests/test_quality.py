import json
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.providers.replay import ReplayProvider
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.discover import discover_angles, sample_sentences
from polis_seed.stages.load import load_documents

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def chunks():
    return chunk_documents(load_documents([DATA / "facility_booking_ja.md"]).documents)


def test_discovered_angles_keep_only_keywords_found_in_the_documents():
    provider = ReplayProvider([{"angles": [
        {"name": "Cost recovery", "pro": "the system pays for itself", "con": "upkeep eats the savings",
         "keywords": ["保守費用", "人件費", "宇宙開発"]},
        {"name": "Invented axis", "pro": "x", "con": "y", "keywords": ["ロケット"]},
        {"name": "One side twice", "pro": "online booking helps", "con": "online booking helps.", "keywords": ["予約"]},
        {"name": "高齢者への配慮", "pro": "online booking serves everyone", "con": "older residents are left out",
         "keywords": ["高齢者", "スマートフォン"]},
    ]}])
    angles = discover_angles(chunks(), provider, "ja")
    assert [(a.id, a.keywords) for a in angles] == [("cost_recovery", ["保守費用", "人件費"]),
                                                   ("axis_4", ["高齢者", "スマートフォン"])]
    prompt = provider.history[0].messages[-1].content
    assert "<sentences>" in prompt and "高齢者" in prompt
    assert all(len(s) >= 20 for s in sample_sentences(chunks()))


def test_an_unusable_discovery_answer_gives_no_angles():
    assert discover_angles(chunks(), ReplayProvider(["I think the main axis is cost."]), "ja") == []


def test_run_with_discovered_angles_writes_them_and_a_quality_report(tmp_path, replay):
    replay.enqueue({"angles": [{"name": "費用対効果", "pro": "the system is worth its cost",
                                "con": "the system costs more than it saves", "keywords": ["費用", "人件費"]}]})
    replay.enqueue({"statement": "予約システムの費用は人件費削減で回収できる"})
    replay.enqueue({"statement": "保守費用が高いとコスト削減の効果は小さい"})
    out = tmp_path / "out"
    configured = tmp_path / "angles.yaml"
    configured.write_text("angles:\n  - id: space\n    name: 宇宙\n    pro: p\n    con: c\n    keywords: [ロケット]\n",
                          encoding="utf-8")
    result = runner.invoke(cli.app, ["run", str(DATA / "facility_booking_ja.md"), "-o", str(out), "--per-angle", "2",
                                     "--discover-angles", "--angles", str(configured)])
    assert result.exit_code == 0, result.output
    assert "angles discovered in the documents" in result.output
    assert "adding the configured angles" in result.output  # one axis is too few on its own
    assert "費用対効果" in (out / "angles.yaml").read_text(encoding="utf-8")
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    assert quality["per_angle"]["axis_1"] == {"pro": 1, "con": 1, "status": "both sides"}
    assert quality["grounding_rate"] == 1.0 and quality["near_copy_rate_exported"] == 0.0
    assert quality["questions"] == 0 and quality["over_length_limit"] == 0
    assert "quality: grounded 100%" in result.output


def test_a_side_without_support_is_reported_not_invented(tmp_path, replay):
    angles = tmp_path / "angles.yaml"
    angles.write_text("angles:\n  - id: cost\n    name: cost\n    pro: saves money\n    con: costs too much\n"
                      "    keywords: [人件費]\n", encoding="utf-8")
    replay.enqueue({"statement": "予約システムの費用は人件費削減で回収できる"})
    out = tmp_path / "out"
    result = runner.invoke(cli.app, ["run", str(DATA / "facility_booking_ja.md"), "-o", str(out), "--per-angle", "2",
                                     "--angles", str(angles)])
    assert result.exit_code == 0, result.output
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    assert quality["per_angle"]["cost"]["status"] == "no support in the documents for the con side"
    assert "no support in the documents for the con side" in result.output

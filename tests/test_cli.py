import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(cli.app, [str(a) for a in args], input=input)


def one_line_error(result, code=2):
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_version_and_help():
    assert invoke("--version").output.strip() == "polis-seed 0.1.0"
    assert "generate" in invoke("-h").output


def test_dedupe_stdin_to_stdout_keeps_the_negation():
    result = invoke("dedupe", "-", "-o", "-", input="AはBにつながる\nAはBにつながらない\nAはBにつながる。\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["AはBにつながる", "AはBにつながらない"]


def test_run_writes_all_outputs_with_dedupe_and_a_polis_csv(tmp_path, replay):
    for answer in ["予約システムの費用は人件費削減で回収できる", "保守費用が高いとコスト削減の効果は小さい",
                   "予約システムの費用は人件費削減で回収できる!",  # a near-duplicate of the first
                   "オンライン予約は住民の利便性を高める", "オンライン予約は高齢者を取り残す"]:
        replay.enqueue({"statement": answer})
    # the near-duplicate is rejected in generate as a repeat; the retry gives a fresh statement
    replay.enqueue({"statement": "人件費の削減で予約システムの費用は賄える"})
    result = invoke("run", DATA / "facility_booking_ja.md", "-o", tmp_path / "out",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "2")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    records = [json.loads(line) for line in (out / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(r["angle"], r["stance"]) for r in records} == {("cost", "pro"), ("cost", "con"),
                                                          ("resident_services", "pro"), ("resident_services", "con")}
    assert all(r["quote"] and r["source_path"] and r["chunk_id"] for r in records)
    raw = (out / "polis.csv").read_bytes()
    assert raw.startswith(b'"comment_text"\n')
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert len(rows) == 4
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["report"]["retries"] == 1 and report["drop_counts"] == {}
    assert "statements per angle and side" in result.output


def test_generate_then_dedupe_then_export_by_hand(tmp_path, replay):
    replay.enqueue({"statement": "予約システムの費用は人件費削減で回収できる"})
    replay.enqueue({"statement": "オンライン予約は住民の利便性を高める"})
    statements = tmp_path / "s.jsonl"
    result = invoke("generate", DATA / "facility_booking_ja.md", "-o", statements,
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "1")
    assert result.exit_code == 0, result.output
    assert invoke("dedupe", statements, "-o", tmp_path / "d.txt").exit_code == 0
    assert invoke("export", tmp_path / "d.txt", "-o", tmp_path / "p.csv").exit_code == 0
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[1] == '"予約システムの費用は人件費削減で回収できる"'


def test_bad_inputs_exit_2_with_one_line_and_write_nothing(tmp_path, replay):
    out = tmp_path / "out"
    (tmp_path / "empty").mkdir()
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    for path, words in [(tmp_path / "missing", "no such file"), (tmp_path / "empty", "no documents"),
                        (binary, "binary")]:
        line = one_line_error(invoke("run", path, "-o", out))
        assert str(path) in line and words in line
    line = one_line_error(invoke("run", DATA / "facility_booking_ja.md", "-o", out, "--angles", tmp_path / "nope.yaml"))
    assert "nope.yaml" in line
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("angles: [\n", encoding="utf-8")
    assert "not valid YAML" in one_line_error(invoke("generate", DATA, "-o", tmp_path / "s.jsonl", "--angles", bad_yaml))
    assert invoke("run", DATA, "--max-chars", "0", "-o", out).exit_code == 2
    assert not out.exists() and not (tmp_path / "s.jsonl").exists()


def test_openai_without_key_or_base_url_names_the_variable(tmp_path):
    line = one_line_error(invoke("generate", DATA / "facility_booking_ja.md", "--provider", "openai",
                                 "-o", tmp_path / "s.jsonl"))
    assert "OPENAI_API_KEY" in line
    line = one_line_error(invoke("generate", DATA / "facility_booking_ja.md", "--provider", "nope",
                                 "-o", tmp_path / "s.jsonl"))
    assert "--provider" in line and "'nope'" in line and "anthropic" in line


def test_dedupe_reports_a_malformed_jsonl_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    line = one_line_error(invoke("dedupe", bad, "-o", tmp_path / "out.jsonl"))
    assert "line 2" in line and not (tmp_path / "out.jsonl").exists()


def test_run_writes_usage_and_a_failed_request_exits_1_after_writing_what_succeeded(tmp_path, replay):
    from polis_seed.providers.base import ProviderError

    replay.enqueue(ProviderError("connection reset"))
    replay.enqueue({"statement": "オンライン予約は住民の利便性を高める"})
    result = invoke("run", DATA / "facility_booking_ja.md", "-o", tmp_path / "out",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "1")
    assert result.exit_code == 1
    assert "1 model requests failed" in result.output and "connection reset" in result.output
    usage = json.loads((tmp_path / "out" / "usage.json").read_text(encoding="utf-8"))
    assert usage["model_calls"] == 2 and usage["provider"] == "local" and usage["usd"] == 0.0
    assert (tmp_path / "out" / "polis.csv").read_text(encoding="utf-8").count("\n") == 2


def test_a_run_shows_progress_per_request_with_a_count_and_time_left_when_not_a_terminal(tmp_path, replay):
    for answer in ["予約システムの費用は人件費削減で回収できる", "保守費用が高いと予約システムの削減効果は小さい",
                   "オンライン予約は住民の利便性を高める", "オンライン予約は高齢者を取り残す"]:
        replay.enqueue({"statement": answer})
    result = invoke("generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "s.jsonl",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "2")
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("generate: ")]
    assert progress[-1].startswith("generate: 4/4 requests (100%), about 0 s left")
    assert len(progress) == 4  # every 5 %: with 4 requests, each one is a step


def test_help_shows_defaults_from_the_settings_and_no_type_markers():
    text = invoke("run", "--help").output
    assert "Usage: polis-seed run [OPTIONS] PATH..." in text or "run [OPTIONS] PATH..." in text
    assert "(default: 140)" in text and "(default: 6)" in text and "(default: exact,fuzzy,semantic)" in text
    assert "<bool>" not in text and "{" not in text
    assert not [line for line in text.splitlines() if line.rstrip().endswith(" .")]  # no default cut out of a help text

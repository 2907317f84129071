import csv
import io
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from tests.replay import statement_from_the_source

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
    replay.always("Candidates", statement_from_the_source)
    result = invoke("run", DATA / "facility_booking_ja.md", "-o", tmp_path / "out",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "2", "--no-stance-check")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    records = [json.loads(line) for line in (out / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(r["angle"], r["stance"]) for r in records} == {("cost", "pro"), ("cost", "con"),
                                                          ("resident_services", "pro"), ("resident_services", "con")}
    assert all(r["quote"] and r["source_path"] and r["chunk_id"] and r["id"] for r in records)
    raw = (out / "polis.csv").read_bytes()
    assert raw.startswith(b'"comment_text"\n')
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    deduped = (out / "deduped.jsonl").read_text(encoding="utf-8").splitlines()
    assert 2 <= len(rows) == len(deduped) <= 4
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    # the subject, then one request per sentence (2 angles × 2 sides); judging them takes none (--no-stance-check)
    assert report["report"]["requests"] == 5 and report["drop_counts"] == {}
    assert "statements per angle and side" in result.output
    for name in ("statements.jsonl", "deduped.jsonl", "merges.csv", "polis.csv", "report.json", "usage.json",
                 "quality.json"):
        assert (out / name).is_file()


def test_a_statement_repeated_from_another_sentence_is_kept_once(tmp_path, replay):
    document = tmp_path / "two.md"  # two sentences about the same cost: answers grounded in both
    document.write_text("予約システムの導入費用は人件費の削減で5年程度で回収できる見込みである。\n\n"
                        "予約システムの導入費用は人件費の削減により回収できるとの意見が多かった。\n", encoding="utf-8")
    angles = tmp_path / "angles.yaml"
    angles.write_text("angles:\n  - {id: cost, name: 費用, pro: 費用に見合う, con: 費用がかかりすぎる}\n", encoding="utf-8")
    for answer in ["予約システムの費用は人件費削減で回収できる", "予約システムの費用は人件費削減で回収できる!"]:
        replay.enqueue({"statements": [answer]})
    replay.always("Agreement", lambda request: {"answer": "no" if "かかりすぎる" in request.messages[-1].content
                                                else "yes"})  # both read as pro
    result = invoke("generate", document, "-o", tmp_path / "s.jsonl", "--angles", angles, "--per-angle", "2",
                    "--topic", "予約システム")
    assert result.exit_code == 0, result.output
    texts = [json.loads(line)["text"] for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert texts == ["予約システムの費用は人件費削減で回収できる"]
    report = json.loads((tmp_path / "s.report.json").read_text(encoding="utf-8"))
    assert [drop["reasons"][0].split(":")[0] for drop in report["report"]["dropped"]] == ["repeat"]


def test_generate_then_dedupe_then_export_by_hand(tmp_path, replay):
    replay.always("Candidates", statement_from_the_source)
    statements = tmp_path / "s.jsonl"
    result = invoke("generate", DATA / "facility_booking_ja.md", "-o", statements,
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "1", "--no-stance-check")
    assert result.exit_code == 0, result.output
    generated = [json.loads(line)["text"] for line in statements.read_text(encoding="utf-8").splitlines()]
    assert invoke("dedupe", statements, "-o", tmp_path / "d.jsonl").exit_code == 0
    assert invoke("export", tmp_path / "d.jsonl", "-o", tmp_path / "p.csv").exit_code == 0
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[1:] == [f'"{text}"' for text in generated]


def test_run_writes_usage_and_a_failed_request_exits_1_after_writing_what_succeeded(tmp_path, replay):
    from polis_seed.providers.base import ProviderError

    replay.enqueue(ProviderError("connection reset"))
    replay.enqueue(statement_from_the_source)
    result = invoke("run", DATA / "facility_booking_ja.md", "-o", tmp_path / "out",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "1", "--no-stance-check")
    assert result.exit_code == 1
    assert "1 model requests failed" in result.output and "connection reset" in result.output
    usage = json.loads((tmp_path / "out" / "usage.json").read_text(encoding="utf-8"))
    # the subject and two sentences (one failed)
    assert usage["model_calls"] == 3 and usage["provider"] == "local" and usage["usd"] == 0.0
    assert (tmp_path / "out" / "polis.csv").read_text(encoding="utf-8").count("\n") == 2


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


def test_a_run_shows_progress_per_request_with_a_count_and_time_left_when_not_a_terminal(tmp_path, replay):
    replay.always("Candidates", statement_from_the_source)
    result = invoke("generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "s.jsonl",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "2", "--no-stance-check")
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("generate: ")]
    # Step by step: the subject's request (its total is not known up front: it may be asked again), then the four
    # sentences against the step's own total. Every request is more than a 5 % step. (The time left depends on the
    # machine's load: only its form is checked; none once the step is done.)
    shown = [re.sub(r"(?:about \d+ s|under 1 s) left", "T left", line) for line in progress]
    assert shown == ["generate: subject: 1 request"] + [
        f"generate: candidates: {done}/4 requests ({100 * done // 4}%), T left" for done in range(1, 4)] + [
        "generate: candidates: 4/4 requests (100%)"]


def test_help_shows_defaults_from_the_settings_and_no_type_markers():
    text = invoke("run", "--help").output
    assert "Usage: polis-seed run [OPTIONS] PATH..." in text or "run [OPTIONS] PATH..." in text
    assert "(default: 140)" in text and "(default: 4)" in text and "(default: exact,fuzzy,semantic, and llm" in text
    assert "<bool>" not in text and "{" not in text
    assert not [line for line in text.splitlines() if line.rstrip().endswith(" .")]  # no default cut out of a help text


def survey_csv(tmp_path, column="ご意見"):
    """A survey export: a number, a person's name (personal data) and their opinion."""
    path = tmp_path / "survey.csv"
    path.write_text(f"番号,氏名,{column}\n"
                    "1,山田太郎,公共施設の予約をオンラインにすると夜間でも手続きができて住民の利便性が高まる。\n"
                    "2,佐藤花子,予約システムの導入費用は窓口の人件費の削減で数年のうちに回収できる見込みだ。\n",
                    encoding="utf-8")
    return path


def test_generate_with_column_reads_the_opinions_and_never_the_names(tmp_path, replay):
    asked = []

    def answer(request):
        asked.append(request)
        return statement_from_the_source(request)

    replay.always("Candidates", answer)
    topic = {"topic": "公共施設予約のオンライン化", "terms": ["予約", "オンライン"]}
    replay.always("TopicAnswer", lambda request: asked.append(request) or topic)
    result = invoke("generate", survey_csv(tmp_path), "--column", "ご意見", "-o", tmp_path / "s.jsonl",
                    "--angles", DATA / "two_angles.yaml", "--per-angle", "1", "--no-stance-check")
    assert result.exit_code == 0, result.output
    sent = "\n".join(message.content for request in asked for message in request.messages)
    # the model sees the opinions (the title is the first of them, the source sentences come from them) ...
    assert "<source>公共施設の予約をオンラインにすると夜間でも手続きができて" in sent
    assert "山田" not in sent and "佐藤" not in sent  # ... and never the names
    records = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records and all(record["source_path"].endswith("survey.csv") for record in records)


def test_chunks_with_column_shows_only_that_column(tmp_path):
    result = invoke("chunks", survey_csv(tmp_path, "自由記述"), "--column", "自由記述", "--text")
    assert result.exit_code == 0, result.output
    assert "夜間でも手続きができて" in result.output and "山田" not in result.output


def test_a_column_the_csv_does_not_have_is_one_line_exit_2_and_nothing_written(tmp_path):
    path = survey_csv(tmp_path)
    out = tmp_path / "out"
    line = one_line_error(invoke("run", path, "--column", "意見", "-o", out))
    assert line == f"error: {path}: has no column '意見'; its columns: 番号, 氏名, ご意見; pass --column with one of them"
    assert not out.exists()
    line = one_line_error(invoke("export", path, "--column", "意見", "-o", tmp_path / "polis.csv"))
    assert "has no column '意見'" in line and not (tmp_path / "polis.csv").exists()


def test_a_csv_without_a_known_column_lists_the_recognised_names_and_its_own(tmp_path):
    from polis_seed.io.readers import COMMENT_COLUMNS

    path = survey_csv(tmp_path, "自由記述")
    line = one_line_error(invoke("chunks", path))
    assert f"recognised: {', '.join(COMMENT_COLUMNS)}" in line and "意見" in COMMENT_COLUMNS and "body" in COMMENT_COLUMNS
    assert "its columns: 番号, 氏名, 自由記述" in line and "pass --column" in line
    line = one_line_error(invoke("dedupe", path, "-o", tmp_path / "kept.jsonl"))
    assert "no statement column" in line and "its columns: 番号, 氏名, 自由記述" in line and "pass --column" in line
    assert not (tmp_path / "kept.jsonl").exists()


def test_dedupe_export_and_lint_read_the_column_named(tmp_path):
    path = survey_csv(tmp_path, "自由記述")
    result = invoke("export", path, "--column", "自由記述", "-o", tmp_path / "polis.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "polis.csv").read_text(encoding="utf-8"))))
    assert [row["comment_text"][:6] for row in rows] == ["公共施設の予", "予約システム"]
    result = invoke("dedupe", path, "--column", "自由記述", "-o", tmp_path / "kept.txt")
    assert result.exit_code == 0, result.output
    assert "山田" not in (tmp_path / "kept.txt").read_text(encoding="utf-8")
    result = invoke("lint", path, "--column", "自由記述", "--max-chars", "400", "--json")
    assert json.loads(result.output)["statements"] == 2
    piped = invoke("dedupe", "-", "--column", "自由記述", "-o", "-", input=path.read_text(encoding="utf-8"))
    assert piped.exit_code == 0 and len(piped.stdout.splitlines()) == 2 and "山田" not in piped.stdout

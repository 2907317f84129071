"""Silent traps, each closed, each with a test that failed before the fix."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.cli.errors import EXIT_BROKEN_PIPE
from polis_seed.config import Settings
from polis_seed.errors import InputError
from polis_seed.models import Statement
from polis_seed.pipeline import deduplicate
from polis_seed.plan import dedupe_settings_of

DATA = Path(__file__).parent / "data"
SRC = Path(__file__).parent.parent / "src" / "polis_seed"
runner = CliRunner()


def invoke(*args, **kwargs):
    return runner.invoke(cli.app, [str(a) for a in args], **kwargs)


def test_a_bad_value_in_the_config_file_is_blamed_on_the_file_not_on_a_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("polis-seed.yaml").write_text("max_chars: 0\n", encoding="utf-8")
    result = invoke("generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "s.jsonl")
    assert result.exit_code == 2
    assert "polis-seed.yaml: max_chars: 0" in result.output and "--max-chars" not in result.output
    Path("polis-seed.yaml").write_text("max_chars: 100\n", encoding="utf-8")
    flagged = invoke("generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "s.jsonl", "--per-angle", "0")
    assert flagged.exit_code == 2 and "--per-angle 0" in flagged.output


def test_export_refuses_statements_over_the_limit_and_lint_and_export_read_the_limit_from_the_config(tmp_path,
                                                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "s.txt"
    source.write_text("短い意見でも意見だ\n" + "長い" * 80 + "\n", encoding="utf-8")
    result = invoke("export", source, "--format", "polis", "--max-chars", "140", "-o", tmp_path / "p.csv")
    assert result.exit_code == 2 and "1 statements are longer than 140" in result.output and "line 2" in result.output
    assert not (tmp_path / "p.csv").exists()
    assert invoke("export", source, "--max-chars", "400", "-o", tmp_path / "p.csv").exit_code == 0
    Path("polis-seed.yaml").write_text("max_chars: 10\n", encoding="utf-8")
    lint = invoke("lint", source, "--json")
    assert {f["rule"] for f in json.loads(lint.stdout)["findings"]} == {"too-long"}
    assert [f["line"] for f in json.loads(lint.stdout)["findings"]] == [2]
    assert invoke("export", source, "-o", tmp_path / "q.csv").exit_code == 2


def test_the_llm_tier_without_a_model_is_an_error_not_skipped():
    statements = [Statement(text="共通化で費用が減る"), Statement(text="共通化で費用が下がる")]
    with pytest.raises(InputError) as error:
        deduplicate(statements, dedupe_settings_of(Settings(tiers=["exact", "llm"])), provider=None)
    assert "--tiers llm" in error.value.message


def test_dry_run_counts_the_discovery_request(tmp_path):
    args = ["generate", DATA / "facility_booking_ja.md", "--angles", DATA / "two_angles.yaml", "--dry-run",
            "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1", "--strategy", "sentence"]
    plain = invoke(*args)
    discovering = invoke(*args, "--discover-angles")
    assert plain.exit_code == 0 and discovering.exit_code == 0, discovering.output

    def requests(output):
        row = next(line for line in output.splitlines() if "openai" in line and "│" in line)
        return int([cell.strip() for cell in row.split("│") if cell.strip()][3])

    assert requests(discovering.output) == requests(plain.output) + 1
    assert "--discover-angles: 1 request" in discovering.output


def test_no_private_module_of_an_sdk_is_imported():
    private = re.compile(r"^\s*(?:from|import)\s+(?:openai|anthropic)(?:\.\w+)*\._\w+", re.M)
    for path in SRC.rglob("*.py"):
        assert not private.search(path.read_text(encoding="utf-8")), path


def test_sdk_floors_are_the_versions_the_code_is_tested_with():
    from importlib.metadata import version

    pyproject = (SRC.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    for package, tested in (("openai", "3.57"), ("anthropic", "2.14")):
        floor = re.search(rf'"{package}>=([\d.]+)', pyproject).group(1)
        assert floor == tested
        assert tuple(map(int, version(package).split(".")[:2])) >= tuple(map(int, tested.split(".")))


def test_a_file_cut_inside_a_utf8_character_is_read_with_a_warning_naming_the_byte(tmp_path):
    text = "公共施設の予約をオンラインにすると住民の利便性が高まるとの意見が出た。費用"
    raw = text.encode("utf-8")[:-2]  # the last character loses two of its three bytes
    (tmp_path / "cut.txt").write_bytes(raw)
    result = invoke("chunks", tmp_path / "cut.txt")
    assert result.exit_code == 0, result.output
    assert f"at byte {len(raw) - 1}" in result.output and "cut.txt" in result.output


def test_a_closed_pipe_ends_lint_quietly_and_piped_output_is_not_wrapped(tmp_path):
    lines = [f"意見その{i}は公共施設の予約をオンラインにすべきだという長い主張であり、" + "理由も添えてある" * 14 for i in range(400)]
    source = tmp_path / "many.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "polis_seed.cli", "lint", str(source), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "80"})
    process.stdout.readline()
    process.stdout.close()  # `| head -1`
    stderr = process.stderr.read().decode()
    assert process.wait() == EXIT_BROKEN_PIPE
    assert "bug" not in stderr and "Traceback" not in stderr
    table = subprocess.run([sys.executable, "-m", "polis_seed.cli", "lint", str(source)], capture_output=True,
                           text=True, env={**os.environ, "COLUMNS": "80"})
    row = next(line for line in table.stdout.splitlines() if "too-long" in line)
    assert len(row) > 80 and "the limit is 140, so shorten it" in row  # one finding, one line, not cut at 80

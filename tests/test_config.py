import contextlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.providers.registry import ResolvedProvider
from polis_seed.config import load_settings
from polis_seed.plan import provider_of
from polis_seed.errors import InputError

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def test_config_file_in_the_working_folder_is_read_and_flags_override_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("polis-seed.yaml").write_text("provider: openai\nmodel: gpt-4o-mini\nper_angle: 4\nangles: my.yaml\n",
                                       encoding="utf-8")
    settings = load_settings(None, {"per_angle": 2, "model": None})
    assert (settings.provider, settings.model, settings.per_angle) == ("openai", "gpt-4o-mini", 2)
    assert settings.angles == Path("my.yaml") and provider_of(settings).concurrency == 8


@pytest.mark.parametrize("content, words", [
    ("provder: openai\n", "unknown setting 'provder'"),
    ("provider: [\n", "not valid YAML"),
    ("- a list\n", "must be a mapping"),
    ("provider: gemini\n", "'gemini'"),
])
def test_bad_config_is_a_one_line_error_naming_the_file(tmp_path, content, words):
    path = tmp_path / "conf.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_settings(path, {})
    assert words in error.value.message


def test_cli_rejects_a_typo_in_the_config_with_exit_2(tmp_path):
    path = tmp_path / "conf.yaml"
    path.write_text("max_char: 100\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["generate", str(DATA), "--config", str(path), "-o", str(tmp_path / "s.jsonl")])
    assert result.exit_code == 2 and "unknown setting 'max_char'" in result.output


def dry_run_row(output: str) -> dict[str, str]:
    row = next(line for line in output.splitlines() if "openai" in line and "│" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    return dict(zip(("provider", "model", "strategy", "requests", "input", "cached", "output", "usd", "batch_usd"), cells))


@pytest.mark.parametrize("strategy", ["sentence", "document"])
def test_dry_run_prints_the_cost_table_for_each_strategy_and_calls_no_model(tmp_path, monkeypatch, strategy):
    @contextlib.contextmanager
    def no_provider(self, cache_dir, debug=False, batch_queue=None):
        raise AssertionError("dry run must not open a provider")
        yield

    monkeypatch.setattr(ResolvedProvider, "open", no_provider)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    result = runner.invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "--provider", "openai",
                                     "--model", "gpt-4o-mini", "--angles", str(DATA / "two_angles.yaml"),
                                     "--strategy", strategy, "--dry-run", "-o", str(tmp_path / "s.jsonl")])
    assert result.exit_code == 0, result.output
    assert "no model called" in result.output and "2025-08-15" in result.output
    row = dry_run_row(result.output)
    assert row["strategy"] == strategy
    if strategy == "sentence":
        assert 2 <= int(row["requests"]) <= 12 and row["cached"] == "0"
    else:  # one discuss request (both angles fit one batch) and one distil request
        assert int(row["requests"]) == 2
    assert 0 < float(row["batch_usd"]) < float(row["usd"])
    assert not (tmp_path / "s.jsonl").exists()


def test_auto_picks_the_document_strategy_for_a_hosted_provider_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    result = runner.invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "--provider", "openai",
                                     "--dry-run"])
    assert dry_run_row(result.output)["strategy"] == "document"
    assert "--provider openai is a hosted model" in result.output


def test_the_config_file_names_the_comment_column_and_the_flag_overrides_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("polis-seed.yaml").write_text("column: 自由記述\n", encoding="utf-8")
    Path("survey.csv").write_text("番号,氏名,自由記述,感想\n1,山田太郎,夜間も予約したい,便利\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["chunks", "survey.csv", "--text"])
    assert result.exit_code == 0 and "夜間も予約したい" in result.output and "山田" not in result.output
    result = runner.invoke(cli.app, ["chunks", "survey.csv", "--text", "--column", "感想"])
    assert result.exit_code == 0 and "便利" in result.output and "夜間" not in result.output
    result = runner.invoke(cli.app, ["export", "survey.csv", "-o", "polis.csv"])
    assert result.exit_code == 0 and Path("polis.csv").read_text(encoding="utf-8").splitlines()[1] == '"夜間も予約したい"'

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.models import Statement
from polis_seed.rules import Finding
from polis_seed.stages.export import polis_comments_csv, polis_csv, review_csv

runner = CliRunner()
JS = Path(__file__).parent / "js"
STATEMENTS = [
    Statement(text="共通化はコストを下げる", angle="cost", stance="pro", source_path="a.md", quote="コスト削減",
              merged=["共通化でコストが下がる"]),
    Statement(text='=HYPERLINK("http://x","click")', angle="cost", stance="con"),
    Statement(text="-5%の削減は小さすぎる"),
    Statement(text="Residents gain little, and staff lose time"),
]


def csv_parse(path: Path) -> list[dict]:
    """Parse with csv-parse `columns: true, skip_empty_lines: true`, as Polis's server does."""
    if not (JS / "node_modules" / "csv-parse").is_dir() or shutil.which("node") is None:
        pytest.fail("csv-parse is not installed: run `npm ci --prefix tests/js` (the README's test command does)")
    output = subprocess.run(["node", str(JS / "parse_polis_csv.mjs"), str(path)], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(output)


def test_polis_csv_parses_with_csv_parse_columns_true_into_comment_text_records(tmp_path):
    path = tmp_path / "polis.csv"
    path.write_text(polis_csv(STATEMENTS + [Statement(text="   ")]), encoding="utf-8")
    records = csv_parse(path)
    assert [r["comment_text"] for r in records] == [s.text for s in STATEMENTS]
    assert all(list(r) == ["comment_text"] for r in records)


def test_a_bom_would_break_polis_and_we_never_write_one(tmp_path):
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + polis_csv(STATEMENTS).encode("utf-8"))
    with pytest.raises(subprocess.CalledProcessError):
        csv_parse(with_bom)
    assert not polis_csv(STATEMENTS).startswith("\ufeff")


def test_review_csv_has_a_bom_columns_for_review_and_neutralised_formulas():
    content = review_csv(STATEMENTS, {1: [Finding("formula", "error", "starts with '='")]})
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0] == ["id", "keep", "statement", "angle", "stance", "checked stance", "source file", "quote",
                       "merged duplicates", "lint findings", "document id", "chunk id"]
    assert rows[1][1:9] == ["", "共通化はコストを下げる", "cost", "pro", "", "a.md", "コスト削減", "共通化でコストが下がる"]
    assert rows[2][2] == "'=HYPERLINK(\"http://x\",\"click\")" and rows[2][9] == "formula: starts with '='"
    assert rows[3][2] == "'-5%の削減は小さすぎる"


def test_polis_comments_layout():
    rows = list(csv.DictReader(io.StringIO(polis_comments_csv(STATEMENTS[:1], timestamp_ms=1700000000000))))
    assert list(rows[0]) == ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                             "comment-body"]
    assert rows[0]["comment-body"] == "共通化はコストを下げる" and rows[0]["comment-id"] == "0"


def test_export_formats_and_split_from_the_command_line(tmp_path):
    source = tmp_path / "s.jsonl"
    source.write_text("".join(s.model_dump_json() + "\n" for s in STATEMENTS), encoding="utf-8")
    for name, suffix in [("review", ".csv"), ("kouchou", ".csv"), ("jsonl", ".jsonl"), ("txt", ".txt")]:
        out = tmp_path / f"{name}{suffix}"
        result = runner.invoke(cli.app, ["export", str(source), "--format", name, "-o", str(out)])
        assert result.exit_code == 0, result.output
    # What goes to Polis takes no statement lint calls an error (here, two would-be formulas)
    for name in ("polis", "polis-comments"):
        refused = runner.invoke(cli.app, ["export", str(source), "--format", name, "-o", str(tmp_path / "p.csv")])
        assert refused.exit_code == 2 and "(the first, line 2: formula:" in refused.output
    source.write_text("".join(s.model_dump_json() + "\n" for s in [STATEMENTS[0], STATEMENTS[3]] + [
        Statement(text="共通化は職員の負担を減らす"), Statement(text="共通化で窓口の待ち時間が短くなる")]), encoding="utf-8")
    kouchou = list(csv.DictReader(io.StringIO((tmp_path / "kouchou.csv").read_text(encoding="utf-8"))))
    assert kouchou[0]["comment-id"] == "1" and kouchou[0]["comment-body"] == "共通化はコストを下げる"
    assert (tmp_path / "txt.txt").read_text(encoding="utf-8").splitlines()[0] == "共通化はコストを下げる"
    result = runner.invoke(cli.app, ["export", str(source), "--split", "3", "-o", str(tmp_path / "polis.csv")])
    assert result.exit_code == 0, result.output
    parts = sorted(tmp_path.glob("polis-0*.csv"))
    assert [p.name for p in parts] == ["polis-001.csv", "polis-002.csv"]
    assert [len(csv_parse(p)) for p in parts] == [3, 1]
    bad = runner.invoke(cli.app, ["export", str(source), "--format", "xlsx", "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "unknown format" in bad.output

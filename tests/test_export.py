import csv
import io

import pytest

from polis_seed.errors import InputError
from polis_seed.models import Statement
from polis_seed.stages.export import polis_csv
from polis_seed.io.statements import read_statements, write_statements


def test_polis_csv_has_one_quoted_header_no_bom_and_no_empty_rows():
    content = polis_csv([Statement(text="共通化はコストを下げる"), Statement(text="  "),
                         Statement(text='He said "yes",\nthen left')])
    raw = content.encode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert content.splitlines()[0] == '"comment_text"'
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["comment_text"] for r in rows] == ["共通化はコストを下げる", 'He said "yes", then left']
    assert all(line.startswith('"') and line.endswith('"') for line in content.splitlines())


def test_statement_files_keep_every_field_through_jsonl_and_csv(tmp_path):
    statements = [Statement(text="一つ目の意見, \"引用\"", id="s1", angle="cost", stance="pro", checked_stance="con",
                            document_id="d1", source_path="a.md", chunk_id="d1:0", quote="q, with comma",
                            merged=["同じ意見", "同じ意見 / 別の書き方"], moderated=1),
                  Statement(text="二つ目の意見")]
    for suffix in (".jsonl", ".csv"):
        path = tmp_path / f"s{suffix}"
        assert write_statements(statements, str(path)) == []
        assert read_statements(str(path)).statements == statements


def test_a_text_file_keeps_only_the_text_and_says_so_once(tmp_path):
    statements = [Statement(text="一つ目の意見", angle="cost", stance="pro", quote="q"), Statement(text="二つ目の意見")]
    warnings = write_statements(statements, str(tmp_path / "s.txt"))
    assert len(warnings) == 1 and "angle, stance, quote" in warnings[0]
    assert [s.text for s in read_statements(str(tmp_path / "s.txt")).statements] == ["一つ目の意見", "二つ目の意見"]
    assert write_statements([Statement(text="本文だけ")], str(tmp_path / "plain.txt")) == []


def test_csv_columns_polis_and_kouchou_names_are_read(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text("comment-id,comment-body\n1,既存の意見\n2,\n", encoding="utf-8")
    assert [s.text for s in read_statements(str(path)).statements] == ["既存の意見"]


@pytest.mark.parametrize("name, content, message", [
    ("bad.jsonl", '{"text": "ok"}\n{"text": \n', "line 2"),
    ("nocol.csv", "id,notes\n1,x\n", "no statement column"),
    ("empty.txt", "\n\n", "holds no statements"),
    ("x.ods", "", "unknown statement format"),
    ("x.xlsx", "", "not a readable Excel workbook"),
])
def test_bad_statement_files_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_statements(str(path))
    assert str(path) in error.value.message and message in error.value.message


def test_a_comment_csv_is_read_by_the_column_named(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("番号,氏名,自由記述,moderated\n1,山田太郎,夜間も予約したい,1\n2,佐藤花子,窓口は残すべきだ,-1\n",
                    encoding="utf-8")
    read = read_statements(str(path), column="自由記述")
    assert [s.text for s in read.statements] == ["夜間も予約したい"] and read.rejected == 1
    with pytest.raises(InputError) as error:
        read_statements(str(path), column="意見")
    assert error.value.message == (f"{path}: has no column '意見'; its columns: 番号, 氏名, 自由記述, moderated; "
                                   "pass --column with one of them")


def test_our_own_statement_csv_and_a_review_sheet_keep_their_columns_whatever_the_column(tmp_path):
    # A `column:` in polis-seed.yaml meant for a survey must not break reading what polis-seed wrote.
    statements = [Statement(text="一つ目の意見", angle="cost", stance="pro"), Statement(text="二つ目の意見")]
    ours = tmp_path / "s.csv"
    write_statements(statements, str(ours))
    assert read_statements(str(ours), column="自由記述").statements == statements
    sheet = tmp_path / "review.csv"
    sheet.write_text("id,keep,statement\n,,一つ目の意見\n", encoding="utf-8")
    assert [s.text for s in read_statements(str(sheet), column="自由記述").statements] == ["一つ目の意見"]


def test_stdin_is_a_csv_when_its_header_has_the_column_named(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("番号,自由記述\n1,夜間も予約したい\n"))
    assert [s.text for s in read_statements("-", column="自由記述").statements] == ["夜間も予約したい"]
    monkeypatch.setattr("sys.stdin", io.StringIO("夜間も予約したい\n窓口は残すべきだ\n"))
    assert len(read_statements("-", column="自由記述").statements) == 2  # a text list stays a text list

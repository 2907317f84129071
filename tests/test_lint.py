import json

from typer.testing import CliRunner

from polis_seed import cli

runner = CliRunner()

DEFECTS = """情報システムの共通化はコスト削減につながる
共通化は本当に必要でしょうか？
{long}

=共通化に賛成だ
共通化でコストが下がり、職員の負担も減るし、住民も便利になる
2023年度の予算は3億円だった
情報システムの共通化はコスト削減につながる。
Open source should be preferred
""".format(long="住民の意見" * 30)


def lint(tmp_path, content, *extra, name="list.txt"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return runner.invoke(cli.app, ["lint", str(path), *extra])


def test_each_defect_is_reported_on_its_own_line_in_json(tmp_path):
    result = lint(tmp_path, DEFECTS, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    found = {(f["line"], f["rule"]) for f in report["findings"]}
    assert found == {(2, "question"), (3, "too-long"), (4, "empty"), (5, "formula"), (6, "compound"),
                     (7, "bare-figure"), (7, "fact-report"), (8, "duplicate")}
    duplicate = next(f for f in report["findings"] if f["rule"] == "duplicate")
    assert "line 1" in duplicate["message"]
    assert report["errors"] == 5 and report["warnings"] == 3


def test_limits_are_configurable(tmp_path):
    result = lint(tmp_path, "住民の意見" * 30 + "\n", "--max-chars", "400", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"] == []


def test_a_clean_list_exits_0_and_says_so(tmp_path):
    result = lint(tmp_path, "共通化はコスト削減につながる\nOSSの採用でベンダー依存を減らせる\n")
    assert result.exit_code == 0 and "no findings" in result.stdout


def test_jsonl_lines_and_angle_stance_balance(tmp_path):
    records = [{"text": "共通化はコスト削減につながる", "angle": "cost", "stance": "pro"},
               {"text": "共通化の費用は高すぎる", "angle": "cost", "stance": "con"},
               {"text": "職員の研修が欠かせない", "angle": "staffing", "stance": "pro"}]
    result = lint(tmp_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "--json",
                  name="s.jsonl")
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert [(f["line"], f["rule"]) for f in report["findings"]] == [(None, "balance")]
    assert "staffing" in report["findings"][0]["message"]


def test_csv_rows_are_reported_with_their_file_line(tmp_path):
    result = lint(tmp_path, 'comment_text\n"良い提案だ"\n"予約は有料にすべきか？"\n', "--json", name="polis.csv")
    assert [(f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"]] == [(3, "question")]

"""The Excel review round trip: `export --format review`, the sheet edited in a real spreadsheet writer
(openpyxl, then LibreOffice headless saving CSV in cp932 as Excel in Japanese does), read back by
export, dedupe and lint: drops, edits and added rows applied, provenance kept by id."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from polis_seed import cli

from .run_folder import make_run_folder

runner = CliRunner()
EDITED = "公共施設予約のオンライン化で窓口の待ち時間は短くなる"
ADDED = "公共施設予約のオンライン化には紙の申込みも残すべきだ"


def invoke(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def polis_texts(path: Path) -> list[str]:
    return [row["comment_text"] for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))]


def edit_in_a_spreadsheet(sheet: Path, edited: Path) -> None:
    """Drop the first row (削除) and the third (x), change the second's text, add a row without an id."""
    workbook = load_workbook(sheet)
    rows = workbook.active
    header = [cell.value for cell in rows[1]]
    keep, statement, angle, stance = (header.index(name) + 1 for name in ("keep", "statement", "angle", "stance"))
    rows.cell(row=2, column=keep, value="削除")
    rows.cell(row=3, column=statement, value=EDITED)
    rows.cell(row=4, column=keep, value="x")
    new = rows.max_row + 1
    rows.cell(row=new, column=statement, value=ADDED)
    rows.cell(row=new, column=angle, value="resident_services")
    rows.cell(row=new, column=stance, value="反対")
    workbook.save(edited)


def libreoffice_to_cp932_csv(workbook: Path, folder: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "this test needs LibreOffice: apt-get install libreoffice-calc-nogui"
    # 44 = comma, 34 = double quote, 60 = Windows-932 (what Excel in Japanese writes), 1 = from the first line
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder / 'lo-profile'}",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,60,1", "--outdir", str(folder),
                    str(workbook)], check=True, capture_output=True, timeout=180)
    return folder / (workbook.stem + ".csv")


def test_a_review_sheet_edited_and_saved_as_cp932_exports_exactly_the_reviewed_rows(tmp_path, replay):
    run = make_run_folder(tmp_path, replay)
    exported = records(run / "deduped.jsonl")
    sheet = tmp_path / "review.xlsx"
    assert invoke("export", run / "deduped.jsonl", "--format", "review", "-o", sheet).exit_code == 0
    edit_in_a_spreadsheet(sheet, tmp_path / "edited.xlsx")
    saved = libreoffice_to_cp932_csv(tmp_path / "edited.xlsx", tmp_path)
    raw = saved.read_bytes()
    assert raw.decode("cp932") and not _is_utf8(raw)  # really cp932, as Excel saves it

    result = invoke("export", saved, "-o", tmp_path / "polis.csv")
    assert result.exit_code == 0, result.output
    assert "1 edited, 1 added" in result.output and "2 dropped" in result.output
    expected = [EDITED] + [s["text"] for s in exported[3:]] + [ADDED]
    assert polis_texts(tmp_path / "polis.csv") == expected

    # provenance stays with the statements, by id
    assert invoke("export", saved, "--format", "jsonl", "-o", tmp_path / "reviewed.jsonl").exit_code == 0
    kept = records(tmp_path / "reviewed.jsonl")
    assert [k["text"] for k in kept] == expected
    assert kept[0]["id"] == exported[1]["id"] and kept[0]["quote"] == exported[1]["quote"]
    assert kept[0]["source_path"] == exported[1]["source_path"]
    for before, after in zip(exported[3:], kept[1:-1]):
        assert (after["id"], after["quote"], after.get("merged", [])) == (before["id"], before["quote"],
                                                                          before.get("merged", []))
    assert kept[-1]["angle"] == "resident_services" and kept[-1]["stance"] == "con" and "quote" not in kept[-1]

    # the workbook itself reads back the same, and dedupe and lint read the sheet too
    assert invoke("export", tmp_path / "edited.xlsx", "-o", tmp_path / "from-xlsx.csv").exit_code == 0
    assert polis_texts(tmp_path / "from-xlsx.csv") == expected
    deduped = invoke("dedupe", saved, "-o", tmp_path / "d.jsonl")
    assert deduped.exit_code == 0 and [r["text"] for r in records(tmp_path / "d.jsonl")] == expected
    assert invoke("lint", saved).exit_code in (0, 1)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_an_unknown_keep_mark_is_named_with_its_row(tmp_path):
    sheet = tmp_path / "review.csv"
    sheet.write_text("id,keep,statement\ns1,maybe,予約はオンラインにするべきだ\n", encoding="utf-8-sig")
    result = invoke("export", sheet, "-o", tmp_path / "p.csv")
    assert result.exit_code == 2 and "row 2: keep is 'maybe'" in result.output
    assert not (tmp_path / "p.csv").exists()


def test_a_csv_statement_file_keeps_every_field_and_a_txt_says_it_keeps_text_only(tmp_path, replay):
    run = make_run_folder(tmp_path, replay)
    assert invoke("dedupe", run / "statements.jsonl", "-o", tmp_path / "d.csv").exit_code == 0
    assert invoke("export", tmp_path / "d.csv", "--format", "jsonl", "-o", tmp_path / "back.jsonl").exit_code == 0
    again = records(tmp_path / "back.jsonl")
    assert all(r.get("quote") and r.get("angle") and r.get("stance") for r in again)
    assert any(r.get("merged") for r in again)
    result = invoke("dedupe", run / "statements.jsonl", "-o", tmp_path / "d.txt")
    assert result.exit_code == 0 and result.output.count("keeps the statements only") == 1

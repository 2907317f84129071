"""The bad-input matrix: each row is one line naming the file and the fix, exit 2, nothing written."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli

from .fault_server import FaultServer, assert_the_rerun_asks_only_what_is_not_cached, cached_answers

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def make(tmp_path: Path, kind: str) -> tuple[list[str], str]:
    """(command line, words the error must contain) for one row of the matrix."""
    doc = str(DATA / "facility_booking_ja.md")
    if kind == "missing path":
        return ["run", str(tmp_path / "nope")], "no such file or folder"
    if kind == "empty folder":
        (tmp_path / "empty").mkdir()
        return ["run", str(tmp_path / "empty")], "no documents found"
    if kind == "folder of unsupported types only":
        (tmp_path / "docs").mkdir()
        for name in ("comments.xlsx", "chart.png", "photo.png"):
            (tmp_path / "docs" / name).write_bytes(b"PK\x03\x04")
        return ["run", str(tmp_path / "docs")], ("no documents found: it holds only 3 files of unsupported types, "
                                                 ".png ×2 (images: run OCR on them and give the text), .xlsx "
                                                 "(spreadsheets: save the sheet of comments as .csv). polis-seed reads "
                                                 ".txt, .md")
    if kind == "empty file":
        (tmp_path / "e.txt").write_bytes(b"")
        return ["run", str(tmp_path / "e.txt")], "is empty"
    if kind == "whitespace-only file":
        (tmp_path / "w.md").write_text(" \n\t\n　\n", encoding="utf-8")
        return ["run", str(tmp_path / "w.md")], "is empty"
    if kind == "binary file renamed .txt":
        (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
        return ["run", str(tmp_path / "photo.txt")], "binary"
    if kind == "undecodable bytes":
        (tmp_path / "odd.txt").write_bytes(b"\xfd\xfe\xff" * 100)
        return ["run", str(tmp_path / "odd.txt")], "save it as UTF-8"
    if kind == "50 MB text file":
        with open(tmp_path / "huge.txt", "wb") as big:
            big.truncate(50 * 1024 * 1024)
        return ["run", str(tmp_path / "huge.txt")], "split it"
    if kind == "PDF without text layer":
        from reportlab.pdfgen import canvas

        page = canvas.Canvas(str(tmp_path / "scan.pdf"))
        page.rect(10, 10, 50, 50, fill=1)
        page.save()
        return ["run", str(tmp_path / "scan.pdf")], "OCR"
    if kind == "malformed angles YAML":
        (tmp_path / "angles.yaml").write_text("angles:\n  - id: [cost\n", encoding="utf-8")
        return ["run", doc, "--angles", str(tmp_path / "angles.yaml")], "not valid YAML"
    if kind == "angles YAML missing a field":
        (tmp_path / "angles.yaml").write_text("angles:\n  - id: cost\n    name: cost\n", encoding="utf-8")
        return ["run", doc, "--angles", str(tmp_path / "angles.yaml")], "pro"
    if kind == "malformed config":
        (tmp_path / "c.yaml").write_text("per_angle: [\n", encoding="utf-8")
        return ["run", doc, "--config", str(tmp_path / "c.yaml")], "not valid YAML"
    if kind == "malformed JSONL line":
        (tmp_path / "s.jsonl").write_text('{"text": "一つ目"}\n{"text": "二つ目"}\n{oops\n', encoding="utf-8")
        return ["export", str(tmp_path / "s.jsonl")], "line 3"
    if kind == "CSV with no usable column":
        (tmp_path / "s.csv").write_text("id,notes\n1,x\n", encoding="utf-8")
        return ["dedupe", str(tmp_path / "s.csv"), "-o", str(tmp_path / "out" / "k.txt")], "no statement column"
    if kind == "--column the CSV does not have":
        (tmp_path / "survey.csv").write_text("番号,氏名,ご意見\n1,山田太郎,夜間も予約したい\n", encoding="utf-8")
        return ["run", str(tmp_path / "survey.csv"), "--column", "意見"], "has no column '意見'"
    if kind == "unknown --format":
        return ["export", str(DATA / "facility_booking_ja.md"), "--format", "xlsx"], "unknown format"
    if kind == "unknown --provider":
        return ["run", doc, "--provider", "gemini"], "'gemini'"
    if kind == "--max-chars 0":
        return ["run", doc, "--max-chars", "0"], "--max-chars 0"
    raise ValueError(kind)


MATRIX = ["missing path", "empty folder", "folder of unsupported types only", "empty file", "whitespace-only file", "binary file renamed .txt",
          "undecodable bytes", "50 MB text file", "PDF without text layer", "malformed angles YAML",
          "angles YAML missing a field", "malformed config", "malformed JSONL line", "CSV with no usable column",
          "--column the CSV does not have", "unknown --format", "unknown --provider", "--max-chars 0"]


@pytest.mark.parametrize("kind", MATRIX)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    args, words = make(tmp_path, kind)
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "polis.csv"
    existing.write_text('"comment_text"\n"earlier run"\n', encoding="utf-8")
    if args[0] == "run":
        args += ["-o", str(out)]
    elif args[0] == "export":
        args += ["-o", str(existing)]
    started = time.monotonic()
    result = runner.invoke(cli.app, args)
    assert time.monotonic() - started < 20, "must refuse quickly, never hang"
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["polis.csv"]
    assert existing.read_text(encoding="utf-8") == '"comment_text"\n"earlier run"\n'


def test_a_symlink_loop_in_a_folder_neither_hangs_nor_duplicates(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("オンライン予約で住民の利便性が高まる。", encoding="utf-8")
    os.symlink(folder, folder / "loop")
    result = runner.invoke(cli.app, ["chunks", str(folder), "-o", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_one_bad_file_among_good_ones_is_a_warning_with_a_count_unless_strict(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("オンライン予約で住民の利便性が高まる。", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02\x03")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    result = runner.invoke(cli.app, ["chunks", str(folder)])
    assert result.exit_code == 0
    assert "bad.txt" in result.output and "skipped 1 file of unsupported types, .png (images: " in result.output
    strict = runner.invoke(cli.app, ["chunks", str(folder), "--strict"])
    assert strict.exit_code == 2 and "bad.txt" in strict.output


def test_ctrl_c_mid_generate_leaves_no_output_keeps_the_cache_and_the_rerun_resumes(tmp_path):
    output = tmp_path / "statements.jsonl"
    cache = tmp_path / "cache"
    with FaultServer([], delay_seconds=0.7) as server:
        args = [sys.executable, "-m", "polis_seed.cli", "generate", str(DATA / "facility_booking_ja.md"), "-o",
                str(output), "--angles", str(DATA / "two_angles.yaml"), "--per-angle", "4", "--provider", "openai",
                "--base-url", server.base_url, "--model", "m", "--concurrency", "1", "--cache-dir", str(cache)]
        # Ctrl-C reaches the child as in a terminal even when the tests run in the background, where a shell
        # starts commands with SIGINT ignored and Python then never turns it into KeyboardInterrupt.
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while len(server.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "interrupted" in stderr and "Traceback" not in stderr
        assert not output.exists() and not list(tmp_path.glob(".statements.jsonl.*"))
        finished = cached_answers(cache)
        assert finished >= 2
        server.delay_seconds = 0
        assert_the_rerun_asks_only_what_is_not_cached(server, args, tmp_path / "statements.report.json", finished)

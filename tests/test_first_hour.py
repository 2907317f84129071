"""What a facilitator's first hour on a fresh clone tripped over (issue 27), each as a class: one test per kind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from tests.replay import statement_from_the_source

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(cli.app, [str(a) for a in args], input=input)


def test_the_strategy_and_why_are_said_once(tmp_path, replay):
    replay.always("Candidates", statement_from_the_source)
    result = invoke("run", DATA / "facility_booking_ja.md", "-o", tmp_path / "out", "--angles", DATA / "two_angles.yaml",
                    "--per-angle", "2", "--no-stance-check")
    assert result.exit_code == 0, result.output
    assert result.output.count("strategy sentence") == 1, result.output


# ----- item 7: opening the review changes no output ----------------------------------------------------------------

def test_opening_a_review_rewrites_no_output_and_a_change_that_changes_nothing_rewrites_none(tmp_path, replay):
    import os

    from polis_seed.review.store import Change, ReviewStore
    from tests.run_folder import make_run_folder

    folder = make_run_folder(tmp_path, replay)
    polis = folder / "polis.csv"
    os.utime(polis, ns=(1_000_000_000, 1_000_000_000))  # an old time stamp: any rewrite shows
    before = polis.read_bytes()
    store = ReviewStore(folder)
    ReviewStore(folder)  # and opening it again
    assert polis.read_bytes() == before and polis.stat().st_mtime_ns == 1_000_000_000
    assert not (folder / "reviewed.jsonl").exists()  # the run's statements are the list until a change
    kept = store.kept()[0]
    store.apply(Change(op="keep", id=kept.id))  # kept already: the lists stay as they were
    assert polis.stat().st_mtime_ns == 1_000_000_000
    store.apply(Change(op="drop", id=kept.id))
    assert polis.read_bytes() != before and kept.text not in polis.read_text(encoding="utf-8")


# ----- item 7: the sample documents load without a warning ----------------------------------------------------------

def test_the_sample_seeds_load_without_a_warning_and_say_how_two_were_read():
    result = invoke("chunks", Path(__file__).parent.parent / "seeds")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "rename" not in result.output
    assert result.output.count("read as Markdown, as it holds") == 2  # 000 (front matter) and 003 (lists, tables)


# ----- item 6: merges.csv, one scale per column, and reasons that show what changed --------------------------------

def test_the_merge_report_has_one_scale_per_column(tmp_path):
    import csv
    import io

    source = tmp_path / "new.txt"  # pairs the fuzzy tier finds (ratio) and pairs only the embeddings find (cosine)
    source.write_text("情報システムの共通化はコスト削減につながる\n情報システムの共通化はコスト削減につながらない\n"
                      "標準化により業務効率が向上する\n業務の効率は標準化で向上する\n"
                      "A $15 minimum wage will help small businesses\nA $15 minimum wage will hurt small businesses\n",
                      encoding="utf-8")
    result = invoke("dedupe", source, "-o", tmp_path / "kept.txt", "--report", tmp_path / "merges.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "merges.csv").read_text(encoding="utf-8"))))
    assert "score" not in rows[0] and len(rows) >= 3
    for row in rows:
        assert row["fuzzy_ratio"].isdigit() and 0 <= int(row["fuzzy_ratio"]) <= 100, row
        assert row["cosine"] == "" or 0.0 <= float(row["cosine"]) <= 1.0, row
    assert {row["cosine"] == "" for row in rows} == {True, False}  # both kinds of pair are in the report
    assert any(row["tier"] == "semantic" and int(row["fuzzy_ratio"]) < 88 for row in rows)


def test_a_reason_never_shows_a_word_as_its_own_opposite():
    import re

    from polis_seed.language.compare import compare

    pairs = [("システムの共通化は必要だ", "システムの共通化は必要ではない"), ("住民への説明が必要だ", "住民への説明は必要ない"),
             ("窓口の統合は可能だ", "窓口の統合は可能ではない"), ("予算は十分だ", "予算は十分ではない"),
             ("The new schedule is fair to riders", "The new schedule is not fair to riders"),
             ("Building the depot here is realistic", "Building the depot here isn't realistic")]
    for first, second in pairs:
        verdict = compare(first, second)
        assert not verdict.equivalent, (first, second)
        shown = re.search(r": (.*) → (.*)$", verdict.reason)
        assert shown is None or shown.group(1) != shown.group(2), verdict.reason

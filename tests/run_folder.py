"""A run folder made by a real `run` (the model replaced by replayed answers), with what the review page
and report.html show: statements on both sides of two angles, a duplicate dedupe merged and candidates
the rules dropped."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli

from .replay import ReplayProvider, statement_from_the_source

DATA = Path(__file__).parent / "data"
MERGED = "公共施設予約のオンライン化では導入費用を人件費の削減で回収できる"


def answer(request) -> dict:
    source = re.findall(r"<source>(.*?)</source>", "\n".join(m.content for m in request.messages), re.S)[-1]
    question = "公共施設予約のオンライン化では近隣の町と共同で調達するべきか？"  # a question: dropped by the rules
    if "回収" in source:
        # The same claim from two angles (the sentence the residents' representative spoke serves the second).
        return {"statements": [MERGED + ("。" if "住民" in source else ""), question]}
    return {"statements": statement_from_the_source(request)["statements"] + [question]}


def make_run_folder(tmp_path: Path, replay: ReplayProvider) -> Path:
    document = tmp_path / "minutes.md"
    document.write_text(
        (DATA / "facility_booking_ja.md").read_text(encoding="utf-8")
        + "\n住民の代表からも、予約システムの導入費用は窓口の人件費の削減で回収できるとの意見が出た。\n",
        encoding="utf-8")
    replay.always("Candidates", answer)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["run", str(document), "-o", str(out), "--angles",
                                          str(DATA / "two_angles.yaml"), "--per-angle", "2", "--no-stance-check"])
    assert result.exit_code == 0, result.output
    return out

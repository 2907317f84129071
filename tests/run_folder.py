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


# A sentence the residents' representative spoke: the same claim as the minutes' cost sentence, for another angle.
RESIDENTS = "\n住民の代表からも、予約システムは住民の利便性を高め、導入費用も窓口の人件費の削減で回収できるとの意見が出た。\n"


def make_run_folder(tmp_path: Path, replay: ReplayProvider, per_angle: int = 2) -> Path:
    """`--per-angle 1` asks for one pro statement per angle and no con one: every con cell is empty."""
    document = tmp_path / "minutes.md"
    document.write_text((DATA / "facility_booking_ja.md").read_text(encoding="utf-8") + RESIDENTS, encoding="utf-8")
    replay.always("Candidates", answer)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["run", str(document), "-o", str(out), "--angles",
                                          str(DATA / "two_angles.yaml"), "--per-angle", str(per_angle),
                                          "--no-stance-check"])
    assert result.exit_code == 0, result.output
    return out


# A third angle no passage of the documents is about: left out, with a note.
SPACE_ANGLE = """
  - id: space
    name: 宇宙開発 / space flight
    pro: rockets should launch from here
    con: rockets should not launch from here
    keywords: [ロケット, rocket]
"""


def judge_on_the_subject(monkeypatch) -> None:
    """A judge that keeps a candidate starting with the subject or a key term and drops one that does not."""
    from polis_seed.stages import usability

    weights = {name: 0.0 for name in usability.FEATURES} | {"key_term": 6.0}
    monkeypatch.setattr(usability.JudgeWeights, "shipped",
                        classmethod(lambda cls: usability.JudgeWeights(-3.0, weights, 0.5, "tests")))


def judged_answer(request) -> dict:
    """Per source sentence, three of: a statement the judge keeps, one as good that loses the tie (not-best), one
    that does not start with the subject (the judge drops it), a question (the rules drop it)."""
    from tests.fault_server import FaultServer

    source = re.findall(r"<source>(.*?)</source>", "\n".join(m.content for m in request.messages), re.S)[-1]
    if source.isascii():
        words = re.sub(r"[^\w\s']", "", source).split()
        half = words[:max(6, len(words) // 2)]
        while half[-1].casefold() in ("and", "or", "nor", "but", "because", "if", "the", "a", "an", "than"):
            half.pop()
        best = f"Streaming matters because {' '.join(half)}."
        tie, off_subject = best.replace(" matters", " counts"), "Our town says " + best.lower()
        question = f"Does streaming matter because {' '.join(half)}?"
    else:
        best = FaultServer.statement_for({"messages": [m.model_dump() for m in request.messages]})
        best = best if best.startswith(MERGED[:13]) else f"{MERGED[:13]}では{best}"
        tie, off_subject = best.replace("ことが重要だ", "ことが大切だ"), "市の" + best
        question = best.replace("ことが重要だ", "べきか？")
        if "回収" in source:  # the same claim from two angles: dedupe merges them
            best = MERGED + ("。" if "住民" in source else "")
            return {"statements": [best, best.replace("人件費の削減", "人件費の節約"), "市の" + best]}
    return {"statements": [best, off_subject, question] if len(source) % 2 else [best, tie, off_subject]}


def make_judged_run_folder(tmp_path: Path, replay: ReplayProvider, monkeypatch, english: bool = False) -> Path:
    """A run whose report shows what the rules and the judge say: candidates dropped by the rules, the judge,
    as not the best of their sentence, and an angle left out with a note."""
    judge_on_the_subject(monkeypatch)
    if english:
        document, angles = DATA / "council_streaming_en.md", "two_angles_en.yaml"
    else:
        document, angles = tmp_path / "minutes.md", "two_angles.yaml"
        document.write_text((DATA / "facility_booking_ja.md").read_text(encoding="utf-8") + RESIDENTS, encoding="utf-8")
    angles_file = tmp_path / "angles.yaml"
    angles_file.write_text((DATA / angles).read_text(encoding="utf-8").rstrip() + SPACE_ANGLE, encoding="utf-8")
    if english:
        replay.always("TopicAnswer", {"topic": "the streaming of council meetings", "terms": ["streaming"]})
    replay.always("Candidates", judged_answer)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["run", str(document), "-o", str(out), "--angles", str(angles_file),
                                          "--per-angle", "2", "--no-stance-check"])
    assert result.exit_code == 0, result.output
    return out

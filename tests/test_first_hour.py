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

"""The rounds of a batch run follow the steps, not the statements: every request whose inputs are known goes
into one round, and the number of rounds is bounded by the steps and their attempts, whatever the answers."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.batch.rounds import _jsonl, request_from_line, result_line
from polis_seed.providers.base import CompletionResult
from tests.stand_in import answer_requests, echo_filler, x_filler

DATA = Path(__file__).parent / "data"
runner = CliRunner()
DOCUMENT = DATA / "facility_booking_ja.md"
QUOTES = {("cost", "pro"): "人件費削減によって5年程度で回収できる見込みである",
          ("cost", "con"): "毎年の保守費用が想定より高くなれば、コスト削減の効果は小さくなる",
          ("resident_services", "pro"): "住民の利便性は大きく向上する",
          ("resident_services", "con"): "高齢者などスマートフォンを使わない住民が予約を取りにくくなる"}
TEXTS = {("cost", "pro"): "予約システムの導入費用は人件費の削減で回収できる",
         ("cost", "con"): "予約システムの保守費用が高ければ削減の効果は小さい",
         ("resident_services", "pro"): "予約のオンライン化で住民はいつでも施設を予約できる",
         ("resident_services", "con"): "予約のオンライン化は高齢者を取り残す"}


def capable(request):
    """Answers as a capable model would, except that it first reads one statement on the wrong side."""
    schema = request.schema_name
    if schema == "TopicAnswer":
        return {"topic": "公共施設予約のオンライン化", "terms": ["予約", "オンライン化"]}
    if schema == "Discussion":
        return {"claims": [{"angle": angle, "stance": stance, "claim": TEXTS[(angle, stance)], "document": "D1",
                            "quote": quote} for (angle, stance), quote in QUOTES.items()]}
    if schema == "Distillation":
        return {"statements": [{"text": TEXTS[key], "angle": key[0], "stance": key[1], "document": "D1",
                                "quote": QUOTES[key]} for key in QUOTES]}
    if schema == "SidesAnswer":
        numbered = [line for line in request.messages[-1].content.splitlines() if line[:1].isdigit()]
        sides = []
        for line in numbered:
            number = int(line.split(".", 1)[0])
            text = line.split("] ", 1)[1]
            side = next((key[1] for key, value in TEXTS.items() if value == text), "con")
            # The first list check reads the con-side resident statement as pro: it is sent back once.
            wrong = text == TEXTS[("resident_services", "con")]
            sides.append({"item": number, "side": "pro" if wrong else side})
        return {"sides": sides}
    if schema == "Fixes":
        return {"statements": [{"item": 4, "text": "予約のオンライン化で地域の高齢者は予約しにくくなる",
                                "angle": "resident_services", "stance": "con", "document": "D1",
                                "quote": QUOTES[("resident_services", "con")]}]}
    raise AssertionError(f"unexpected request {schema}")


def answer_round(requests: Path, results: Path, answerer) -> None:
    lines = []
    for _, line, _ in _jsonl(requests):
        batch_format, custom_id, request = request_from_line(line)
        content = json.dumps(answerer(request), ensure_ascii=False)
        lines.append(json.dumps(result_line(batch_format, custom_id, CompletionResult(content=content,
                                                                                      finish_reason="stop"), "m")))
    results.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def batch_loop(tmp_path: Path, answer, *args: str, document: Path = DOCUMENT, limit: int = 12) -> list[list[str]]:
    """Run until the outputs are written; the schema names of each round's requests."""
    batch = tmp_path / "b"
    rounds: list[list[str]] = []
    for _ in range(limit):
        result = runner.invoke(cli.app, ["run", str(document), "-o", str(tmp_path / "out"), "--provider", "openai",
                                         "--model", "gpt-4o", "--batch-dir", str(batch), "--cache-dir",
                                         str(tmp_path / "cache"), *args])
        # Poor answers may leave no statement: the outputs are written and the run says so with exit 1.
        assert result.exit_code == 0 or (result.exit_code == 1 and "error: no statement could be written" in
                                         result.output), result.output
        if (tmp_path / "out" / "polis.csv").exists():
            return rounds
        number = len(rounds) + 1
        requests = batch / f"round-{number}.requests.jsonl"
        assert f"round {number}:" in result.output and "more rounds at most" in result.output
        rounds.append(sorted(request_from_line(line)[2].schema_name for _, line, _ in _jsonl(requests)))
        answer(requests, batch / f"round-{number}.results.jsonl")
    raise AssertionError(f"no outputs after {limit} rounds: {rounds}")


def test_document_strategy_rounds_follow_the_steps_with_one_side_check_per_list(tmp_path):
    rounds = batch_loop(tmp_path, lambda requests, results: answer_round(requests, results, capable),
                        "--strategy", "document", "--angles", str(DATA / "two_angles.yaml"))
    assert rounds == [["Discussion", "TopicAnswer"], ["Distillation"], ["SidesAnswer"], ["Fixes"], ["SidesAnswer"]]
    kept = [json.loads(line) for line in (tmp_path / "out" / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(kept) == 4 and {(s["angle"], s["checked_stance"]) for s in kept} == set(QUOTES)
    assert "予約のオンライン化で地域の高齢者は予約しにくくなる" in {s["text"] for s in kept}


@pytest.mark.parametrize("filler", [x_filler, echo_filler], ids=["x", "echo"])
@pytest.mark.parametrize("strategy", ["document", "sentence"])
def test_a_run_answered_with_poor_json_ends_in_a_bounded_number_of_rounds(tmp_path, strategy, filler):
    rounds = batch_loop(tmp_path, lambda requests, results: answer_requests(requests, results, filler),
                        "--strategy", strategy, "--angles", str(DATA / "two_angles.yaml"), limit=9)
    assert len(rounds) <= 8

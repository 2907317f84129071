"""The rounds of a batch run follow the steps, not the statements: every request whose inputs are known goes
into one round, and the number of rounds is bounded by the steps and their attempts, whatever the answers.

The document strategy, when the documents fit one request: the subject, the claims and the list in round 1; the
side check and the fixes of what the local checks found in round 2; the fixes of what the side check sent back with
the side check of the first fixes in round 3; the side check of the last fixes in round 4. Two rounds when nothing
needs a fix."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.batch.rounds import _jsonl, request_from_line, result_line
from polis_seed.providers.base import CompletionResult
from tests.stand_in import answer_plausibly, answer_requests, echo_filler, x_filler

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
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
FIXED = "予約のオンライン化で地域の高齢者は予約しにくくなる"


NEAR_MISS = "予約のオンライン化は障害者を取り残す"  # a changed noun: dedupe's judge is asked about the pair


def capable(question=False, neither=False, near_miss=False):
    """Answers as a capable model would; `question`: the cost-con statement is written as a question (the local
    rules send it back); `neither`: the first side check reads the resident-con statement as taking neither side;
    `near_miss`: a fifth statement differs from the resident-con one by a noun."""
    def answer(request):
        schema = request.schema_name
        if schema == "Written":
            claims = [{"id": number, "angle": angle, "stance": stance, "subject": "公共施設予約のオンライン化",
                       "claim": TEXTS[(angle, stance)], "document": "D1", "quote": quote, "comments": []}
                      for number, ((angle, stance), quote) in enumerate(QUOTES.items(), start=1)]
            texts = dict(TEXTS)
            if question:
                texts[("cost", "con")] = "予約システムの保守費用は高すぎるのではないか？"
            statements = [{"text": texts[key], "angle": key[0], "stance": key[1], "claims": [number]}
                          for number, key in enumerate(QUOTES, start=1)]
            if near_miss:
                claims.append({"id": 5, "angle": "resident_services", "stance": "con", "subject": "公共施設予約",
                               "claim": NEAR_MISS, "document": "D1", "quote": "担当職員は2名しかおらず",
                               "comments": []})
                statements.append({"text": NEAR_MISS, "angle": "resident_services", "stance": "con", "claims": [5]})
            return {"subjects": ["公共施設予約のオンライン化"], "claims": claims, "statements": statements}
        if schema == "SameClaims":
            return {"answers": [{"pair": int(n), "same_claim": False}
                                for n in re.findall(r"^Pair (\d+):", request.messages[-1].content, re.M)]}
        if schema == "SidesAnswer":
            sides = []
            for line in request.messages[-1].content.splitlines():
                if not line[:1].isdigit():
                    continue
                number, text = int(line.split(".", 1)[0]), line.split("] ", 1)[1]
                side = next((key[1] for key, value in TEXTS.items() if value == text), "con")
                sides.append({"item": number, "side": "neither" if neither and text == TEXTS[
                    ("resident_services", "con")] else side})
            return {"sides": sides}
        if schema == "Fixes":
            asked = {int(n) for n in re.findall(r"^(\d+)\. \{", request.messages[-1].content, re.M)}
            fixes = [{"item": 2, "text": TEXTS[("cost", "con")], "angle": "cost", "stance": "con", "claims": [2]},
                     {"item": 4, "text": FIXED, "angle": "resident_services", "stance": "con", "claims": [4]}]
            return {"statements": [fix for fix in fixes if fix["item"] in asked]}
        raise AssertionError(f"unexpected request {schema}")
    return answer


def answer_round(requests: Path, results: Path, answerer) -> None:
    lines = []
    for _, line, _ in _jsonl(requests):
        batch_format, custom_id, request = request_from_line(line)
        content = json.dumps(answerer(request), ensure_ascii=False)
        lines.append(json.dumps(result_line(batch_format, custom_id, CompletionResult(content=content,
                                                                                      finish_reason="stop"), "m")))
    results.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def batch_loop(tmp_path: Path, answer, *args: str, document: Path = DOCUMENT, limit: int = 12,
               printed: list | None = None) -> list[list[str]]:
    """Run until the outputs are written; the schema names of each round's requests (and, in `printed`, what each
    run said about its round)."""
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
            if printed is not None:
                printed.append(next(line for line in result.output.splitlines() if line.startswith("batch rounds:")))
            return rounds
        number = len(rounds) + 1
        requests = batch / f"round-{number}.requests.jsonl"
        said = next(line for line in result.output.splitlines() if line.startswith(f"round {number}:"))
        assert "more rounds at most" in said
        if printed is not None:
            printed.append(said)
        rounds.append(sorted(request_from_line(line)[2].schema_name for _, line, _ in _jsonl(requests)))
        answer(requests, batch / f"round-{number}.results.jsonl")
    raise AssertionError(f"no outputs after {limit} rounds: {rounds}")


def kept(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "out" / "statements.jsonl").read_text(encoding="utf-8").splitlines()]


def test_two_rounds_when_nothing_needs_a_fix_the_subject_claims_and_list_in_one_request(tmp_path):
    printed: list[str] = []
    # The rounds of the list alone: dedupe's judge, on by default for a capable model, is left out here (it goes
    # with the side check: test_dedupes_judge_is_asked_in_the_round_of_the_side_check_and_adds_no_round).
    rounds = batch_loop(tmp_path, lambda requests, results: answer_round(requests, results, capable()),
                        "--strategy", "document", "--angles", str(DATA / "two_angles.yaml"), "--tiers", "exact,fuzzy,semantic",
                        printed=printed)
    assert rounds == [["Written"], ["SidesAnswer"]]
    assert "round 1: subject, claims and list; 4 more rounds at most after this one, 1 when every answer passes" \
        in printed[0]
    assert printed[-1] == "batch rounds: 2 (request files answered; this strategy takes at most 5)"
    statements = kept(tmp_path)
    assert {(s["angle"], s["checked_stance"]) for s in statements} == set(QUOTES)
    assert all(s["quote"] in DOCUMENT.read_text(encoding="utf-8") for s in statements)
    assert all(s["support"]["count"] == 1 and s["support"]["of"] == 1 and s["support"]["unit"] == "documents"
               for s in statements)


def test_the_fixes_of_the_local_checks_go_with_the_side_check_and_the_side_checks_fixes_with_its_recheck(tmp_path):
    rounds = batch_loop(tmp_path, lambda requests, results: answer_round(requests, results,
                                                                         capable(question=True, neither=True)),
                        "--strategy", "document", "--angles", str(DATA / "two_angles.yaml"), "--tiers", "exact,fuzzy,semantic")
    assert rounds == [["Written"], ["Fixes", "SidesAnswer"], ["Fixes", "SidesAnswer"], ["SidesAnswer"]]
    statements = kept(tmp_path)
    texts = {s["text"] for s in statements}
    assert FIXED in texts and TEXTS[("cost", "con")] in texts and len(statements) == 4
    assert {(s["angle"], s["checked_stance"]) for s in statements} == set(QUOTES)


def test_dedupes_judge_is_asked_in_the_round_of_the_side_check_and_adds_no_round(tmp_path):
    rounds = batch_loop(tmp_path, lambda requests, results: answer_round(requests, results, capable(near_miss=True)),
                        "--strategy", "document", "--angles", str(DATA / "two_angles.yaml"),
                        "--tiers", "exact,fuzzy,semantic,llm")
    assert rounds == [["Written"], ["SameClaims", "SidesAnswer"]]
    texts = {s["text"] for s in json.loads("[" + ",".join(
        (tmp_path / "out" / "deduped.jsonl").read_text(encoding="utf-8").splitlines()) + "]")}
    assert {NEAR_MISS, TEXTS[("resident_services", "con")]} <= texts  # the judge kept them apart
    merges = (tmp_path / "out" / "merges.csv").read_text(encoding="utf-8")
    assert NEAR_MISS in merges and "kept apart" in merges


def test_the_batch_rounds_check_a_model_free_stand_in_on_a_document_of_another_topic(tmp_path):
    """Issue 29's check: the document strategy in at most 4 rounds with answers that pass the checks (here, on the
    congestion charge, a subject the prompts were not written on)."""
    printed: list[str] = []
    rounds = batch_loop(tmp_path, answer_plausibly, "--strategy", "document", "--tiers", "exact,fuzzy,semantic",
                        document=ROOT / "benchmarks" / "documents" / "congestion_charge_en.md", printed=printed)
    assert 2 <= len(rounds) <= 4, rounds
    assert rounds[0] == ["Written"]
    assert "(this strategy takes at most 5 rounds)" in printed[0]
    # The last run says how many rounds the run took.
    assert printed[-1] == f"batch rounds: {len(rounds)} (request files answered; this strategy takes at most 5)"
    assert kept(tmp_path)


def test_documents_that_do_not_fit_one_request_are_read_in_groups_then_distilled(tmp_path):
    rounds = batch_loop(tmp_path, answer_plausibly, "--strategy", "document", "--context-tokens", "12000",
                        "--angles", str(DATA / "two_angles.yaml"), document=ROOT / "seeds")
    assert rounds[0].count("TopicAnswer") == 1 and rounds[0].count("Discussion") > 1
    # The stand-in's one-word subject is asked once more (the topic step's own second attempt) before the list.
    distil = next(index for index, names in enumerate(rounds) if "Distillation" in names)
    assert distil in (1, 2) and set(rounds[distil]) == {"Distillation"}
    assert len(rounds) <= 7
    assert kept(tmp_path)


@pytest.mark.parametrize("filler", [x_filler, echo_filler], ids=["x", "echo"])
@pytest.mark.parametrize("strategy", ["document", "sentence"])
def test_a_run_answered_with_poor_json_ends_in_a_bounded_number_of_rounds(tmp_path, strategy, filler):
    rounds = batch_loop(tmp_path, lambda requests, results: answer_requests(requests, results, filler),
                        "--strategy", strategy, "--angles", str(DATA / "two_angles.yaml"), limit=9)
    assert len(rounds) <= 8

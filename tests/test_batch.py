"""Batch files: request lines in each provider's documented format, the round loop, and answers read back."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.batch.rounds import request_from_line, request_line, result_from_line, result_line
from polis_seed.providers.base import CompletionRequest, CompletionResult, Message
from polis_seed.stages.document import Discussion

from .fault_server import FaultServer

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def request():
    return CompletionRequest.asking_for(Discussion, [
        Message(role="system", content="rules"), Message(role="user", content="<document>…</document>",
                                                         cache_breakpoint=True),
        Message(role="user", content="task")], temperature=0.2, max_tokens=300)


def test_openai_request_lines_follow_the_batch_api_input_format():
    line = request_line("openai", "k" * 64, request(), "gpt-4o-mini")
    assert set(line) == {"custom_id", "method", "url", "body"}
    assert line["custom_id"] == "k" * 64 and line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    body = line["body"]
    assert body["model"] == "gpt-4o-mini" and body["max_tokens"] == 300 and body["temperature"] == 0.2
    assert [m["role"] for m in body["messages"]] == ["system", "user", "user"]
    schema = body["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["strict"] is True
    assert schema["json_schema"]["name"] == "Discussion" and schema["json_schema"]["schema"]["additionalProperties"] is False


def test_anthropic_request_lines_follow_the_message_batches_format_with_the_documents_cached():
    line = request_line("anthropic", "k" * 64, request(), "claude-haiku-4-5")
    assert set(line) == {"custom_id", "params"}
    params = line["params"]
    assert params["model"] == "claude-haiku-4-5" and params["max_tokens"] == 300
    assert params["system"] == [{"type": "text", "text": "rules"}]
    assert params["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "<document>…</document>", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "task"}]}]
    assert params["output_config"]["format"]["type"] == "json_schema"


@pytest.mark.parametrize("batch_format", ["openai", "anthropic"])
def test_a_line_round_trips_and_a_result_line_reads_back(batch_format):
    line = request_line(batch_format, "k" * 64, request(), "m")
    read_format, custom_id, again = request_from_line(json.loads(json.dumps(line)))
    assert (read_format, custom_id) == (batch_format, "k" * 64)
    assert [m.content for m in again.messages] == [m.content for m in request().messages]
    assert again.answer_schema == request().answer_schema
    answer = CompletionResult(content='{"claims": []}', finish_reason="stop", prompt_tokens=7, completion_tokens=3,
                              cached_input_tokens=5)
    key, result = result_from_line(result_line(batch_format, "k" * 64, answer, "m"))
    assert key == "k" * 64 and result.content == '{"claims": []}' and result.cached_input_tokens == 5
    with pytest.raises(ValueError):
        result_from_line(result_line(batch_format, "k" * 64, None, "m", "server trouble"))


def generate(tmp_path, server, *extra, output="s.jsonl", cache="cache"):
    return runner.invoke(cli.app, [
        "generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / output), "--angles",
        str(DATA / "two_angles.yaml"), "--per-angle", "2", "--provider", "openai", "--base-url", server.base_url,
        "--model", "m", "--strategy", "sentence", "--cache-dir", str(tmp_path / cache), "--no-stance-check",
        "--topic", "公共施設予約のオンライン化",
        *extra])


def answer(tmp_path, server, number):
    batch = tmp_path / "b"
    return runner.invoke(cli.app, ["batch", "answer", str(batch / f"round-{number}.requests.jsonl"), "-o",
                                   str(batch / f"round-{number}.results.jsonl"), "--provider", "openai", "--base-url",
                                   server.base_url, "--model", "m", "--cache-dir", str(tmp_path / "answer-cache")])


def test_the_batch_loop_gives_the_same_statements_as_a_direct_run(tmp_path):
    broken = "毎年の保守費用が想定より高くなれば"  # the sentence whose answer breaks the schema, in both runs
    with FaultServer() as server:
        server.faults_when = [(broken, "bad-schema")]
        rounds = 0
        while True:
            result = generate(tmp_path, server, "--batch-dir", str(tmp_path / "b"))
            assert result.exit_code == 0, result.output
            if not (tmp_path / "s.jsonl").exists():
                rounds += 1
                assert f"wait in {tmp_path / 'b' / f'round-{rounds}.requests.jsonl'}" in result.output
                assert not list(tmp_path.glob("s.*"))  # nothing half-written
                assert server.requests == [] or rounds > 1  # writing a round calls no model
                assert answer(tmp_path, server, rounds).exit_code == 0
                continue
            break
        # the candidates (judged without a request: --no-stance-check); the sentence whose answer broke the schema
        # leaves its side empty, so a sentence in reserve is asked in round 2
        assert rounds == 2
        batched = [json.loads(line)["text"] for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
        server.faults_when = [(broken, "bad-schema")]
        direct = generate(tmp_path, server, output="direct.jsonl", cache="direct-cache")
        assert direct.exit_code == 0, direct.output
    assert batched == [json.loads(line)["text"] for line in
                       (tmp_path / "direct.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(batched) == 3  # the broken sentence's side is filled from the reserve, or stays empty


def test_a_broken_results_file_is_reported_by_line_and_the_rest_is_read(tmp_path):
    with FaultServer() as server:  # one server: its URL is part of what the cache keys on
        assert generate(tmp_path, server, "--batch-dir", str(tmp_path / "b")).exit_code == 0
        assert answer(tmp_path, server, 1).exit_code == 0
        results = tmp_path / "b" / "round-1.results.jsonl"
        lines = results.read_text(encoding="utf-8").splitlines()
        failed = json.loads(lines[1])
        failed["response"], failed["error"] = None, {"code": "server_error", "message": "overloaded"}
        stranger = json.loads(lines[2])
        stranger["custom_id"] = "f" * 64
        results.write_text("\n".join([lines[0], json.dumps(failed), "{not json", json.dumps(stranger)] + lines[3:])
                           + "\n", encoding="utf-8")
        again = generate(tmp_path, server, "--batch-dir", str(tmp_path / "b"))
    assert again.exit_code == 0, again.output
    assert "line 2: the request failed: overloaded" in again.output
    assert "line 3: not JSON" in again.output and "line 4: custom_id ffffffffffffffff… matches no request" in again.output
    # The two requests without a usable answer wait in the next round (with the follow-ups of the others).
    round_two = {json.loads(line)["custom_id"] for line in
                 (tmp_path / "b" / "round-2.requests.jsonl").read_text(encoding="utf-8").splitlines()}
    assert {json.loads(lines[1])["custom_id"], json.loads(lines[2])["custom_id"]} <= round_two
    assert json.loads(lines[0])["custom_id"] not in round_two


def test_batch_answer_reports_a_request_that_fails_and_goes_on(tmp_path):
    with FaultServer() as server:
        assert generate(tmp_path, server, "--batch-dir", str(tmp_path / "b")).exit_code == 0
        server.faults = ["500", "500", "500"]
        result = runner.invoke(cli.app, ["batch", "answer", str(tmp_path / "b" / "round-1.requests.jsonl"), "-o",
                                         str(tmp_path / "r.jsonl"), "--provider", "openai", "--base-url",
                                         server.base_url, "--model", "m", "--max-retries", "2", "--no-cache"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["error"] and all(line["response"]["status_code"] == 200 for line in lines[1:])
    assert "1 failed" in result.output and "line 1: the request failed" in result.output


@pytest.mark.parametrize("provider, base", [("openai", "/v1"), ("anthropic", "")])
def test_batch_submits_each_round_to_the_providers_batch_api_and_collects_it_on_the_next_run(tmp_path, provider, base):
    from .batch_server import BatchServer

    with BatchServer() as server:
        def run():
            return runner.invoke(cli.app, [
                "generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "s.jsonl"), "--angles",
                str(DATA / "two_angles.yaml"), "--per-angle", "2", "--provider", provider, "--base-url",
                server.root + base, "--model", "m", "--strategy", "sentence", "--cache-dir", str(tmp_path / "cache"),
                "--batch-dir", str(tmp_path / "b"), "--batch", "--no-stance-check", "--topic", "公共施設予約のオンライン化"])

        first = run()
        assert first.exit_code == 0, first.output
        record = json.loads((tmp_path / "b" / "round-1.batch.json").read_text(encoding="utf-8"))
        assert record["provider"] == provider and record["batch_id"] in server.batches
        lines = server.batches[record["batch_id"]]["lines"]
        assert len(lines) == 4 and all(len(line["custom_id"]) == 64 for line in lines)
        still = run()  # the batch is still in progress at its first poll
        assert still.exit_code == 0 and "run again later" in still.output and "still waiting" in still.output
        done = run()
        assert done.exit_code == 0, done.output
        assert (tmp_path / "b" / "round-1.results.jsonl").is_file()
    if (tmp_path / "s.jsonl").exists():
        assert len((tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()) == 4
    else:  # answers the rules rejected are re-asked in a second round, submitted the same way
        assert (tmp_path / "b" / "round-2.batch.json").is_file()


def test_the_answer_tokens_alternatives_travel_through_an_openai_batch_line():
    asking = request().model_copy(update={"logprobs": True})
    _, _, again = request_from_line(json.loads(json.dumps(request_line("openai", "k" * 64, asking, "m"))))
    assert again.logprobs  # the answering side asks for them too, under the same cache key
    answer = CompletionResult(content='{"answer": "yes"}', finish_reason="stop",
                              top_logprobs=[{"{": 0.0}, {"yes": -0.2, "no": -1.7}])
    _, result = result_from_line(json.loads(json.dumps(result_line("openai", "k" * 64, answer, "m"))))
    assert result.top_logprobs == [{"{": 0.0}, {"yes": -0.2, "no": -1.7}]


def test_a_batch_round_asks_every_missing_statement_of_a_side_at_once(tmp_path):
    with FaultServer() as server:
        result = generate(tmp_path, server, "--batch-dir", str(tmp_path / "b"), "--per-angle", "4")
        assert result.exit_code == 0, result.output
    lines = (tmp_path / "b" / "round-1.requests.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 * 2 * 2  # two angles × two sides × two statements each, not one per side and round

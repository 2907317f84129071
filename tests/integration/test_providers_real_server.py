"""OpenAI and Anthropic paths against a real llama-server on 127.0.0.1, and resume after SIGKILL or Ctrl-C."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..llama_probe import generating, llama_server_child
from .test_embedded_model import DATA, polis_seed  # noqa: F401  (also applies the model-available skip)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from polis_seed.providers.local import LlamaServer, resolve_model_path

    with LlamaServer(resolve_model_path(None), log_path=tmp_path_factory.mktemp("server") / "server.log") as running:
        yield running


def generate_args(output, *extra):
    return ["generate", DATA / "facility_booking_ja.md", "-o", output, "--angles", DATA / "two_angles.yaml",
            "--per-angle", "2", *extra]


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_openai_provider_with_base_url_and_no_key(server, tmp_path):
    output = tmp_path / "statements.jsonl"
    result = polis_seed(*generate_args(output, "--provider", "openai", "--base-url", f"{server.base_url}/v1",
                                       "--model", "embedded", "--cache-dir", tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    assert records(output) and all(len(r["text"]) <= 140 and r["quote"] for r in records(output))
    report = json.loads((tmp_path / "statements.report.json").read_text(encoding="utf-8"))
    assert report["usage"]["model_calls"] > 0 and report["usage"]["input_tokens"] > 0


def test_anthropic_provider_with_base_url_and_no_key(server, tmp_path):
    output = tmp_path / "statements.jsonl"
    args = generate_args(output, "--provider", "anthropic", "--base-url", server.base_url, "--model", "embedded",
                         "--cache-dir", tmp_path / "cache")
    first = polis_seed(*args)
    assert first.returncode == 0, first.stderr
    statements = records(output)
    assert statements and all(r["stance"] in ("pro", "con") and r["quote"] for r in statements)
    again = polis_seed(*args)
    assert again.returncode == 0 and "model calls 0" in again.stderr
    assert records(output) == statements


def test_azure_provider_against_llama_server_behind_an_azure_shaped_proxy(server, tmp_path):
    from tests.azure_proxy import AzureProxy

    output = tmp_path / "statements.jsonl"
    with AzureProxy(server.base_url, api_key="azure-key") as azure:
        result = polis_seed(*generate_args(output, "--provider", "azure", "--base-url", azure.endpoint, "--model",
                                           "seeds-deployment", "--strategy", "sentence", "--cache-dir", tmp_path / "cache"),
                            env={"AZURE_OPENAI_API_KEY": "azure-key"})
        assert result.returncode == 0, result.stderr
        chats = [seen for seen in azure.seen if seen["deployment"]]
        assert chats and {seen["deployment"] for seen in chats} == {"seeds-deployment"}
        assert all(seen["api_key"] == "azure-key" and seen["api_version"] == "2024-10-21" for seen in chats)
    assert records(output) and all(len(r["text"]) <= 140 and r["quote"] for r in records(output))


def test_dry_run_counts_tokens_with_anthropic_count_tokens_and_calls_no_model(server, tmp_path):
    result = polis_seed(*generate_args(tmp_path / "s.jsonl", "--provider", "anthropic", "--base-url",
                                       server.base_url, "--model", "claude-sonnet-4-5", "--dry-run"))
    assert result.returncode == 0, result.stderr
    assert "Anthropic count_tokens" in result.stderr and "no model called" in result.stderr
    assert not (tmp_path / "s.jsonl").exists()


def test_sigkill_half_way_leaves_no_output_and_the_rerun_repeats_no_finished_request(tmp_path):
    cache = tmp_path / "cache"
    output = tmp_path / "statements.jsonl"
    args = [sys.executable, "-m", "polis_seed.cli", *map(str, generate_args(output, "--per-angle", "6",
                                                                            "--cache-dir", cache))]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = cache / "llm-calls.sqlite3"
    finished = 0
    deadline = time.monotonic() + 600
    while finished < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.5)
        if database.exists():
            try:  # the file exists a moment before its table does
                with sqlite3.connect(database) as db:
                    finished = db.execute("SELECT count(*) FROM calls").fetchone()[0]
            except sqlite3.OperationalError:
                continue
    assert process.poll() is None, "generate finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not output.exists()
    assert not list(tmp_path.glob(".statements.jsonl.*"))
    with sqlite3.connect(database) as db:
        finished = db.execute("SELECT count(*) FROM calls").fetchone()[0]

    rerun = polis_seed(*generate_args(output, "--per-angle", "6", "--cache-dir", cache))
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads((tmp_path / "statements.report.json").read_text(encoding="utf-8"))["report"]
    calls_made = report["requests"] - report["cached_responses"]
    assert report["cached_responses"] >= finished > 0
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT count(*) FROM calls").fetchone()[0]
    # Every request the rerun sent to the model was new: none of the finished ones was asked again.
    assert stored == finished + calls_made


@pytest.mark.parametrize("sent_to", ["process group", "process"])
def test_one_ctrl_c_with_requests_in_flight_on_llama_server_exits_in_under_10_s_and_the_rerun_reuses_the_cache(
        tmp_path, sent_to):
    """A terminal's Ctrl-C goes to the process group: llama-server gets it too, stops generating and, before,
    kept the connection open, so the run waited for the time-out. `kill -INT` goes to polis-seed alone.
    Two requests at once, so that they are asked from threads (as the subject and the angles always are)."""
    cache = tmp_path / "cache"
    output = tmp_path / "statements.jsonl"
    run = generate_args(output, "--cache-dir", cache, "--concurrency", "2")
    args = [sys.executable, "-m", "polis_seed.cli", *map(str, run)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    database = cache / "llm-calls.sqlite3"
    server = None
    finished = 0
    deadline = time.monotonic() + 600
    # A request in flight on the server, after at least one answer is cached.
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        server = server or llama_server_child(process)
        if server and database.exists():
            try:  # the file exists a moment before its table does
                with sqlite3.connect(database) as db:
                    finished = db.execute("SELECT count(*) FROM calls").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if finished and generating(server[1]):
                break
    assert process.poll() is None and server and finished, "generate ended before a request could be interrupted"
    interrupted = time.monotonic()
    if sent_to == "process group":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        pytest.fail(f"one Ctrl-C did not end the run in 120 s:\n{stderr}")
    seconds = time.monotonic() - interrupted
    print(f"SIGINT to the {sent_to} → exit: {seconds:.2f} s")
    assert process.returncode == 130, stderr
    assert seconds < 10, f"{seconds:.1f} s from Ctrl-C to exit"
    assert re.search(r"^stopping: cancelled [12] model requests? in flight; no new one starts$", stderr, re.M), stderr
    assert "Traceback" not in stderr
    with pytest.raises(ProcessLookupError):  # llama-server is gone: its generation stopped
        os.kill(server[0], 0)
    assert not output.exists() and not list(tmp_path.glob(".statements.jsonl.*"))
    with sqlite3.connect(database) as db:
        finished = db.execute("SELECT count(*) FROM calls").fetchone()[0]

    rerun = polis_seed(*run)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads((tmp_path / "statements.report.json").read_text(encoding="utf-8"))["report"]
    assert report["cached_responses"] >= finished > 0
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT count(*) FROM calls").fetchone()[0]
    # Every request the rerun sent to the model was new: none of the answered ones was asked again.
    assert stored == finished + report["requests"] - report["cached_responses"]

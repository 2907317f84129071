"""One Ctrl-C stops a run at once: it says so, cuts the model requests in flight, starts no new one and exits 130
with what is cached kept. Before, the run waited for the answers in flight, up to the 600 s time-out.
The same on the real embedded model: tests/integration/test_providers_real_server.py."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .fault_server import FaultServer, assert_the_rerun_asks_only_what_is_not_cached, cached_answers

DATA = Path(__file__).parent / "data"
HANGS_SECONDS = 120  # the hanging answer comes long after each test has ended


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C as in a terminal, even when the tests run in the background with SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def ctrl_c_after(seconds: float) -> threading.Timer:
    # To the process, as a terminal sends it (Linux gives it to the main thread); raise_signal would send it to
    # the timer's own thread, which leaves the main thread asleep.
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("concurrency", [1, 4])
def test_one_ctrl_c_while_a_request_hangs_says_so_and_exits_at_once_and_the_rerun_resumes(tmp_path, concurrency):
    output = tmp_path / "statements.jsonl"
    cache = tmp_path / "cache"
    with FaultServer(["timeout"], slow_seconds=HANGS_SECONDS) as server:
        args = [sys.executable, "-m", "polis_seed.cli", "generate", str(DATA / "facility_booking_ja.md"), "-o",
                str(output), "--angles", str(DATA / "two_angles.yaml"), "--per-angle", "2", "--provider", "openai",
                "--base-url", server.base_url, "--model", "m", "--concurrency", str(concurrency), "--cache-dir",
                str(cache)]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        # The first statement request hangs; with 4 in flight, the others are answered meanwhile.
        deadline = time.monotonic() + 60
        while len(server.requests) < (3 if concurrency > 1 else 1) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        assert process.poll() is None, process.stderr.read()
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
            pytest.fail(f"one Ctrl-C did not end the run in 30 s:\n{stderr}")
        seconds = time.monotonic() - interrupted
        assert process.returncode == 130, stderr
        assert seconds < 5, f"{seconds:.1f} s from Ctrl-C to exit"
        assert "stopping: cancelled 1 model request in flight; no new one starts" in stderr
        assert stderr.rstrip().endswith("error: interrupted; finished model answers are cached, so a re-run resumes")
        assert "Traceback" not in stderr
        assert not output.exists() and not list(tmp_path.glob(".statements.jsonl.*"))
        finished = cached_answers(cache)
        assert finished >= (3 if concurrency > 1 else 1)  # the subject's answer, and the statements answered

        assert_the_rerun_asks_only_what_is_not_cached(server, args, tmp_path / "statements.report.json", finished)


def test_a_call_that_cannot_be_cut_does_not_hold_ctrl_c(ctrl_c_raises):
    """An SDK sleeping before a retry (up to a minute on a rate limit) cannot be cut: the run leaves it behind."""
    from polis_seed.stages.ask import ask_together

    released = threading.Event()
    safety = threading.Timer(15, released.set)  # on a version that waits for it, the test ends after 15 s
    safety.start()
    timer = ctrl_c_after(0.3)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            ask_together([lambda: released.wait(), lambda: released.wait(), lambda: "never asked"], concurrency=2)
        assert time.monotonic() - started < 3
    finally:
        timer.cancel()
        released.set()
        safety.cancel()


def test_the_first_error_stops_the_calls_not_started_and_is_raised_after_the_running_ones():
    from polis_seed.stages.ask import ask_together

    ran: list[str] = []

    def slow():
        time.sleep(0.3)
        ran.append("slow")
        return "slow"

    def broken():
        ran.append("broken")
        raise ValueError("a bug in one call")

    with pytest.raises(ValueError, match="a bug in one call"):
        ask_together([slow, broken, lambda: ran.append("later")], concurrency=2)
    assert sorted(ran) == ["broken", "slow"]
    assert ask_together([lambda n=n: n * n for n in range(7)], concurrency=3) == [0, 1, 4, 9, 16, 25, 36]


def test_cancel_cuts_a_request_waiting_for_its_answer_and_refuses_new_ones():
    from polis_seed.providers.base import CompletionRequest, Message
    from polis_seed.providers.in_flight import IN_FLIGHT, RequestCancelled
    from polis_seed.providers.openai_compat import OpenAIProvider
    from polis_seed.stages.generate import Candidates

    request = CompletionRequest.asking_for(Candidates, [Message(role="user", content="<source>予約。</source>")])
    outcome: list[BaseException | object] = []
    with FaultServer(["timeout"], slow_seconds=HANGS_SECONDS) as server:
        provider = OpenAIProvider(model="m", base_url=server.base_url, api_key=None, timeout=600, max_retries=2)

        def ask() -> None:
            try:
                outcome.append(provider.complete(request))
            except BaseException as error:  # noqa: BLE001 - the test looks at what it was
                outcome.append(error)

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        deadline = time.monotonic() + 10
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        try:
            cut = time.monotonic()
            assert IN_FLIGHT.cancel() == 1
            asking.join(5)
            assert not asking.is_alive() and time.monotonic() - cut < 2
            assert isinstance(outcome[0], RequestCancelled)
            with pytest.raises(RequestCancelled):
                provider.complete(request)
            assert len(server.requests) == 1  # neither the SDK's retry nor the new request reached the server
        finally:
            IN_FLIGHT.reset()
        assert IN_FLIGHT.count == 0


def test_every_sdk_client_lets_ctrl_c_cut_its_requests():
    from polis_seed.providers.anthropic_messages import AnthropicProvider
    from polis_seed.providers.azure_openai import AzureOpenAIProvider
    from polis_seed.providers.in_flight import IN_FLIGHT
    from polis_seed.providers.openai_compat import OpenAIProvider

    providers = [OpenAIProvider("m", "http://127.0.0.1:9/v1", None, 600, 2),
                 AzureOpenAIProvider("d", "https://example.openai.azure.com", None, "2024-10-21", 600, 2),
                 AnthropicProvider("m", "http://127.0.0.1:9", None, 600, 2)]
    for provider in providers:
        hooks = provider.client._client.event_hooks["request"]
        assert IN_FLIGHT._on_request in hooks, type(provider).__name__


def test_ctrl_c_while_llama_server_loads_stops_the_server(tmp_path, monkeypatch):
    from polis_seed.providers import local

    pid_file = tmp_path / "server.pid"
    binary = tmp_path / "llama-server"
    binary.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")  # never becomes ready
    binary.chmod(0o755)
    monkeypatch.setattr(local, "server_binary", lambda: binary)

    def ctrl_c_while_loading(url, timeout):
        if pid_file.exists() and pid_file.read_text().strip():
            raise KeyboardInterrupt
        raise OSError("not listening yet")

    monkeypatch.setattr(local.urllib.request, "urlopen", ctrl_c_while_loading)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(KeyboardInterrupt):
        local.LlamaServer(model, log_path=tmp_path / "server.log").start()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)

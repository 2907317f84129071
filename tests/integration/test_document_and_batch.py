"""The document strategy and the batch loop on the real embedded model (llama-server on 127.0.0.1)."""

import json
import os
import shutil

import pytest

from .test_embedded_model import DATA, polis_seed  # noqa: F401  (also applies the model-available skip)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from polis_seed.providers.local import LlamaServer, resolve_model_path

    with LlamaServer(resolve_model_path(None), log_path=tmp_path_factory.mktemp("server") / "server.log") as running:
        yield running


def test_the_document_strategy_completes_on_a_real_server_with_documents_split_into_groups(server, tmp_path):
    angles = tmp_path / "angles.yaml"
    angles.write_text((DATA / "two_angles.yaml").read_text(encoding="utf-8").split("  - id: resident_services")[0],
                      encoding="utf-8")
    out = tmp_path / "out"
    result = polis_seed("run", DATA / "facility_booking_ja.md", DATA / "council_streaming_en.md", "-o", out,
                        "--strategy", "document", "--provider", "openai", "--base-url", f"{server.base_url}/v1",
                        "--model", "embedded", "--angles", angles, "--context-tokens", "2500", "--count", "2",
                        "--cache-dir", tmp_path / "cache")
    # The 1.5 B model may write nothing usable from two tiny documents (exit 1 with the run's own message); the
    # strategy must still have read them in two groups, asked each once, distilled, and written its report.
    assert result.returncode == 0 or (result.returncode == 1 and "no statement could be written" in result.stderr), \
        result.stderr
    assert "read in 2 groups and the claims merged" in result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    purposes = [attempt["purpose"] for attempt in report["report"]["attempts"]]
    first_discussions = [a for a in report["report"]["attempts"] if a["purpose"] == "discuss" and a["attempt"] == 0]
    assert len(first_discussions) == 2 and "distil" in purposes  # one discussion per group; a retry may follow
    texts = {d: (DATA / name).read_text(encoding="utf-8") for d, name in
             (("ja", "facility_booking_ja.md"), ("en", "council_streaming_en.md"))}
    from polis_seed.rules import quote_is_in

    for line in (out / "deduped.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert any(quote_is_in(record["quote"], text) for text in texts.values()), record
    usage = json.loads((out / "usage.json").read_text(encoding="utf-8"))
    # Every attempt is a call to the model or an answer from the cache (the distil of two groups may ask one request
    # twice in a run).
    assert usage["model_calls"] + usage["answered_from_cache"] == len(purposes)


def test_the_batch_loop_answered_by_the_embedded_model_gives_what_a_direct_run_gives(tmp_path):
    batch = tmp_path / "b"
    args = ["generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "s.jsonl", "--angles",
            DATA / "two_angles.yaml", "--per-angle", "2", "--cache-dir", tmp_path / "cache", "--batch-dir", batch]
    rounds = 0
    while rounds < 12:  # 7 with the stance check (measured); each round is one wait for a batch
        result = polis_seed(*args)
        assert result.returncode == 0, result.stderr
        if (tmp_path / "s.jsonl").exists():
            break
        rounds += 1
        requests = batch / f"round-{rounds}.requests.jsonl"
        assert requests.is_file() and f"wait in {requests}" in result.stderr
        answered = polis_seed("batch", "answer", requests, "-o", batch / f"round-{rounds}.results.jsonl",
                              "--provider", "local", "--cache-dir", tmp_path / "answers")
        assert answered.returncode == 0, answered.stderr
    assert rounds >= 1 and (tmp_path / "s.jsonl").exists()
    batched = (tmp_path / "s.jsonl").read_text(encoding="utf-8")
    # A direct run with the same answers (the answering side's cache) gives the same statements.
    shutil.copytree(tmp_path / "answers", tmp_path / "direct-cache")
    direct = polis_seed("generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "direct.jsonl", "--angles",
                        DATA / "two_angles.yaml", "--per-angle", "2", "--cache-dir", tmp_path / "direct-cache",
                        env={**os.environ})
    assert direct.returncode == 0, direct.stderr
    assert "model calls 0" in direct.stderr
    assert (tmp_path / "direct.jsonl").read_text(encoding="utf-8") == batched

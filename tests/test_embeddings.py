"""Embeddings are computed once per text: batched, and cached next to the model calls across rounds and runs."""

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.language import embeddings
from polis_seed.language.embeddings import CachedEmbedder, EmbeddingStore
from tests.test_batch_rounds import QUOTES, capable

DATA = Path(__file__).parent / "data"


class CountingModel:
    def __init__(self):
        self.calls: list[int] = []

    def __call__(self, texts):
        self.calls.append(len(texts))
        # A direction of its own for every text (from its bytes): no two statements look alike.
        rows = [np.random.default_rng(list(text.encode())).standard_normal(16) for text in texts]
        return np.array([row / np.linalg.norm(row) for row in rows], dtype=np.float32)


def test_each_text_is_embedded_once_in_one_call_and_read_back_from_the_store(tmp_path):
    model = CountingModel()
    first = CachedEmbedder(EmbeddingStore(tmp_path), model)
    vectors = first(["a", "b", "a", "c"])
    assert model.calls == [3] and vectors.shape == (4, 16) and np.array_equal(vectors[0], vectors[2])
    first(["b", "c"])
    assert model.calls == [3]
    first.close()
    again = CachedEmbedder(EmbeddingStore(tmp_path), model)  # a later round or run
    assert np.array_equal(again(["c", "a"]), vectors[[3, 0]]) and model.calls == [3]


def test_a_rerun_computes_no_embedding_again(tmp_path, replay, monkeypatch):
    model = CountingModel()
    monkeypatch.setattr(embeddings, "e5_embed", model)
    replay.always("Written", capable())
    command = ["run", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "out"), "--angles",
               str(DATA / "two_angles.yaml"), "--strategy", "document", "--no-stance-check", "--context-tokens", "32000"]
    assert CliRunner().invoke(cli.app, command).exit_code == 0
    assert sum(model.calls) >= len(QUOTES)  # the semantic dedupe tier embedded the statements
    model.calls.clear()
    result = CliRunner().invoke(cli.app, command)
    assert result.exit_code == 0, result.output
    assert model.calls == []
    kept = (tmp_path / "out" / "deduped.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(kept) == len(QUOTES) and all(json.loads(line)["quote"] for line in kept)

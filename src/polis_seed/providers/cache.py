"""A content-addressed store of LLM calls: a re-run costs nothing and an interrupted run resumes.

Key: sha256 over a version prefix, the provider's identity (provider, model, base URL; never a key)
and the full request (messages, schema, options). Value: the answer and its usage.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

import platformdirs

from .base import CompletionRequest, CompletionResult, Provider

CACHE_VERSION = "polis-seed-cache-v2"


def default_cache_dir() -> Path:
    configured = os.environ.get("POLIS_SEED_CACHE_DIR")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("polis-seed"))


def cache_key(identity: dict[str, str], request: CompletionRequest) -> str:
    payload = json.dumps(
        {"identity": identity, "request": request.cache_payload()}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(f"{CACHE_VERSION}\n{payload}".encode()).hexdigest()


class ResponseCache:
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "llm-calls.sqlite3"
        # One connection, shared by the generate threads: every use holds the lock (sqlite3 objects
        # must not be used by two threads at once).
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        # WAL: a reader never blocks the writer, and a killed process loses at most the answer in flight.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, result TEXT NOT NULL, "
            "created TEXT DEFAULT CURRENT_TIMESTAMP)"
        )

    def get(self, key: str) -> CompletionResult | None:
        with self._lock:
            row = self._db.execute("SELECT result FROM calls WHERE key = ?", (key,)).fetchone()
        return CompletionResult.model_validate_json(row[0]) if row else None

    def put(self, key: str, result: CompletionResult) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO calls (key, result) VALUES (?, ?)", (key, result.model_dump_json())
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedProvider:
    """Wraps a provider: answers from the cache when it can, stores every new answer at once."""

    def __init__(self, provider: Provider, cache: ResponseCache):
        self.provider = provider
        self.cache = cache

    def identity(self) -> dict[str, str]:
        return self.provider.identity()

    def complete(self, request: CompletionRequest) -> CompletionResult:
        key = cache_key(self.provider.identity(), request)
        cached = self.cache.get(key)
        if cached is not None:
            return cached.model_copy(update={"from_cache": True})
        result = self.provider.complete(request)
        # A cut-off answer is stored too: max_tokens is part of the key, so asking again gives the same cut.
        self.cache.put(key, result)
        return result

"""--debug: every request and answer printed to stderr, with secrets hidden."""

from __future__ import annotations

import json
import sys

from ..language.redaction import hide_secrets
from .base import CompletionRequest, CompletionResult, Provider


class DebugProvider:
    def __init__(self, provider: Provider, stream=None):
        self.provider = provider
        self.stream = stream or sys.stderr
        self._dump({"debug": "provider", "identity": provider.identity()})

    def _dump(self, record: dict) -> None:
        self.stream.write(hide_secrets(json.dumps(record, ensure_ascii=False)) + "\n")
        self.stream.flush()

    def identity(self) -> dict[str, str]:
        return self.provider.identity()

    def complete(self, request: CompletionRequest) -> CompletionResult:
        self._dump({"debug": "request", **request.cache_payload()})
        result = self.provider.complete(request)
        self._dump({"debug": "answer", **result.model_dump()})
        return result

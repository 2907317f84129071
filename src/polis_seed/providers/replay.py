"""A provider that replays queued answers: the test double at the network edge."""

from __future__ import annotations

import json
from typing import Any

from .base import CompletionRequest, CompletionResult


class ReplayProvider:
    def __init__(self, answers: list[str | dict[str, Any]] | None = None, model: str = "replay"):
        self.model = model
        self._queue: list[str] = []
        self.history: list[CompletionRequest] = []
        for answer in answers or []:
            self.enqueue(answer)

    def enqueue(self, answer: str | dict[str, Any]) -> None:
        self._queue.append(answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False))

    def identity(self) -> dict[str, str]:
        return {"provider": "replay", "model": self.model}

    def complete(self, request: CompletionRequest) -> CompletionResult:
        self.history.append(request)
        if not self._queue:
            raise AssertionError(f"ReplayProvider: no answer queued for request {len(self.history)}")
        content = self._queue.pop(0)
        return CompletionResult(content=content, finish_reason="stop", prompt_tokens=10, completion_tokens=5)

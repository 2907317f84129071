"""A provider that replays queued answers: the test double at the network edge."""

from __future__ import annotations

import json
from typing import Any

from polis_seed.providers.base import CompletionRequest, CompletionResult, ProviderError


class ReplayProvider:
    """Answers requests from a queue, in order, and keeps every request in `history`.

    A queued str or dict is the answer's text; a CompletionResult is returned as it is (refusals,
    cut-off answers); a ProviderError is raised (a request that failed after the SDK's retries).
    """

    def __init__(self, answers: list[Any] | None = None, model: str = "replay"):
        self.model = model
        self._queue: list[CompletionResult | ProviderError] = []
        self.history: list[CompletionRequest] = []
        for answer in answers or []:
            self.enqueue(answer)

    def enqueue(self, answer: str | dict[str, Any] | CompletionResult | ProviderError) -> None:
        if isinstance(answer, (CompletionResult, ProviderError)):
            self._queue.append(answer)
            return
        content = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        self._queue.append(CompletionResult(content=content, finish_reason="stop", prompt_tokens=10, completion_tokens=5))

    def identity(self) -> dict[str, str]:
        return {"provider": "replay", "model": self.model}

    def complete(self, request: CompletionRequest) -> CompletionResult:
        self.history.append(request)
        if not self._queue:
            raise AssertionError(f"ReplayProvider: no answer queued for request {len(self.history)}")
        answer = self._queue.pop(0)
        if isinstance(answer, ProviderError):
            raise answer
        return answer

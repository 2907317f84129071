"""A provider that replays queued answers: the test double at the network edge."""

from __future__ import annotations

import json
from collections.abc import Callable
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
        self._standing: dict[str, CompletionResult] = {}
        self.history: list[CompletionRequest] = []
        for answer in answers or []:
            self.enqueue(answer)

    def always(self, schema_name: str, answer: dict[str, Any] | Callable[[CompletionRequest], dict[str, Any]]) -> None:
        """Answer every request for this answer schema with `answer` (or what it returns for the request),
        outside the queue."""
        self._standing[schema_name] = answer

    def enqueue(self, answer: str | dict[str, Any] | CompletionResult | ProviderError) -> None:
        if isinstance(answer, (CompletionResult, ProviderError)) or callable(answer):
            self._queue.append(answer)
            return
        content = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        self._queue.append(CompletionResult(content=content, finish_reason="stop", prompt_tokens=10, completion_tokens=5))

    def identity(self) -> dict[str, str]:
        return {"provider": "replay", "model": self.model}

    def complete(self, request: CompletionRequest) -> CompletionResult:
        if request.schema_name in self._standing:
            answer = self._standing[request.schema_name]
            content = answer(request) if callable(answer) else answer
            return CompletionResult(content=json.dumps(content, ensure_ascii=False), finish_reason="stop",
                                    prompt_tokens=10, completion_tokens=5)
        self.history.append(request)
        if not self._queue:
            raise AssertionError(f"ReplayProvider: no answer queued for request {len(self.history)}")
        answer = self._queue.pop(0)
        if isinstance(answer, ProviderError):
            raise answer
        if callable(answer):
            return CompletionResult(content=json.dumps(answer(request), ensure_ascii=False), finish_reason="stop",
                                    prompt_tokens=10, completion_tokens=5)
        return answer


def statement_from_the_source(request: CompletionRequest) -> dict[str, Any]:
    """What a grounded model answers: a statement made from the request's own source sentence, naming the
    subject (see FaultServer.statement_for)."""
    from tests.fault_server import FaultServer

    return {"statements": [FaultServer.statement_for({"messages": [m.model_dump() for m in request.messages]})]}

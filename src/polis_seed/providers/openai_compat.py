"""OpenAI chat completions with a strict json_schema response format.

Used for OpenAI itself and for any OpenAI-compatible server, the embedded llama-server included.
The request body is built once (`request_body`) and serves both the live call and a line of an
OpenAI Batch API input file; answers are read from the same JSON shape in both cases
(`result_from_completion`). Retries and time-outs are the SDK's own (`max_retries`, `timeout`).
"""

from __future__ import annotations

from typing import Any

from ..language.redaction import hide_secrets
from .base import CompletionRequest, CompletionResult, ProviderError
from .in_flight import IN_FLIGHT

CHAT_COMPLETIONS_PATH = "/v1/chat/completions"
TOP_LOGPROBS = 10


def request_body(request: CompletionRequest, model: str) -> dict[str, Any]:
    """The JSON body of a chat completion request (what the SDK sends, and what a batch line holds)."""
    body = {
        "model": model,
        "messages": [{"role": message.role, "content": message.content} for message in request.messages],
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "response_format": {"type": "json_schema", "json_schema": {
            "name": request.schema_name, "schema": request.answer_schema, "strict": True}},
    }
    if request.logprobs:
        body.update({"logprobs": True, "top_logprobs": TOP_LOGPROBS})
    return body


def result_from_completion(completion: dict[str, Any]) -> CompletionResult:
    """A chat completion (as JSON) → CompletionResult. Raises ProviderError when it is not one."""
    try:
        choice = completion["choices"][0]
        message = choice.get("message") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ProviderError("the answer was not a chat completion (no choices)") from None
    usage = completion.get("usage") or {}
    cached = ((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0
    finish_reason = choice.get("finish_reason")
    refusal = message.get("refusal") or ("content filter" if finish_reason == "content_filter" else None)
    tokens = ((choice.get("logprobs") or {}).get("content")) or []
    return CompletionResult(
        content=message.get("content") or "",
        top_logprobs=[{alternative["token"]: alternative["logprob"] for alternative in token.get("top_logprobs") or []}
                      for token in tokens],
        finish_reason=finish_reason,
        refusal=refusal,
        # OpenAI counts cached tokens inside prompt_tokens; they are billed at a discount, so keep them apart.
        prompt_tokens=max(0, (usage.get("prompt_tokens") or 0) - cached),
        completion_tokens=usage.get("completion_tokens") or 0,
        cached_input_tokens=cached,
    )


class OpenAIProvider:
    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float, max_retries: int,
                 name: str = "openai"):
        import openai

        self.name = name
        self.model = model
        self.base_url = base_url
        self.client = openai.OpenAI(
            base_url=base_url,
            # A local server needs no key, but the SDK insists on one.
            api_key=api_key or "no-key-needed",
            timeout=timeout,
            max_retries=max_retries,
            http_client=openai.DefaultHttpxClient(event_hooks=IN_FLIGHT.event_hooks()),
        )

    def identity(self) -> dict[str, str]:
        return {"provider": self.name, "model": self.model, "base_url": self.base_url or ""}

    def complete(self, request: CompletionRequest) -> CompletionResult:
        import openai

        try:
            with IN_FLIGHT.request():
                response = self.client.chat.completions.create(**request_body(request, self.model))
            completion = response.model_dump() if hasattr(response, "model_dump") else None
        except openai.APIError as error:
            raise ProviderError(hide_secrets(f"{self.name} request failed: {error}")) from error
        if not isinstance(completion, dict):
            # A 200 answer that is not a chat completion at all (an HTML error page from a proxy).
            raise ProviderError(f"{self.name} answer was not a chat completion; check --base-url {self.base_url or ''}"
                                .rstrip())
        try:
            return result_from_completion(completion)
        except ProviderError as error:
            raise ProviderError(f"{self.name} {error}; check --base-url {self.base_url or ''}".rstrip()) from None


class OpenAIBatches:
    """The OpenAI Batch API: the request file uploaded with `files.create(purpose="batch")`, then
    `batches.create`; polled with `batches.retrieve`, results downloaded with `files.content`."""

    endpoint = CHAT_COMPLETIONS_PATH

    def __init__(self, base_url: str | None, api_key: str | None, timeout: float, max_retries: int, client=None):
        import openai

        self.client = client or openai.OpenAI(base_url=base_url, api_key=api_key or "no-key-needed", timeout=timeout,
                                              max_retries=max_retries)

    def submit(self, path) -> str:
        uploaded = self.client.files.create(file=(path.name, path.read_bytes(), "application/jsonl"), purpose="batch")
        return self.client.batches.create(input_file_id=uploaded.id, endpoint=self.endpoint,
                                          completion_window="24h").id

    def poll(self, batch_id: str) -> tuple[str, list[str] | None]:
        batch = self.client.batches.retrieve(batch_id)
        if batch.status not in ("completed", "failed", "expired", "cancelled"):
            return batch.status, None
        lines: list[str] = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                lines += [line for line in self.client.files.content(file_id).text.splitlines() if line.strip()]
        return batch.status, lines

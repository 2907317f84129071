"""Anthropic Messages API with a JSON-schema output format (`output_config.format`).

The request body is built once (`request_body`) and serves the live call and a line of a Message
Batches input file. It is sent with `messages.create`, so the raw text stays in our hands: servers
that ignore the schema (llama-server's /v1/messages does) answer in free text, which the ask step
reads leniently and re-asks on, instead of the SDK raising. A message marked as a cache breakpoint
(the documents) gets `cache_control`, so a stable prefix is read from Anthropic's prompt cache.
"""

from __future__ import annotations

from typing import Any

from ..language.redaction import hide_secrets
from .base import CompletionRequest, CompletionResult, ProviderError
from .in_flight import IN_FLIGHT

EPHEMERAL_CACHE = {"type": "ephemeral"}


def _block(text: str, cache_breakpoint: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": text}
    if cache_breakpoint:
        block["cache_control"] = EPHEMERAL_CACHE
    return block


def request_body(request: CompletionRequest, model: str) -> dict[str, Any]:
    """The Messages API parameters: system blocks, then turns (consecutive turns of one role joined
    into one message of several blocks, as the API wants), and the output schema."""
    system = [_block(m.content, m.cache_breakpoint) for m in request.messages if m.role == "system"]
    turns: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role == "system":
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["content"].append(_block(message.content, message.cache_breakpoint))
        else:
            turns.append({"role": message.role, "content": [_block(message.content, message.cache_breakpoint)]})
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": turns,
        # Current Messages API versions take no temperature together with structured output;
        # re-asks differ by their messages.
        "output_config": {"format": {"type": "json_schema", "schema": request.answer_schema}},
    }
    if system:
        body["system"] = system
    return body


def result_from_message(message: dict[str, Any]) -> CompletionResult:
    """A Messages API response (as JSON) → CompletionResult. Raises ProviderError when it is not one."""
    if not isinstance(message, dict) or not isinstance(message.get("content"), list):
        raise ProviderError("the answer was not a Messages response")
    usage = message.get("usage") or {}
    text = "".join(block.get("text", "") for block in message["content"] if block.get("type") == "text")
    stop_reason = message.get("stop_reason")
    return CompletionResult(
        content=text,
        finish_reason="length" if stop_reason == "max_tokens" else stop_reason,
        refusal="refused" if stop_reason == "refusal" else None,
        prompt_tokens=usage.get("input_tokens") or 0,
        completion_tokens=usage.get("output_tokens") or 0,
        cached_input_tokens=usage.get("cache_read_input_tokens") or 0,
        cache_write_tokens=usage.get("cache_creation_input_tokens") or 0,
    )


class AnthropicProvider:
    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float, max_retries: int):
        import anthropic

        self.model = model
        self.base_url = base_url
        self.client = anthropic.Anthropic(base_url=base_url, api_key=api_key or "no-key-needed",
                                          timeout=timeout, max_retries=max_retries,
                                          http_client=anthropic.DefaultHttpxClient(event_hooks=IN_FLIGHT.event_hooks()))

    def identity(self) -> dict[str, str]:
        return {"provider": "anthropic", "model": self.model, "base_url": self.base_url or ""}

    def count_input_tokens(self, request: CompletionRequest) -> int:
        """Anthropic's count_tokens endpoint; raises ProviderError when it cannot be reached."""
        import anthropic

        body = request_body(request, self.model)
        try:
            return self.client.messages.count_tokens(model=self.model, system=body.get("system", []),
                                                     messages=body["messages"]).input_tokens
        except anthropic.APIError as error:
            raise ProviderError(hide_secrets(f"anthropic count_tokens failed: {error}")) from error

    def complete(self, request: CompletionRequest) -> CompletionResult:
        import anthropic

        try:
            with IN_FLIGHT.request():
                response = self.client.messages.create(**request_body(request, self.model))
        except anthropic.APIError as error:
            raise ProviderError(hide_secrets(f"anthropic request failed: {error}")) from error
        if not hasattr(response, "model_dump"):
            # A 200 answer that is not a Messages response at all (an HTML error page from a proxy).
            raise ProviderError(f"anthropic answer was not a Messages response; check --base-url {self.base_url or ''}")
        try:
            return result_from_message(response.model_dump())
        except ProviderError as error:
            raise ProviderError(f"anthropic {error}; check --base-url {self.base_url or ''}") from None


class AnthropicBatches:
    """Anthropic's Message Batches: `messages.batches.create` with the request lines; polled with
    `messages.batches.retrieve`, results read with `messages.batches.results`."""

    def __init__(self, base_url: str | None, api_key: str | None, timeout: float, max_retries: int):
        import anthropic

        self.client = anthropic.Anthropic(base_url=base_url, api_key=api_key or "no-key-needed", timeout=timeout,
                                          max_retries=max_retries)

    def submit(self, path) -> str:
        import json

        requests = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return self.client.messages.batches.create(requests=requests).id

    def poll(self, batch_id: str) -> tuple[str, list[str] | None]:
        batch = self.client.messages.batches.retrieve(batch_id)
        if batch.processing_status != "ended":
            return batch.processing_status, None
        return "ended", [entry.model_dump_json() for entry in self.client.messages.batches.results(batch_id)]

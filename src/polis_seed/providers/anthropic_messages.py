"""Anthropic Messages API with a JSON-schema output format.

The request is the one `messages.parse(output_format=Model)` sends (`output_config.format` with the
model's transformed schema), made with `messages.create` so that the raw text stays in our hands:
servers that ignore the schema (llama-server's /v1/messages does) answer in free text, which the
generate stage reads leniently and re-asks on, instead of the SDK raising.
"""

from __future__ import annotations

from ..redaction import hide_secrets
from .base import CompletionRequest, CompletionResult, ProviderError

DEFAULT_TIMEOUT_SECONDS = 600.0
DEFAULT_MAX_RETRIES = 2


class AnthropicProvider:
    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, max_retries: int = DEFAULT_MAX_RETRIES):
        import anthropic

        self.model = model
        self.base_url = base_url
        self._client = anthropic.Anthropic(base_url=base_url, api_key=api_key or "no-key-needed",
                                           timeout=timeout, max_retries=max_retries)

    def identity(self) -> dict[str, str]:
        return {"provider": "anthropic", "model": self.model, "base_url": self.base_url or ""}

    def _split(self, request: CompletionRequest) -> tuple[str, list[dict]]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        turns = [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"]
        return system, turns

    def count_input_tokens(self, request: CompletionRequest) -> int:
        """Anthropic's count_tokens endpoint; raises ProviderError when it cannot be reached."""
        import anthropic

        system, turns = self._split(request)
        try:
            return self._client.messages.count_tokens(model=self.model, system=system, messages=turns).input_tokens
        except anthropic.APIError as error:
            raise ProviderError(hide_secrets(f"anthropic count_tokens failed: {error}")) from error

    def complete(self, request: CompletionRequest) -> CompletionResult:
        import anthropic
        from anthropic.lib._parse._transform import transform_schema

        system, turns = self._split(request)
        try:
            response = self._client.messages.create(
                model=self.model,
                system=system,
                messages=turns,
                max_tokens=request.max_tokens,
                # Current Messages API versions take no temperature; re-asks differ by their messages.
                output_config={"format": {"type": "json_schema", "schema": transform_schema(request.json_schema())}},
            )
        except anthropic.APIError as error:
            raise ProviderError(hide_secrets(f"anthropic request failed: {error}")) from error
        if not hasattr(response, "content"):
            # A 200 answer that is not a Messages response at all (an HTML error page from a proxy).
            raise ProviderError(f"anthropic answer was not a Messages response; check --base-url {self.base_url or ''}")
        text = "".join(block.text for block in response.content if block.type == "text")
        return CompletionResult(
            content=text,
            finish_reason=response.stop_reason,
            refusal="refused" if response.stop_reason == "refusal" else None,
            prompt_tokens=response.usage.input_tokens,
            completion_tokens=response.usage.output_tokens,
        )

"""OpenAI chat completions with a strict json_schema response format.

Used for OpenAI itself and for any OpenAI-compatible server, the embedded llama-server included.
"""

from __future__ import annotations

from .base import CompletionRequest, CompletionResult, ProviderError

DEFAULT_TIMEOUT_SECONDS = 600.0


class OpenAIProvider:
    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, max_retries: int = 2, name: str = "openai"):
        import openai

        self.name = name
        self.model = model
        self.base_url = base_url
        self._client = openai.OpenAI(
            base_url=base_url,
            # A local server needs no key, but the SDK insists on one.
            api_key=api_key or "no-key-needed",
            timeout=timeout,
            max_retries=max_retries,
        )

    def identity(self) -> dict[str, str]:
        return {"provider": self.name, "model": self.model, "base_url": self.base_url or ""}

    def complete(self, request: CompletionRequest) -> CompletionResult:
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[message.model_dump() for message in request.messages],
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": request.schema_name, "schema": request.json_schema, "strict": True},
                },
            )
        except openai.APIError as error:
            raise ProviderError(f"{self.name} request failed: {error}") from error
        choice = response.choices[0]
        usage = response.usage
        return CompletionResult(
            content=choice.message.content or "",
            finish_reason=choice.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

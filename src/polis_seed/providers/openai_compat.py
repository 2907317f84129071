"""OpenAI chat completions with a strict json_schema response format (`chat.completions.parse`).

Used for OpenAI itself and for any OpenAI-compatible server, the embedded llama-server included.
Retries and time-outs are the SDK's own (`max_retries`, `timeout`).
"""

from __future__ import annotations

import pydantic

from ..redaction import hide_secrets
from .base import CompletionRequest, CompletionResult, ProviderError

DEFAULT_TIMEOUT_SECONDS = 600.0
DEFAULT_MAX_RETRIES = 2


class OpenAIProvider:
    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, max_retries: int = DEFAULT_MAX_RETRIES,
                 name: str = "openai"):
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
            response = self._client.chat.completions.parse(
                model=self.model,
                messages=[message.model_dump() for message in request.messages],
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                response_format=request.response_model,
            )
        except openai.LengthFinishReasonError as error:
            return self._result(error.completion, finish_reason="length")
        except openai.ContentFilterFinishReasonError:
            return CompletionResult(content="", finish_reason="content_filter", refusal="content filter")
        except pydantic.ValidationError:
            # The server ignored the schema: an answer to re-ask, not a crash.
            return CompletionResult(content="", finish_reason="invalid_json")
        except openai.APIError as error:
            raise ProviderError(hide_secrets(f"{self.name} request failed: {error}")) from error
        except (AttributeError, TypeError, ValueError) as error:
            # A 200 answer that is not a chat completion at all (an HTML error page from a proxy).
            raise ProviderError(f"{self.name} answer was not a chat completion ({type(error).__name__}); "
                                f"check --base-url {self.base_url or ''}".rstrip()) from error
        return self._result(response)

    @staticmethod
    def _result(response, finish_reason: str | None = None) -> CompletionResult:
        choice = response.choices[0]
        usage = response.usage
        return CompletionResult(
            content=choice.message.content or "",
            finish_reason=finish_reason or choice.finish_reason,
            refusal=getattr(choice.message, "refusal", None),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

"""The one interface every provider implements: one structured chat completion per call."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


class CompletionRequest(BaseModel):
    """One request. `response_model` is the pydantic model the answer must follow; providers hand it
    to their SDK's structured-output support, and the cache keys on its JSON schema."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message]
    response_model: type[BaseModel] = Field(exclude=True)
    temperature: float = 0.2
    max_tokens: int = 600
    seed: int | None = 1

    def json_schema(self) -> dict[str, Any]:
        return self.response_model.model_json_schema()

    def cache_payload(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "schema": self.json_schema()}


class CompletionResult(BaseModel):
    """What came back. `content` is the raw text; a refusal or cut-off answer is reported here,
    not raised, so it costs that one request and not the run."""

    model_config = ConfigDict(extra="forbid")

    content: str
    finish_reason: str | None = None
    refusal: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    from_cache: bool = False


class Provider(Protocol):
    """A model behind one method. `identity` names what answers (never a secret)."""

    def identity(self) -> dict[str, str]: ...

    def complete(self, request: CompletionRequest) -> CompletionResult: ...


class ProviderError(Exception):
    """A request failed after the SDK's own retries (network, server error, time-out)."""

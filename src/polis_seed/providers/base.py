"""The one interface every provider implements: one structured chat completion per call."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[Message]
    schema_name: str
    json_schema: dict[str, Any] = Field(description="JSON schema the answer must follow")
    temperature: float = 0.2
    max_tokens: int = 600
    seed: int | None = 1


class CompletionResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    from_cache: bool = False


class Provider(Protocol):
    """A model behind one method. `identity` names what answers (never a secret)."""

    def identity(self) -> dict[str, str]: ...

    def complete(self, request: CompletionRequest) -> CompletionResult: ...


class ProviderError(Exception):
    """A request failed after the SDK's own retries (network, server error, refusal)."""

"""The one interface every provider implements: one structured chat completion per call."""

from __future__ import annotations

import copy
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

# Keywords that strict structured-output modes (OpenAI strict json_schema, Anthropic output_config)
# refuse or ignore; the answer is validated by pydantic afterwards anyway.
_UNSUPPORTED_KEYWORDS = ("default", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
                         "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems")


def strict_json_schema(answer_model: type[BaseModel]) -> dict[str, Any]:
    """The answer model's JSON schema in the strict form both providers accept: references inlined,
    every object closed (`additionalProperties: false`) with every property required."""
    schema = answer_model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def strict(node: Any) -> Any:
        if isinstance(node, list):
            return [strict(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return strict(copy.deepcopy(definitions[node["$ref"].rsplit("/", 1)[-1]]))
        node = {key: strict(value) for key, value in node.items() if key not in _UNSUPPORTED_KEYWORDS}
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        if "enum" in node and "type" not in node:
            node["type"] = "string"
        return node

    return strict(schema)


class Message(BaseModel):
    """One chat turn. `cache_breakpoint` marks the end of a stable prefix (the documents) that
    providers may cache between requests: Anthropic gets `cache_control` there; OpenAI caches a
    stable prefix by itself."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str
    cache_breakpoint: bool = False


class CompletionRequest(BaseModel):
    """One request: the messages and the JSON schema the answer must follow. The schema is plain
    data (not a class), so a request can be written to a batch file, read back and answered elsewhere."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message]
    schema_name: str
    answer_schema: dict[str, Any]
    temperature: float = 0.2
    max_tokens: int = 600
    seed: int | None = 1
    # Ask for the likelihood of the alternatives of each answer token (OpenAI-compatible servers): a
    # classification then gets a probability, not only a label.
    logprobs: bool = False

    @classmethod
    def asking_for(cls, answer_model: type[BaseModel], messages: list[Message], **options: Any) -> CompletionRequest:
        return cls(messages=messages, schema_name=answer_model.__name__,
                   answer_schema=strict_json_schema(answer_model), **options)

    def cache_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class CompletionResult(BaseModel):
    """What came back. `content` is the raw text; a refusal or cut-off answer is reported here,
    not raised, so it costs that one request and not the run."""

    model_config = ConfigDict(extra="forbid")

    content: str
    finish_reason: str | None = None
    refusal: str | None = None
    prompt_tokens: int = Field(0, description="input tokens billed at the full price")
    completion_tokens: int = 0
    cached_input_tokens: int = Field(0, description="input tokens read from the provider's prompt cache")
    cache_write_tokens: int = Field(0, description="input tokens written to the provider's prompt cache (Anthropic)")
    top_logprobs: list[dict[str, float]] = Field(default_factory=list,
                                                 description="for each answer token, its likeliest alternatives")
    from_cache: bool = False


class Provider(Protocol):
    """A model behind one method. `identity` names what answers (never a secret)."""

    def identity(self) -> dict[str, str]: ...

    def complete(self, request: CompletionRequest) -> CompletionResult: ...


class ProviderError(Exception):
    """A request failed after the SDK's own retries (network, server error, time-out)."""


class PendingAnswer(Exception):
    """The answer is not available yet: the request waits in a batch file (batch/rounds.py)."""

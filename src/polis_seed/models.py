"""The records that flow between stages: load → chunk → generate → dedupe → export."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["ja", "en"]
Stance = Literal["pro", "con"]


class Record(BaseModel):
    """Base for every record: unknown fields are an error, not silence."""

    model_config = ConfigDict(extra="forbid")


class Document(Record):
    id: str = Field(description="content hash of the text: stable across runs and renames")
    path: str
    title: str
    text: str
    kind: str = Field("text", description="text, markdown, pdf, docx, html or csv")
    encoding: str | None = Field(None, description="the text encoding detected, for text-based files")


class Chunk(Record):
    id: str = Field(description="<document id>:<index>")
    document_id: str
    index: int
    sentences: list[str]
    token_count: int

    @property
    def text(self) -> str:
        return "\n".join(self.sentences)


class Angle(Record):
    """One axis of disagreement; `pro` and `con` say what each stance claims."""

    id: str
    name: str
    pro: str
    con: str
    keywords: list[str] = Field(default_factory=list)


class Statement(Record):
    text: str
    angle: str | None = None
    stance: Stance | None = None
    document_id: str | None = None
    source_path: str | None = None
    chunk_id: str | None = None
    quote: str | None = None
    merged: list[str] = Field(default_factory=list, description="texts this statement absorbed in dedupe")


def rule_of(reason: str) -> str:
    """The rule a reason names: 'too-long: it is 150 characters…' → 'too-long'."""
    return reason.split(":", 1)[0]


class Drop(Record):
    """A candidate statement the validator rejected for good (after its re-asks)."""

    text: str
    angle: str
    stance: Stance | None
    reasons: list[str]


class GenerationReport(Record):
    requests: int = 0
    retries: int = 0
    failed_requests: int = 0
    kept: int = 0
    dropped: list[Drop] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_responses: int = 0
    failures: list[str] = Field(default_factory=list, description="requests that failed after the SDK's retries")
    answers: int = Field(0, description="model answers checked against the rules, re-asks included")
    rejections: dict[str, int] = Field(default_factory=dict, description="answers rejected, by rule")

    @property
    def calls_made(self) -> int:
        """Requests that really reached the model (not answered from the cache)."""
        return self.requests - self.cached_responses

    def absorb(self, other: GenerationReport) -> None:
        for name in ("requests", "retries", "failed_requests", "kept", "prompt_tokens", "completion_tokens",
                     "cached_responses", "answers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.dropped += other.dropped
        self.failures += other.failures
        for rule, count in other.rejections.items():
            self.rejections[rule] = self.rejections.get(rule, 0) + count

    def drop_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for drop in self.dropped:
            for reason in drop.reasons:
                key = rule_of(reason)
                counts[key] = counts.get(key, 0) + 1
        return counts


class Merge(Record):
    """One statement absorbed by another: which tier matched them and how closely."""

    kept: str
    absorbed: str
    tier: str
    score: float
    existing: bool = Field(False, description="kept is a comment already in the conversation (--against)")

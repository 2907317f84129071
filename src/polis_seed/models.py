"""The records that flow between stages: load → chunk → generate → dedupe → export."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from .messages import rule_of, say

Language = Literal["ja", "en"]
Stance = Literal["pro", "con"]
CheckedStance = Literal["pro", "con", "unclear"]


class Record(BaseModel):
    """Base for every record: unknown fields are an error, not silence."""

    model_config = ConfigDict(extra="forbid")


class Row(Record):
    """One comment of a comment file: its row id (the file's comment-id, else its row number with the header as
    row 1, as a spreadsheet shows it) and its text."""

    id: str
    text: str


class Document(Record):
    id: str = Field(description="content hash of the text: stable across runs and renames")
    path: str
    title: str
    text: str
    kind: str = Field("text", description="text, markdown, pdf, docx, html or csv")
    encoding: str | None = Field(None, description="the text encoding detected, for text-based files")
    headings: list[str] = Field(default_factory=list, description="the text's headings, for Markdown and HTML: "
                                "they name what the document is about but are never a passage")
    rows: list[Row] = Field(default_factory=list, description="a comment file's comments, each a unit whose "
                            "support is counted (empty for other documents)")

    @property
    def units(self) -> int:
        """How many units of support the document is: its comments, or itself."""
        return len(self.rows) or 1


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
    """One axis of disagreement; `pro` and `con` say what each stance claims. A text may hold a Japanese
    and an English version separated by " / ", and `{topic}` where the documents' subject goes."""

    id: str
    name: str
    pro: str
    con: str
    keywords: list[str] = Field(default_factory=list)

    def text(self, part: Literal["name", "pro", "con"], language: str | None = None, topic: str | None = None) -> str:
        """One part in one language, with the subject in place of {topic} (before the subject is known, the
        words for "what the documents discuss")."""
        return localized(getattr(self, part), language).replace("{topic}", topic or UNNAMED_SUBJECT.get(
            language or "en", UNNAMED_SUBJECT["en"]))


UNNAMED_SUBJECT = {"ja": "議論されている施策", "en": "the proposal"}


def localized(text: str, language: str | None) -> str:
    """The version of a bilingual text ("ja / en" or "en / ja") in the language asked for; the whole text
    when it has one version only."""
    parts = [part.strip() for part in text.split(" / ")]
    if language is None or len(parts) != 2:
        return text
    japanese = [part for part in parts if any("\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" for ch in part)]
    other = [part for part in parts if part not in japanese]
    chosen = japanese if language == "ja" else other
    return chosen[0] if chosen else text


def statement_id(*parts: str | None) -> str:
    """A short stable id from what defines a statement (its text and where it came from)."""
    return "s" + hashlib.sha256("\x1f".join(part or "" for part in parts).encode("utf-8")).hexdigest()[:10]


class Holder(Record):
    """A document, or one comment of a comment file, that holds a claim, with the words that show it."""

    document_id: str
    source_path: str
    row: str | None = Field(None, description="the comment's row id, for a comment file")
    quote: str | None = Field(None, description="the holder's own words that show the claim (the quote checked "
                              "in the document); None for a comment named by its row id only")


class Support(Record):
    """Who holds a statement's claim: how many of the input's units (documents, or comments of comment files)."""

    count: int = Field(description="documents or comments that hold the claim")
    of: int = Field(description="documents or comments in the input")
    unit: Literal["documents", "comments", "documents and comments"]
    documents: int = Field(description="distinct documents (files) among the holders")
    holders: list[Holder] = Field(default_factory=list)


class Statement(Record):
    text: str
    id: str | None = Field(None, description="stable id: kept through dedupe, export and review")
    angle: str | None = None
    stance: Stance | None = Field(None, description="the side it was asked for (or labelled with)")
    checked_stance: CheckedStance | None = Field(None, description="the side the stance check read in the text")
    document_id: str | None = None
    source_path: str | None = None
    chunk_id: str | None = None
    quote: str | None = None
    merged: list[str] = Field(default_factory=list, description="texts this statement absorbed in dedupe")
    score: float | None = Field(None, description="the judge's score, 0..1 (sentence strategy)")
    from_documents: bool = Field(True, description="False: written from the model's own knowledge for a side the "
                                                   "documents do not support (--fill-from-knowledge); it has no quote")
    moderated: Literal[-1, 0, 1] | None = Field(None, description="Polis moderation: 1 accepted, 0 not yet, -1 rejected")
    support: Support | None = Field(None, description="document strategy: the documents or comments that hold the "
                                    "statement's claim")

    def with_id(self) -> Statement:
        if self.id:
            return self
        return self.model_copy(update={"id": statement_id(self.text, self.angle, self.stance, self.document_id)})


def sides_checked(statements: list[Statement]) -> bool:
    """Whether a list's sides were read by a check (the stance check, the list side check, a person in the review):
    then every statement counts on what was read, and one that was not read counts as unclear."""
    return any(statement.checked_stance for statement in statements)


def counted_side(statement: Statement, checked: bool) -> CheckedStance:
    """The one answer to "which side does this statement count on", for every count of sides: the terminal table,
    quality.json, report.html, the review page, lint's balance check and the review sheet. In a list whose sides
    were checked (`sides_checked`): the side the check read when it read pro or con, else unclear (it read neither,
    or did not read this one), never silently the side it was asked for. In a list no check read: its label."""
    if checked:
        return statement.checked_stance if statement.checked_stance in ("pro", "con") else "unclear"
    return statement.stance or "unclear"


def cell_counts(statements: list[Statement]) -> Counter[tuple[str, CheckedStance]]:
    """(angle id, the side each counts on) → how many statements count there: the angle × side grid of a list,
    for report.html's grid and its empty cells and for which cells a run looks up evidence for."""
    checked = sides_checked(statements)
    return Counter((statement.angle, counted_side(statement, checked)) for statement in statements if statement.angle)


class Reason(Record):
    """Why something was found, dropped or merged, as a message id of messages.py and its parameters, so a page
    can say it in its own language."""

    id: str
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def rule(self) -> str:
        return rule_of(self.id)

    def text(self, language: str = "en", names: dict[str, str] | None = None) -> str:
        return say(self.id, self.params, language, names)

    def as_reason(self, language: str = "en", names: dict[str, str] | None = None) -> str:
        """'rule: what to do', the form a model is sent back and report.json keeps."""
        return f"{self.rule}: {self.text(language, names)}"


def said(message_id: str, **params: Any) -> Reason:
    return Reason(id=message_id, params=params)


class Drop(Record):
    """A candidate statement the checks rejected for good (after its re-asks)."""

    text: str
    angle: str
    stance: Stance | None
    reasons: list[str] = Field(default_factory=list, description="in English: 'rule: what to do'")
    why: list[Reason] = Field(default_factory=list, description="the same reasons as message ids and parameters, "
                              "for a page in another language (empty in runs before it was kept)")
    document_id: str | None = None
    quote: str | None = None
    score: float | None = Field(None, description="the judge's score (sentence strategy), when it was judged")

    @model_validator(mode="after")
    def _reasons_in_english(self) -> Drop:
        if not self.reasons:
            self.reasons = [reason.as_reason() for reason in self.why]
        return self


class Judged(Record):
    """A candidate the judge scored (sentence strategy): what it measured, so its calibration can be checked."""

    text: str
    angle: str
    side: CheckedStance
    source: str
    features: dict[str, float]
    score: float
    kept: bool


class Attempt(Record):
    """One model request and what became of its answer: the report's counters are computed from these."""

    purpose: str = Field(description="statement, stance, topic, discover, discuss, distil or judge")
    attempt: int = Field(0, description="0 for the first ask, 1.. for re-asks")
    from_cache: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    problems: list[str] = Field(default_factory=list, description="why the answer was rejected; empty when accepted")
    failure: str | None = Field(None, description="the request failed after the SDK's retries")


def _rule(reason: str) -> str:
    return reason.split(":", 1)[0]


class GenerationReport(Record):
    attempts: list[Attempt] = Field(default_factory=list)
    dropped: list[Drop] = Field(default_factory=list)
    kept: int = 0
    judged: list[Judged] = Field(default_factory=list)

    @computed_field
    @property
    def requests(self) -> int:
        return len(self.attempts)

    @computed_field
    @property
    def retries(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.attempt > 0)

    @computed_field
    @property
    def failed_requests(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.failure)

    @computed_field
    @property
    def cached_responses(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.from_cache)

    @computed_field
    @property
    def prompt_tokens(self) -> int:
        # Tokens count what this run spent: cached answers cost nothing again.
        return sum(attempt.prompt_tokens for attempt in self.attempts if not attempt.from_cache)

    @computed_field
    @property
    def completion_tokens(self) -> int:
        return sum(attempt.completion_tokens for attempt in self.attempts if not attempt.from_cache)

    @computed_field
    @property
    def cached_input_tokens(self) -> int:
        return sum(attempt.cached_input_tokens for attempt in self.attempts if not attempt.from_cache)

    @computed_field
    @property
    def cache_write_tokens(self) -> int:
        return sum(attempt.cache_write_tokens for attempt in self.attempts if not attempt.from_cache)

    @computed_field
    @property
    def failures(self) -> list[str]:
        return [attempt.failure for attempt in self.attempts if attempt.failure]

    @computed_field
    @property
    def rejections(self) -> dict[str, int]:
        """Answers rejected, by rule (one answer can break several rules)."""
        return dict(sorted(Counter(_rule(reason) for attempt in self.attempts for reason in attempt.problems).items()))

    @property
    def calls_made(self) -> int:
        """Requests that really reached the model (not answered from the cache)."""
        return self.requests - self.cached_responses

    @property
    def answers(self) -> int:
        return sum(1 for attempt in self.attempts if not attempt.failure)

    def drop_counts(self) -> dict[str, int]:
        """Dropped candidates by the rules they failed last (one candidate can fail several)."""
        return dict(sorted(Counter(_rule(reason) for drop in self.dropped for reason in drop.reasons).items()))

    def merged_with(self, other: GenerationReport) -> GenerationReport:
        return GenerationReport(attempts=self.attempts + other.attempts, dropped=self.dropped + other.dropped,
                                kept=self.kept + other.kept, judged=self.judged + other.judged)


class Merge(Record):
    """One statement absorbed by another, or a near miss kept apart: which tier found the pair, how
    closely, and why it merged or why not."""

    kept: str
    absorbed: str
    tier: str
    score: float
    found_by: str | None = Field(None, description="the tier that nominated the pair, which says the score's scale: "
                                 "a rapidfuzz ratio 0-100 (exact, fuzzy) or an embedding cosine 0-1 (semantic, llm); "
                                 "`tier` is what decided")
    existing: bool = Field(False, description="kept is a comment already in the conversation (--against)")
    decision: Literal["merged", "kept apart"] = "merged"
    reason: str = Field("", description="why it merged or why not, in English")
    why: Reason | None = Field(None, description="the same as a message id and parameters (messages.py)")

    @model_validator(mode="after")
    def _reason_in_english(self) -> Merge:
        if not self.reason and self.why is not None:
            self.reason = self.why.text()
        return self

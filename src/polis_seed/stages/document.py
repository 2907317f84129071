"""generate, document strategy: for capable models, the facilitator's workflow.

1. Discuss: the model reads whole documents (as many as fit its context budget at once; larger sets are
   split into groups, map) and lists, per angle, the claims on both sides the documents support, each
   with a verbatim quote and the document it comes from (prompts/discuss.yaml). The documents are the
   first user message of every request for their group, so providers' prompt caches serve that prefix:
   cost grows with the documents' size once, not once per angle.
2. Reduce: the claims of all groups in one list, repeats removed.
3. Distil: one request turns the claims into the final list of `count` statements, balanced across angles
   and sides (prompts/distil.yaml).
4. Check, for real: every quote is looked up in the document it names (after normalisation); every
   statement passes the rules; an optional stance check compares the side it reads with its label. Only the
   failing items go back to the model, with their problems; what still fails is dropped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..models import Angle, Attempt, Chunk, Document, Drop, GenerationReport, Language, Statement
from ..prompts import DiscussPrompt, DistilPrompt
from ..providers.base import CompletionRequest, Message, Provider
from ..rules import LANGUAGE_NAMES, Context, Topic, check_statement, quote_is_in
from ..language.text import clean_statement, normalize_for_matching
from ..language.tokens import count_tokens
from ..providers.base import PendingAnswer
from .ask import ask

# Tokens kept free in every request for the instructions, the angles and the answer.
RESERVED_TOKENS = 2500
ANGLES_PER_REQUEST = 4
CLAIMS_PER_SIDE = 3


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    angle: str
    stance: Literal["pro", "con"]
    claim: str
    document: str
    quote: str


class Discussion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claims: list[Claim]


class DistilledStatement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    angle: str
    stance: Literal["pro", "con"]
    document: str
    quote: str


class Distillation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: list[DistilledStatement]


class FixedStatement(DistilledStatement):
    item: int | None = None  # small models often leave it out: then the fixes come in the order asked


class Fixes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: list[FixedStatement]


@dataclass
class DocumentSettings:
    language: Language
    max_chars: int
    count: int
    context_tokens: int
    topic: Topic | None = None
    max_attempts: int = 3
    angles_per_request: int = ANGLES_PER_REQUEST
    claims_per_side: int = CLAIMS_PER_SIDE

    @property
    def budget(self) -> int:
        """Document tokens one request may carry."""
        return max(256, self.context_tokens - RESERVED_TOKENS)

    @property
    def target_chars(self) -> int:
        return min(self.max_chars, 50 if self.language == "ja" else 100)

    @property
    def min_chars(self) -> int:
        return min(self.target_chars, 12 if self.language == "ja" else 25)


@dataclass(frozen=True)
class Source:
    """A document, or a part of one that alone exceeds the budget, as the model sees it."""

    label: str
    document: Document
    text: str
    tokens: int


def plan_groups(documents: list[Document], chunks: list[Chunk], budget: int) -> list[list[Source]]:
    """Documents in groups that fit the budget; a document larger than the budget is cut between sentences."""
    sources: list[Source] = []
    for number, document in enumerate(documents, start=1):
        label = f"D{number}"
        tokens = count_tokens(document.text)
        if tokens <= budget:
            sources.append(Source(label, document, document.text, tokens))
            continue
        part: list[str] = []
        part_tokens = 0
        for sentence in (s for c in chunks if c.document_id == document.id for s in c.sentences):
            tokens = count_tokens(sentence)
            if part and part_tokens + tokens > budget:
                sources.append(Source(label, document, "\n".join(part), part_tokens))
                part, part_tokens = [], 0
            part.append(sentence)
            part_tokens += tokens
        if part:
            sources.append(Source(label, document, "\n".join(part), part_tokens))
    groups: list[list[Source]] = []
    for source in sources:
        if groups and sum(s.tokens for s in groups[-1]) + source.tokens <= budget:
            groups[-1].append(source)
        else:
            groups.append([source])
    return groups


def _fence(text: str) -> str:
    return text.replace("<document", "‹document").replace("</document>", "‹/document›")


def render_documents(group: list[Source]) -> str:
    return "\n".join(f'<document id="{s.label}" title="{_fence(s.document.title)}">\n{_fence(s.text)}\n</document>'
                     for s in group)


def _render_angles(angles: list[Angle], language: str, topic: str | None) -> str:
    return "\n".join(f"- {a.id}: {a.text('name', language, topic)} — pro: {a.text('pro', language, topic)} "
                     f"/ con: {a.text('con', language, topic)}" for a in angles)


def discuss_requests(groups: list[list[Source]], angles: list[Angle], prompt: DiscussPrompt,
                     settings: DocumentSettings) -> list[tuple[int, list[Angle], CompletionRequest]]:
    """Group by group (a stable prefix), a request per batch of angles."""
    requests = []
    system = Message(role="system", content=prompt.system.format(language_name=LANGUAGE_NAMES[settings.language]))
    for index, group in enumerate(groups):
        documents = Message(role="user", content=prompt.documents.format(documents=render_documents(group)),
                            cache_breakpoint=True)
        for start in range(0, len(angles), settings.angles_per_request):
            batch = angles[start:start + settings.angles_per_request]
            topic = settings.topic.name if settings.topic else None
            task = Message(role="user", content=prompt.task.format(angles=_render_angles(batch, settings.language, topic),
                                                                   per_side=settings.claims_per_side))
            requests.append((index, batch, CompletionRequest.asking_for(
                Discussion, [system, documents, task], temperature=0.2,
                max_tokens=120 * 2 * settings.claims_per_side * len(batch) + 200)))
    return requests


def quote_problem(quote: str, label: str, documents_by_label: dict[str, Document]) -> str | None:
    """Why a quote cannot be used: the document is unknown, or the quote is not in it."""
    document = documents_by_label.get(label.strip())
    if document is None:
        return f"document '{label}' does not exist; name one of {', '.join(documents_by_label)}"
    if not quote.strip() or not quote_is_in(quote, document.text):
        return f"its quote is not in {label}; copy the quote exactly from that document"
    return None


@dataclass
class DocumentResult:
    statements: list[Statement]
    report: GenerationReport
    notes: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    pending: int = 0


def _claim_drop(claim: Claim, reason: str, documents_by_label: dict[str, Document]) -> Drop:
    document = documents_by_label.get(claim.document.strip())
    return Drop(text=claim.claim, angle=claim.angle, stance=claim.stance, reasons=[f"claim-{reason}"],
                document_id=document.id if document else None, quote=claim.quote)


def discuss(groups: list[list[Source]], angles: list[Angle], provider: Provider, prompt: DiscussPrompt,
            settings: DocumentSettings, on_attempt: Callable[[Attempt], None] | None = None
            ) -> tuple[list[Claim], list[Attempt], list[Drop], int]:
    """Claims the documents support, checked; (claims, attempts, dropped claims, requests pending)."""
    documents_by_label = {s.label: s.document for group in groups for s in group}
    angle_ids = {angle.id for angle in angles}
    claims: list[Claim] = []
    attempts: list[Attempt] = []
    dropped: list[Drop] = []
    pending = 0
    for _, batch, request in discuss_requests(groups, angles, prompt, settings):
        batch_ids = {angle.id for angle in batch}

        def check(answer: Discussion) -> list[str]:
            usable = [c for c in answer.claims if c.angle in angle_ids and not quote_problem(
                c.quote, c.document, documents_by_label)]
            if answer.claims and not usable:
                first = answer.claims[0]
                why = quote_problem(first.quote, first.document, documents_by_label) or f"unknown angle '{first.angle}'"
                return [f"no-usable-claim: no claim had a quote found in its document ({why}); quote exactly"]
            return []

        try:
            asked = ask(provider, request, Discussion, purpose="discuss", check=check, max_attempts=2,
                        on_attempt=on_attempt, retry=lambda found: prompt.retry.format(problems="; ".join(found)))
        except PendingAnswer:
            pending += 1
            continue
        attempts += asked.attempts
        if asked.answer is None:
            continue
        for claim in asked.answer.claims:
            if claim.angle not in batch_ids:
                dropped.append(_claim_drop(claim, f"angle: '{claim.angle}' was not asked for", documents_by_label))
            elif (problem := quote_problem(claim.quote, claim.document, documents_by_label)) is not None:
                dropped.append(_claim_drop(claim, f"quote-not-found: {problem}", documents_by_label))
            else:
                claims.append(claim)
    return claims, attempts, dropped, pending


def reduce_claims(claims: list[Claim], angles: list[Angle], per_side: int) -> list[Claim]:
    """One list: repeats removed, at most `per_side` × 2 per angle and side, in angle order."""
    order = {angle.id: index for index, angle in enumerate(angles)}
    seen: set[str] = set()
    kept: list[Claim] = []
    count: dict[tuple[str, str], int] = {}
    for claim in sorted(claims, key=lambda c: (order[c.angle], c.stance != "pro")):
        key = normalize_for_matching(claim.claim)
        slot = (claim.angle, claim.stance)
        if key in seen or count.get(slot, 0) >= 2 * per_side:
            continue
        seen.add(key)
        count[slot] = count.get(slot, 0) + 1
        kept.append(claim)
    return kept


def distil_request(claims: list[Claim], prompt: DistilPrompt, settings: DocumentSettings) -> CompletionRequest:
    lines = "\n".join(f"[{i}] {c.angle} {c.stance} {c.document} 「{c.quote}」 {c.claim}"
                      for i, c in enumerate(claims, start=1))
    system = prompt.system.format(language_name=LANGUAGE_NAMES[settings.language], count=settings.count,
                                  max_chars=settings.max_chars, target_chars=settings.target_chars,
                                  topic=settings.topic.name if settings.topic else "the documents' subject")
    return CompletionRequest.asking_for(
        Distillation, [Message(role="system", content=system),
                       Message(role="user", content=prompt.user.format(claims=lines, count=settings.count))],
        temperature=0.2, max_tokens=60 + settings.count * (40 + 3 * settings.max_chars))


StanceCheck = Callable[[str, Angle, str], str | None]


def item_problems(item: DistilledStatement, angles_by_id: dict[str, Angle], documents_by_label: dict[str, Document],
                  settings: DocumentSettings, stance_check: StanceCheck | None) -> list[str]:
    text = clean_statement(item.text)
    # The quote is the evidence, not the sentence to rewrite: a near-copy of it is refused, a free rewording is not.
    found = [finding.as_reason() for finding in check_statement(text, Context(
        max_chars=settings.max_chars, language=settings.language, min_chars=settings.min_chars, topic=settings.topic,
        source=item.quote), skip=("off-source",)).findings]
    angle = angles_by_id.get(item.angle)
    if angle is None:
        found.append(f"angle: '{item.angle}' is not one of {', '.join(angles_by_id)}")
    quote = quote_problem(item.quote, item.document, documents_by_label)
    if quote:
        found.append(f"quote-not-found: {quote}")
    if not found and angle is not None and stance_check is not None:
        disagreement = stance_check(text, angle, item.stance)
        if disagreement:
            found.append(f"stance: {disagreement}")
    return found


def resolve_provenance(item: DistilledStatement, claims: list[Claim], angles: list[Angle]) -> DistilledStatement:
    """The angle and stance of a statement as the claim it comes from says them. Small models relabel the
    angle in their own words ("保守費用" for cost); the quote they copied names the claim."""
    ids = {angle.id for angle in angles}
    by_name = {normalize_for_matching(angle.name): angle.id for angle in angles}
    angle = item.angle if item.angle in ids else by_name.get(normalize_for_matching(item.angle))
    if angle is None:
        quote = normalize_for_matching(item.quote)
        source = next((c for c in claims if quote and normalize_for_matching(c.quote) == quote), None)
        if source is not None:
            return item.model_copy(update={"angle": source.angle, "document": item.document or source.document})
        return item
    return item.model_copy(update={"angle": angle})


def distil(claims: list[Claim], angles: list[Angle], groups: list[list[Source]], provider: Provider,
           prompt: DistilPrompt, settings: DocumentSettings, stance_check: StanceCheck | None = None,
           on_attempt: Callable[[Attempt], None] | None = None) -> tuple[list[Statement], list[Attempt], list[Drop]]:
    """The final list: asked once, then only the failing items are sent back, up to max_attempts in all."""
    documents_by_label = {s.label: s.document for group in groups for s in group}
    angles_by_id = {angle.id: angle for angle in angles}
    request = distil_request(claims, prompt, settings)
    asked = ask(provider, request, Distillation, purpose="distil", on_attempt=on_attempt, max_attempts=2,
                check=lambda answer: [] if answer.statements else ["empty: write the statements"],
                retry=lambda found: "; ".join(found))
    attempts = list(asked.attempts)
    if asked.answer is None:
        return [], attempts, []
    items = [resolve_provenance(item, claims, angles) for item in asked.answer.statements]
    failing = {index: item_problems(item, angles_by_id, documents_by_label, settings, stance_check)
               for index, item in enumerate(items, start=1)}
    failing = {index: found for index, found in failing.items() if found}
    messages = request.messages + [Message(role="assistant", content=json.dumps(
        asked.answer.model_dump(), ensure_ascii=False))]
    for attempt in range(1, settings.max_attempts):
        if not failing:
            break
        listing = "\n".join(f"{index}. {json.dumps(items[index - 1].model_dump(), ensure_ascii=False)} — "
                            + "; ".join(found) for index, found in sorted(failing.items()))
        fix_request = request.model_copy(update={"messages": messages + [
            Message(role="user", content=prompt.fix.format(problems=listing))], "temperature": 0.4})
        fixed = ask(provider, fix_request, Fixes, purpose="distil", max_attempts=1, on_attempt=on_attempt,
                    retry=lambda found: "", first_attempt=attempt)
        attempts += fixed.attempts
        if fixed.answer is None:
            break
        messages = fix_request.messages + [Message(role="assistant", content=json.dumps(
            fixed.answer.model_dump(), ensure_ascii=False))]
        asked_for = sorted(failing)
        for position, replacement in enumerate(fixed.answer.statements):
            if replacement.item is None and position < len(asked_for):
                replacement.item = asked_for[position]
            if replacement.item in failing:
                items[replacement.item - 1] = resolve_provenance(DistilledStatement(
                    **replacement.model_dump(exclude={"item"})), claims, angles)
                found = item_problems(items[replacement.item - 1], angles_by_id, documents_by_label, settings,
                                      stance_check)
                failing[replacement.item] = found
        failing = {index: found for index, found in failing.items() if found}
    statements: list[Statement] = []
    dropped: list[Drop] = []
    for index, item in enumerate(items, start=1):
        document = documents_by_label.get(item.document.strip())
        if index in failing and all(reason.startswith("stance:") for reason in failing[index]):
            # A good statement that reads as the other side: kept, relabelled.
            item = item.model_copy(update={"stance": "con" if item.stance == "pro" else "pro"})
            del failing[index]
        if index in failing:
            dropped.append(Drop(text=clean_statement(item.text), angle=item.angle, stance=item.stance,
                                reasons=failing[index], document_id=document.id if document else None,
                                quote=item.quote))
            continue
        statements.append(Statement(text=clean_statement(item.text), angle=item.angle, stance=item.stance,
                                    document_id=document.id, source_path=document.path, quote=item.quote).with_id())
    return statements[:settings.count], attempts, dropped


def generate_from_documents(documents: list[Document], chunks: list[Chunk], angles: list[Angle], provider: Provider,
                            discuss_prompt: DiscussPrompt, distil_prompt: DistilPrompt, settings: DocumentSettings,
                            stance_check: StanceCheck | None = None,
                            on_attempt: Callable[[Attempt], None] | None = None) -> DocumentResult:
    groups = plan_groups(documents, chunks, settings.budget)
    claims, attempts, dropped_claims, pending = discuss(groups, angles, provider, discuss_prompt, settings, on_attempt)
    notes = []
    if len(groups) > 1:
        notes.append(f"the documents ({sum(s.tokens for g in groups for s in g):,} tokens) are more than the context "
                     f"budget ({settings.budget:,} tokens): read in {len(groups)} groups and the claims merged")
    if pending:
        return DocumentResult([], GenerationReport(attempts=attempts, dropped=dropped_claims), notes, claims, pending)
    reduced = reduce_claims(claims, angles, settings.claims_per_side)
    for angle in angles:
        for stance in ("pro", "con"):
            if not any(c.angle == angle.id and c.stance == stance for c in reduced):
                notes.append(f"{angle.id}: the documents gave no claim for the {stance} side; nothing was invented")
    if not reduced:
        return DocumentResult([], GenerationReport(attempts=attempts, dropped=dropped_claims), notes, claims)
    try:
        statements, distil_attempts, dropped = distil(reduced, angles, groups, provider, distil_prompt, settings,
                                                      stance_check, on_attempt)
    except PendingAnswer:
        return DocumentResult([], GenerationReport(attempts=attempts, dropped=dropped_claims), notes, claims, 1)
    report = GenerationReport(attempts=attempts + distil_attempts, dropped=dropped_claims + dropped,
                              kept=len(statements))
    return DocumentResult(statements, report, notes, reduced)

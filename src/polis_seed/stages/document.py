"""generate, document strategy: for capable models, the facilitator's workflow.

1. Discuss: the model reads whole documents (as many as fit its context budget at once; larger sets are
   split into groups, map) and lists, per angle, the claims on both sides the documents support, each
   with a verbatim quote and the document it comes from (prompts/discuss.yaml). The documents are the
   first user message of every request for their group, so providers' prompt caches serve that prefix:
   cost grows with the documents' size once, not once per angle. Every discuss request is asked at once,
   and in the same step as the subject (the pipeline runs both together).
2. Reduce: the claims of all groups in one list, repeats removed. The list is as long as the distinct
   claims allow (up to the cap): a claim is not stretched into several statements.
3. Distil: one request turns the claims into the final list, balanced across angles and sides
   (prompts/distil.yaml).
4. Check, for real: every quote is looked up in the document it names (after normalisation); every
   statement passes the rules; then the side of every statement is read at once (one list request for a
   capable model). The failing items go back in one fix request; the sides of the fixes are read once more;
   what still fails is dropped and counted, a statement on the other side is relabelled.
The steps are the rounds of a batch run: subject and claims, distil, side check, fixes, side check of the
fixes; each step's re-asks (at most one) add a round.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..models import Angle, Attempt, Chunk, Document, Drop, GenerationReport, Language, Reason, Statement, said
from ..language.text import clean_statement, normalize_for_matching
from ..language.tokens import count_tokens
from ..prompts import DiscussPrompt, DistilPrompt
from ..providers.base import CompletionRequest, Message, Provider
from ..rules import LANGUAGE_NAMES, Context, Topic, VoteLength, check_statement, quote_is_in, vote_length
from .ask import ask, ask_together
from .stance import SideReader, disagreement_reason, side_text

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
    item: int  # the number the fix request gave the statement (small models may get it wrong: then by order)


class Fixes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: list[FixedStatement]


@dataclass
class DocumentSettings:
    language: Language
    max_chars: int
    count: int  # the cap: the list holds as many statements as the distinct claims support, up to this
    context_tokens: int
    topic: Topic | None = None
    angles_per_request: int = ANGLES_PER_REQUEST
    claims_per_side: int = CLAIMS_PER_SIDE
    concurrency: int = 1
    # A side the documents do not support may be written from the model's own knowledge (marked so).
    fill_from_knowledge: bool = False
    max_chars_given: bool = False  # --max-chars came from the user: it is the most a statement may have

    @property
    def budget(self) -> int:
        """Document tokens one request may carry."""
        return max(256, self.context_tokens - RESERVED_TOKENS)

    @property
    def length(self) -> VoteLength:
        return vote_length(self.language, self.max_chars, self.max_chars_given)

    @property
    def target_chars(self) -> int:
        return self.length.target

    @property
    def min_chars(self) -> int:
        return min(self.target_chars, 12 if self.language == "ja" else 25)

    def context(self, source: str | None = None) -> Context:
        return Context(max_chars=self.max_chars, language=self.language, min_chars=self.min_chars, topic=self.topic,
                       source=source, vote_chars=self.length.most)


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


def render_angles(angles: list[Angle], language: str, topic: str | None) -> str:
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
            task = Message(role="user", content=prompt.task.format(angles=render_angles(batch, settings.language, topic),
                                                                   per_side=settings.claims_per_side))
            requests.append((index, batch, CompletionRequest.asking_for(
                Discussion, [system, documents, task], temperature=0.2,
                max_tokens=120 * 2 * settings.claims_per_side * len(batch) + 200)))
    return requests


def quote_problem(quote: str, label: str, documents_by_label: dict[str, Document]) -> Reason | None:
    """Why a quote cannot be used: the document is unknown, or the quote is not in it."""
    document = documents_by_label.get(label.strip())
    if document is None:
        return said("quote-not-found.document", label=label, labels=list(documents_by_label))
    if not quote.strip() or not quote_is_in(quote, document.text):
        return said("quote-not-found.quote", label=label)
    return None


@dataclass
class DocumentResult:
    statements: list[Statement]
    report: GenerationReport
    notes: list[Reason] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    pending: int = 0


def _claim_drop(claim: Claim, reason: Reason, documents_by_label: dict[str, Document]) -> Drop:
    document = documents_by_label.get(claim.document.strip())
    return Drop(text=claim.claim, angle=claim.angle, stance=claim.stance, why=[reason],
                document_id=document.id if document else None, quote=claim.quote)


def discuss(groups: list[list[Source]], angles: list[Angle], provider: Provider, prompt: DiscussPrompt,
            settings: DocumentSettings, on_attempt: Callable[[Attempt], None] | None = None
            ) -> tuple[list[Claim], list[Attempt], list[Drop]]:
    """Claims the documents support, checked: (claims, attempts, dropped claims). Every request is asked at
    once; PendingAnswer when any of them waits for a batch answer."""
    documents_by_label = {s.label: s.document for group in groups for s in group}
    angle_ids = {angle.id for angle in angles}

    def check(answer: Discussion) -> list[str]:
        usable = [c for c in answer.claims if c.angle in angle_ids and not quote_problem(
            c.quote, c.document, documents_by_label)]
        if answer.claims and not usable:
            first = answer.claims[0]
            problem = quote_problem(first.quote, first.document, documents_by_label)
            why = problem.text() if problem else f"unknown angle '{first.angle}'"
            return [f"no-usable-claim: no claim had a quote found in its document ({why}); quote exactly"]
        return []

    planned = discuss_requests(groups, angles, prompt, settings)
    answers = ask_together([lambda request=request: ask(
        provider, request, Discussion, purpose="discuss", check=check, max_attempts=2, on_attempt=on_attempt,
        retry=lambda found: prompt.retry.format(problems="; ".join(found))) for _, _, request in planned],
        settings.concurrency)
    claims: list[Claim] = []
    attempts: list[Attempt] = []
    dropped: list[Drop] = []
    for (_, batch, _), asked in zip(planned, answers):
        attempts += asked.attempts
        if asked.answer is None:
            continue
        batch_ids = {angle.id for angle in batch}
        for claim in asked.answer.claims:
            if claim.angle not in batch_ids:
                dropped.append(_claim_drop(claim, said("claim-angle", angle=claim.angle), documents_by_label))
            elif (problem := quote_problem(claim.quote, claim.document, documents_by_label)) is not None:
                dropped.append(_claim_drop(claim, said("claim-quote-not-found", problem=problem.model_dump()),
                                           documents_by_label))
            else:
                claims.append(claim)
    return claims, attempts, dropped


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


def list_length(claims: list[Claim], cap: int) -> int:
    """As many statements as there are distinct claims (claims quoting the same words are one), up to the cap:
    asked for more than the documents hold, a model stretches one claim into several statements or repeats a
    quote under other angles."""
    return max(1, min(cap, len({normalize_for_matching(claim.quote) for claim in claims})))


def distil_request(claims: list[Claim], prompt: DistilPrompt, settings: DocumentSettings,
                   empty_sides: list[tuple[Angle, str]] | None = None) -> CompletionRequest:
    lines = "\n".join(f"[{i}] {c.angle} {c.stance} {c.document} 「{c.quote}」 {c.claim}"
                      for i, c in enumerate(claims, start=1))
    count = list_length(claims, settings.count)
    topic = settings.topic.name if settings.topic else None
    if settings.fill_from_knowledge and empty_sides:
        count = min(settings.count, count + len(empty_sides))
        sides = "\n".join(f"- {angle.id} {stance}: {angle.text(stance, settings.language, topic)}"
                           for angle, stance in empty_sides)
        knowledge = prompt.knowledge.format(sides=sides)
    else:
        knowledge = prompt.documents_only
    system = prompt.system.format(language_name=LANGUAGE_NAMES[settings.language], count=count,
                                  max_chars=settings.length.limit, target_chars=settings.target_chars,
                                  topic=topic or "the documents' subject", key_terms=key_terms(settings.topic))
    return CompletionRequest.asking_for(
        Distillation, [Message(role="system", content=system),
                       Message(role="user", content=prompt.user.format(claims=lines, count=count, knowledge=knowledge))],
        temperature=0.2, max_tokens=60 + count * (40 + 3 * settings.max_chars))


def key_terms(topic: Topic | None) -> str:
    """The subject's key terms as a prompt lists them: what a statement may start with."""
    if topic is None:
        return "the documents' own words for what is discussed"
    return "、".join(dict.fromkeys((topic.name, *topic.terms)))


def fix_request(distil: CompletionRequest, answer: Distillation, failing: dict[int, list[Reason]],
                items: list[DistilledStatement], prompt: DistilPrompt) -> CompletionRequest:
    """One request for every failing item, each with its number and problems; the answer names the numbers."""
    listing = "\n".join(f"{index}. {json.dumps(items[index - 1].model_dump(), ensure_ascii=False)} — "
                        + "; ".join(reason.as_reason() for reason in found) for index, found in sorted(failing.items()))
    messages = distil.messages + [Message(role="assistant", content=json.dumps(answer.model_dump(), ensure_ascii=False)),
                                  Message(role="user", content=prompt.fix.format(problems=listing))]
    return CompletionRequest.asking_for(Fixes, messages, temperature=0.4, max_tokens=distil.max_tokens)


def item_problems(item: DistilledStatement, angles_by_id: dict[str, Angle], documents_by_label: dict[str, Document],
                  settings: DocumentSettings, empty_sides: set[tuple[str, str]]) -> list[Reason]:
    """What the rules and the quote check find in one statement (its side is read afterwards, for all at once)."""
    text = clean_statement(item.text)
    # The quote is the evidence, not the sentence to rewrite: a near-copy of it is refused, a free rewording is not.
    found = [finding.reason for finding in check_statement(text, settings.context(item.quote),
                                                           skip=("off-source",)).findings if finding.reason]
    angle = angles_by_id.get(item.angle)
    if angle is None:
        found.append(said("angle", angle=item.angle, angles=list(angles_by_id)))
    if from_knowledge(item) and settings.fill_from_knowledge:
        if (item.angle, item.stance) not in empty_sides:
            found.append(said("quote-not-found.free"))
        return found
    quote = quote_problem(item.quote, item.document, documents_by_label)
    if quote:
        found.append(quote)
    return found


def from_knowledge(item: DistilledStatement) -> bool:
    """A statement written from the model's own knowledge: it names no document and quotes nothing."""
    return not item.document.strip() and not item.quote.strip()


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


def _side_problems(items: dict[int, DistilledStatement], angles_by_id: dict[str, Angle], reader: SideReader | None,
                   settings: DocumentSettings) -> dict[int, Reason]:
    """The side every statement takes, read at once: {number: why it is not on its labelled side}."""
    if reader is None or not items:
        return {}
    numbers = [number for number, item in items.items() if item.angle in angles_by_id]
    readings = reader.read_all([(clean_statement(items[n].text), angles_by_id[items[n].angle]) for n in numbers])
    found: dict[int, Reason] = {}
    for number, reading in zip(numbers, readings):
        item = items[number]
        angle = angles_by_id[item.angle]
        if reading.side == "unclear":
            found[number] = said("neither", angle=angle.id, side=item.stance,
                                 view=side_text(angle, item.stance, settings.topic, settings.language))
        elif reading.side != item.stance:
            found[number] = disagreement_reason(angle, item.stance, settings.topic, settings.language)
    return found


def _replacements(fixes: Fixes | None, asked_for: list[int]) -> dict[int, DistilledStatement]:
    """The fixed statement of each number asked for; a fix with an unknown number takes the next one asked, in order."""
    if fixes is None:
        return {}
    found: dict[int, DistilledStatement] = {}
    unclaimed = [number for number in asked_for]
    numbered = [fix for fix in fixes.statements if fix.item in asked_for]
    for fix in numbered:
        if fix.item not in found:
            found[fix.item] = DistilledStatement(**fix.model_dump(exclude={"item"}))
            unclaimed.remove(fix.item)
    for fix in fixes.statements:
        if fix.item not in asked_for and unclaimed:
            found[unclaimed.pop(0)] = DistilledStatement(**fix.model_dump(exclude={"item"}))
    return found


def distil(claims: list[Claim], angles: list[Angle], groups: list[list[Source]], provider: Provider,
           prompt: DistilPrompt, settings: DocumentSettings, side_reader: SideReader | None = None,
           on_attempt: Callable[[Attempt], None] | None = None, on_step: Callable[[str], None] | None = None,
           ) -> tuple[list[Statement], list[Attempt], list[Drop]]:
    """The final list, in four steps: distil; the rules and the side of every statement; one fix request for
    every failing item; the side of every fix. What still fails the rules is dropped, a statement that reads
    as the other side is relabelled, one that takes neither side is kept as unclear."""
    step = on_step or (lambda name: None)
    documents_by_label = {s.label: s.document for group in groups for s in group}
    angles_by_id = {angle.id: angle for angle in angles}
    covered = {(claim.angle, claim.stance) for claim in claims}
    empty = [(angle, stance) for angle in angles for stance in ("pro", "con") if (angle.id, stance) not in covered]
    empty_sides = {(angle.id, stance) for angle, stance in empty}
    step("distil")
    request = distil_request(claims, prompt, settings, empty)
    asked = ask(provider, request, Distillation, purpose="distil", on_attempt=on_attempt, max_attempts=2,
                check=lambda answer: [] if answer.statements else ["empty: write the statements"],
                retry=lambda found: "; ".join(found))
    attempts = list(asked.attempts)
    if asked.answer is None:
        return [], attempts, []
    items = {number: resolve_provenance(item, claims, angles)
             for number, item in enumerate(asked.answer.statements, start=1)}

    def rules(item: DistilledStatement) -> list[Reason]:
        return item_problems(item, angles_by_id, documents_by_label, settings, empty_sides)

    failing = {number: found for number, item in items.items() if (found := rules(item))}
    step("side check")
    sides = _side_problems({n: item for n, item in items.items() if n not in failing}, angles_by_id, side_reader,
                           settings)
    for number, why in sides.items():
        failing[number] = [why]
    fixed: dict[int, DistilledStatement] = {}
    if failing:
        step("fixes")
        fixes = ask(provider, fix_request(request, asked.answer, failing, list(items.values()), prompt), Fixes,
                    purpose="distil", max_attempts=1, on_attempt=on_attempt, retry=lambda found: "", first_attempt=1)
        attempts += fixes.attempts
        fixed = {number: resolve_provenance(item, claims, angles)
                 for number, item in _replacements(fixes.answer, sorted(failing)).items()}
    # A fix that breaks a rule is not taken; the original stays when only its side was wrong.
    final: dict[int, DistilledStatement] = {}
    dropped: list[Drop] = []
    for number, item in items.items():
        if number not in failing:
            final[number] = item
        elif number in fixed and not rules(fixed[number]):
            final[number] = fixed[number]
        elif not rules(item):
            final[number] = item
        else:
            last = fixed.get(number, item)
            document = documents_by_label.get(last.document.strip())
            dropped.append(Drop(text=clean_statement(last.text), angle=last.angle, stance=last.stance,
                                why=rules(last) or failing[number], document_id=document.id if document else None,
                                quote=last.quote or None))
    step("side check of the fixes")
    recheck = {number: item for number, item in final.items() if number in failing}
    still = _side_problems(recheck, angles_by_id, side_reader, settings)
    statements: list[Statement] = []
    for number, item in sorted(final.items()):
        stance, checked = item.stance, None
        if side_reader is not None and item.angle in angles_by_id:
            why = still.get(number) if number in recheck else sides.get(number)
            if why and why.rule == "stance":
                stance = "con" if item.stance == "pro" else "pro"  # a good statement on the other side: relabelled
                checked = stance
            elif why:
                checked = "unclear"
            else:
                checked = stance
        statements.append(_statement(item, stance, checked, documents_by_label, settings))
    return statements[:settings.count], attempts, dropped


def _statement(item: DistilledStatement, stance: str, checked: str | None, documents_by_label: dict[str, Document],
               settings: DocumentSettings) -> Statement:
    if settings.fill_from_knowledge and from_knowledge(item):
        return Statement(text=clean_statement(item.text), angle=item.angle, stance=stance, checked_stance=checked,
                         from_documents=False).with_id()
    document = documents_by_label[item.document.strip()]
    return Statement(text=clean_statement(item.text), angle=item.angle, stance=stance, checked_stance=checked,
                     document_id=document.id, source_path=document.path, quote=item.quote).with_id()


@dataclass
class Discussed:
    """What the documents support, before the list is written: the groups read and the claims found."""

    groups: list[list[Source]]
    claims: list[Claim]
    attempts: list[Attempt]
    dropped: list[Drop]
    notes: list[Reason]


def discuss_documents(documents: list[Document], chunks: list[Chunk], angles: list[Angle], provider: Provider,
                      prompt: DiscussPrompt, settings: DocumentSettings,
                      on_attempt: Callable[[Attempt], None] | None = None) -> Discussed:
    """Steps 1-2: the claims of every group of documents, checked and reduced to one list."""
    groups = plan_groups(documents, chunks, settings.budget)
    claims, attempts, dropped = discuss(groups, angles, provider, prompt, settings, on_attempt)
    notes = []
    if len(groups) > 1:
        notes.append(said("groups", tokens=sum(s.tokens for g in groups for s in g), budget=settings.budget,
                          groups=len(groups)))
    reduced = reduce_claims(claims, angles, settings.claims_per_side)
    return Discussed(groups, reduced, attempts, dropped, notes)


def write_list(discussed: Discussed, angles: list[Angle], provider: Provider, prompt: DistilPrompt,
               settings: DocumentSettings, side_reader: SideReader | None = None,
               on_attempt: Callable[[Attempt], None] | None = None,
               on_step: Callable[[str], None] | None = None) -> DocumentResult:
    """Steps 3-4: the final list from the claims, checked."""
    notes = list(discussed.notes)
    filled = settings.fill_from_knowledge
    for angle in angles:
        for stance in ("pro", "con"):
            if not any(c.angle == angle.id and c.stance == stance for c in discussed.claims):
                notes.append(said("no-claim.filled" if filled else "no-claim", angle=angle.id, side=stance))
    if not discussed.claims and not filled:
        return DocumentResult([], GenerationReport(attempts=discussed.attempts, dropped=discussed.dropped), notes,
                              discussed.claims)
    statements, attempts, dropped = distil(discussed.claims, angles, discussed.groups, provider, prompt, settings,
                                           side_reader, on_attempt, on_step)
    report = GenerationReport(attempts=discussed.attempts + attempts, dropped=discussed.dropped + dropped,
                              kept=len(statements))
    return DocumentResult(statements, report, notes, discussed.claims)

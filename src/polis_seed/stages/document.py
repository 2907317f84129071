"""generate, document strategy: for capable models, the facilitator's workflow, in as few rounds as it allows.

The documents are taken in an order of their content (never the order they came in), and each comment of a
comment file is a unit whose support is counted, named by its row id.

**When everything fits one request** (the documents, the prompt, the longest answer allowed and room for a fix,
within the model's window and its longest answer): one request ("write", prompts/write.yaml) gives the subject(s),
the claims with their quotes (for a comment file, the row ids of every comment that holds each claim) and the list,
each statement naming the claims it comes from. Every quote and row id is checked locally before a statement is
taken.

**When it does not**: map, one request per group of documents and batch of angles ("discuss", prompts/discuss.yaml;
the documents are the cached prefix of every request of their group), asked together with the subject; the claims
of all groups that say the same become one claim keeping every holder (claims.py: overlapping quotes, dedupe's
comparison; with more claims than one request holds, "merge" requests first); then "distil" (prompts/distil.yaml)
writes the list from the claims, each shown with how many documents or comments hold it.

**Then, either way**, the list is chosen by support and balance (claims.py) and checked: the rules and the quote of
every statement at once, locally; the side of every statement in one request, independent of the writer, asked
together with the fixes of what the local checks found (and with whatever the caller asks alongside: dedupe's
judge); then the fixes of what the side check sent back, together with the side check of the first fixes; then the
side check of the last fixes. Rounds of a batch run: 2 when nothing needs a fix, at most 4 after one "write"
answer; the map adds the discuss round (and a merge round per level on very large inputs).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..language.text import clean_statement, normalize_for_matching
from ..language.tokens import count_tokens
from ..models import Angle, Attempt, Chunk, Document, Drop, GenerationReport, Language, Reason, Row, Statement, said
from ..prompts import DiscussPrompt, DistilPrompt, WritePrompt
from ..providers.base import CompletionRequest, Message, Provider
from ..providers.costs import estimate_input_tokens
from ..rules import LANGUAGE_NAMES, Context, Topic, VoteLength, check_statement, vote_length
from .ask import Asked, ask, ask_together
from .claims import (ClaimAnswer, Corpus, Found, Picked, SameAs, Shown, Units, check_claim, distinct_count,
                     merge_claims, merge_overlapping, select_by_support, _joined)
from .stance import SideReader, disagreement_reason, side_text

ANGLES_PER_REQUEST = 4
CLAIMS_PER_SIDE = 3
# At most this many subjects are asked for: a comment file may speak of many matters.
SUBJECTS = 6
# Tokens kept free in every request beyond what is counted (the providers' own message framing).
WINDOW_MARGIN = 256
# Answer tokens per comment named by its row id.
ROW_ID_TOKENS = 4
# A request's answer may be sent back with a fix: its window keeps room for that turn.
FIX_TURN_TOKENS = 600
MERGE_LEVELS = 4
# The subject an angle's sides speak of before any subject is named (and when the list has several).
ITS_SUBJECT = {"ja": "その主張の対象", "en": "the subject it is about"}


# ----- answers -------------------------------------------------------------------------------------------------

class WrittenClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    angle: str
    stance: Literal["pro", "con"]
    subject: str
    claim: str
    document: str
    quote: str
    comments: list[str]


class ListedStatement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    angle: str
    stance: Literal["pro", "con"]
    claims: list[int]  # the numbers of the claims it comes from; [] written from the model's own knowledge


class Written(BaseModel):
    """The answer of the one request: subjects, claims and the list."""

    model_config = ConfigDict(extra="forbid")

    subjects: list[str]
    claims: list[WrittenClaim]
    statements: list[ListedStatement]


class Discussion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: list[str]
    claims: list[ClaimAnswer]


class Distillation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: list[ListedStatement]


class FixedStatement(ListedStatement):
    item: int  # the number the fix request gave the statement (small models may get it wrong: then by order)


class Fixes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: list[FixedStatement]


class MergedGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claims: list[int]
    claim: str


class Merged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    groups: list[MergedGroup]


# ----- settings -------------------------------------------------------------------------------------------------

@dataclass
class DocumentSettings:
    language: Language
    max_chars: int
    count: int  # the cap: the list holds as many statements as the distinct claims support, up to this
    context_tokens: int
    output_tokens: int | None = None  # the longest answer the model gives (None: a quarter of the window)
    topic: Topic | None = None
    angles_per_request: int = ANGLES_PER_REQUEST
    claims_per_side: int = CLAIMS_PER_SIDE
    concurrency: int = 1
    # A side the documents do not support may be written from the model's own knowledge (marked so).
    fill_from_knowledge: bool = False
    subjects: tuple[str, ...] = ()  # the subjects the documents speak of, when several
    max_chars_given: bool = False  # --max-chars came from the user: it is the most a statement may have

    @property
    def answer_cap(self) -> int:
        return min(self.output_tokens or max(1024, self.context_tokens // 4), self.context_tokens // 2)

    @property
    def tokens_per_char(self) -> float:
        return 0.9 if self.language == "ja" else 0.3  # o200k: about 0.85 per Japanese character, 0.2 per English

    @property
    def claim_tokens(self) -> int:
        """Answer tokens of one claim: its fields, a quote of up to 100 characters, the claim and its subject."""
        return int(45 + 140 * self.tokens_per_char)

    @property
    def statement_tokens(self) -> int:
        """Answer tokens of one statement: its fields and a text a fifth over the length that votes best (a longer
        one is sent back by the rules anyway)."""
        return int(30 + 1.2 * self.length.most * self.tokens_per_char)

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

    @property
    def fix_reserve(self) -> int:
        """Room a request's window keeps for its fix turn: the listing of every statement and their fixes."""
        return FIX_TURN_TOKENS + self.count * (2 * self.statement_tokens + 100)

    def fits(self, request: CompletionRequest, reserve: int = 0) -> bool:
        """The request, its longest answer and `reserve` within the window, and the answer within the model's."""
        return (request.max_tokens <= self.answer_cap
                and estimate_input_tokens(request) + request.max_tokens + reserve + WINDOW_MARGIN
                <= self.context_tokens)


def window_problem(request: CompletionRequest, context_tokens: int) -> str | None:
    """Why a request cannot be sent to a model with this window: its prompt and longest answer exceed it."""
    needed = estimate_input_tokens(request) + request.max_tokens
    if needed > context_tokens:
        return f"{request.schema_name}: prompt and longest answer take {needed:,} tokens, the window {context_tokens:,}"
    return None


# ----- documents as the model sees them -------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A document, or a part of one that alone exceeds the budget, as the model sees it."""

    label: str
    document: Document
    text: str
    tokens: int
    rows: tuple[Row, ...] = ()

    @functools.cached_property
    def cost(self) -> int:
        """Its tokens in the request, the <document> tags and title around it included, and its row ids in the
        answer (a folder of 200 short documents spends a seventh of its group on the tags)."""
        return self.tokens + count_tokens(_frame(self)) + 2 + ROW_ID_TOKENS * len(self.rows)


def in_content_order(documents: list[Document]) -> list[Document]:
    """The documents in the order of their content, so that the input's order changes no request."""
    return sorted(documents, key=lambda document: document.id)


def _row_line(row: Row) -> str:
    return f"#{row.id}: " + " ".join(row.text.split())


def _row_order(row: Row) -> str:
    return hashlib.sha256(row.text.encode("utf-8")).hexdigest()


def plan_groups(documents: list[Document], chunks: list[Chunk], budget: int, max_rows: int | None = None
                ) -> list[list[Source]]:
    """Documents in groups that fit the budget (a comment costs its tokens and its row id in the answer); a larger
    document is cut between sentences, a comment file between comments (at most `max_rows` per group)."""
    sources: list[Source] = []
    for number, document in enumerate(in_content_order(documents), start=1):
        label = f"D{number}"
        # Room a part leaves for its <document> tags and title.
        room = max(64, budget - count_tokens(_frame(Source(label, document, "", 0, tuple(document.rows[:1])))) - 2)
        if document.rows:
            part: list[Row] = []
            part_tokens = 0
            for row in sorted(document.rows, key=_row_order):
                tokens = count_tokens(_row_line(row)) + 1
                if part and (part_tokens + tokens + ROW_ID_TOKENS * (len(part) + 1) > room
                             or (max_rows is not None and len(part) >= max_rows)):
                    sources.append(Source(label, document, "\n".join(map(_row_line, part)), part_tokens, tuple(part)))
                    part, part_tokens = [], 0
                part.append(row)
                part_tokens += tokens
            if part:
                sources.append(Source(label, document, "\n".join(map(_row_line, part)), part_tokens, tuple(part)))
            continue
        tokens = count_tokens(document.text)
        if tokens <= room:
            sources.append(Source(label, document, document.text, tokens))
            continue
        lines: list[str] = []
        lines_tokens = 0
        for sentence in (s for c in chunks if c.document_id == document.id for s in c.sentences):
            tokens = count_tokens(sentence)
            if lines and lines_tokens + tokens > room:
                sources.append(Source(label, document, "\n".join(lines), lines_tokens))
                lines, lines_tokens = [], 0
            lines.append(sentence)
            lines_tokens += tokens
        if lines:
            sources.append(Source(label, document, "\n".join(lines), lines_tokens))
    groups: list[list[Source]] = []
    for source in sources:
        if groups and sum(s.cost for s in groups[-1]) + source.cost <= budget and (
                max_rows is None or sum(len(s.rows) for s in groups[-1]) + len(source.rows) <= max_rows):
            groups[-1].append(source)
        else:
            groups.append([source])
    return groups


def shown(group: list[Source]) -> Shown:
    rows: dict[str, tuple[Row, ...]] = {}
    for source in group:
        rows[source.label] = rows.get(source.label, ()) + source.rows
    return Shown({s.label: s.document for s in group}, rows)


def _fence(text: str) -> str:
    return text.replace("<document", "‹document").replace("</document>", "‹/document›")


def _frame(source: Source) -> str:
    return (f'<document id="{source.label}" title="{_fence(source.document.title)}"'
            + (' kind="comments"' if source.rows else "") + ">\n\n</document>")


def render_documents(group: list[Source]) -> str:
    return "\n".join(f'<document id="{s.label}" title="{_fence(s.document.title)}"'
                     + (' kind="comments"' if s.rows else "") + f">\n{_fence(s.text)}\n</document>" for s in group)


def render_angles(angles: list[Angle], language: str, topic: str | None) -> str:
    return "\n".join(f"- {a.id}: {a.text('name', language, topic)} — pro: {a.text('pro', language, topic)} "
                     f"/ con: {a.text('con', language, topic)}" for a in angles)


def _its_subject(settings: DocumentSettings) -> str:
    return ITS_SUBJECT.get(settings.language, ITS_SUBJECT["en"])


def _rows_in(group: list[Source]) -> int:
    return sum(len(source.rows) for source in group)


# ----- the one request ------------------------------------------------------------------------------------------

def write_request(group: list[Source], angles: list[Angle], prompt: WritePrompt,
                  settings: DocumentSettings) -> CompletionRequest:
    """Subjects, claims and the list in one request, the documents as its cached prefix."""
    system = prompt.system.format(language_name=LANGUAGE_NAMES[settings.language], subjects=SUBJECTS,
                                  max_chars=settings.length.limit, target_chars=settings.target_chars)
    documents = Message(role="user", content=prompt.documents.format(documents=render_documents(group)),
                        cache_breakpoint=True)
    knowledge = prompt.knowledge if settings.fill_from_knowledge else prompt.documents_only
    task = prompt.task.format(angles=render_angles(angles, settings.language, _its_subject(settings)),
                              per_side=settings.claims_per_side, count=settings.count, knowledge=knowledge.strip())
    claims = 2 * settings.claims_per_side * len(angles)
    max_tokens = (200 + claims * settings.claim_tokens + ROW_ID_TOKENS * _rows_in(group)
                  + settings.count * settings.statement_tokens)
    return CompletionRequest.asking_for(Written, [Message(role="system", content=system), documents,
                                                  Message(role="user", content=task)],
                                        temperature=0.2, max_tokens=max_tokens)


def one_request(documents: list[Document], chunks: list[Chunk], angles: list[Angle], prompt: WritePrompt,
                settings: DocumentSettings) -> tuple[list[Source], CompletionRequest] | None:
    """The one request for everything, when it fits the window (with room for its fix), else None."""
    whole = sum(count_tokens(d.text) + ROW_ID_TOKENS * len(d.rows) for d in documents)
    if whole + WINDOW_MARGIN > settings.context_tokens:
        return None  # not even the documents fit: no need to render them
    groups = plan_groups(documents, chunks, settings.context_tokens)
    if len(groups) != 1:
        return None
    request = write_request(groups[0], angles, prompt, settings)
    return (groups[0], request) if settings.fits(request, settings.fix_reserve) else None


# ----- map: discuss per group -----------------------------------------------------------------------------------

def _discuss_answer_tokens(settings: DocumentSettings, angles: int, rows: int) -> int:
    return 200 + 2 * settings.claims_per_side * angles * settings.claim_tokens + ROW_ID_TOKENS * rows


def discuss_budget(angles: list[Angle], prompt: DiscussPrompt, settings: DocumentSettings) -> tuple[int, int]:
    """(document tokens a group may carry, comments a group may show): the window less the prompt, the answer's
    claims and the margin; the answer's row ids within the model's longest answer."""
    batch = min(len(angles), settings.angles_per_request)
    overhead = max(estimate_input_tokens(request) for request in _discuss_messages_probe(angles, prompt, settings))
    claims = _discuss_answer_tokens(settings, batch, 0)
    budget = settings.context_tokens - overhead - claims - WINDOW_MARGIN
    max_rows = max(20, (settings.answer_cap - claims) // ROW_ID_TOKENS)
    return max(256, budget), max_rows


def _discuss_messages_probe(angles: list[Angle], prompt: DiscussPrompt, settings: DocumentSettings):
    """The discuss requests without documents, to count what the prompt itself takes."""
    return [request for _, _, request in discuss_requests([[]], angles, prompt, settings)]


def discuss_requests(groups: list[list[Source]], angles: list[Angle], prompt: DiscussPrompt,
                     settings: DocumentSettings) -> list[tuple[int, list[Angle], CompletionRequest]]:
    """Group by group (a stable prefix), a request per batch of angles."""
    requests = []
    system = Message(role="system", content=prompt.system.format(language_name=LANGUAGE_NAMES[settings.language],
                                                                 subjects=SUBJECTS))
    for index, group in enumerate(groups):
        documents = Message(role="user", content=prompt.documents.format(documents=render_documents(group)),
                            cache_breakpoint=True)
        for start in range(0, len(angles), settings.angles_per_request):
            batch = angles[start:start + settings.angles_per_request]
            task = Message(role="user", content=prompt.task.format(
                angles=render_angles(batch, settings.language, _its_subject(settings)),
                per_side=settings.claims_per_side))
            requests.append((index, batch, CompletionRequest.asking_for(
                Discussion, [system, documents, task], temperature=0.2,
                max_tokens=_discuss_answer_tokens(settings, len(batch), _rows_in(group)))))
    return requests


def _claim_drop(answer: ClaimAnswer, reason: Reason, where: Shown) -> Drop:
    document = where.documents.get(answer.document.strip())
    return Drop(text=answer.claim, angle=answer.angle, stance=answer.stance, why=[reason],
                document_id=document.id if document else None, quote=answer.quote)


@dataclass
class Discussed:
    """What the documents support, before the list is written: the claims found and the subjects named."""

    claims: list[Found]
    subjects: list[str]
    attempts: list[Attempt]
    dropped: list[Drop]
    notes: list[Reason]
    groups: int = 1


def discuss(groups: list[list[Source]], angles: list[Angle], provider: Provider, prompt: DiscussPrompt,
            settings: DocumentSettings, corpus: Corpus, on_attempt: Callable[[Attempt], None] | None = None,
            on_planned: Callable[[int], None] | None = None) -> Discussed:
    """Claims the documents support, checked: every request asked at once; PendingAnswer when any waits for a
    batch answer. `on_planned` hears how many requests the step makes before the first is asked."""
    angle_ids = {angle.id for angle in angles}
    planned = discuss_requests(groups, angles, prompt, settings)
    if on_planned:
        on_planned(len(planned))

    def checker(where: Shown):
        def check(answer: Discussion) -> list[str]:
            usable = [c for c in answer.claims if c.angle in angle_ids and check_claim(c, where, corpus)[0]]
            if answer.claims and not usable:
                first = answer.claims[0]
                _, problems = check_claim(first, where, corpus)
                why = problems[0].text() if problems else f"unknown angle '{first.angle}'"
                return [f"no-usable-claim: no claim had a quote found in its document ({why}); quote exactly"]
            return []
        return check

    answers = ask_together([lambda request=request, index=index: ask(
        provider, request, Discussion, purpose="discuss", check=checker(shown(groups[index])), max_attempts=2,
        on_attempt=on_attempt, retry=lambda found: prompt.retry.format(problems="; ".join(found)))
        for index, _, request in planned], settings.concurrency)
    found: list[Found] = []
    subjects: list[str] = []
    attempts: list[Attempt] = []
    dropped: list[Drop] = []
    for (index, batch, _), asked in zip(planned, answers):
        attempts += asked.attempts
        if asked.answer is None:
            continue
        where = shown(groups[index])
        subjects += asked.answer.subjects
        batch_ids = {angle.id for angle in batch}
        for answer in asked.answer.claims:
            if answer.angle not in batch_ids:
                dropped.append(_claim_drop(answer, said("claim-angle", angle=answer.angle), where))
                continue
            claim, problems = check_claim(answer, where, corpus)
            if claim is None:
                dropped.append(_claim_drop(answer, said("claim-quote-not-found", problem=problems[0].model_dump()),
                                           where))
            else:
                found.append(claim)
    notes = []
    if len(groups) > 1:
        notes.append(said("groups", tokens=sum(s.tokens for g in groups for s in g), budget=settings.context_tokens,
                          groups=len(groups)))
    return Discussed(found, _distinct_subjects(subjects), attempts, dropped, notes, len(groups))


def _distinct_subjects(subjects: list[str]) -> list[str]:
    """The subjects named, most often named first (ties in the order named), once each."""
    counts: dict[str, list] = {}
    for index, subject in enumerate(subjects):
        key = normalize_for_matching(subject)
        if key:
            counts.setdefault(key, [0, index, subject.strip()])[0] += 1
    return [first for _, _, first in sorted(counts.values(), key=lambda item: (-item[0], item[1]))]


# ----- map: claims merged, then distilled --------------------------------------------------------------------------

def _claim_lines(claims: list[Found], units: Units, settings: DocumentSettings) -> str:
    return "\n".join(f"[{number}] {c.angle} {c.stance} «{c.subject}» ({held_by(c.support, units, settings.language)}) "
                     f"「{c.quote}」 {c.text}" for number, c in enumerate(claims, start=1))


def held_by(count: int, units: Units, language: str) -> str:
    noun = {"documents": ("documents", "文書"), "comments": ("comments", "コメント"),
            "documents and comments": ("documents or comments", "文書・コメント")}[units.noun]
    return f"{noun[1]}{units.total}件中{count}件" if language == "ja" else f"held by {count} of {units.total} {noun[0]}"


def key_terms(topic: Topic | None) -> str:
    """The subject's key terms as a prompt lists them: what a statement may start with."""
    if topic is None:
        return "the documents' own words for what is discussed"
    return "、".join(dict.fromkeys((topic.name, *topic.terms)))


def _subject_line(settings: DocumentSettings) -> str:
    if len(settings.subjects) > 1:
        return "; ".join(settings.subjects)
    return settings.topic.name if settings.topic else "the documents' subject"


def distil_request(claims: list[Found], units: Units, prompt: DistilPrompt, settings: DocumentSettings,
                   empty_sides: list[tuple[Angle, str]] | None = None) -> CompletionRequest:
    """The list from these claims: at most as many statements as they hold distinct claims, up to the cap."""
    count = max(1, min(settings.count, distinct_count(claims)))
    if settings.fill_from_knowledge and empty_sides:
        count = min(settings.count, count + len(empty_sides))
        sides = "\n".join(f"- {angle.id} {stance}: {angle.text(stance, settings.language, _subject_line(settings))}"
                          for angle, stance in empty_sides)
        knowledge = prompt.knowledge.format(sides=sides)
    else:
        knowledge = prompt.documents_only
    system = prompt.system.format(language_name=LANGUAGE_NAMES[settings.language], count=count,
                                  max_chars=settings.length.limit, target_chars=settings.target_chars,
                                  topic=_subject_line(settings), key_terms=key_terms(settings.topic))
    return CompletionRequest.asking_for(
        Distillation, [Message(role="system", content=system),
                       Message(role="user", content=prompt.user.format(claims=_claim_lines(claims, units, settings),
                                                                       count=count, knowledge=knowledge))],
        temperature=0.2, max_tokens=200 + count * (settings.statement_tokens + 12))


def _merge_request(claims: list[Found], units: Units, prompt: DistilPrompt, settings: DocumentSettings
                   ) -> CompletionRequest:
    return CompletionRequest.asking_for(Merged, [
        Message(role="system", content=prompt.merge_system.format(language_name=LANGUAGE_NAMES[settings.language])),
        Message(role="user", content=prompt.merge_user.format(claims=_claim_lines(claims, units, settings)))],
        temperature=0.0, max_tokens=200 + len(claims) * (8 + int(60 * settings.tokens_per_char)))


def _batches(claims: list[Found], angles: list[Angle], build: Callable[[list[Found]], CompletionRequest],
             settings: DocumentSettings, reserve: int) -> list[list[Found]] | None:
    """The claims in as few requests as fit (whole angles per request, in angle order), or None when one angle's
    claims alone do not fit."""
    by_angle = {angle.id: [c for c in claims if c.angle == angle.id] for angle in angles}
    batches: list[list[Found]] = []
    for angle in angles:
        part = by_angle[angle.id]
        if not part:
            continue
        if batches and settings.fits(build(batches[-1] + part), reserve):
            batches[-1] = batches[-1] + part
        elif settings.fits(build(part), reserve):
            batches.append(part)
        else:
            return None
    return batches


def _chunks_that_fit(claims: list[Found], build: Callable[[list[Found]], CompletionRequest],
                     settings: DocumentSettings) -> list[list[Found]]:
    """Claims (in angle, then support order) cut into requests that fit."""
    chunks: list[list[Found]] = []
    for claim in claims:
        if chunks and settings.fits(build(chunks[-1] + [claim])):
            chunks[-1].append(claim)
        else:
            chunks.append([claim])
    return chunks


def _merged(claims: list[Found], answer: Merged | None) -> list[Found]:
    """The claims after a merge answer: each group (of one side) one claim keeping every holder; a claim no group
    names stays as it is."""
    if answer is None:
        return claims
    taken: set[int] = set()
    out: list[Found] = []
    for group in answer.groups:
        numbers = [n for n in dict.fromkeys(group.claims) if 1 <= n <= len(claims) and n not in taken]
        for stance in ("pro", "con"):
            members = [claims[n - 1] for n in numbers if claims[n - 1].stance == stance]
            if not members:
                continue
            taken.update(n for n in numbers if claims[n - 1].stance == stance)
            joined = _joined(members)
            if len(members) > 1 and group.claim.strip():
                joined.text = group.claim.strip()
            out.append(joined)
    out += [claim for number, claim in enumerate(claims, start=1) if number not in taken]
    return out


def reduce_claims(claims: list[Found], angles: list[Angle], provider: Provider, prompt: DistilPrompt,
                  settings: DocumentSettings, units: Units, levels: int, on_attempt=None, on_step=None,
                  on_planned=None) -> tuple[list[Found], list[Attempt]]:
    """While one angle's claims do not fit a distil request, merge requests (all of a level at once, at most `levels`
    levels: the rounds planned for them) make one claim of those that say the same, the support carried along."""
    attempts: list[Attempt] = []
    order = {angle.id: index for index, angle in enumerate(angles)}
    reserve = settings.fix_reserve

    def distil_of(part: list[Found]) -> CompletionRequest:
        return distil_request(part, units, prompt, settings)

    for level in range(levels):
        if _batches(claims, angles, distil_of, settings, reserve) is not None:
            break
        if on_step:
            on_step(merge_step(level))
        ordered = sorted(claims, key=lambda c: (order.get(c.angle, len(order)), c.stance != "pro", c.sort_key()))
        chunks = _chunks_that_fit(ordered, lambda part: _merge_request(part, units, prompt, settings), settings)
        if on_planned:
            on_planned(len(chunks))
        answers = ask_together([lambda chunk=chunk: ask(
            provider, _merge_request(chunk, units, prompt, settings), Merged, purpose="distil", max_attempts=1,
            on_attempt=on_attempt, retry=lambda found: "") for chunk in chunks], settings.concurrency)
        claims = []
        for chunk, asked in zip(chunks, answers):
            attempts += asked.attempts
            claims += _merged(chunk, asked.answer or asked.last_answer)
        claims = sorted(claims, key=Found.sort_key)
    return claims, attempts


def merge_step(level: int) -> str:
    return "merging claims" + (f" (level {level + 1})" if level else "")


def keep_within_one_request(claims: list[Found], angles: list[Angle], units: Units, prompt: DistilPrompt,
                            settings: DocumentSettings) -> list[Found]:
    """When even merged claims do not fit (an extreme input), each angle keeps its most held claims that fit."""
    kept: list[Found] = []
    for angle in angles:
        part = sorted((c for c in claims if c.angle == angle.id), key=Found.sort_key)
        while part and not settings.fits(distil_request(part, units, prompt, settings), settings.fix_reserve):
            part = part[:max(1, len(part) * 3 // 4)] if len(part) > 1 else []
        kept += part
    return kept


# ----- the list, checked ----------------------------------------------------------------------------------------

@dataclass
class Origin:
    """A request whose answer holds statements: its claims by number, and the numbers whose quote failed."""

    request: CompletionRequest
    answer: BaseModel
    claims: dict[int, Found]
    failed: dict[int, Reason] = field(default_factory=dict)


@dataclass
class Item:
    origin: int
    number: int
    statement: ListedStatement
    claim: Found | None = None
    problems: list[Reason] = field(default_factory=list)

    @property
    def text(self) -> str:
        return clean_statement(self.statement.text)

    @property
    def from_knowledge(self) -> bool:
        return not self.statement.claims


def _resolve(statement: ListedStatement, origin: Origin, angles_by_id: dict[str, Angle],
             settings: DocumentSettings, empty_sides: set[tuple[str, str]]) -> tuple[ListedStatement, Found | None,
                                                                                    list[Reason]]:
    """The statement with its claims' angle and side, the claim it stands for (its claims joined), and what the rules
    and the checks find in it."""
    found: list[Reason] = []
    refs = [origin.claims[n] for n in dict.fromkeys(statement.claims) if n in origin.claims]
    claim = None
    if refs:
        if len({c.stance for c in refs}) > 1:
            found.append(said("claim-sides", angle=statement.angle))
        else:
            claim = _joined(refs)
            angle = statement.angle if statement.angle in angles_by_id else claim.angle
            statement = statement.model_copy(update={"angle": angle, "stance": claim.stance})
    elif statement.claims:
        failed = [origin.failed[n] for n in statement.claims if n in origin.failed]
        found.append(failed[0] if failed else said("claim-number", claims=statement.claims[:5]))
    elif not settings.fill_from_knowledge:
        found.append(said("claim-number", claims=[]))
    elif (statement.angle, statement.stance) not in empty_sides:
        found.append(said("quote-not-found.free"))
    # The quote is the evidence, not the sentence to rewrite: a near-copy of it is refused, a free rewording is not.
    found += [finding.reason for finding in check_statement(clean_statement(statement.text), settings.context(
        claim.quote if claim else None), skip=("off-source",)).findings if finding.reason]
    if statement.angle not in angles_by_id:
        found.append(said("angle", angle=statement.angle, angles=list(angles_by_id)))
    return statement, claim, found


def fix_request(origin: Origin, failing: dict[int, list[Reason]], items: dict[int, ListedStatement],
                prompt: DistilPrompt, statement_tokens: int = 200) -> CompletionRequest:
    """One request for every failing item of one answer, each with its number and problems; the answer names the
    numbers. The conversation is the request that wrote them, its answer, and the fix."""
    listing = "\n".join(f"{number}. {json.dumps(items[number].model_dump(), ensure_ascii=False)} — "
                        + "; ".join(reason.as_reason() for reason in found) for number, found in sorted(failing.items()))
    messages = origin.request.messages + [
        Message(role="assistant", content=json.dumps(origin.answer.model_dump(), ensure_ascii=False)),
        Message(role="user", content=prompt.fix.format(problems=listing))]
    return CompletionRequest.asking_for(Fixes, messages, temperature=0.4,
                                        max_tokens=200 + len(failing) * (60 + statement_tokens))


def _replacements(fixes: Fixes | None, asked_for: list[int]) -> dict[int, ListedStatement]:
    """The fixed statement of each number asked for; a fix with an unknown number takes the next one asked, in order."""
    if fixes is None:
        return {}
    found: dict[int, ListedStatement] = {}
    unclaimed = list(asked_for)
    for fix in fixes.statements:
        if fix.item in asked_for and fix.item not in found:
            found[fix.item] = ListedStatement(**fix.model_dump(exclude={"item"}))
            unclaimed.remove(fix.item)
    for fix in fixes.statements:
        if fix.item not in asked_for and unclaimed:
            found[unclaimed.pop(0)] = ListedStatement(**fix.model_dump(exclude={"item"}))
    return found


# Given the statements the list may end with (cumulative: each round adds the fixes), the calls to ask in the same
# round as the side check: dedupe's judge of the list's near misses, so that it adds no round.
Alongside = Callable[[list[Statement]], list[Callable[[], object]]]


@dataclass
class ListResult:
    statements: list[Statement]
    attempts: list[Attempt]
    dropped: list[Drop]


class ListCheck:
    """The list's checks and fixes, in as few rounds as they depend on each other (see the module's docstring)."""

    def __init__(self, origins: list[Origin], angles: list[Angle], provider: Provider, prompt: DistilPrompt,
                 settings: DocumentSettings, units: Units, side_reader: SideReader | None,
                 alongside: Alongside | None, on_attempt, on_step, empty_sides: set[tuple[str, str]],
                 on_planned: Callable[[int], None] | None = None):
        self.origins, self.angles, self.provider, self.prompt = origins, angles, provider, prompt
        self.settings, self.units, self.reader, self.alongside = settings, units, side_reader, alongside
        self.on_attempt, self.step = on_attempt, on_step or (lambda name: None)
        self.planned = on_planned or (lambda count: None)  # the side reader says what its checks ask itself
        self.angles_by_id = {angle.id: angle for angle in angles}
        self.empty_sides = empty_sides
        self.attempts: list[Attempt] = []
        self.dropped: list[Drop] = []
        self.seen: list[Statement] = []

    def item(self, origin: int, number: int, statement: ListedStatement) -> Item:
        statement, claim, problems = _resolve(statement, self.origins[origin], self.angles_by_id, self.settings,
                                              self.empty_sides)
        return Item(origin, number, statement, claim, problems)

    def drop(self, item: Item, why: list[Reason]) -> None:
        holder = item.claim.quoted if item.claim else None
        self.dropped.append(Drop(text=item.text, angle=item.statement.angle, stance=item.statement.stance, why=why,
                                 document_id=holder[0] if holder else None,
                                 quote=(item.claim.quote or None) if item.claim else None))

    def statement(self, item: Item, stance: str, checked: str | None) -> Statement:
        if item.claim is None:
            return Statement(text=item.text, angle=item.statement.angle, stance=stance, checked_stance=checked,
                             from_documents=False).with_id()
        document = self.units.by_id[item.claim.quoted[0]]
        return Statement(text=item.text, angle=item.statement.angle, stance=stance, checked_stance=checked,
                         document_id=document.id, source_path=document.path, quote=item.claim.quote,
                         support=self.units.support(item.claim)).with_id()

    # -- choosing ------------------------------------------------------------------------------------------------

    def choose(self, items: list[Item]) -> list[Item]:
        """One statement per claim (the best of those whose claims overlap), then the list by support and balance."""
        best_first = sorted(items, key=lambda i: (bool(i.problems), -(i.claim.support if i.claim else 0),
                                                  len(i.text), i.text))
        kept: list[Item] = []
        for item in best_first:
            twin = next((k for k in kept if item.claim and k.claim and _same_claim(item.claim, k.claim)), None)
            if twin is not None:
                self.drop(item, [said("same-claim", kept=twin.text)])
            else:
                kept.append(item)
        placeholder = Found("", "", "", "", {}, ("", None))
        picked = select_by_support([Picked(i.statement.angle, i.statement.stance, i.claim or _named(placeholder, i),
                                           i) for i in kept], self.angles, self.settings.count)
        chosen = [p.value for p in picked]
        for item in kept:
            if item not in chosen:
                self.drop(item, [said("fewer-holders", count=self.settings.count, side=item.statement.stance,
                                      angle=item.statement.angle, support=item.claim.support if item.claim else 0)])
        return chosen  # type: ignore[return-value]

    # -- rounds --------------------------------------------------------------------------------------------------

    def _fix_calls(self, failing: dict[int, tuple[Item, list[Reason]]]) -> tuple[list, list[tuple[int, list[int]]]]:
        """A fix request per origin for its failing items: (calls, [(origin, numbers asked)])."""
        by_origin: dict[int, dict[int, list[Reason]]] = {}
        for item, why in failing.values():
            by_origin.setdefault(item.origin, {})[item.number] = why
        calls, asked = [], []
        for origin, wanted in sorted(by_origin.items()):
            items = {item.number: item.statement for item, _ in failing.values() if item.origin == origin}
            request = fix_request(self.origins[origin], wanted, items, self.prompt, self.settings.statement_tokens)
            calls.append(lambda request=request: ask(self.provider, request, Fixes, purpose="distil", max_attempts=1,
                                                     on_attempt=self.on_attempt, retry=lambda found: "",
                                                     first_attempt=1))
            asked.append((origin, sorted(wanted)))
        return calls, asked

    def _sides(self, items: list[Item]) -> Callable[[], dict[int, Reason | None]]:
        """The side check of these items (by id), as a call: {id(item): why it is not on its side, or None}."""
        def read() -> dict[int, Reason | None]:
            if self.reader is None:
                return {}
            readable = [i for i in items if i.statement.angle in self.angles_by_id]
            readings = self.reader.read_all([(i.text, self.angles_by_id[i.statement.angle]) for i in readable])
            found: dict[int, Reason | None] = {}
            for item, reading in zip(readable, readings):
                angle = self.angles_by_id[item.statement.angle]
                if reading.side == "unclear":
                    found[id(item)] = said("neither", angle=angle.id, side=item.statement.stance,
                                           view=side_text(angle, item.statement.stance, self.settings.topic,
                                                          self.settings.language))
                elif reading.side != item.statement.stance:
                    found[id(item)] = disagreement_reason(angle, item.statement.stance, self.settings.topic,
                                                          self.settings.language)
                else:
                    found[id(item)] = None
            return found
        return read

    def _alongside(self, items: list[Item]) -> list[Callable[[], object]]:
        if self.alongside is None or not items:
            return []
        self.seen += [self.statement(item, item.statement.stance, None) for item in items]
        return self.alongside(list(self.seen))

    def _fixed(self, answers: list[object], asked: list[tuple[int, list[int]]], failing: dict[int, tuple[Item, list]]
               ) -> dict[int, Item]:
        """The fix of each failing item (by its key in `failing`), checked; an item without a fix is absent."""
        out: dict[int, Item] = {}
        for (origin, numbers), fixes in zip(asked, answers):
            assert isinstance(fixes, Asked)
            self.attempts += fixes.attempts
            for number, statement in _replacements(fixes.answer, numbers).items():
                key = next(k for k, (item, _) in failing.items() if item.origin == origin and item.number == number)
                out[key] = self.item(origin, number, statement)
        return out

    def _ask_round(self, name: str, read: list[Item], fix: dict[int, tuple[Item, list[Reason]]]
                   ) -> tuple[dict[int, Reason | None], dict[int, Item]]:
        """One round: the side check of `read`, the fixes of `fix`, and what goes along with the new texts, all at
        once; nothing asked (and no round) when there is nothing to do. (side readings by id, fixes by key)"""
        side_call = self._sides(read) if self.reader is not None and read else None
        fix_calls, fix_asked = self._fix_calls(fix)
        calls = ([side_call] if side_call else []) + fix_calls
        if not calls:
            return {}, {}
        self.step(name if self.reader is not None else "fixes")
        self.planned(len(fix_calls))
        calls += self._alongside(read)
        results = ask_together(calls, self.settings.concurrency)
        offset = 1 if side_call else 0
        return (results[0] if side_call else {}), self._fixed(results[offset:offset + len(fix_calls)], fix_asked, fix)

    def run(self, items: list[Item]) -> list[Statement]:
        chosen = self.choose(items)
        passing = [item for item in chosen if not item.problems]
        failing = {id(item): (item, item.problems) for item in chosen if item.problems}
        final: dict[int, tuple[Item, str, str | None]] = {}  # id(original) → (item, stance, checked)
        # Round A: the side check of what passed the local checks, the fixes of what did not, and what goes along.
        sides_a, fixed_a = self._ask_round("side check and fixes", passing, failing)
        recheck: list[tuple[int, Item]] = []
        for key, (item, why) in failing.items():
            fix = fixed_a.get(key)
            if fix is not None and not fix.problems:
                recheck.append((key, fix))
            else:
                self.drop(fix or item, (fix.problems if fix else None) or why)
        resend: dict[int, tuple[Item, list[Reason]]] = {}
        for item in passing:
            why = sides_a.get(id(item))
            if self.reader is not None and why is not None and why.rule != "stance":
                resend[id(item)] = (item, [why])
            else:
                final[id(item)] = self._labelled(item, why)
        # Round B: the fixes of what the side check sent back, with the side check of the first fixes.
        sides_b, fixed_b = self._ask_round("fixes and side check of the fixes", [fix for _, fix in recheck], resend)
        for key, fix in recheck:
            final[key] = self._labelled(fix, sides_b.get(id(fix)))
        last: list[tuple[int, Item]] = []
        for key, (item, _) in resend.items():
            fix = fixed_b.get(key)
            if fix is not None and not fix.problems:
                last.append((key, fix))
            else:  # the original passed the rules; only its side was unclear
                final[key] = (item, item.statement.stance, "unclear")
        # Round C: the side check of the last fixes.
        sides_c, _ = self._ask_round("side check of the last fixes", [fix for _, fix in last], {})
        for key, fix in last:
            final[key] = self._labelled(fix, sides_c.get(id(fix)))
        order = {angle.id: index for index, angle in enumerate(self.angles)}
        ranked = sorted(final.values(), key=lambda entry: (order.get(entry[0].statement.angle, len(order)),
                                                            entry[1] != "pro",
                                                            -(entry[0].claim.support if entry[0].claim else 0),
                                                            entry[0].text))
        return [self.statement(item, stance, checked) for item, stance, checked in ranked]

    def _labelled(self, item: Item, why: Reason | None) -> tuple[Item, str, str | None]:
        if self.reader is None:
            return item, item.statement.stance, None
        if why is None:
            return item, item.statement.stance, item.statement.stance
        if why.rule == "stance":
            other = "con" if item.statement.stance == "pro" else "pro"
            return item, other, other
        return item, item.statement.stance, "unclear"


def _same_claim(first: Found, second: Found) -> bool:
    """Two statements' claims are one: a holder and its overlapping words in common (whatever the angle)."""
    return len(merge_overlapping([first, second])) == 1 if first.stance == second.stance else False


def _named(placeholder: Found, item: Item) -> Found:
    """A statement with no claim (written from knowledge, or naming none) competes with no support."""
    return Found(item.statement.angle, item.statement.stance, "", item.text, {}, placeholder.quoted)


# ----- the whole strategy ---------------------------------------------------------------------------------------

@dataclass
class DocumentResult:
    statements: list[Statement]
    report: GenerationReport
    notes: list[Reason] = field(default_factory=list)
    claims: list[Found] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    one_request: bool = True
    topic: Topic | None = None


@dataclass
class DocumentPlan:
    """How the documents will be read: in one request, or in groups (map)."""

    groups: list[list[Source]]
    write: CompletionRequest | None  # the one request, when everything fits
    merge_levels: int = 0  # merge rounds expected before the claims fit a distil request (very large inputs)

    @property
    def one_request(self) -> bool:
        return self.write is not None


def plan_reading(documents: list[Document], chunks: list[Chunk], angles: list[Angle], prompts: Prompts,
                 settings: DocumentSettings) -> DocumentPlan:
    single = one_request(documents, chunks, angles, prompts.write, settings)
    if single is not None:
        return DocumentPlan([single[0]], single[1])
    budget, max_rows = discuss_budget(angles, prompts.discuss, settings)
    groups = plan_groups(documents, chunks, budget, max_rows)
    return DocumentPlan(groups, None, expected_merge_levels(len(groups), angles, settings))


def claims_per_distil_request(settings: DocumentSettings) -> int:
    """About how many claims one distil request holds: its window less the answer and the fix turn."""
    line = int(40 + 170 * settings.tokens_per_char)
    room = settings.context_tokens - settings.fix_reserve - 200 - settings.count * (settings.statement_tokens + 12) \
        - 1_500
    return max(1, room // line)


def expected_merge_levels(groups: int, angles: list[Angle], settings: DocumentSettings) -> int:
    """Merge rounds needed before one angle's claims fit a distil request, if every group gives every claim asked."""
    per_angle = groups * 2 * settings.claims_per_side
    fits = claims_per_distil_request(settings)
    levels = 0
    while per_angle > fits and levels < MERGE_LEVELS:
        per_angle = per_angle * 2 // 3  # what a merge level leaves, at the least
        levels += 1
    return levels


@dataclass
class Prompts:
    write: WritePrompt
    discuss: DiscussPrompt
    distil: DistilPrompt


def _empty_sides(claims: list[Found], angles: list[Angle]) -> list[tuple[Angle, str]]:
    covered = {(claim.angle, claim.stance) for claim in claims}
    return [(angle, stance) for angle in angles for stance in ("pro", "con") if (angle.id, stance) not in covered]


def _notes_for_empty(empty: list[tuple[Angle, str]], filled: bool) -> list[Reason]:
    return [said("no-claim.filled" if filled else "no-claim", angle=angle.id, side=stance) for angle, stance in empty]


TopicFrom = Callable[[list[str]], Topic]


def write_document_list(documents: list[Document], chunks: list[Chunk], angles: list[Angle], provider: Provider,
                        prompts: Prompts, settings: DocumentSettings, *,
                        find_topic: Callable[[], tuple[Topic, list[Attempt]]] | None = None,
                        topic_from: TopicFrom | None = None,
                        side_reader_for: Callable[[Topic, list[str]], SideReader | None] = lambda topic, subjects: None,
                        same_as: SameAs | None = None, alongside: Alongside | None = None,
                        on_attempt: Callable[[Attempt], None] | None = None,
                        on_step: Callable[[str], None] | None = None,
                        on_planned: Callable[[int], None] | None = None,
                        reading: DocumentPlan | None = None) -> DocumentResult:
    """The list of the document strategy, checked. `find_topic` names the subject when the documents are read in
    groups (asked together with them); in one request the answer names the subjects, and `topic_from` makes the
    topic of them. PendingAnswer when a batch round waits. `on_planned` hears, as each step starts, how many
    requests it makes (the progress shows each step's total from its first request)."""
    step = on_step or (lambda name: None)
    planned = on_planned or (lambda count: None)
    plan = reading or plan_reading(documents, chunks, angles, prompts, settings)
    corpus = Corpus(documents)
    units = Units(in_content_order(documents))
    attempts: list[Attempt] = []
    dropped: list[Drop] = []
    notes: list[Reason] = []
    if plan.one_request:
        group = plan.groups[0]
        where = shown(group)
        angle_ids = {angle.id for angle in angles}

        def check(answer: Written) -> list[str]:
            usable = [c for c in answer.claims if c.angle in angle_ids and check_claim(_as_claim(c), where, corpus)[0]]
            if not answer.statements:
                return ["empty: write the statements"]
            if answer.claims and not usable:
                _, problems = check_claim(_as_claim(answer.claims[0]), where, corpus)
                why = problems[0].text() if problems else f"unknown angle '{answer.claims[0].angle}'"
                return [f"no-usable-claim: no claim had a quote found in its document ({why}); quote exactly"]
            return []

        planned(1)
        asked = ask(provider, plan.write, Written, purpose="distil", check=check, max_attempts=2,
                    on_attempt=on_attempt, retry=lambda found: prompts.write.retry.format(problems="; ".join(found)))
        attempts += asked.attempts
        answer = asked.answer
        if answer is None:
            return DocumentResult([], GenerationReport(attempts=attempts), notes, [], [], True, settings.topic)
        numbered: dict[int, Found] = {}
        failed: dict[int, Reason] = {}
        for claim in answer.claims:
            if claim.angle not in angle_ids:
                dropped.append(_claim_drop(_as_claim(claim), said("claim-angle", angle=claim.angle), where))
                continue
            found, problems = check_claim(_as_claim(claim), where, corpus)
            if found is None:
                failed[claim.id] = problems[0]
                dropped.append(_claim_drop(_as_claim(claim), said("claim-quote-not-found",
                                                                  problem=problems[0].model_dump()), where))
            else:
                numbered[claim.id] = found
        subjects = _distinct_subjects(answer.subjects)
        topic = settings.topic or (topic_from(subjects) if topic_from else Topic(subjects[0] if subjects else ""))
        claims = merge_overlapping(list(numbered.values()))
        origins = [Origin(plan.write, answer, numbered, failed)]
        statements_of = [list(answer.statements)]
    else:
        calls: list[Callable[[], object]] = [lambda: discuss(plan.groups, angles, provider, prompts.discuss, settings,
                                                             corpus, on_attempt, planned)]
        if find_topic is not None and settings.topic is None:
            calls.append(find_topic)
            planned(1)
        results = ask_together(calls, 2)
        discussed: Discussed = results[0]  # type: ignore[assignment]
        attempts += discussed.attempts
        dropped += discussed.dropped
        notes += discussed.notes
        subjects = discussed.subjects
        if settings.topic is not None:
            topic = settings.topic
        elif len(results) > 1:
            found_topic, topic_attempts = results[1]  # type: ignore[misc]
            attempts += topic_attempts
            topic = _with_terms(found_topic, subjects, topic_from)
        else:
            topic = topic_from(subjects) if topic_from else Topic(subjects[0] if subjects else "")
        claims = merge_claims(discussed.claims, same_as)
    settings = _with_topic(settings, topic, subjects)
    empty = _empty_sides(claims, angles)
    notes += _notes_for_empty(empty, settings.fill_from_knowledge)
    if not claims and not settings.fill_from_knowledge:
        return DocumentResult([], GenerationReport(attempts=attempts, dropped=dropped), notes, claims, subjects,
                              plan.one_request, topic)
    if not plan.one_request:
        claims, merge_attempts = reduce_claims(claims, angles, provider, prompts.distil, settings, units,
                                               plan.merge_levels, on_attempt, step, planned)
        attempts += merge_attempts
        step("distil")
        fitting = _batches(claims, angles, lambda part: distil_request(part, units, prompts.distil, settings),
                           settings, settings.fix_reserve)
        if fitting is None:
            claims = keep_within_one_request(claims, angles, units, prompts.distil, settings)
            fitting = _batches(claims, angles, lambda part: distil_request(part, units, prompts.distil, settings),
                               settings, settings.fix_reserve) or []
        fitting = fitting or [[]]
        requests = [distil_request(part, units, prompts.distil, settings, empty if index == 0 else None)
                    for index, part in enumerate(fitting)]
        planned(len(requests))
        answers = ask_together([lambda request=request: ask(
            provider, request, Distillation, purpose="distil", on_attempt=on_attempt, max_attempts=2,
            check=lambda answer: [] if answer.statements else ["empty: write the statements"],
            retry=lambda found: "; ".join(found)) for request in requests], settings.concurrency)
        origins, statements_of = [], []
        for part, request, asked in zip(fitting, requests, answers):
            attempts += asked.attempts
            if asked.answer is None:
                continue
            origins.append(Origin(request, asked.answer, dict(enumerate(part, start=1))))
            statements_of.append(list(asked.answer.statements))
    reader = side_reader_for(topic, subjects)
    check = ListCheck(origins, angles, provider, prompts.distil, settings, units, reader, alongside, on_attempt, step,
                      {(angle.id, stance) for angle, stance in empty}, planned)
    items = [check.item(index, number, statement) for index, statements in enumerate(statements_of)
             for number, statement in enumerate(statements, start=1)]
    statements = check.run(items)
    attempts += check.attempts
    report = GenerationReport(attempts=attempts, dropped=dropped + check.dropped, kept=len(statements))
    return DocumentResult(statements, report, notes, claims, subjects, plan.one_request, topic)


def _as_claim(claim: WrittenClaim) -> ClaimAnswer:
    return ClaimAnswer(**claim.model_dump(exclude={"id"}))


def _with_terms(topic: Topic, subjects: list[str], topic_from: TopicFrom | None) -> Topic:
    """The subject the topic request named, with the groups' own subjects among its key terms."""
    if not subjects or topic_from is None:
        return topic
    named = topic_from(subjects)
    return Topic(topic.name, tuple(dict.fromkeys(topic.terms + named.terms))[:12], topic.vocabulary)


def _with_topic(settings: DocumentSettings, topic: Topic, subjects: list[str]) -> DocumentSettings:
    from dataclasses import replace

    return replace(settings, topic=topic, subjects=tuple(subjects[:SUBJECTS]))


def several_subjects(subjects: list[str]) -> bool:
    return len(subjects) > 1


def side_topic(topic: Topic, subjects: list[str], language: str) -> Topic:
    """The topic the side check speaks of: a list of several subjects is read against 'its subject'."""
    if not several_subjects(subjects):
        return topic
    return Topic(ITS_SUBJECT.get(language, ITS_SUBJECT["en"]), topic.terms, topic.vocabulary)


# ----- the dry run ----------------------------------------------------------------------------------------------

@dataclass
class DryPlan:
    """What a run of the document strategy will ask, before anything is sent."""

    first: list[CompletionRequest]  # the first round's requests, as they will be sent
    later_requests: int
    later_input: int
    later_output: int
    notes: list[str]
    largest: int  # the largest prompt + longest answer of any request, in tokens


def dry_plan(documents: list[Document], chunks: list[Chunk], angles: list[Angle], prompts: Prompts,
             settings: DocumentSettings, stance_check: bool, reading: DocumentPlan | None = None) -> DryPlan:
    """The requests and tokens of the whole input: the first round exactly, the later ones estimated from the
    claims the first round asks for (the rounds come from the run's planned steps)."""
    plan = reading or plan_reading(documents, chunks, angles, prompts, settings)
    units = Units(in_content_order(documents))
    side_requests = math.ceil(settings.count / 60) if stance_check else 0
    side_input = side_requests * (500 + settings.count * 40)
    if plan.one_request:
        first = [plan.write]
        later_requests, later_input, later_output = side_requests, side_input, settings.count * 10
        notes = [f"document strategy: everything fits one request ({estimate_input_tokens(plan.write):,} input tokens, "
                 f"answer up to {plan.write.max_tokens:,}), then {side_requests} side check request(s); fixes only "
                 "for what the checks send back"]
    else:
        first = [request for _, _, request in discuss_requests(plan.groups, angles, prompts.discuss, settings)]
        claims = len(first) * settings.claims_per_side * 2 * min(len(angles), settings.angles_per_request)
        line = int(40 + 170 * settings.tokens_per_char)
        per_request = claims_per_distil_request(settings)
        merges = math.ceil(claims / per_request) * plan.merge_levels
        left = claims if not plan.merge_levels else min(claims, per_request * len(angles))
        distils = max(1, math.ceil(left / per_request))
        later_requests = merges + distils + side_requests
        later_input = (claims * plan.merge_levels + left) * line + distils * 800 + side_input
        later_output = settings.count * (settings.statement_tokens + 10) + merges * 40 * per_request
        notes = [f"document strategy: {len(plan.groups)} group(s) of documents × "
                 f"{len(first) // max(1, len(plan.groups))} request(s) (about {claims:,} claims), "
                 + (f"{merges} merge request(s) in {plan.merge_levels} round(s), " if plan.merge_levels else "")
                 + f"{distils} distil request(s), {side_requests} side check request(s); plus 1 request to name "
                 "the subject"]
    notes.append(f"support counted in {units.total:,} {units.noun}")
    largest = max(estimate_input_tokens(r) + r.max_tokens for r in first)
    return DryPlan(first, later_requests, later_input, later_output, notes, largest)

"""generate: Chunks and Angles in, Statements out, each traced to the sentence that supports it.

Built for a small model: for each angle the model sees only a short list of numbered sentences
that mention it, is asked for a few statements on one side at a time, cites a sentence number
(so its quote is verbatim by construction), and gets its rule violations sent back to fix.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, ValidationError
from rapidfuzz import fuzz

from ..models import (
    Angle,
    Chunk,
    Document,
    Drop,
    GenerationReport,
    Language,
    Stance,
    Statement,
    rule_of,
)
from ..prompts import GeneratePrompt
from ..providers.base import (
    CompletionRequest,
    CompletionResult,
    Message,
    Provider,
    ProviderError,
)
from ..rules import quote_is_in, statement_problems
from ..text import clean_statement, normalize_for_matching

LANGUAGE_NAMES: dict[Language, str] = {"ja": "Japanese", "en": "English"}
# Words that mark a concern or a limit: sentences with them feed the "con" side, which advocacy
# documents tend to under-supply.
_CONCERN_CUES = (
    "課題", "懸念", "困難", "難し", "リスク", "問題", "不足", "負担", "弊害", "しかし", "一方", "ただし", "ない",
    "不安", "反対", "デメリット", "限界", "低下", "遅れ", "指摘",
    "concern", "risk", "difficult", "problem", "however", "but ", "lack", "burden", "not ", "downside",
    "oppos", "fail", "worr",
)
MAX_QUOTE_CHARS = 120


def is_concern(sentence: str) -> bool:
    lowered = sentence.casefold()
    return any(cue in lowered for cue in _CONCERN_CUES)


class DraftStatement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: str


@dataclass
class GenerateSettings:
    language: Language
    max_chars: int = 140
    per_angle: int = 6
    max_attempts: int = 3
    concurrency: int = 1
    passages_per_angle: int = 16
    passage_char_budget: int = 4000

    @property
    def target_chars(self) -> int:
        """The length the prompt asks for: well under the limit, as short statements vote best."""
        return min(self.max_chars, 50 if self.language == "ja" else 100)

    @property
    def min_chars(self) -> int:
        return min(self.target_chars, 12 if self.language == "ja" else 25)


@dataclass
class Passage:
    number: int
    sentence: str
    chunk_id: str
    document_id: str
    path: str


@dataclass
class GenerationResult:
    statements: list[Statement]
    report: GenerationReport
    notes: list[str] = field(default_factory=list)


def _usable_sentence(sentence: str) -> bool:
    """A sentence that can carry a claim: not a heading, table row, or run of numbers."""
    if sentence.startswith("#") or not 15 <= len(sentence) <= 250 or "\t" in sentence or sentence.count("|") >= 3:
        return False
    letters = sum(ch.isalpha() for ch in sentence)
    return letters >= 0.6 * len(sentence.replace(" ", ""))


def select_passages(angle: Angle, chunks: list[Chunk], documents: list[Document],
                    limit: int, char_budget: int) -> list[Passage]:
    """The sentences the model sees for one angle: those that mention it, spread over documents,
    half of them (when there are any) voicing a concern so both sides have material."""
    paths = {document.id: document.path for document in documents}
    keywords = [normalize_for_matching(keyword) for keyword in angle.keywords if keyword.strip()]
    scored: list[tuple[float, int, Passage, bool]] = []
    order = 0
    for chunk in chunks:
        for sentence in chunk.sentences:
            order += 1
            if not _usable_sentence(sentence):
                continue
            normalized = normalize_for_matching(sentence)
            hits = sum(1 for keyword in keywords if keyword and keyword in normalized)
            if not hits:
                continue
            concern = is_concern(sentence)
            passage = Passage(0, sentence, chunk.id, chunk.document_id, paths.get(chunk.document_id, ""))
            scored.append((hits, -order, passage, concern))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)

    per_document_cap = max(3, math.ceil(limit / max(1, len({p.document_id for _, _, p, _ in scored}))) + 1)
    concern_quota = limit // 2
    picked: list[Passage] = []
    per_document: dict[str, int] = {}
    used_chars = 0
    # First pass fills the concern quota, second pass the rest, both by score.
    for want_concern in (True, None):
        for _, _, passage, concern in scored:
            if len(picked) >= limit or (want_concern and len(picked) >= concern_quota):
                break
            if want_concern and not concern or passage in picked:
                continue
            if per_document.get(passage.document_id, 0) >= per_document_cap:
                continue
            if used_chars + len(passage.sentence) > char_budget:
                continue
            if any(fuzz.ratio(passage.sentence, other.sentence) >= 90 for other in picked):
                continue
            picked.append(passage)
            per_document[passage.document_id] = per_document.get(passage.document_id, 0) + 1
            used_chars += len(passage.sentence)
    for number, passage in enumerate(picked, start=1):
        passage.number = number
    return picked


def _short_quote(sentence: str, statement: str) -> str:
    """The verbatim stretch of the source sentence that best matches the statement, ≤ MAX_QUOTE_CHARS."""
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence
    alignment = fuzz.partial_ratio_alignment(statement, sentence)
    centre = (alignment.dest_start + alignment.dest_end) // 2 if alignment else len(sentence) // 2
    start = max(0, min(centre - MAX_QUOTE_CHARS // 2, len(sentence) - MAX_QUOTE_CHARS))
    return sentence[start:start + MAX_QUOTE_CHARS]


def _side(angle: Angle, stance: Stance) -> str:
    return angle.pro if stance == "pro" else angle.con


def build_messages(prompt: GeneratePrompt, angle: Angle, stance: Stance, source: str,
                   settings: GenerateSettings) -> list[Message]:
    """System rules, worked examples as earlier turns, then the one sentence to rewrite."""
    user_template = prompt.user[settings.language]
    messages = [Message(role="system", content=prompt.system.format(
        language_name=LANGUAGE_NAMES[settings.language], min_chars=settings.min_chars,
        target_chars=settings.target_chars, max_chars=settings.max_chars,
    ))]
    for example in prompt.examples[settings.language]:
        messages.append(Message(role="user", content=user_template.format(
            angle_name=example.angle_name, side=example.side, source=fence_source(example.source))))
        messages.append(Message(role="assistant", content=json.dumps(
            {"statement": example.statement}, ensure_ascii=False)))
    messages.append(Message(role="user", content=user_template.format(
        angle_name=angle.name, side=_side(angle, stance), source=fence_source(source))))
    return messages


def fence_source(text: str) -> str:
    """Document text goes between <source> tags: a document cannot close the fence itself."""
    return text.replace("<source>", "‹source›").replace("</source>", "‹/source›")


def _parse_statement(content: str) -> str | None:
    """The statement in a model answer, or None when the answer is not the JSON asked for."""
    try:
        return DraftStatement.model_validate_json(content).statement
    except ValidationError:
        pass
    try:
        # Some servers ignore the schema and wrap the JSON in prose or a code fence.
        start, end = content.index("{"), content.rindex("}") + 1
        return DraftStatement.model_validate(json.loads(content[start:end])).statement
    except (ValueError, ValidationError):
        return None


@dataclass
class Slot:
    """One angle's statements on one side, and the sentences to write them from, best first."""

    angle: Angle
    stance: Stance
    count: int
    candidates: list[Passage]


def plan_slots(documents: list[Document], chunks: list[Chunk], angles: list[Angle],
               settings: GenerateSettings) -> tuple[list[Slot], list[str]]:
    """Per angle a pro slot and a con slot. Sentences voicing a concern go to the con side first,
    the others to the pro side first; each side falls back on the other's sentences last."""
    slots: list[Slot] = []
    notes: list[str] = []
    for angle in angles:
        passages = select_passages(angle, chunks, documents, settings.passages_per_angle,
                                   settings.passage_char_budget)
        if not passages:
            notes.append(f"{angle.id}: no passage in the documents mentions this angle; no statements")
            continue
        concern: list[Passage] = []
        plain: list[Passage] = []
        for passage in passages:
            (concern if is_concern(passage.sentence) else plain).append(passage)
        pro_count, con_count = math.ceil(settings.per_angle / 2), settings.per_angle // 2
        # Each side's own pool first; the other pool's leftovers (from the end) after it.
        slots.append(Slot(angle, "pro", pro_count, plain + concern[::-1][:max(0, len(concern) - con_count)]))
        slots.append(Slot(angle, "con", con_count, concern + plain[::-1][:max(0, len(plain) - pro_count)]))
    return [slot for slot in slots if slot.count], notes


def first_request(slot: Slot, passage: Passage, prompt: GeneratePrompt, settings: GenerateSettings) -> CompletionRequest:
    return CompletionRequest(
        messages=build_messages(prompt, slot.angle, slot.stance, passage.sentence, settings),
        response_model=DraftStatement, temperature=0.2, max_tokens=40 + 3 * settings.max_chars,
    )


def planned_requests(slots: list[Slot], prompt: GeneratePrompt, settings: GenerateSettings) -> list[CompletionRequest]:
    """The first attempt of every statement a run will ask for (re-asks come on top)."""
    return [first_request(slot, passage, prompt, settings)
            for slot in slots for passage in slot.candidates[:slot.count]]


def _answer_problems(result: CompletionResult) -> tuple[str, list[str]]:
    """The statement text in an answer and what is wrong with the answer itself."""
    if result.refusal:
        return "", [f"refused: the model declined ({result.refusal}); try another sentence"]
    if result.finish_reason == "length":
        return result.content.strip()[:200], ["cut-off: the answer was cut off; write one short statement"]
    parsed = _parse_statement(result.content)
    if parsed is None:
        return result.content.strip()[:200], ['not-json: answer only with {"statement": "<text>"}']
    return clean_statement(parsed).strip("「」\"'"), []


def _rewrite_one(slot: Slot, passage: Passage, provider: Provider, prompt: GeneratePrompt,
                 settings: GenerateSettings, report: GenerationReport, seen: set[str]) -> Statement | None:
    """Ask for one statement from one sentence; send rule violations back up to max_attempts times."""
    request = first_request(slot, passage, prompt, settings)
    reasons: list[str] = []
    text = ""
    for attempt in range(settings.max_attempts):
        if attempt:
            report.retries += 1
        report.requests += 1
        try:
            result = provider.complete(request)
        except ProviderError as error:
            report.failed_requests += 1
            report.failures.append(str(error).splitlines()[0][:300])
            return None
        if result.from_cache:
            report.cached_responses += 1
        else:
            # Tokens count what this run spent: cached answers cost nothing again.
            report.prompt_tokens += result.prompt_tokens
            report.completion_tokens += result.completion_tokens
        report.answers += 1
        text, reasons = _answer_problems(result)
        if not reasons:
            reasons = statement_problems(text, settings.max_chars, settings.language, passage.sentence,
                                         settings.min_chars)
            quote = _short_quote(passage.sentence, text)
            if not quote_is_in(quote, passage.sentence):
                reasons.append("quote-not-found: the supporting quote is not in the source")
            if not reasons and normalize_for_matching(text) in seen:
                reasons.append("repeat: this statement was already written; write a different one")
            if not reasons:
                seen.add(normalize_for_matching(text))
                return Statement(
                    text=text, angle=slot.angle.id, stance=slot.stance, document_id=passage.document_id,
                    source_path=passage.path, chunk_id=passage.chunk_id, quote=quote,
                )
        for reason in reasons:
            rule = rule_of(reason)
            report.rejections[rule] = report.rejections.get(rule, 0) + 1
        request = request.model_copy(update={
            "temperature": 0.6,
            "messages": request.messages + [
                Message(role="assistant", content=result.content or "(no answer)"),
                Message(role="user", content=prompt.retry.format(
                    problems="; ".join(reasons), language_name=LANGUAGE_NAMES[settings.language])),
            ],
        })
    report.dropped.append(Drop(text=text, angle=slot.angle.id, stance=slot.stance, reasons=reasons))
    return None


def _fill_slot(slot: Slot, provider: Provider, prompt: GeneratePrompt, settings: GenerateSettings,
               stop: threading.Event | None = None) -> tuple[list[Statement], GenerationReport, list[str]]:
    """Up to `slot.count` statements, one sentence each; a sentence that yields nothing usable
    gives way to the next. Slots share nothing, so they can run concurrently and a re-run asks
    exactly the same requests (which the cache then answers)."""
    report = GenerationReport()
    statements: list[Statement] = []
    seen: set[str] = set()
    for passage in slot.candidates:
        if len(statements) >= slot.count or (stop is not None and stop.is_set()):
            break
        statement = _rewrite_one(slot, passage, provider, prompt, settings, report, seen)
        if report.failed_requests:
            # The provider is failing: stop this slot; a re-run retries the failed request (the cache
            # answers the rest).
            break
        if statement is not None:
            statements.append(statement)
    notes = []
    if not statements and not report.failed_requests:
        notes.append(f"{slot.angle.id}: no support in the documents for the {slot.stance} side "
                     f"({len(slot.candidates)} sentences tried); nothing was invented")
    elif len(statements) < slot.count:
        notes.append(f"{slot.angle.id}: {len(statements)} of {slot.count} {slot.stance} statements; "
                     "the documents gave no more usable sentences")
    return statements, report, notes


def generate_statements(documents: list[Document], chunks: list[Chunk], angles: list[Angle],
                        provider: Provider, prompt: GeneratePrompt, settings: GenerateSettings,
                        on_progress: Callable[[int, int], None] | None = None) -> GenerationResult:
    """Statements for every angle, half pro and half con, each from its own source sentence.

    Slots run on up to `settings.concurrency` threads; results keep the angle order.
    `on_progress(done, total)` is called as each slot finishes."""
    slots, notes = plan_slots(documents, chunks, angles, settings)
    report = GenerationReport()
    statements: list[Statement] = []
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, settings.concurrency))
    try:
        futures = [pool.submit(_fill_slot, slot, provider, prompt, settings, stop) for slot in slots]
        for done, _ in enumerate(as_completed(futures), start=1):
            if on_progress:
                on_progress(done, len(slots))
    except BaseException:
        # Ctrl-C: no new request starts; answers already received are in the cache.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    for future in futures:
        slot_statements, slot_report, slot_notes = future.result()
        statements += slot_statements
        report.absorb(slot_report)
        notes += slot_notes
    report.kept = len(statements)
    return GenerationResult(statements=statements, report=report, notes=notes)

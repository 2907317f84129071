"""generate, sentence strategy: Chunks and Angles in, Statements out, each traced to the sentence it
was written from.

Built for a small model: each request shows one source sentence, one angle and one side, and asks for
one short statement (`prompts/generate.yaml`). The rules check every answer and send their findings
back (stages/ask.py); a sentence that yields nothing usable gives way to the next one.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from ..models import Angle, Attempt, Drop, GenerationReport, Language, Stance, Statement
from ..prompts import GeneratePrompt
from ..providers.base import CompletionRequest, Message, Provider
from ..rules import LANGUAGE_NAMES, Context, Topic, problems
from ..language.text import clean_statement, normalize_for_matching
from ..providers.base import PendingAnswer
from .ask import ask
from .select import Embedder, Passage, SentencePool, select_passages
from .stance import SideReader

MAX_QUOTE_CHARS = 120


class DraftStatement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: str


@dataclass
class GenerateSettings:
    language: Language
    max_chars: int
    per_angle: int
    concurrency: int = 1
    max_attempts: int = 2  # measured: a third attempt succeeded for 1 in 16 answers on the embedded model
    passages_per_angle: int = 16
    passage_char_budget: int = 4000
    topic: Topic | None = None
    stance: SideReader | None = None

    @property
    def target_chars(self) -> int:
        """The length the prompt asks for: well under the limit, as short statements vote best."""
        return min(self.max_chars, 50 if self.language == "ja" else 100)

    @property
    def min_chars(self) -> int:
        return min(self.target_chars, 12 if self.language == "ja" else 25)

    def context(self, source: str | None = None) -> Context:
        return Context(max_chars=self.max_chars, language=self.language, min_chars=self.min_chars, source=source,
                       topic=self.topic)


@dataclass
class GenerationResult:
    statements: list[Statement]
    report: GenerationReport
    notes: list[str] = field(default_factory=list)
    pending: int = 0  # requests waiting in a batch file


def short_quote(sentence: str, statement: str) -> str:
    """The verbatim stretch of the source sentence that best matches the statement, ≤ MAX_QUOTE_CHARS."""
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence
    alignment = fuzz.partial_ratio_alignment(statement, sentence)
    centre = (alignment.dest_start + alignment.dest_end) // 2 if alignment else len(sentence) // 2
    start = max(0, min(centre - MAX_QUOTE_CHARS // 2, len(sentence) - MAX_QUOTE_CHARS))
    return sentence[start:start + MAX_QUOTE_CHARS]


def fence_source(text: str) -> str:
    """Document text goes between <source> tags: a document cannot close the fence itself."""
    return text.replace("<source>", "‹source›").replace("</source>", "‹/source›")


def build_messages(prompt: GeneratePrompt, angle: Angle, stance: Stance, source: str,
                   settings: GenerateSettings) -> list[Message]:
    """System rules, worked examples as earlier turns, then the one sentence to rewrite."""
    user_template = prompt.user[settings.language]
    topic = settings.topic.name if settings.topic else None
    messages = [Message(role="system", content=prompt.system.format(
        language_name=LANGUAGE_NAMES[settings.language], min_chars=settings.min_chars,
        target_chars=settings.target_chars, max_chars=settings.max_chars,
    ))]
    for example in prompt.examples[settings.language]:
        messages.append(Message(role="user", content=user_template.format(
            topic=example.topic, angle_name=example.angle_name, side=example.side, source=fence_source(example.source))))
        messages.append(Message(role="assistant", content=json.dumps({"statement": example.statement},
                                                                     ensure_ascii=False)))
    messages.append(Message(role="user", content=user_template.format(
        topic=topic or "", angle_name=angle.text("name", settings.language, topic),
        side=angle.text(stance, settings.language, topic), source=fence_source(source))))
    return messages


@dataclass
class Slot:
    """One angle's statements on one side, and the sentences to write them from, best first."""

    angle: Angle
    stance: Stance
    count: int
    candidates: list[Passage]


def plan_slots(pool: SentencePool, angles: list[Angle], settings: GenerateSettings,
               embed: Embedder) -> tuple[list[Slot], list[str]]:
    """Per angle a pro slot and a con slot. A sentence leaning to the con side (closer to its description,
    or voicing a concern) goes to the con side first, the others to the pro side first; each side falls
    back on the other's sentences last."""
    slots: list[Slot] = []
    unmatched: list[str] = []
    topic = settings.topic.name if settings.topic else None
    for angle in angles:
        passages = select_passages(angle, pool, embed, settings.language, topic, settings.passages_per_angle,
                                   settings.passage_char_budget)
        if not passages:
            unmatched.append(angle.id)
            continue
        ordered = sorted(passages, key=lambda p: p.leans_con, reverse=True)
        half = len(ordered) // 2
        con_side, pro_side = ordered[:half], ordered[half:][::-1]
        pro_count, con_count = math.ceil(settings.per_angle / 2), settings.per_angle // 2
        # Each side's own sentences first (most relevant first); the other side's leftovers after them.
        by_relevance = lambda group: sorted(group, key=lambda p: p.relevance, reverse=True)  # noqa: E731
        slots.append(Slot(angle, "pro", pro_count, by_relevance(pro_side) + by_relevance(con_side)[con_count:]))
        slots.append(Slot(angle, "con", con_count, by_relevance(con_side) + by_relevance(pro_side)[pro_count:]))
    return [slot for slot in slots if slot.count], unmatched


_REGEX_SPECIAL = set(".^$*+?()[]{}|\\/\"")
_JA_SUBJECT_PARTICLES = "は|が|を|に|で|の|と|も|へ|には|では|への|による|により|について"


def _literal(text: str) -> str:
    return "".join("\\" + char if char in _REGEX_SPECIAL else char for char in text)


def subject_pattern(topic: str | None, language: Language) -> str | None:
    """A pattern the statement must match: it starts with the subject (「自治体情報システムの標準化は…」,
    "The congestion charge …"). A server that follows JSON-schema patterns (llama-server, OpenAI) then
    cannot write about its worked examples or about nothing in particular; one that ignores them is
    still checked by the rules."""
    topic = (topic or "").strip()
    if not topic or len(topic) > 40:
        return None
    if language == "ja":
        return f"^{_literal(topic)}({_JA_SUBJECT_PARTICLES})[^\"]+$"
    words = topic.split()
    if words[0].casefold() in ("a", "an", "the"):
        words = words[1:]
    if not words:
        return None
    first = words[0]
    head = f"[{first[0].upper()}{first[0].lower()}]{_literal(first[1:])}" if first[0].isalpha() else _literal(first)
    rest = "".join(" " + _literal(word) for word in words[1:])
    # The article that fits the sound of the subject's first letter ("An electoral system", "A congestion charge").
    article = "The|the|An|an" if first[0].casefold() in "aeiou" else "The|the|A|a"
    return f"^(({article}) )?{head}{rest}[^\"]+$"


def first_request(slot: Slot, passage: Passage, prompt: GeneratePrompt, settings: GenerateSettings) -> CompletionRequest:
    request = CompletionRequest.asking_for(
        DraftStatement, build_messages(prompt, slot.angle, slot.stance, passage.sentence, settings),
        temperature=0.2, max_tokens=40 + 3 * settings.max_chars)
    pattern = subject_pattern(settings.topic.name if settings.topic else None, settings.language)
    if pattern:
        schema = copy.deepcopy(request.answer_schema)
        schema["properties"]["statement"]["pattern"] = pattern
        request = request.model_copy(update={"answer_schema": schema})
    return request


def planned_requests(slots: list[Slot], prompt: GeneratePrompt, settings: GenerateSettings) -> list[CompletionRequest]:
    """The first attempt of every statement a run will ask for (re-asks come on top)."""
    return [first_request(slot, passage, prompt, settings)
            for slot in slots for passage in slot.candidates[:slot.count]]


@dataclass
class SlotResult:
    statements: list[Statement] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    dropped: list[Drop] = field(default_factory=list)
    tried: int = 0
    pending: bool = False


def _fill_angle(slots: list[Slot], provider: Provider, prompt: GeneratePrompt, settings: GenerateSettings,
                stop: threading.Event, on_attempt: Callable[[Attempt], None] | None) -> list[SlotResult]:
    """The slots of one angle, one after the other, so that the con side cannot repeat what the pro side
    wrote. Angles share nothing, so they run concurrently and a re-run asks exactly the same requests
    (which the cache then answers)."""
    seen: set[str] = set()
    return [_fill_slot(slot, provider, prompt, settings, stop, on_attempt, seen) for slot in slots]


def _fill_slot(slot: Slot, provider: Provider, prompt: GeneratePrompt, settings: GenerateSettings,
               stop: threading.Event, on_attempt: Callable[[Attempt], None] | None, seen: set[str]) -> SlotResult:
    """Up to `slot.count` statements, one sentence each, none a repeat of one in `seen`."""
    result = SlotResult()
    waiting = 0  # passages whose answer a batch round has still to bring
    # A prompt that asks for a side gets a statement on the other side re-asked; one that asks for the
    # view of the source sentence (the small model's) gets it relabelled.
    asks_for_side = "{side}" in prompt.user[settings.language]
    for passage in slot.candidates:
        if len(result.statements) + waiting >= slot.count or stop.is_set():
            break
        result.tried += 1
        checks = [0]
        relabel: dict[str, str] = {}

        def check(draft: DraftStatement, source: str = passage.sentence) -> list[str]:
            checks[0] += 1
            text = clean_statement(draft.statement).strip("「」\"'")
            found = problems(text, settings.context(source))
            if not found and normalize_for_matching(text) in seen:
                found.append("repeat: this statement was already written; write a different one")
            if not found and settings.stance is not None:
                reading = settings.stance.read(text, slot.angle)
                if reading.side in ("pro", "con") and reading.side != slot.stance:
                    if not asks_for_side or checks[0] >= settings.max_attempts:
                        relabel[text] = reading.side  # a good statement on the other side: keep it, relabelled
                    else:
                        found.append(f"stance: {settings.stance.disagreement_message(slot.angle, slot.stance)}")
            return found

        try:
            asked = ask(provider, first_request(slot, passage, prompt, settings), DraftStatement, purpose="statement",
                        check=check, max_attempts=settings.max_attempts, on_attempt=on_attempt,
                        retry=lambda found: prompt.retry.format(problems="; ".join(found),
                                                                language_name=LANGUAGE_NAMES[settings.language]))
        except PendingAnswer:
            # A batch round: the next passages are asked in the same round, as many as statements are missing.
            result.pending = True
            waiting += 1
            continue
        result.attempts += asked.attempts
        if asked.failed:
            # The provider is failing: stop this slot; a re-run retries the failed request.
            break
        if asked.answer is None:
            text = clean_statement(asked.last_answer.statement) if asked.last_answer else asked.last_text
            result.dropped.append(Drop(text=text, angle=slot.angle.id, stance=slot.stance, reasons=asked.problems,
                                       document_id=passage.document_id, quote=short_quote(passage.sentence, text)))
            continue
        text = clean_statement(asked.answer.statement).strip("「」\"'")
        seen.add(normalize_for_matching(text))
        result.statements.append(Statement(
            text=text, angle=slot.angle.id, stance=relabel.get(text, slot.stance), document_id=passage.document_id,
            source_path=passage.path, chunk_id=passage.chunk_id, quote=short_quote(passage.sentence, text),
        ).with_id())
    return result


def angle_notes(angles: list[Angle], unmatched: list[str], slots: list[Slot], results: list[SlotResult]) -> list[str]:
    """One note per angle that falls short, in one wording: what is missing and why."""
    notes = [f"left out, as no passage of the documents is about them: {', '.join(unmatched)} (try "
             "--discover-angles, or an --angles file written for your topic)"] if unmatched else []
    for slot, result in zip(slots, results):
        if result.pending or any(attempt.failure for attempt in result.attempts):
            continue
        if len(result.statements) < slot.count:
            notes.append(f"{slot.angle.id}: {len(result.statements)} of {slot.count} {slot.stance} statements; "
                         f"the documents gave no more usable sentences ({result.tried} tried); nothing was invented")
    return notes


def SENTENCE_STEPS(stance_check: bool) -> list[tuple[str, int]]:
    return [("statements", 0)]


def generate_statements(pool: SentencePool, angles: list[Angle], provider: Provider, prompt: GeneratePrompt,
                        settings: GenerateSettings, embed: Embedder,
                        on_attempt: Callable[[Attempt], None] | None = None,
                        on_step: Callable[[str], None] | None = None) -> GenerationResult:
    """Statements for every angle, half pro and half con, each from its own source sentence.

    Angles run on up to `settings.concurrency` threads; results keep the angle order."""
    slots, unmatched = plan_slots(pool, angles, settings, embed)
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, settings.concurrency))
    try:
        by_angle: dict[str, list[Slot]] = {}
        for slot in slots:
            by_angle.setdefault(slot.angle.id, []).append(slot)
        futures = [pool.submit(_fill_angle, angle_slots, provider, prompt, settings, stop, on_attempt)
                   for angle_slots in by_angle.values()]
        for _ in as_completed(futures):
            pass
    except BaseException:
        # Ctrl-C: no new request starts; answers already received are in the cache.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    results = [result for future in futures for result in future.result()]
    statements = [statement for result in results for statement in result.statements]
    report = GenerationReport(attempts=[a for result in results for a in result.attempts],
                              dropped=[d for result in results for d in result.dropped], kept=len(statements))
    return GenerationResult(statements=statements, report=report, notes=angle_notes(angles, unmatched, slots, results),
                            pending=sum(1 for result in results if result.pending))

"""generate, sentence strategy: write several, judge, keep the best.

Built for a small model, which is a poor writer and a fair judge:
1. Select (stages/select.py): for each angle the sentences of the documents closest to it by meaning, half
   leaning to each side. A source sentence serves one angle only, so it gives at most one statement.
2. Candidates: one request per sentence asks for several statements of the view it expresses, in one
   structured answer (`prompts/generate.yaml`): the prompt is read once, the extra cost is output tokens.
   No fixed prefix: a statement names its subject in the documents' own words (the rules check it).
3. Judge (stages/usability.py): the rules drop what breaks one; the rest get their side read (the stance
   check), their grounding in the sentence measured, and one yes/no question put to the model with token
   probabilities. One calibrated score from all of it.
4. Keep: per sentence the best candidate, per angle and side the best ones, none below the threshold; a
   same-side paraphrase of a better statement is left out. What is not kept stays in report.json with its
   score and reasons (restorable in the review page).
5. A side left empty gets one more try from the sentences that were not asked: candidates, then judgement.
The steps are the rounds of a batch run (at most four after the subject); nothing is re-asked.

A capable model (generate_rich.yaml, which asks for a side) writes one candidate, kept when it passes the
rules and reads as its side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from ..language.polarity import end_of_polar_clause
from ..language.text import clean_statement, normalize_for_matching, on_word_boundaries
from ..models import Angle, Attempt, Drop, GenerationReport, Judged, Language, Reason, Stance, Statement, said
from ..prompts import GeneratePrompt
from ..providers.base import CompletionRequest, Message, Provider
from ..rules import LANGUAGE_NAMES, Context, Topic, VoteLength, reasons, vote_length
from .ask import ask, ask_together
from .select import Embedder, Passage, SentencePool, passages_by_side
from .stance import SideReader, StanceChecker
from .usability import Judgement, UsabilityJudge

MAX_QUOTE_CHARS = 120


class Candidates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statements: list[str]


@dataclass
class GenerateSettings:
    language: Language
    max_chars: int
    per_angle: int
    max_chars_given: bool = False  # --max-chars came from the user: it is the most a statement may have
    concurrency: int = 1
    candidates: int = 3  # statements asked per sentence (a capable model: 1)
    passages_per_angle: int = 16
    passage_char_budget: int = 4000
    topic: Topic | None = None
    stance: SideReader | None = None
    judge: UsabilityJudge | None = None  # None: a candidate that passes the rules and its side check is kept
    refill: bool = True  # a side left empty gets one more try from unused sentences
    checked_per_sentence: int = 2  # candidates of one sentence whose side is checked: the judge's best before it

    @property
    def target_chars(self) -> int:
        """The length the prompt asks for: well under the limit, as short statements vote best."""
        return self.length.target

    @property
    def length(self) -> VoteLength:
        return vote_length(self.language, self.max_chars, self.max_chars_given)

    @property
    def min_chars(self) -> int:
        return min(self.target_chars, 12 if self.language == "ja" else 25)

    def context(self, source: str | None = None) -> Context:
        return Context(max_chars=self.max_chars, language=self.language, min_chars=self.min_chars, source=source,
                       topic=self.topic, vote_chars=self.length.most)


def SENTENCE_STEPS(stance_check: bool) -> list[tuple[str, int]]:
    """The steps of the sentence strategy after the subject, each one round at most (nothing is re-asked)."""
    return [("candidates", 1), ("judging the candidates", 1), ("candidates for empty sides", 1),
            ("judging those candidates", 1)]


@dataclass
class GenerationResult:
    statements: list[Statement]
    report: GenerationReport
    notes: list[Reason] = field(default_factory=list)


def short_quote(sentence: str, statement: str) -> str:
    """The verbatim stretch of the source sentence that best matches the statement: about MAX_QUOTE_CHARS, to the
    end of the clause that carries its polarity."""
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence
    alignment = fuzz.partial_ratio_alignment(statement, sentence)
    centre = (alignment.dest_start + alignment.dest_end) // 2 if alignment else len(sentence) // 2
    start = max(0, min(centre - MAX_QUOTE_CHARS // 2, len(sentence) - MAX_QUOTE_CHARS))
    # Never cut inside the clause that carries the polarity: the quote ends where its clause (or, when a
    # negation or a must follows, its sentence) ends, and starts later instead, but not after the matched part.
    end = end_of_polar_clause(sentence, start + MAX_QUOTE_CHARS)
    matched = alignment.dest_start if alignment else start
    start = max(start, min(matched, end - MAX_QUOTE_CHARS))
    start, end = on_word_boundaries(sentence, start, end)  # never "leveland Ave", never 「ムを標準化」
    return sentence[start:end]


def fence_source(text: str) -> str:
    """Document text goes between <source> tags: a document cannot close the fence itself."""
    return text.replace("<source>", "‹source›").replace("</source>", "‹/source›")


def _terms(topic: Topic | None) -> str:
    if topic is None:
        return ""
    return "、".join(dict.fromkeys(term for term in topic.terms if term != topic.name))


def build_messages(prompt: GeneratePrompt, angle: Angle, stance: Stance, source: str,
                   settings: GenerateSettings) -> list[Message]:
    """System rules, worked examples as earlier turns, then the one sentence to rewrite."""
    user_template = prompt.user[settings.language]
    topic = settings.topic.name if settings.topic else None
    messages = [Message(role="system", content=prompt.system.format(
        language_name=LANGUAGE_NAMES[settings.language], min_chars=settings.min_chars,
        target_chars=settings.target_chars, max_chars=settings.length.limit, count=settings.candidates,
    ))]
    for example in prompt.examples[settings.language]:
        messages.append(Message(role="user", content=user_template.format(
            topic=example.topic, terms=example.terms, angle_name=example.angle_name, side=example.side,
            source=fence_source(example.source))))
        messages.append(Message(role="assistant", content=json.dumps(
            {"statements": example.statements[:settings.candidates]}, ensure_ascii=False)))
    messages.append(Message(role="user", content=user_template.format(
        topic=topic or "", terms=_terms(settings.topic), angle_name=angle.text("name", settings.language, topic),
        side=angle.text(stance, settings.language, topic), source=fence_source(source))))
    return messages


@dataclass
class Ask:
    """One sentence asked for statements on one angle; `stance` is the side the sentence leans to."""

    angle: Angle
    stance: Stance
    passage: Passage


def candidates_request(item: Ask, prompt: GeneratePrompt, settings: GenerateSettings) -> CompletionRequest:
    return CompletionRequest.asking_for(
        Candidates, build_messages(prompt, item.angle, item.stance, item.passage.sentence, settings),
        temperature=0.7 if settings.candidates > 1 else 0.2,
        max_tokens=40 + settings.candidates * (20 + 3 * settings.target_chars))


@dataclass
class SentencePlan:
    """What will be asked: per angle and side the sentences chosen first, and the rest in reserve."""

    asks: list[Ask]
    reserve: dict[tuple[str, str], list[Ask]]
    unmatched: list[str]
    counts: dict[tuple[str, str], int]


def plan_asks(pool: SentencePool, angles: list[Angle], settings: GenerateSettings, embed: Embedder) -> SentencePlan:
    """Per angle and side the sentences closest to that side (stages/select.py), those leaning to it first (a
    sentence closer to the con side's description, or voicing a concern, leans con). A sentence serves the first
    angle that takes it."""
    topic = settings.topic.name if settings.topic else None
    used: set[str] = set()
    asks: list[Ask] = []
    reserve: dict[tuple[str, str], list[Ask]] = {}
    counts: dict[tuple[str, str], int] = {}
    unmatched: list[str] = []
    ranked = passages_by_side(angles, pool, embed, settings.language, topic, settings.passages_per_angle,
                              settings.passage_char_budget)
    for angle in angles:
        sides = ranked.get(angle.id)
        if sides is None:
            unmatched.append(angle.id)
            continue
        counts[(angle.id, "pro")] = math.ceil(settings.per_angle / 2)
        counts[(angle.id, "con")] = settings.per_angle // 2
        for stance in ("pro", "con"):
            leans = [(p.leans_con > 0) == (stance == "con") for p in sides.side(stance)]
            ordered = [p for p, agrees in zip(sides.side(stance), leans) if agrees] + \
                      [p for p, agrees in zip(sides.side(stance), leans) if not agrees]
            free = [p for p in ordered if normalize_for_matching(p.sentence) not in used]
            wanted = counts[(angle.id, stance)]
            for passage in free[:wanted]:
                used.add(normalize_for_matching(passage.sentence))
                asks.append(Ask(angle, stance, passage))
            reserve[(angle.id, stance)] = [Ask(angle, stance, passage) for passage in free[wanted:]]
    return SentencePlan(asks, reserve, unmatched, counts)


def planned_requests(plan: SentencePlan, prompt: GeneratePrompt, settings: GenerateSettings) -> list[CompletionRequest]:
    """The candidate requests of the first step (a dry run counts them; judgement comes on top)."""
    return [candidates_request(item, prompt, settings) for item in plan.asks]


@dataclass
class Candidate:
    text: str
    ask: Ask
    problems: list[Reason]  # what the rules found
    judgement: Judgement | None = None
    angle: Angle | None = None  # the angle it is about, when that is not the angle its sentence was asked for

    def __post_init__(self) -> None:
        self.angle = self.angle or self.ask.angle

    @property
    def score(self) -> float:
        return self.judgement.score if self.judgement else 0.0

    @property
    def side(self) -> str:
        """The side it takes as the check read it, else the side its sentence leans to."""
        return self.judgement.side if self.judgement and self.judgement.side in ("pro", "con") else self.ask.stance


def _texts(answer: Candidates | None, count: int) -> list[str]:
    if answer is None:
        return []
    texts = [clean_statement(text).strip("「」\"'") for text in answer.statements]
    unique = {normalize_for_matching(text): text for text in texts if text}
    return list(unique.values())[:count]


def write_candidates(asks: list[Ask], provider: Provider, prompt: GeneratePrompt, settings: GenerateSettings,
                     on_attempt: Callable[[Attempt], None] | None) -> tuple[list[Candidate], list[Attempt], list[Ask]]:
    """Every sentence's candidates, asked at once; (candidates with their rule findings, attempts, asks that failed)."""
    def one(item: Ask):
        return ask(provider, candidates_request(item, prompt, settings), Candidates, purpose="statement",
                   check=lambda answer: [] if _texts(answer, settings.candidates) else ["empty: write the statements"],
                   max_attempts=1, on_attempt=on_attempt, retry=lambda found: "")

    answers = ask_together([lambda item=item: one(item) for item in asks], settings.concurrency)
    candidates: list[Candidate] = []
    attempts: list[Attempt] = []
    failed: list[Ask] = []
    for item, asked in zip(asks, answers):
        attempts += asked.attempts
        if asked.failed:
            failed.append(item)
            continue
        for text in _texts(asked.answer or asked.last_answer, settings.candidates):
            candidates.append(Candidate(text, item, reasons(text, settings.context(item.passage.sentence))))
    return candidates, attempts, failed


# A statement moves to another angle only when it is this much closer to it (cosine) than to its own.
ANGLE_MARGIN = 0.01


def _move_to_the_angle_it_is_about(candidates: list[Candidate], angles: list[Angle], settings: GenerateSettings,
                                   embed: Embedder) -> None:
    """A sentence is asked for one angle, but what the model writes may be about another (a fairness claim from
    a sentence chosen for the benefit): each statement goes to the angle its meaning is closest to. A statement
    that names one of its own angle's keywords (the facilitator's words for what the angle covers) stays."""
    topic = settings.topic.name if settings.topic else None
    queries = [f"{a.text('name', settings.language, topic)}: {a.text('pro', settings.language, topic)} / "
               f"{a.text('con', settings.language, topic)} {' '.join(a.keywords)}".strip() for a in angles]
    vectors = embed([c.text for c in candidates] + queries)
    statements, angle_vectors = vectors[:len(candidates)], vectors[len(candidates):]
    closeness = statements @ angle_vectors.T
    index = {angle.id: number for number, angle in enumerate(angles)}
    for candidate, row in zip(candidates, closeness):
        text = normalize_for_matching(candidate.text)
        if any(normalize_for_matching(keyword) in text for keyword in candidate.angle.keywords if keyword.strip()):
            continue
        best = int(np.argmax(row))
        own = index.get(candidate.angle.id)
        if own is None or row[best] - row[own] >= ANGLE_MARGIN:
            candidate.angle = angles[best]


def judge_candidates(candidates: list[Candidate], settings: GenerateSettings, embed: Embedder,
                     angles: list[Angle] | None = None) -> None:
    """The angle and side of every candidate that passes the rules (all asked at once), and its judgement."""
    passing = [candidate for candidate in candidates if not candidate.problems]
    if not passing:
        return
    if angles:
        _move_to_the_angle_it_is_about(passing, angles, settings, embed)
    texts = list(dict.fromkeys([c.text for c in passing] + [c.ask.passage.sentence for c in passing]))
    vectors = dict(zip(texts, embed(texts)))
    siblings: dict[int, list[Candidate]] = {}
    for candidate in passing:
        siblings.setdefault(id(candidate.ask), []).append(candidate)
    measures = {}
    for candidate in passing:
        vector = vectors[candidate.text]
        others = [vectors[c.text] for c in siblings[id(candidate.ask)] if c is not candidate]
        measures[id(candidate)] = (float(vector @ vectors[candidate.ask.passage.sentence]),
                                   float(np.mean([vector @ other for other in others])) if others else 0.9)
    judge = settings.judge
    checked = passing
    if judge is not None and settings.stance is not None:
        # The side check costs two requests a candidate: only each sentence's best candidates, by everything else
        # the judge measures, are checked (the others could not win on a side margin's weight).
        def before_the_side(candidate: Candidate) -> float:
            return judge.judgement(candidate.text, candidate.ask.passage.sentence, None, *measures[id(candidate)],
                                   settings.target_chars).score
        checked = [c for group in siblings.values()
                   for c in sorted(group, key=before_the_side, reverse=True)[:settings.checked_per_sentence]]
    readings = dict(zip(map(id, checked), settings.stance.read_all([(c.text, c.angle) for c in checked])
                        if settings.stance is not None else [None] * len(checked)))
    for candidate in passing:
        reading = readings.get(id(candidate))
        if judge is None:  # a capable model: kept on the rules and its side
            side = reading.side if reading is not None else "unclear"
            candidate.judgement = Judgement({}, 1.0, 0.0, side, reading is not None, False)
        else:
            candidate.judgement = judge.judgement(candidate.text, candidate.ask.passage.sentence, reading,
                                                  *measures[id(candidate)], settings.target_chars)


def _drop(candidate: Candidate, why: list[Reason]) -> Drop:
    passage = candidate.ask.passage
    return Drop(text=candidate.text, angle=candidate.angle.id, stance=candidate.ask.stance, why=why,
                document_id=passage.document_id, quote=short_quote(passage.sentence, candidate.text),
                score=round(candidate.score, 3) if candidate.judgement else None)


def keep_best(candidates: list[Candidate], counts: dict[tuple[str, str], int], settings: GenerateSettings,
              embed: Embedder, kept: list[Candidate] | None = None) -> tuple[list[Candidate], list[Drop]]:
    """Per sentence the best candidate above the threshold, per angle and side the best ones (no two alike).
    `kept`: what earlier steps kept, which new candidates must not repeat."""
    kept = list(kept or [])
    dropped: list[Drop] = []
    best: dict[int, Candidate] = {}
    for candidate in candidates:
        if candidate.problems:
            dropped.append(_drop(candidate, candidate.problems))
            continue
        judgement = candidate.judgement
        if judgement is not None and not judgement.passes:
            dropped.append(_drop(candidate, [judgement.reason()]))
            continue
        key = id(candidate.ask)
        if key in best and best[key].score >= candidate.score:
            dropped.append(_drop(candidate, [said("not-best")]))
            continue
        if key in best:
            dropped.append(_drop(best[key], [said("not-best")]))
        best[key] = candidate
    chosen = sorted(best.values(), key=lambda c: c.score, reverse=True)
    for group in _by_angle_and_side(chosen):
        earlier = [c for c in kept if c.angle.id == group[0].angle.id and c.side == group[0].side]
        group = _without_repeats(group, earlier, embed, dropped)
        room = counts.get((group[0].angle.id, group[0].side), 0) - len(earlier) if group else 0
        kept += group[:max(0, room)]
        for candidate in group[max(0, room):]:
            dropped.append(_drop(candidate, [said("surplus", side=candidate.side, angle=candidate.angle.id)]))
    return kept, dropped


def _by_angle_and_side(candidates: list[Candidate]) -> list[list[Candidate]]:
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.angle.id, candidate.side), []).append(candidate)
    return list(groups.values())


def _without_repeats(group: list[Candidate], earlier: list[Candidate], embed: Embedder,
                     dropped: list[Drop]) -> list[Candidate]:
    """The group (best first) without statements that say what a better one of the same side says: dedupe's
    own comparison (a changed word is the point unless it is known to be equivalent), so no different claim
    is lost; the run's dedupe stage then compares across angles and sides."""
    from .dedupe import DedupeOptions, dedupe_statements

    statements = [Statement(text=c.text) for c in group]
    result = dedupe_statements(statements, DedupeOptions(), against=[Statement(text=c.text) for c in earlier],
                               embed=embed, keep_order=True)
    kept_by = {merge.absorbed: merge.kept for merge in result.merges + result.dropped_against}
    kept = []
    for candidate in group:
        if candidate.text in kept_by:
            dropped.append(_drop(candidate, [said("repeat", kept=kept_by[candidate.text])]))
        else:
            kept.append(candidate)
    return kept


def _statement(candidate: Candidate) -> Statement:
    passage = candidate.ask.passage
    judgement = candidate.judgement
    return Statement(text=candidate.text, angle=candidate.angle.id, stance=candidate.side,
                     checked_stance=judgement.side if judgement and judgement.read_side else None,
                     document_id=passage.document_id, source_path=passage.path, chunk_id=passage.chunk_id,
                     quote=short_quote(passage.sentence, candidate.text),
                     score=round(judgement.score, 3) if judgement and judgement.scored else None).with_id()


def angle_notes(angles: list[Angle], plan: SentencePlan, asked: list[Ask], kept: list[Candidate]) -> list[Reason]:
    """One note per angle that falls short, in one wording: what is missing and why. The note on the angles left
    out carries their names, as the run's report.json lists only the angles it used."""
    left_out = [angle for angle in angles if angle.id in plan.unmatched]
    notes = [said("left-out", angles=list(plan.unmatched), names={
        angle.id: {language: angle.text("name", language) for language in ("ja", "en")} for angle in left_out})
        ] if plan.unmatched else []
    for angle in angles:
        if angle.id in plan.unmatched:
            continue
        for stance in ("pro", "con"):
            wanted = plan.counts.get((angle.id, stance), 0)
            have = sum(1 for c in kept if c.angle.id == angle.id and c.side == stance)
            tried = sum(1 for item in asked if item.angle.id == angle.id and item.stance == stance)
            if wanted and have == 0:
                notes.append(said("no-side.judged", angle=angle.id, side=stance, tried=tried) if tried
                             else said("no-side.unleaning", angle=angle.id, side=stance))
    return notes


def generate_statements(pool: SentencePool, angles: list[Angle], provider: Provider, prompt: GeneratePrompt,
                        settings: GenerateSettings, embed: Embedder,
                        on_attempt: Callable[[Attempt], None] | None = None,
                        on_step: Callable[[str], None] | None = None,
                        on_planned: Callable[[int], None] | None = None) -> GenerationResult:
    """Statements for every angle and side, each from its own source sentence, the best of several.
    `on_step` names each step as it starts, `on_planned` says how many candidate requests it will make (the side
    reader says how many its checks make)."""
    step = on_step or (lambda name: None)
    planned = on_planned or (lambda count: None)
    plan = plan_asks(pool, angles, settings, embed)
    # A statement moves only to an angle the documents are about (one no sentence is about is left out).
    asked_for, angles = angles, [angle for angle in angles if angle.id not in plan.unmatched]
    step("candidates")
    planned(len(plan.asks))
    candidates, attempts, failed = write_candidates(plan.asks, provider, prompt, settings, on_attempt)
    step("judging the candidates")
    judge_candidates(candidates, settings, embed, angles)
    kept, dropped = keep_best(candidates, plan.counts, settings, embed)
    all_candidates = list(candidates)
    more: list[Ask] = []
    if settings.refill and not failed:
        empty = [key for key, count in plan.counts.items()
                 if count and not any(c.angle.id == key[0] and c.side == key[1] for c in kept)]
        # A sentence serves one angle: the reserve leaves out sentences another angle has asked meanwhile.
        asked = {normalize_for_matching(item.passage.sentence) for item in plan.asks}
        for key in empty:
            spare = [item for item in plan.reserve.get(key, [])
                     if normalize_for_matching(item.passage.sentence) not in asked][:plan.counts[key]]
            asked |= {normalize_for_matching(item.passage.sentence) for item in spare}
            more += spare
        if more:
            step("candidates for empty sides")
            planned(len(more))
            extra, extra_attempts, _ = write_candidates(more, provider, prompt, settings, on_attempt)
            attempts += extra_attempts
            step("judging those candidates")
            judge_candidates(extra, settings, embed, angles)
            all_candidates += extra
            kept, extra_dropped = keep_best(extra, plan.counts, settings, embed, kept)
            dropped += extra_dropped
    order = {angle.id: index for index, angle in enumerate(angles)}
    kept.sort(key=lambda c: (order[c.angle.id], c.side != "pro", -c.score))
    statements = [_statement(candidate) for candidate in kept]
    kept_ids = {id(candidate) for candidate in kept}
    judged = [Judged(text=c.text, angle=c.angle.id, side=c.judgement.side, source=c.ask.passage.sentence,
                     features={name: round(value, 4) for name, value in c.judgement.features.items()},
                     score=round(c.score, 4), kept=id(c) in kept_ids)
              for c in all_candidates if c.judgement is not None and c.judgement.scored]
    report = GenerationReport(attempts=attempts, dropped=dropped, kept=len(statements), judged=judged)
    if not pool.passages:  # one note on why, not one per angle
        from .chunk import MAX_SENTENCE_CHARS

        return GenerationResult(statements, report, [said("no-passages", sentences=pool.sentences_read,
                                                          most=MAX_SENTENCE_CHARS, command="polis-seed chunks --text")])
    return GenerationResult(statements, report, angle_notes(asked_for, plan, plan.asks + more, kept))

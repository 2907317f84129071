"""The core behind `generate` and `run`: prepare the inputs, choose the strategy, run the stages in order,
name and write the outputs once, and return one result object. Commands only parse flags and print.

load → (redact) → chunk → [discover angles] → generate (sentence or document strategy) → [dedupe] → export
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .io.files import atomic_write_text
from .language.redaction import mask_personal_data
from .language.text import detect_language
from .models import Angle, Attempt, Chunk, Document, GenerationReport, Language, Reason, Statement, cell_counts
from .plan import DedupeSettings, OutputSet, RunPlan, StrategyChoice
from .prompts import DiscussPrompt, DistilPrompt, load_generate_prompt, load_prompt
from .providers.base import PendingAnswer, Provider, ProviderError
from .providers.costs import TokenUse, estimate_input_tokens, estimate_prefix_tokens, load_price_table
from .providers.registry import ResolvedProvider
from .rules import Topic
from .stages.chunk import chunk_documents
from .stages.load import load_documents
from .language.embeddings import embedder_for

MIN_DISCOVERED_ANGLES = 3
DISCOVERED_ANGLES_ASKED = 6


class Events:
    """What the pipeline tells the person watching while it runs. The CLI prints these; tests and
    scripts can ignore them."""

    def warning(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def angles_discovered(self, angles: list[Angle], saved_to: Path | None) -> None: ...

    def step(self, name: str) -> None: ...

    def requests_planned(self, count: int, checks_per_request: int = 0) -> None:
        """The step now running makes `count` requests (each followed by `checks_per_request` checks)."""

    def request_done(self, attempt: Attempt) -> None: ...


@dataclass
class Prepared:
    documents: list[Document]
    chunks: list[Chunk]
    angles: list[Angle]
    language: Language
    warnings: list[str]
    masked: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # how files were read, when nothing needs doing about it


def prepare(paths: list[Path], plan: RunPlan) -> Prepared:
    """load → (mask personal data) → chunk, plus the angles and the language: everything before the model."""
    loaded = load_documents(paths, strict=plan.strict, column=plan.column)
    angles = plan.angles
    documents = loaded.documents
    masked: dict[str, int] = {}
    if plan.redact:
        documents = []
        for document in loaded.documents:
            text, counts = mask_personal_data(document.text)
            documents.append(document.model_copy(update={"text": text}))
            for kind, count in counts.items():
                masked[kind] = masked.get(kind, 0) + count
    language = plan.language or detect_language("\n".join(document.text for document in documents))
    return Prepared(documents, chunk_documents(documents), angles, language, loaded.warnings, masked, loaded.notes)


def sentence_settings(prepared: Prepared, plan: RunPlan, topic: Topic | None = None, stance=None, judge=None):
    from .stages.generate import GenerateSettings

    # A capable model writes one statement per sentence; a small one several, and the judge keeps the best.
    return GenerateSettings(language=prepared.language, max_chars=plan.max_chars, max_chars_given=plan.max_chars_given,
                            per_angle=plan.per_angle,
                            concurrency=plan.provider.concurrency, topic=topic, stance=stance, judge=judge,
                            candidates=1 if plan.strategy.capable else 3)


def document_settings(prepared: Prepared, plan: RunPlan, topic: Topic | None = None):
    from .stages.document import DocumentSettings

    return DocumentSettings(language=prepared.language, max_chars=plan.max_chars, max_chars_given=plan.max_chars_given,
                            count=plan.count or plan.per_angle * len(prepared.angles),
                            context_tokens=plan.context_tokens, output_tokens=plan.output_tokens, topic=topic,
                            concurrency=plan.provider.concurrency, fill_from_knowledge=plan.fill_from_knowledge)


@dataclass
class DiscoveryOutcome:
    found: list[Angle]
    angles: list[Angle]
    topped_up: bool
    attempts: list[Attempt]


def discover(prepared: Prepared, provider: Provider, events: Events) -> DiscoveryOutcome:
    """The documents' own axes of disagreement; too few are topped up with the configured angles."""
    from .stages.discover import discover_angles

    discovery = discover_angles(prepared.chunks, provider, prepared.language, DISCOVERED_ANGLES_ASKED,
                                on_attempt=events.request_done)
    angles = discovery.angles
    topped_up = len(angles) < MIN_DISCOVERED_ANGLES
    if topped_up:
        known = {angle.id for angle in angles}
        angles = angles + [angle for angle in prepared.angles if angle.id not in known]
    return DiscoveryOutcome(discovery.angles, angles, topped_up, discovery.attempts)


class Steps:
    """The steps of a run in order, each with the most rounds it can take (its attempts) and whether it takes one
    when every answer passes its checks (a fix step does not). The requests of a step are asked together, so a
    batch run's rounds follow the steps: the round count is bounded by them."""

    def __init__(self, planned: list[tuple[str, int] | tuple[str, int, bool]],
                 on_enter: Callable[[str], None] | None = None):
        self.planned = [(step[0], step[1], step[2] if len(step) > 2 else True) for step in planned]
        self.current = self.planned[0][0] if self.planned else ""
        self.on_enter = on_enter  # the progress shown per step (Events.step)

    def enter(self, name: str) -> None:
        self.current = name
        if self.on_enter is not None:
            self.on_enter(name)

    @property
    def at_most(self) -> int:
        return sum(rounds for _, rounds, _ in self.planned)

    @property
    def usually(self) -> int:
        return sum(1 for _, _, usual in self.planned if usual)

    def after_current(self) -> tuple[int, int]:
        """(at most, usually) the rounds still to come after the current one."""
        names = [name for name, _, _ in self.planned]
        if self.current not in names:
            return 0, 0
        index = names.index(self.current)
        later = self.planned[index + 1:]
        return (sum(rounds for _, rounds, _ in later) + self.planned[index][1] - 1,
                sum(1 for _, _, usual in later if usual))


def planned_steps(plan: RunPlan, reading=None) -> Steps:
    """The steps of this plan's strategy, with the attempts each may take; `reading` (the document strategy's
    DocumentPlan) says whether the documents are read in one request or in groups."""
    subject = [] if plan.topic else ["subject"]
    if plan.strategy.strategy == "document":
        from .stages.document import MERGE_LEVELS, merge_step

        one = reading is None or reading.one_request
        steps: list = []
        if plan.discover_angles:
            steps.append((" and ".join(([] if one else subject) + ["angles"]), 2))
            subject = []
        if one:
            steps.append(("claims and list" if plan.discover_angles or plan.topic else "subject, claims and list", 2))
        else:
            steps.append((" and ".join(subject + ["claims"]), 2))
            if reading is not None:
                steps += [(merge_step(level), 1) for level in range(min(MERGE_LEVELS, reading.merge_levels))]
            steps.append(("distil", 2))
        if plan.stance_check:
            steps += [("side check and fixes", 1), ("fixes and side check of the fixes", 1, False),
                      ("side check of the last fixes", 1, False)]
        else:
            steps += [("fixes", 1, False)]
    else:
        from .stages.generate import SENTENCE_STEPS

        first = subject + (["angles"] if plan.discover_angles else [])
        steps = ([(" and ".join(first), 2)] if first else []) + SENTENCE_STEPS(plan.stance_check)
    if plan.dedupe and plan.dedupe.needs_model:
        from .stages.judge import JUDGE_ATTEMPTS

        # The document strategy asks the judge with the side check; a step of its own only for what is left.
        steps.append(("judging near duplicates", JUDGE_ATTEMPTS, plan.strategy.strategy != "document"))
    return Steps(steps)


@dataclass
class Generated:
    statements: list[Statement]
    report: GenerationReport
    notes: list[Reason]
    angles: list[Angle] | None = None  # the angles the run really used
    topic: Topic | None = None
    discovery: DiscoveryOutcome | None = None
    evidence: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # see cell_evidence


def cell_evidence(prepared: Prepared, angles: list[Angle], topic: Topic | None, embed, pool=None) -> dict:
    """Angle id → side → the passages that speak to that cell (stages/select.py evidence_for), each with its
    document and the sentences around it: what report.html and the review page show for a cell no statement
    fills, kept in report.json so they need no model. `pool`: the run's sentence pool, when it has one."""
    from .stages.select import SentencePool, evidence_for, in_context

    pool = pool or SentencePool.build(prepared.chunks, prepared.documents, embed)
    documents = {document.id: document for document in prepared.documents}
    chunks = {chunk.id: chunk for chunk in prepared.chunks}
    found = evidence_for(angles, pool, embed, prepared.language, topic.name if topic else None)
    evidence: dict[str, dict[str, list[dict]]] = {}
    for angle_id, sides in found.items():
        for side, passages in sides.items():
            cell = evidence.setdefault(angle_id, {}).setdefault(side, [])
            for passage in passages:
                before, after = in_context(passage, chunks)
                document = documents.get(passage.document_id)
                cell.append({"text": passage.sentence, "document_id": passage.document_id, "path": passage.path,
                             "title": document.title if document else "", "chunk_id": passage.chunk_id,
                             "before": before, "after": after, "score": round(passage.relevance, 4)})
    return evidence


def side_reader(plan: RunPlan, provider: Provider, topic: Topic, language: Language, embed, events: Events):
    """The side check the model suits: one list request for a capable model, two yes/no questions per
    statement (with token probabilities and an embedding margin) for a small one."""
    from .prompts import load_system_user_prompt
    from .stages.stance import ListSideCheck, StanceChecker

    if plan.strategy.capable:
        return ListSideCheck(provider, load_system_user_prompt("sides.yaml"), topic, language,
                             on_attempt=events.request_done, concurrency=plan.provider.concurrency,
                             on_planned=events.requests_planned)
    return StanceChecker(provider, embed, topic, language, load_system_user_prompt("stance.yaml"),
                         on_attempt=events.request_done, concurrency=plan.provider.concurrency,
                         on_planned=events.requests_planned)


def generate(prepared: Prepared, provider: Provider, plan: RunPlan, events: Events, embed, steps: Steps,
             alongside=None, reading=None) -> Generated:
    """The subject (unless given), the angles (with --discover-angles), and the statements by the chosen
    strategy, step by step. PendingAnswer when a batch round waits."""
    from .stages.ask import ask_together
    from .stages.topic import find_topic

    def subject():
        return find_topic(prepared.documents, prepared.language, provider, events.request_done, given=plan.topic)

    def angles():
        return discover(prepared, provider, events) if plan.discover_angles else None

    if plan.strategy.strategy == "document":
        return _generate_documents(prepared, provider, plan, events, embed, steps, subject, angles, alongside,
                                   reading)
    from .stages.generate import generate_statements, plan_asks
    from .stages.select import SentencePool
    from .stages.usability import UsabilityJudge

    (topic, topic_attempts), discovery = ask_together([subject, angles], 2)
    events.info(f"subject: {topic.name}" + (f" (key terms: {', '.join(topic.terms)})" if topic.terms else ""))
    if discovery is not None:
        prepared = dataclasses.replace(prepared, angles=discovery.angles)
    reader = side_reader(plan, provider, topic, prepared.language, embed, events) if plan.stance_check else None
    judge = None if plan.strategy.capable else UsabilityJudge(topic)
    options = sentence_settings(prepared, plan, topic, reader, judge)
    pool = SentencePool.build(prepared.chunks, prepared.documents, embed)
    planned = plan_asks(pool, prepared.angles, options, embed)
    result = generate_statements(pool, prepared.angles, provider, load_generate_prompt(plan.strategy.sentence_prompt),
                                 options, embed, on_attempt=events.request_done, on_step=steps.enter,
                                 on_planned=events.requests_planned)
    used = [angle for angle in prepared.angles if angle.id not in planned.unmatched]
    attempts = topic_attempts + (discovery.attempts if discovery else []) + result.report.attempts \
        + (reader.attempts if reader else [])
    report = GenerationReport(attempts=attempts, dropped=result.report.dropped, kept=result.report.kept,
                              judged=result.report.judged)
    evidence = cell_evidence(prepared, used, topic, embed, pool)
    return Generated(result.statements, report, result.notes, used, topic, discovery, evidence)


def document_prompts():
    from .prompts import WritePrompt
    from .stages.document import Prompts

    return Prompts(load_prompt("write.yaml", WritePrompt), load_prompt("discuss.yaml", DiscussPrompt),
                   load_prompt("distil.yaml", DistilPrompt))


def document_reading(prepared: Prepared, plan: RunPlan):
    """How the document strategy will read these documents: in one request, or in groups."""
    from .stages.document import plan_reading

    return plan_reading(prepared.documents, prepared.chunks, prepared.angles, document_prompts(),
                        document_settings(prepared, plan))


def _generate_documents(prepared: Prepared, provider: Provider, plan: RunPlan, events: Events, embed, steps: Steps,
                        subject, angles, alongside, reading) -> Generated:
    """The document strategy: the angles first with --discover-angles, then the list (stages/document.py)."""
    from .stages.ask import ask_together
    from .stages.claims import dedupe_same_as
    from .stages.document import SUBJECTS, side_topic, write_document_list
    from .stages.topic import topic_of_subjects

    options = document_settings(prepared, plan)
    prompts = document_prompts()
    events.requests_planned(0)
    discovery = None
    topic_attempts: list[Attempt] = []
    if plan.topic:
        topic, _ = subject()
        options = dataclasses.replace(options, topic=topic)
    if plan.discover_angles:
        one = reading is None or reading.one_request
        calls = [angles] + ([] if one or plan.topic else [subject])
        results = ask_together(calls, 2)
        discovery = results[0]
        prepared = dataclasses.replace(prepared, angles=discovery.angles)
        if len(results) > 1:
            topic, topic_attempts = results[1]
            options = dataclasses.replace(options, topic=topic)
        reading = None  # planned again for the angles found
        names = [name for name, _, _ in steps.planned]
        if steps.current in names and names.index(steps.current) + 1 < len(names):
            steps.enter(names[names.index(steps.current) + 1])  # the claims, after the angles
    readers: list = []

    def reader_for(topic: Topic, subjects: list[str]):
        if not plan.stance_check:
            return None
        reader = side_reader(plan, provider, side_topic(topic, subjects, prepared.language), prepared.language, embed,
                             events)
        readers.append(reader)
        return reader

    result = write_document_list(
        prepared.documents, prepared.chunks, prepared.angles, provider, prompts, options,
        find_topic=subject, topic_from=lambda subjects: topic_of_subjects(prepared.documents, prepared.language,
                                                                            subjects),
        side_reader_for=reader_for, same_as=dedupe_same_as(embed), alongside=alongside,
        on_attempt=events.request_done, on_step=steps.enter, on_planned=events.requests_planned, reading=reading)
    topic = result.topic
    if topic is not None:
        shown = "; ".join(result.subjects[:SUBJECTS]) if len(result.subjects) > 1 else topic.name
        events.info(("subjects: " if len(result.subjects) > 1 else "subject: ") + shown
                    + (f" (key terms: {', '.join(topic.terms)})" if topic.terms else ""))
    attempts = topic_attempts + (discovery.attempts if discovery else []) + result.report.attempts \
        + [attempt for reader in readers for attempt in reader.attempts]
    report = GenerationReport(attempts=attempts, dropped=result.report.dropped, kept=result.report.kept)
    evidence = cell_evidence(prepared, angles_with_an_empty_side(result.statements, prepared.angles), topic, embed)
    return Generated(result.statements, report, result.notes, None, topic, discovery, evidence)


def angles_with_an_empty_side(statements: list[Statement], angles: list[Angle]) -> list[Angle]:
    """The angles a side of which no statement counts on: the only ones whose evidence the report shows (finding
    passages embeds every sentence, which a folder of thousands of comments should not pay for a full grid)."""
    cells = cell_counts(statements)
    return [angle for angle in angles if not (cells[(angle.id, "pro")] and cells[(angle.id, "con")])]


def usage_of(provider: ResolvedProvider, report: GenerationReport, seconds: float) -> dict[str, Any]:
    model = provider.model
    prices = load_price_table()
    use = TokenUse(input=report.prompt_tokens, output=report.completion_tokens,
                   cached_input=report.cached_input_tokens, cache_write=report.cache_write_tokens)
    cost = 0.0 if not provider.hosted else prices.cost(provider.price_model, use)
    return {"provider": provider.name, "model": model, "model_calls": report.calls_made,
            "answered_from_cache": report.cached_responses, "input_tokens": report.prompt_tokens,
            "cached_input_tokens": report.cached_input_tokens, "cache_write_tokens": report.cache_write_tokens,
            "output_tokens": report.completion_tokens, "usd": None if cost is None else round(cost, 6),
            "price_table_as_of": prices.as_of, "seconds": round(seconds, 1)}


@dataclass
class PipelineResult:
    prepared: Prepared
    choice: StrategyChoice
    statements: list[Statement]
    report: GenerationReport
    notes: list[Reason]
    usage: dict[str, Any]
    outputs: OutputSet
    discovery: DiscoveryOutcome | None = None
    deduped: Any = None  # DedupeResult when the run deduplicated
    quality: dict | None = None
    batch_round: Any = None  # batch.rounds.BatchRound when the run stopped to wait for answers
    ingested: list = field(default_factory=list)
    topic: Topic | None = None
    evidence: dict = field(default_factory=dict)  # cell_evidence: angle → side → passages
    checks: dict = field(default_factory=dict)  # what rules.run_context needs besides the topic: a typed statement's
    # checks in the review page
    # A batch run that wrote its outputs: the rounds of request files it took, and the most its strategy may take.
    batch_rounds: tuple[int, int] | None = None

    @property
    def exported(self) -> list[Statement]:
        return self.deduped.kept if self.deduped is not None else self.statements


def report_json(result: PipelineResult) -> str:
    """Everything a reader of the run needs besides the statement files: how it ran, what was dropped and
    why, the angles, the documents, the passages the statements were written from (for report.html), the
    passages that speak to each angle and side (`evidence`, for the cells no statement fills) and what a statement
    typed in the review page is checked against (`checks` and the topic's vocabulary)."""
    used = {statement.chunk_id for statement in result.statements if statement.chunk_id}
    return json.dumps({"strategy": result.choice.strategy, "strategy_reason": result.choice.reason,
                       "language": result.prepared.language,
                       "topic": {"name": result.topic.name, "terms": list(result.topic.terms),
                                 "vocabulary": result.topic.vocabulary} if result.topic else None,
                       "checks": result.checks,
                       "report": result.report.model_dump(), "drop_counts": result.report.drop_counts(),
                       "notes": [note.text() for note in result.notes],
                       "notes_why": [note.model_dump() for note in result.notes], "usage": result.usage,
                       "angles": [angle.model_dump() for angle in result.prepared.angles],
                       "documents": [{"id": d.id, "path": d.path, "title": d.title, "characters": len(d.text)}
                                     for d in result.prepared.documents],
                       "passages": {chunk.id: chunk.text for chunk in result.prepared.chunks if chunk.id in used},
                       "evidence": result.evidence},
                      ensure_ascii=False, indent=2) + "\n"


def run_pipeline(paths: list[Path], plan: RunPlan, events: Events | None = None) -> PipelineResult:
    """Everything `generate` (plan.dedupe None) and `run` do; outputs written at the end, or, when a batch
    round waits for answers, nothing written but the round's request file."""
    events = events or Events()
    started = time.monotonic()
    choice = plan.strategy
    provider_plan = plan.provider
    batch = _open_batch(plan)
    prepared = prepare(paths, plan)
    for warning in prepared.warnings:
        events.warning(warning)
    for note in prepared.notes:
        events.info(note)
    ingested = batch.collect_and_ingest(events) if batch else []
    events.info(f"{len(prepared.documents)} documents, {len(prepared.chunks)} chunks, {len(prepared.angles)} angles, "
                f"language {prepared.language}; strategy {choice.strategy} ({choice.reason}); "
                + ("batch files, no model is called…" if batch else f"starting the {provider_plan.name} model…"))
    if plan.redact:
        events.info("redact: masked " + ", ".join(f"{count} {kind}" for kind, count in prepared.masked.items()))
    queue = batch.queue() if batch else None
    reading = document_reading(prepared, plan) if choice.strategy == "document" and not plan.discover_angles else None
    steps = planned_steps(plan, reading)
    steps.on_enter = events.step
    if steps.current:
        events.step(steps.current)
    embed = embedder_for(plan.cache_dir)
    try:
        with provider_plan.open(plan.cache_dir, debug=plan.debug, batch_queue=queue) as provider:
            def batch_round() -> PipelineResult:
                """A batch round: nothing is written but the round's request file."""
                usage = usage_of(provider_plan, GenerationReport(), time.monotonic() - started)
                waiting = PipelineResult(prepared, choice, [], GenerationReport(), [], usage, plan.outputs,
                                         ingested=ingested)
                waiting.batch_round = batch.write_round(queue, plan.submit_batch)
                more, usually = steps.after_current()
                waiting.batch_round.step, waiting.batch_round.more_at_most, waiting.batch_round.more_usually = (
                    steps.current, more, usually)
                waiting.batch_round.planned_at_most = steps.at_most
                waiting.batch_round.ingested = ingested
                return waiting

            judge = remembering_judge(provider) if plan.dedupe and plan.dedupe.needs_model else None
            alongside = judge_alongside(plan.dedupe, provider, embed, judge) if judge is not None else None
            try:
                generated = generate(prepared, provider, plan, events, embed, steps, alongside, reading)
            except PendingAnswer:
                return batch_round()
            if queue is not None and queue.waiting:
                return batch_round()
            discovery = generated.discovery
            if discovery is not None:
                prepared = dataclasses.replace(prepared, angles=discovery.angles)
                if discovery.topped_up:
                    events.warning(f"--discover-angles: the model proposed {len(discovery.found)} usable axes "
                                   "(keywords found in the documents, two different sides); adding the configured "
                                   "angles after them")
                atomic_write_text(plan.outputs.angles, yaml.safe_dump(
                    {"angles": [a.model_dump() for a in discovery.angles]}, allow_unicode=True, sort_keys=False))
                events.angles_discovered(discovery.angles, plan.outputs.angles)
            if generated.angles is not None and len(generated.angles) < len(prepared.angles):
                prepared = dataclasses.replace(prepared, angles=generated.angles)
            deduped = None
            if plan.dedupe:
                steps.enter("judging near duplicates")
                try:
                    deduped = with_support_joined(deduplicate(generated.statements, plan.dedupe, provider=provider,
                                                              embed=embed, judge=judge), generated.statements)
                except PendingAnswer:  # the llm tier's requests wait in this batch round, all of them queued
                    return batch_round()
    finally:
        embed.close()
    usage = usage_of(provider_plan, generated.report, time.monotonic() - started)
    result = PipelineResult(prepared, choice, generated.statements, generated.report, generated.notes, usage,
                            plan.outputs, discovery, deduped, ingested=ingested, topic=generated.topic,
                            evidence=generated.evidence,
                            checks={"language": prepared.language, "max_chars": plan.max_chars,
                                    "max_chars_given": plan.max_chars_given},
                            batch_rounds=(len(batch.folder.rounds()), steps.at_most) if batch else None)
    write_outputs(result, plan.max_chars)
    return result


def _open_batch(plan: RunPlan):
    if plan.batch_dir is None:
        return None
    from .batch.submit import BatchRun

    assert plan.cache_dir is not None  # resolve_plan refuses --no-cache with --batch-dir
    return BatchRun(plan.batch_dir, plan.provider, plan.cache_dir)


def write_outputs(result: PipelineResult, max_chars: int) -> None:
    from .stages.quality import quality_report
    from .io.statements import statements_jsonl
    from .stages.export import merge_report_csv, polis_csv

    outputs = result.outputs
    atomic_write_text(outputs.statements, statements_jsonl(result.statements))
    atomic_write_text(outputs.report, report_json(result))
    if result.deduped is None:
        return
    result.quality = quality_report(result.statements, result.deduped.kept, result.report, result.prepared.documents,
                                    result.prepared.angles, max_chars)
    atomic_write_text(outputs.quality, json.dumps(result.quality, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(outputs.deduped, statements_jsonl(result.deduped.kept))
    atomic_write_text(outputs.merges, merge_report_csv(result.deduped.merges + result.deduped.near_misses))
    atomic_write_text(outputs.usage, json.dumps(result.usage, indent=2) + "\n")
    atomic_write_text(outputs.polis, polis_csv(result.deduped.kept))
    if outputs.report_html is not None:
        from .review.report import load_run, render_report

        atomic_write_text(outputs.report_html, render_report(load_run(outputs.report_html.parent)))


class RememberingJudge:
    """dedupe's llm judge, asked about each pair once per run: the document strategy asks it with the list's side
    check (judge_alongside), and the run's dedupe then finds those pairs judged. A pair still waiting for a batch
    answer is asked again when it is next needed."""

    def __init__(self, judge):
        self.judge = judge
        self.verdicts: dict[tuple[str, str], bool] = {}

    @property
    def attempts(self):
        return getattr(self.judge, "attempts", [])

    @property
    def requests(self) -> int:
        """The requests the judge sent in this run (llm_judge counts them; deduplicate reports them)."""
        return getattr(self.judge, "requests", 0)

    @property
    def pairs(self) -> int:
        return getattr(self.judge, "pairs", 0)

    def __call__(self, pairs: list[tuple[str, str]]) -> list[bool]:
        new = [pair for pair in dict.fromkeys(pairs) if pair not in self.verdicts]
        if new:
            self.verdicts.update(zip(new, self.judge(new)))
        return [self.verdicts[pair] for pair in pairs]


def remembering_judge(provider: Provider) -> RememberingJudge:
    from .stages.judge import llm_judge

    return RememberingJudge(llm_judge(provider))


def judge_alongside(settings: DedupeSettings, provider: Provider, embed, judge: RememberingJudge):
    """The seam between the document strategy's rounds and dedupe's judge: given the statements the list may end
    with, the calls that ask the judge about their near misses in the same round as the side check. A call whose
    requests wait for a batch answer does not hold the list back: its requests are in the round all the same."""

    def calls(statements: list[Statement]) -> list[Callable[[], object]]:
        def ask_judge() -> None:
            try:
                deduplicate(statements, settings, provider=provider, embed=embed, judge=judge)
            except PendingAnswer:
                return None
            return None

        return [ask_judge]

    return calls


def with_support_joined(deduped, statements: list[Statement]):
    """A kept statement holds the support of every statement it absorbed (the same claim, held by them all)."""
    members: dict[int, list[int]] = {}
    for index, leader in deduped.leader_of.items():
        if index != leader:
            members.setdefault(leader, []).append(index)
    if not members or not any(statement.support for statement in statements):
        return deduped
    by_id = {statement.id: index for index, statement in enumerate(statements)}
    kept = []
    for statement in deduped.kept:
        index = by_id.get(statement.id)
        absorbed = [statements[i].support for i in members.get(index, []) if statements[i].support]
        if statement.support and absorbed:
            holders = {(h.document_id, h.row): h for s in [statement.support, *absorbed] for h in s.holders}
            support = statement.support.model_copy(update={
                "holders": list(holders.values()), "count": len(holders),
                "documents": len({h.document_id for h in holders.values()})})
            statement = statement.model_copy(update={"support": support})
        kept.append(statement)
    return dataclasses.replace(deduped, kept=kept)


def deduplicate(statements: list[Statement], settings: DedupeSettings, against: list[Statement] | None = None,
                provider: Provider | None = None, on_progress: Callable[[int, int], None] | None = None,
                embed=None, judge=None):
    """dedupe with the configured tiers; the llm tier judges through `provider`, which it requires (or `judge`, the
    run's remembering judge). `embed` is the run's cached embedder (a list command embeds afresh)."""
    from .language.embeddings import CachedEmbedder
    from .stages.dedupe import DedupeOptions, dedupe_statements

    if settings.needs_model and judge is None:
        if provider is None:
            raise InputError("--tiers llm: the llm tier needs a model; give --provider (and --model / --base-url), "
                             "or leave llm out of --tiers")
        from .stages.judge import llm_judge

        judge = llm_judge(provider)
    options = DedupeOptions(tiers=list(settings.tiers), fuzzy_threshold=settings.fuzzy_threshold,
                            semantic_threshold=settings.semantic_threshold)
    uses_embeddings = "semantic" in settings.tiers or "llm" in settings.tiers
    try:
        result = dedupe_statements(statements, options, against=against,
                                   embed=(embed or CachedEmbedder()) if uses_embeddings else None, judge=judge)
    except PendingAnswer as waiting:  # a batch round: say how many pairs wait in how many requests
        waiting.judge_requests, waiting.judge_pairs = judge.requests, judge.pairs
        raise
    if judge is not None:
        result.judge_requests, result.judge_pairs = judge.requests, judge.pairs
    return result


@dataclass
class DryRunPlan:
    provider: str
    model: str
    strategy: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost: float | None
    batch_cost: float | None
    counted_by: str
    price_table_as_of: str
    notes: list[str] = field(default_factory=list)
    rounds: tuple[int, int] | None = None  # (at most, when every answer passes) batch rounds, document strategy


def _planned(prepared: Prepared, plan: RunPlan):
    """(first round's requests, cached prefix tokens, expected output tokens, later input tokens, notes, later
    requests, (rounds at most, usually)) of the first attempt of everything."""
    choice = plan.strategy
    if choice.strategy == "document":
        from .stages.document import dry_plan

        options = document_settings(prepared, plan)
        reading = document_reading(prepared, plan)
        planned = dry_plan(prepared.documents, prepared.chunks, prepared.angles, document_prompts(), options,
                           plan.stance_check, reading)
        steps = planned_steps(plan, reading)
        requests = planned.first
        # Every request after the first with the same documents finds them in the provider's prompt cache.
        prefixes = [next((m.content for m in r.messages if m.cache_breakpoint), None) for r in requests]
        cached = sum(estimate_prefix_tokens(request) for index, request in enumerate(requests)
                     if prefixes[index] is not None and prefixes[index] in prefixes[:index])
        output = sum(request.max_tokens // 2 for request in requests) + planned.later_output
        topic = 0 if plan.topic or all(r.schema_name == "Written" for r in requests) else 1
        rounds = (steps.at_most, steps.usually)
        notes = planned.notes + [f"the largest request takes {planned.largest:,} tokens with its longest answer "
                                 f"(the window: {options.context_tokens:,})"]
        return requests, cached, output, planned.later_input, notes, planned.later_requests + topic, rounds
    from .stages.generate import plan_asks, planned_requests
    from .stages.select import SentencePool
    from .stages.topic import find_topic

    topic, _ = find_topic(prepared.documents, prepared.language, None, given=plan.topic)
    options = sentence_settings(prepared, plan, topic)
    embed = embedder_for(plan.cache_dir)
    try:
        asks = plan_asks(SentencePool.build(prepared.chunks, prepared.documents, embed), prepared.angles, options, embed)
    finally:
        embed.close()
    requests = planned_requests(asks, load_generate_prompt(choice.sentence_prompt), options)
    notes = ["plus 1 request to name the documents' subject"]
    candidates = len(requests) * options.candidates
    if plan.strategy.capable:
        if plan.stance_check:
            notes.append("plus 1 request to check the side of every statement")
    else:
        if plan.stance_check:
            notes.append(f"plus up to {2 * candidates} short requests to check the side of the {candidates} candidates "
                         "(fewer: a candidate that breaks a rule is not checked), and a second round for sides left empty")
    return requests, 0, candidates * (20 + options.target_chars), 0, notes, 0, None


def plan_dry_run(paths: list[Path], plan: RunPlan) -> DryRunPlan:
    """The first attempt of every request a run would make, counted and priced; no model is called."""
    choice = plan.strategy
    prepared = prepare(paths, plan)
    provider = plan.provider
    model = provider.model
    notes = [f"strategy {choice.strategy}: {choice.reason}"]
    extra_requests, extra_input, extra_output = 0, 0, 0
    if plan.discover_angles:
        from .stages.discover import discovery_request

        request = discovery_request(prepared.chunks, prepared.language, DISCOVERED_ANGLES_ASKED)
        if request is not None:
            extra_requests, extra_input, extra_output = 1, estimate_input_tokens(request), request.max_tokens // 2
        notes.append(f"--discover-angles: 1 request to find the axes; the statement requests are estimated for "
                     f"the configured angles ({len(prepared.angles)}), as the axes are not known before the model "
                     "answers")
    requests, cached, output_tokens, distil_input, strategy_notes, later, rounds = _planned(prepared, plan)
    notes += strategy_notes
    input_tokens = sum(estimate_input_tokens(request) for request in requests) + extra_input + distil_input
    counted_by = "tiktoken o200k_base"
    if provider.spec.count_tokens is not None:
        counter, name = provider.spec.count_tokens(provider)
        try:
            input_tokens = sum(counter(request) for request in requests) + extra_input + distil_input
            counted_by = name
        except ProviderError:
            counted_by = f"tiktoken o200k_base (estimate: {name} not reachable)"
    output_tokens += extra_output
    prices = load_price_table()
    cache_writes = 0
    if provider.spec.bills_cache_writes and cached:
        # The first request of each group writes the prefix to the cache (billed above the input price).
        cache_writes = sum(estimate_prefix_tokens(r) for r in requests) - cached
    use = TokenUse(input=input_tokens - cached - cache_writes, output=output_tokens, cached_input=cached,
                   cache_write=cache_writes)
    cost = 0.0 if not provider.hosted else prices.cost(provider.price_model, use)
    batch_cost = 0.0 if not provider.hosted else prices.cost(provider.price_model, use, batch=True)
    notes.append("first attempts only: re-asks of rejected statements add up to 2× more; a cached request costs nothing")
    return DryRunPlan(provider.name, model, choice.strategy, len(requests) + extra_requests + later,
                      input_tokens, cached, output_tokens, cost, batch_cost, counted_by, prices.as_of, notes,
                      rounds)

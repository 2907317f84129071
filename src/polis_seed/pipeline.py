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

from .config import Settings
from .providers.costs import TokenUse, estimate_input_tokens, estimate_prefix_tokens, load_price_table
from .errors import InputError
from .io.files import atomic_write_text
from .models import Angle, Attempt, Chunk, Document, GenerationReport, Language, Statement
from .prompts import DiscussPrompt, DistilPrompt, load_angles, load_generate_prompt, load_prompt
from .providers.base import Provider, ProviderError
from .providers.registry import check_provider_settings, open_provider, provider_spec
from .language.redaction import mask_personal_data
from .rules import Topic
from .stages.ask import PendingAnswer
from .stages.chunk import chunk_documents
from .stages.load import load_documents
from .strategy import StrategyChoice, choose_strategy
from .language.text import detect_language

MIN_DISCOVERED_ANGLES = 3
DISCOVERED_ANGLES_ASKED = 6


class Events:
    """What the pipeline tells the person watching while it runs. The CLI prints these; tests and
    scripts can ignore them."""

    def warning(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def angles_discovered(self, angles: list[Angle], saved_to: Path | None) -> None: ...

    def requests_planned(self, count: int, checks_per_request: int = 0) -> None: ...

    def request_done(self, attempt: Attempt) -> None: ...


@dataclass(frozen=True)
class OutputSet:
    """Every file a command writes, named in one place."""

    statements: Path
    report: Path
    angles: Path
    deduped: Path | None = None
    merges: Path | None = None
    polis: Path | None = None
    usage: Path | None = None
    quality: Path | None = None
    report_html: Path | None = None

    @classmethod
    def for_run(cls, directory: Path) -> OutputSet:
        return cls(statements=directory / "statements.jsonl", report=directory / "report.json",
                   angles=directory / "angles.yaml", deduped=directory / "deduped.jsonl",
                   merges=directory / "merges.csv", polis=directory / "polis.csv", usage=directory / "usage.json",
                   quality=directory / "quality.json", report_html=directory / "report.html")

    @classmethod
    def for_generate(cls, statements: Path) -> OutputSet:
        return cls(statements=statements, report=statements.with_name(statements.stem + ".report.json"),
                   angles=statements.with_name(statements.stem + ".angles.yaml"))

    def written(self) -> list[Path]:
        return [path for path in dataclasses.astuple(self) if path is not None and path != self.angles]


@dataclass
class Prepared:
    documents: list[Document]
    chunks: list[Chunk]
    angles: list[Angle]
    language: Language
    warnings: list[str]
    masked: dict[str, int] = field(default_factory=dict)


def prepare(paths: list[Path], settings: Settings, strict: bool = False) -> Prepared:
    """load → (mask personal data) → chunk, plus the angles and the language: everything before the model."""
    loaded = load_documents(paths, strict=strict)
    angles = load_angles(settings.angles)
    documents = loaded.documents
    masked: dict[str, int] = {}
    if settings.redact:
        documents = []
        for document in loaded.documents:
            text, counts = mask_personal_data(document.text)
            documents.append(document.model_copy(update={"text": text}))
            for kind, count in counts.items():
                masked[kind] = masked.get(kind, 0) + count
    language = settings.lang or detect_language("\n".join(document.text for document in documents))
    return Prepared(documents, chunk_documents(documents), angles, language, loaded.warnings, masked)


def sentence_settings(prepared: Prepared, settings: Settings, topic: Topic | None = None, stance=None):
    from .stages.generate import GenerateSettings

    return GenerateSettings(language=prepared.language, max_chars=settings.max_chars, per_angle=settings.per_angle,
                            concurrency=settings.effective_concurrency(), topic=topic, stance=stance)


def document_settings(prepared: Prepared, settings: Settings, choice: StrategyChoice, topic: Topic | None = None):
    from .stages.document import DocumentSettings

    context = choice.context_tokens or provider_spec(settings.provider).default_context_tokens or 8192
    return DocumentSettings(language=prepared.language, max_chars=settings.max_chars,
                            count=settings.count or settings.per_angle * len(prepared.angles), context_tokens=context,
                            topic=topic)


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


@dataclass
class Generated:
    statements: list[Statement]
    report: GenerationReport
    notes: list[str]
    pending: int = 0
    angles: list[Angle] | None = None  # the angles the run really used


def generate(prepared: Prepared, provider: Provider, settings: Settings, choice: StrategyChoice, events: Events,
             topic: Topic | None = None, stance=None) -> Generated:
    """Statements by the chosen strategy."""
    from .language.embeddings import e5_embed

    if choice.strategy == "document":
        from .stages.document import generate_from_documents

        options = document_settings(prepared, settings, choice, topic)
        events.requests_planned(0)
        result = generate_from_documents(
            prepared.documents, prepared.chunks, prepared.angles, provider, load_prompt("discuss.yaml", DiscussPrompt),
            load_prompt("distil.yaml", DistilPrompt), options, stance_check=stance.disagreement if stance else None,
            on_attempt=events.request_done)
        return Generated(result.statements, result.report, result.notes, result.pending)
    from .stages.generate import generate_statements, plan_slots
    from .stages.select import SentencePool

    options = sentence_settings(prepared, settings, topic, stance)
    pool = SentencePool.build(prepared.chunks, prepared.documents, e5_embed)
    slots, unmatched = plan_slots(pool, prepared.angles, options, e5_embed)
    events.requests_planned(sum(min(slot.count, len(slot.candidates)) for slot in slots),
                            checks_per_request=2 if stance is not None else 0)
    result = generate_statements(pool, prepared.angles, provider, load_generate_prompt(choice.sentence_prompt),
                                 options, e5_embed, on_attempt=events.request_done)
    used = [angle for angle in prepared.angles if angle.id not in unmatched]
    return Generated(result.statements, result.report, result.notes, result.pending, used)


def usage_of(settings: Settings, report: GenerationReport, seconds: float) -> dict[str, Any]:
    spec = provider_spec(settings.provider)
    model = spec.model(settings)
    prices = load_price_table()
    use = TokenUse(input=report.prompt_tokens, output=report.completion_tokens,
                   cached_input=report.cached_input_tokens, cache_write=report.cache_write_tokens)
    cost = 0.0 if not spec.hosted else prices.cost(model, use)
    return {"provider": settings.provider, "model": model, "model_calls": report.calls_made,
            "answered_from_cache": report.cached_responses, "input_tokens": report.prompt_tokens,
            "cached_input_tokens": report.cached_input_tokens, "cache_write_tokens": report.cache_write_tokens,
            "output_tokens": report.completion_tokens, "usd": None if cost is None else round(cost, 6),
            "price_table_as_of": prices.as_of, "seconds": round(seconds, 1)}


@dataclass
class BatchRound:
    """A batch run that stopped to wait for answers."""

    number: int
    requests: int
    path: Path
    written_now: bool
    ingested: list = field(default_factory=list)


@dataclass
class PipelineResult:
    prepared: Prepared
    choice: StrategyChoice
    statements: list[Statement]
    report: GenerationReport
    notes: list[str]
    usage: dict[str, Any]
    outputs: OutputSet
    discovery: DiscoveryOutcome | None = None
    deduped: Any = None  # DedupeResult when the run deduplicated
    quality: dict | None = None
    batch_round: BatchRound | None = None
    ingested: list = field(default_factory=list)
    topic: Topic | None = None

    @property
    def exported(self) -> list[Statement]:
        return self.deduped.kept if self.deduped is not None else self.statements


def report_json(result: PipelineResult) -> str:
    """Everything a reader of the run needs besides the statement files: how it ran, what was dropped and
    why, the angles, the documents, and the passages the statements were written from (for report.html)."""
    used = {statement.chunk_id for statement in result.statements if statement.chunk_id}
    return json.dumps({"strategy": result.choice.strategy, "strategy_reason": result.choice.reason,
                       "language": result.prepared.language,
                       "topic": {"name": result.topic.name, "terms": list(result.topic.terms)} if result.topic else None,
                       "report": result.report.model_dump(), "drop_counts": result.report.drop_counts(),
                       "notes": result.notes, "usage": result.usage,
                       "angles": [angle.model_dump() for angle in result.prepared.angles],
                       "documents": [{"id": d.id, "path": d.path, "title": d.title, "characters": len(d.text)}
                                     for d in result.prepared.documents],
                       "passages": {chunk.id: chunk.text for chunk in result.prepared.chunks if chunk.id in used}},
                      ensure_ascii=False, indent=2) + "\n"


@dataclass
class RunOptions:
    deduplicate_too: bool = False
    strict: bool = False
    debug: bool = False
    discover_angles: bool = False
    batch_dir: Path | None = None
    submit_batch: bool = False


def run_pipeline(paths: list[Path], settings: Settings, outputs: OutputSet, options: RunOptions,
                 events: Events | None = None) -> PipelineResult:
    """Everything `generate` (deduplicate_too=False) and `run` (True) do; outputs written at the end, or,
    when a batch round waits for answers, nothing written but the round's request file."""
    events = events or Events()
    started = time.monotonic()
    batch = _open_batch(options, settings)
    check_provider_settings(settings, need_key=batch is None or options.submit_batch)
    choice = choose_strategy(settings)
    if settings.provider == "local" and choice.context_tokens:
        settings = settings.model_copy(update={"context_tokens": choice.context_tokens})
    prepared = prepare(paths, settings, strict=options.strict)
    for warning in prepared.warnings:
        events.warning(warning)
    ingested = batch.collect_and_ingest(settings, events) if batch else []
    events.info(f"{len(prepared.documents)} documents, {len(prepared.chunks)} chunks, {len(prepared.angles)} angles, "
                f"language {prepared.language}; strategy {choice.strategy} ({choice.reason}); "
                + ("batch files, no model is called…" if batch else f"starting the {settings.provider} model…"))
    if settings.redact:
        events.info("redact: masked " + ", ".join(f"{count} {kind}" for kind, count in prepared.masked.items()))
    discovery = None
    queue = batch.queue(settings) if batch else None
    empty = GenerationReport()
    topic_attempts: list[Attempt] = []
    topic = None
    stance = None
    with open_provider(settings, debug=options.debug, batch_queue=queue) as provider:
        try:
            from .stages.topic import find_topic

            topic, topic_attempts = find_topic(prepared.documents, prepared.language, provider, events.request_done,
                                               given=settings.topic)
            events.info(f"subject: {topic.name}" + (f" (key terms: {', '.join(topic.terms)})" if topic.terms else ""))
            if options.discover_angles:
                discovery = discover(prepared, provider, events)
                prepared = dataclasses.replace(prepared, angles=discovery.angles)
            if settings.stance_check:
                from .language.embeddings import e5_embed
                from .stages.stance import StanceChecker

                stance = StanceChecker(provider, e5_embed, topic, prepared.language, on_attempt=events.request_done)
            generated = generate(prepared, provider, settings, choice, events, topic, stance)
            if stance is not None:
                generated.statements = stance.label(generated.statements, prepared.angles)
        except PendingAnswer:
            generated = Generated([], empty, [], pending=1)
        generated.report = GenerationReport(
            attempts=(discovery.attempts if discovery else []) + topic_attempts + generated.report.attempts
            + (stance.attempts if stance else []), dropped=generated.report.dropped, kept=generated.report.kept)
        if generated.angles is not None and len(generated.angles) < len(prepared.angles):
            prepared = dataclasses.replace(prepared, angles=generated.angles)
        if queue is not None and queue.waiting:
            usage = usage_of(settings, generated.report, time.monotonic() - started)
            result = PipelineResult(prepared, choice, [], generated.report, generated.notes, usage, outputs,
                                    discovery, ingested=ingested)
            result.batch_round = batch.write_round(queue, settings, options.submit_batch)
            result.batch_round.ingested = ingested
            return result
        if discovery is not None:
            if discovery.topped_up:
                events.warning(f"--discover-angles: the model proposed {len(discovery.found)} usable axes (keywords "
                               "found in the documents, two different sides); adding the configured angles after them")
            atomic_write_text(outputs.angles, yaml.safe_dump({"angles": [a.model_dump() for a in discovery.angles]},
                                                             allow_unicode=True, sort_keys=False))
            events.angles_discovered(discovery.angles, outputs.angles)
        try:
            deduped = deduplicate(generated.statements, settings, provider=provider) if options.deduplicate_too else None
        except PendingAnswer:  # the llm tier's requests wait in this batch round, all of them queued
            deduped = None
        if queue is not None and queue.waiting:
            usage = usage_of(settings, generated.report, time.monotonic() - started)
            result = PipelineResult(prepared, choice, [], generated.report, generated.notes, usage, outputs,
                                    discovery, ingested=ingested)
            result.batch_round = batch.write_round(queue, settings, options.submit_batch)
            result.batch_round.ingested = ingested
            return result
    usage = usage_of(settings, generated.report, time.monotonic() - started)
    result = PipelineResult(prepared, choice, generated.statements, generated.report, generated.notes, usage, outputs,
                            discovery, deduped, ingested=ingested, topic=topic)
    write_outputs(result, settings)
    return result


def _open_batch(options: RunOptions, settings: Settings):
    if options.batch_dir is None:
        if options.submit_batch:
            raise InputError("--batch: give --batch-dir DIR too, the folder where the rounds are kept")
        return None
    if settings.no_cache:
        raise InputError("--batch-dir: answers are read into the cache, so --no-cache cannot be used with it")
    from .batch.submit import BatchRun

    return BatchRun(options.batch_dir)


def write_outputs(result: PipelineResult, settings: Settings) -> None:
    from .stages.quality import quality_report
    from .stages.export import merge_report_csv, polis_csv, statements_jsonl

    outputs = result.outputs
    atomic_write_text(outputs.statements, statements_jsonl(result.statements))
    atomic_write_text(outputs.report, report_json(result))
    if result.deduped is None:
        return
    result.quality = quality_report(result.statements, result.deduped.kept, result.report, result.prepared.documents,
                                    result.prepared.angles, settings.max_chars)
    atomic_write_text(outputs.quality, json.dumps(result.quality, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(outputs.deduped, statements_jsonl(result.deduped.kept))
    atomic_write_text(outputs.merges, merge_report_csv(result.deduped.merges + result.deduped.near_misses))
    atomic_write_text(outputs.usage, json.dumps(result.usage, indent=2) + "\n")
    atomic_write_text(outputs.polis, polis_csv(result.deduped.kept))
    if outputs.report_html is not None:
        from .review.report import load_run, render_report

        atomic_write_text(outputs.report_html, render_report(load_run(outputs.report_html.parent)))


def deduplicate(statements: list[Statement], settings: Settings, against: list[Statement] | None = None,
                provider: Provider | None = None, on_progress: Callable[[int, int], None] | None = None):
    """dedupe with the configured tiers; the llm tier judges through `provider`, which it requires."""
    from .language.embeddings import e5_embed
    from .stages.dedupe import DedupeOptions, dedupe_statements

    judge = None
    if "llm" in settings.tiers:
        if provider is None:
            raise InputError("--tiers llm: the llm tier needs a model; give --provider (and --model / --base-url), "
                             "or leave llm out of --tiers")
        from .stages.judge import llm_judge

        judge = llm_judge(provider)
    options = DedupeOptions(tiers=settings.tiers, fuzzy_threshold=settings.threshold,
                            semantic_threshold=settings.semantic_threshold)
    uses_embeddings = "semantic" in settings.tiers or "llm" in settings.tiers
    return dedupe_statements(statements, options, against=against, embed=e5_embed if uses_embeddings else None,
                             judge=judge)


@contextlib.contextmanager
def provider_for_dedupe(settings: Settings):
    """The model the llm tier asks, opened only when that tier is on."""
    if "llm" not in settings.tiers:
        yield None
        return
    with open_provider(settings) as provider:
        yield provider


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


def _planned(prepared: Prepared, settings: Settings, choice: StrategyChoice):
    """(requests, cached prefix tokens, expected output tokens, notes) of the first attempt of everything."""
    if choice.strategy == "document":
        from .stages.document import discuss_requests, plan_groups

        options = document_settings(prepared, settings, choice)
        groups = plan_groups(prepared.documents, prepared.chunks, options.budget)
        planned = discuss_requests(groups, prepared.angles, load_prompt("discuss.yaml", DiscussPrompt), options)
        requests = [request for _, _, request in planned]
        # Every request after the first of its group finds the documents in the provider's prompt cache.
        cached = sum(estimate_prefix_tokens(request) for index, (group, _, request) in enumerate(planned)
                     if index and planned[index - 1][0] == group)
        claims = 2 * options.claims_per_side * len(prepared.angles)
        output = sum(request.max_tokens // 2 for request in requests) + options.count * (20 + options.target_chars)
        distil_input = 400 + claims * 60
        notes = [f"document strategy: {len(groups)} group(s) of documents × {len(requests) // max(1, len(groups))} "
                 f"request(s), then 1 request to distil ~{claims} claims ({distil_input:,} input tokens estimated)"]
        return requests, cached, output, distil_input, notes
    from .stages.generate import plan_slots, planned_requests

    from .language.embeddings import e5_embed
    from .stages.select import SentencePool
    from .stages.topic import find_topic

    topic, _ = find_topic(prepared.documents, prepared.language, None, given=settings.topic)
    options = sentence_settings(prepared, settings, topic)
    slots, _ = plan_slots(SentencePool.build(prepared.chunks, prepared.documents, e5_embed), prepared.angles, options,
                          e5_embed)
    requests = planned_requests(slots, load_generate_prompt(choice.sentence_prompt), options)
    notes = ["plus 1 request to name the documents' subject"]
    if settings.stance_check:
        notes.append(f"plus about {2 * len(requests)} short requests to check the side of each statement")
    return requests, 0, len(requests) * (20 + options.target_chars), 0, notes


def plan_dry_run(paths: list[Path], settings: Settings, strict: bool = False,
                 discover_angles: bool = False) -> DryRunPlan:
    """The first attempt of every request a run would make, counted and priced; no model is called."""
    choice = choose_strategy(settings)
    prepared = prepare(paths, settings, strict=strict)
    spec = provider_spec(settings.provider)
    model = spec.model(settings)
    notes = [f"strategy {choice.strategy}: {choice.reason}"]
    extra_requests, extra_input, extra_output = 0, 0, 0
    if discover_angles:
        from .stages.discover import discovery_request

        request = discovery_request(prepared.chunks, prepared.language, DISCOVERED_ANGLES_ASKED)
        if request is not None:
            extra_requests, extra_input, extra_output = 1, estimate_input_tokens(request), request.max_tokens // 2
        notes.append(f"--discover-angles: 1 request to find the axes; the statement requests are estimated for "
                     f"the configured angles ({len(prepared.angles)}), as the axes are not known before the model "
                     "answers")
    requests, cached, output_tokens, distil_input, strategy_notes = _planned(prepared, settings, choice)
    notes += strategy_notes
    input_tokens = sum(estimate_input_tokens(request) for request in requests) + extra_input + distil_input
    counted_by = "tiktoken o200k_base"
    if settings.provider == "anthropic":
        try:
            from .providers.anthropic_messages import AnthropicProvider

            provider = AnthropicProvider(model=model, base_url=spec.base_url(settings), api_key=spec.api_key(),
                                         timeout=settings.timeout, max_retries=settings.max_retries)
            input_tokens = sum(provider.count_input_tokens(request) for request in requests) + extra_input + distil_input
            counted_by = "Anthropic count_tokens"
        except ProviderError:
            counted_by = "tiktoken o200k_base (estimate: Anthropic count_tokens not reachable)"
    output_tokens += extra_output
    prices = load_price_table()
    cache_writes = 0
    if settings.provider == "anthropic" and cached:
        # The first request of each group writes the prefix to the cache (billed above the input price).
        cache_writes = sum(estimate_prefix_tokens(r) for r in requests) - cached
    use = TokenUse(input=input_tokens - cached - cache_writes, output=output_tokens, cached_input=cached,
                   cache_write=cache_writes)
    cost = 0.0 if not spec.hosted else prices.cost(model, use)
    batch_cost = 0.0 if not spec.hosted else prices.cost(model, use, batch=True)
    notes.append("first attempts only: re-asks of rejected statements add up to 2× more; a cached request costs nothing")
    return DryRunPlan(settings.provider, model, choice.strategy, len(requests) + extra_requests + (choice.strategy == "document"),
                      input_tokens, cached, output_tokens, cost, batch_cost, counted_by, prices.as_of, notes)

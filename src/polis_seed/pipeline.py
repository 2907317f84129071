"""The core behind the commands: prepare the inputs, run the stages in order, name and write the
outputs once, and return one result object. Commands only parse flags and print.

load → (redact) → chunk → [discover angles] → generate → [dedupe] → export
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
from .costs import TokenUse, estimate_input_tokens, load_price_table
from .errors import InputError
from .files import atomic_write_text
from .models import Angle, Attempt, Chunk, Document, GenerationReport, Language, Statement
from .prompts import load_angles, load_generate_prompt
from .providers.base import Provider, ProviderError
from .providers.registry import check_provider_settings, open_provider, provider_spec
from .redaction import mask_personal_data
from .stages.chunk import chunk_documents
from .stages.load import load_documents
from .text import detect_language

MIN_DISCOVERED_ANGLES = 3
DISCOVERED_ANGLES_ASKED = 6


class Events:
    """What the pipeline tells the person watching while it runs. The CLI prints these; tests and
    scripts can ignore them."""

    def warning(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def angles_discovered(self, angles: list[Angle], saved_to: Path | None) -> None: ...

    def requests_planned(self, count: int) -> None: ...

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

    @classmethod
    def for_run(cls, directory: Path) -> OutputSet:
        return cls(statements=directory / "statements.jsonl", report=directory / "report.json",
                   angles=directory / "angles.yaml", deduped=directory / "deduped.jsonl",
                   merges=directory / "merges.csv", polis=directory / "polis.csv", usage=directory / "usage.json",
                   quality=directory / "quality.json")

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


def sentence_prompt_file(settings: Settings) -> str:
    """Hosted models get Polis's fuller guidance; the small embedded model short rules."""
    return "generate_rich.yaml" if provider_spec(settings.provider).hosted else "generate.yaml"


def generate_settings(prepared: Prepared, settings: Settings):
    from .stages.generate import GenerateSettings

    return GenerateSettings(language=prepared.language, max_chars=settings.max_chars, per_angle=settings.per_angle,
                            concurrency=settings.effective_concurrency())


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
class PipelineResult:
    prepared: Prepared
    statements: list[Statement]
    report: GenerationReport
    notes: list[str]
    usage: dict[str, Any]
    outputs: OutputSet
    discovery: DiscoveryOutcome | None = None
    deduped: Any = None  # DedupeResult when the run deduplicated
    quality: dict | None = None

    @property
    def exported(self) -> list[Statement]:
        return self.deduped.kept if self.deduped is not None else self.statements


def report_json(result: PipelineResult) -> str:
    return json.dumps({"report": result.report.model_dump(), "drop_counts": result.report.drop_counts(),
                       "notes": result.notes, "usage": result.usage,
                       "angles": [angle.model_dump() for angle in result.prepared.angles]},
                      ensure_ascii=False, indent=2) + "\n"


def run_pipeline(paths: list[Path], settings: Settings, outputs: OutputSet, *, deduplicate_too: bool,
                 strict: bool = False, debug: bool = False, discover_angles: bool = False,
                 events: Events | None = None) -> PipelineResult:
    """Everything `generate` (deduplicate_too=False) and `run` (True) do, outputs written at the end."""
    from .stages.generate import generate_statements, plan_slots

    events = events or Events()
    started = time.monotonic()
    check_provider_settings(settings)
    prepared = prepare(paths, settings, strict=strict)
    for warning in prepared.warnings:
        events.warning(warning)
    events.info(f"{len(prepared.documents)} documents, {len(prepared.chunks)} chunks, {len(prepared.angles)} angles, "
                f"language {prepared.language}; starting the {settings.provider} model…")
    if settings.redact:
        events.info("redact: masked " + ", ".join(f"{count} {kind}" for kind, count in prepared.masked.items()))
    discovery = None
    with open_provider(settings, debug=debug) as provider:
        if discover_angles:
            discovery = discover(prepared, provider, events)
            if discovery.topped_up:
                events.warning(f"--discover-angles: the model proposed {len(discovery.found)} usable axes (keywords "
                               "found in the documents, two different sides); adding the configured angles after them")
            atomic_write_text(outputs.angles, yaml.safe_dump({"angles": [a.model_dump() for a in discovery.angles]},
                                                             allow_unicode=True, sort_keys=False))
            events.angles_discovered(discovery.angles, outputs.angles)
            prepared = dataclasses.replace(prepared, angles=discovery.angles)
        options = generate_settings(prepared, settings)
        prompt = load_generate_prompt(sentence_prompt_file(settings))
        slots, _ = plan_slots(prepared.documents, prepared.chunks, prepared.angles, options)
        events.requests_planned(sum(min(slot.count, len(slot.candidates)) for slot in slots))
        generation = generate_statements(prepared.documents, prepared.chunks, prepared.angles, provider, prompt,
                                         options, on_attempt=events.request_done)
        report = generation.report
        if discovery is not None:
            report = GenerationReport(attempts=discovery.attempts + report.attempts, dropped=report.dropped,
                                      kept=report.kept)
        deduped = deduplicate(generation.statements, settings, provider=provider) if deduplicate_too else None
    usage = usage_of(settings, report, time.monotonic() - started)
    result = PipelineResult(prepared, generation.statements, report, generation.notes, usage, outputs, discovery,
                            deduped)
    write_outputs(result, settings)
    return result


def write_outputs(result: PipelineResult, settings: Settings) -> None:
    from .quality import quality_report
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


def deduplicate(statements: list[Statement], settings: Settings, against: list[Statement] | None = None,
                provider: Provider | None = None, on_progress: Callable[[int, int], None] | None = None):
    """dedupe with the configured tiers; the llm tier judges through `provider`, which it requires."""
    from .embeddings import e5_embed
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
    requests: int
    input_tokens: int
    output_tokens: int
    cost: float | None
    counted_by: str
    price_table_as_of: str
    notes: list[str] = field(default_factory=list)


def plan_dry_run(paths: list[Path], settings: Settings, strict: bool = False,
                 discover_angles: bool = False) -> DryRunPlan:
    """The first attempt of every request a run would make, counted and priced; no model is called."""
    from .costs import estimate_input_tokens as count
    from .stages.generate import plan_slots, planned_requests

    prepared = prepare(paths, settings, strict=strict)
    spec = provider_spec(settings.provider)
    model = spec.model(settings)
    options = generate_settings(prepared, settings)
    notes = []
    angles = prepared.angles
    extra_requests, extra_input, extra_output = 0, 0, 0
    if discover_angles:
        from .stages.discover import discovery_request

        request = discovery_request(prepared.chunks, prepared.language, DISCOVERED_ANGLES_ASKED)
        if request is not None:
            extra_requests, extra_input, extra_output = 1, count(request), request.max_tokens // 2
        notes.append(f"--discover-angles: 1 request to find the axes; the statement requests are estimated for "
                     f"the configured angles ({len(angles)}), as the axes are not known before the model answers")
    slots, _ = plan_slots(prepared.documents, prepared.chunks, angles, options)
    requests = planned_requests(slots, load_generate_prompt(sentence_prompt_file(settings)), options)
    input_tokens = sum(estimate_input_tokens(request) for request in requests) + extra_input
    counted_by = "tiktoken o200k_base"
    if settings.provider == "anthropic":
        try:
            from .providers.anthropic_messages import AnthropicProvider

            provider = AnthropicProvider(model=model, base_url=spec.base_url(settings), api_key=spec.api_key(),
                                         timeout=settings.timeout, max_retries=settings.max_retries)
            input_tokens = sum(provider.count_input_tokens(request) for request in requests) + extra_input
            counted_by = "Anthropic count_tokens"
        except ProviderError:
            counted_by = "tiktoken o200k_base (estimate: Anthropic count_tokens not reachable)"
    output_tokens = len(requests) * (20 + options.target_chars) + extra_output
    prices = load_price_table()
    cost = 0.0 if not spec.hosted else prices.cost(model, TokenUse(input=input_tokens, output=output_tokens))
    notes.append("first attempts only: re-asks of rejected statements add up to 2× more; a cached request costs nothing")
    return DryRunPlan(settings.provider, model, len(requests) + extra_requests, input_tokens, output_tokens, cost,
                      counted_by, prices.as_of, notes)


# ----- the statement-list commands: dedupe, export, lint; and chunks --------------------------------------------

@dataclass
class DedupeSummary:
    line: str
    warnings: list[str]


def dedupe_files(source: str, output: str, settings: Settings, report: Path | None = None,
                 against: str | None = None) -> DedupeSummary:
    from .stages.export import merge_report_csv
    from .statement_io import STDIO, read_statements, write_statements

    read = read_statements(source, settings.include_rejected)
    existing = read_statements(against, settings.include_rejected).statements if against else None
    with provider_for_dedupe(settings) as provider:
        result = deduplicate(read.statements, settings, against=existing, provider=provider)
    warnings = read.warnings + write_statements(result.kept, output)
    if report is not None:
        atomic_write_text(report, merge_report_csv(result.merges + result.dropped_against + result.near_misses))
    by_tier = ", ".join(f"{tier} {sum(1 for m in result.merges if m.tier == tier)}" for tier in settings.tiers)
    line = (f"{len(read.statements)} in"
            + (f" ({read.rejected} rejected by the moderator left out; --include-rejected keeps them)"
               if read.rejected else "")
            + f"; merged {len(result.merges)} ({by_tier}); "
            + (f"{len(result.dropped_against)} already said in {against}; " if against else "")
            + f"{len(result.kept)} kept" + (f" → {output}" if output != STDIO else "")
            + (f"; merge report {report} ({len(result.near_misses)} near misses kept apart)" if report else ""))
    return DedupeSummary(line, warnings)


EXPORT_SUFFIXES = {"jsonl": ".jsonl", "txt": ".txt"}
# Formats a Polis conversation takes as they are: a statement over the limit would be cut or refused there.
LENGTH_CHECKED_FORMATS = ("polis", "polis-comments")


def export_file(source: str, output: Path | None, format_name: str, split: int | None, settings: Settings) -> str:
    """Write one export format; returns what was written. Nothing is written when any check fails."""
    import sys

    from .stages.export import FORMATS, polis_csv_parts, render
    from .stages.lint import findings_by_index
    from .statement_io import STDIO, read_statements

    if format_name not in FORMATS:
        raise InputError(f"--format {format_name}: unknown format; choose one of {', '.join(FORMATS)}")
    suffix = EXPORT_SUFFIXES.get(format_name, ".csv")
    if split is not None and split < 1:
        raise InputError(f"--split {split}: must be at least 1 statement per file")
    if split is not None and format_name != "polis":
        raise InputError("--split: only the polis format is split; drop --split or use --format polis")
    if output is None and source != STDIO:
        output = Path(source).with_name(f"{Path(source).stem}.{format_name}{suffix}")
    if output is not None and output.suffix.lower() != suffix:
        raise InputError(f"{output}: output must end in {suffix}")
    read = read_statements(source, settings.include_rejected)
    statements = read.statements
    if format_name in LENGTH_CHECKED_FORMATS:
        too_long = [(line, s) for line, s in read.lines if s is not None and len(s.text.strip()) > settings.max_chars]
        if too_long:
            line, first = too_long[0]
            raise InputError(f"{source}: {len(too_long)} statements are longer than {settings.max_chars} characters "
                             f"(the first, line {line}, has {len(first.text.strip())}); shorten them, or raise "
                             "--max-chars (Polis's new UI takes 400, its server 997)")
    if split is not None:
        parts = polis_csv_parts(statements, split)
        assert output is not None
        names = [output.with_name(f"{output.stem}-{number:03d}{output.suffix}") for number in range(1, len(parts) + 1)]
        for name, content in zip(names, parts):
            atomic_write_text(name, content)
        return f"wrote {len(statements)} statements to {len(parts)} files: {names[0]} … {names[-1]}"
    findings = findings_by_index(statements, settings.max_chars) if format_name == "review" else None
    content = render(statements, format_name, findings)
    if output is None:
        sys.stdout.write(content)
        return f"wrote {len(statements)} statements to stdout ({format_name})"
    atomic_write_text(output, content)
    return f"wrote {len(statements)} statements to {output} ({format_name})"


@dataclass
class LintOutcome:
    source: str
    statements: int
    findings: list
    rejected: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "warning")

    def as_dict(self) -> dict:
        return {"file": self.source, "statements": self.statements, "errors": self.errors, "warnings": self.warnings,
                "rejected_left_out": self.rejected, "findings": [finding.as_dict() for finding in self.findings]}


def lint_file(source: str, settings: Settings) -> LintOutcome:
    from .stages.lint import lint_statements
    from .statement_io import read_statement_lines

    read = read_statement_lines(source, settings.include_rejected)
    findings = lint_statements(read.lines, settings.max_chars, settings.threshold)
    return LintOutcome(source, len(read.statements), findings, read.rejected)


@dataclass
class ChunkListing:
    documents: list[Document]
    chunks: dict[str, list[Chunk]]
    warnings: list[str]


def read_chunks(paths: list[Path], strict: bool, output: Path | None) -> ChunkListing:
    from .stages.chunk import chunk_document

    loaded = load_documents(paths, strict=strict)
    chunks = {document.id: chunk_document(document) for document in loaded.documents}
    if output is not None:
        records = [{"document": {**document.model_dump(), "characters": len(document.text)},
                    "chunks": [{"id": c.id, "index": c.index, "token_count": c.token_count, "text": c.text}
                               for c in chunks[document.id]]} for document in loaded.documents]
        atomic_write_text(output, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
    return ChunkListing(loaded.documents, chunks, loaded.warnings)

"""polis-seed command line: thin commands over pipeline.py; domain errors become one line and an exit code."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from . import __version__
from .config import Settings, load_settings
from .costs import estimate_input_tokens, load_price_table
from .errors import InputError, PolisSeedError
from .files import atomic_write_text
from .models import Angle, GenerationReport, Statement
from .pipeline import (
    Prepared,
    check_provider_settings,
    deduplicate,
    generate,
    generate_settings,
    make_remote_provider,
    model_for,
    open_provider,
    plan,
    prepare,
)
from .providers.base import ProviderError
from .quality import quality_report
from .redaction import hide_secrets
from .stages.chunk import chunk_document
from .stages.dedupe import DedupeResult
from .stages.discover import discover_angles
from .stages.export import FORMATS as EXPORT_FORMATS
from .stages.export import (
    merge_report_csv,
    polis_csv,
    polis_csv_parts,
    render,
    statements_jsonl,
)
from .stages.generate import GenerationResult
from .stages.lint import findings_by_index, lint_statements
from .stages.load import load_documents
from .statement_io import STDIO, read_statement_lines, read_statements, write_statements

app = typer.Typer(
    help="Turn source documents into short, balanced, source-traced seed statements for a Polis conversation.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
)
errors = Console(stderr=True, highlight=False)
console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        print(f"polis-seed {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """polis-seed: load → chunk → generate → dedupe → export."""


def reports_errors(command):
    """Domain errors → one line on stderr and their exit code; Ctrl-C → 130; never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PolisSeedError as error:
            errors.print(f"error: {hide_secrets(error.message)}", markup=False, soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            errors.print("interrupted; finished model answers are cached, so a re-run resumes", markup=False)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as error:
            if os.environ.get("POLIS_SEED_DEBUG"):
                raise
            errors.print(f"error: unexpected {type(error).__name__}: {hide_secrets(str(error).splitlines()[0]) if str(error) else ''}"
                         " (a bug in polis-seed: set POLIS_SEED_DEBUG=1 for the traceback and report it)",
                         markup=False, soft_wrap=True)
            raise typer.Exit(1) from None
    return wrapper


PathsArgument = Annotated[list[Path], typer.Argument(
    help="Files (.txt .md .pdf .docx .html .csv) or folders of them.", show_default=False)]
ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", help="Settings file (YAML); default: polis-seed.yaml in the working folder, if any.")]
ProviderOption = Annotated[Optional[str], typer.Option(help="Model provider: local, openai or anthropic [default: local].")]
ModelOption = Annotated[Optional[str], typer.Option(
    help="Model name; for 'local', a .gguf file (default: the embedded Qwen2.5-Coder-1.5B, or $POLIS_SEED_MODEL).")]
BaseUrlOption = Annotated[Optional[str], typer.Option(
    help="Compatible server URL (also $OPENAI_BASE_URL / $ANTHROPIC_BASE_URL).")]
AnglesOption = Annotated[Optional[Path], typer.Option(help="Angles YAML file [default: prompts/angles.yaml].")]
LangOption = Annotated[Optional[str], typer.Option(help="Statement language: ja or en [default: detected from the documents].")]
MaxCharsOption = Annotated[Optional[int], typer.Option(help="Longest statement allowed, in characters [default: 140].")]
PerAngleOption = Annotated[Optional[int], typer.Option(help="Statements per angle, half pro, half con [default: 6].")]
ConcurrencyOption = Annotated[Optional[int], typer.Option(
    help="Requests in flight at once [default: local 1, openai 8, anthropic 4].")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Ask the model again even for cached requests.")]
CacheDirOption = Annotated[Optional[Path], typer.Option(help="Folder for the cache of model calls.")]
StrictOption = Annotated[bool, typer.Option("--strict", help="Stop at the first unreadable file inside a folder.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Count tokens and estimate cost; call no model.")]
DiscoverOption = Annotated[bool, typer.Option(
    "--discover-angles", help="First ask the model for the documents' own axes of disagreement, then generate from them.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Print every request and answer to stderr (keys hidden).")]
RedactOption = Annotated[bool, typer.Option(
    "--redact", help="Mask e-mail addresses, phone numbers and postal codes before any text is sent to a model.")]
TimeoutOption = Annotated[Optional[float], typer.Option(help="Seconds one model request may take [default: 600].")]
MaxRetriesOption = Annotated[Optional[int], typer.Option(help="The SDK's retries of a failed request [default: 2].")]
ThresholdOption = Annotated[Optional[float], typer.Option(
    help="Fuzzy tier threshold, rapidfuzz ratio 0-100 [default: 88].")]
SemanticThresholdOption = Annotated[Optional[float], typer.Option(
    help="Semantic tier threshold, embedding cosine 0-1 [default: 0.96].")]
TiersOption = Annotated[Optional[str], typer.Option(
    help="Dedupe tiers, comma-separated from exact,fuzzy,semantic,llm [default: exact,fuzzy,semantic].")]
ReportOption = Annotated[Optional[Path], typer.Option("--report", help="Write the merge report (CSV) here.")]
AgainstOption = Annotated[Optional[str], typer.Option(
    "--against", help="Existing comments (Polis comments.csv or any statement file): drop new statements they already say.")]


def _settings(config: Path | None, **flags) -> Settings:
    flags["no_cache"] = flags.get("no_cache") or None
    if flags.get("tiers") is not None:
        flags["tiers"] = [tier.strip() for tier in flags["tiers"].split(",") if tier.strip()]
    return load_settings(config, flags)


def _check_output(path: Path, suffixes: tuple[str, ...]) -> None:
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: output must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name")


def _dry_run(paths: list[Path], settings: Settings, strict: bool) -> None:
    prepared = prepare(paths, settings, strict=strict)
    requests = plan(prepared, settings)
    model = model_for(settings)
    input_tokens = sum(estimate_input_tokens(request) for request in requests)
    counted_by = "tiktoken o200k_base"
    if settings.provider == "anthropic":
        try:
            provider = make_remote_provider(settings)
            input_tokens = sum(provider.count_input_tokens(request) for request in requests)
            counted_by = "Anthropic count_tokens"
        except ProviderError:
            counted_by = "tiktoken o200k_base (estimate: Anthropic count_tokens not reachable)"
    output_tokens = len(requests) * (20 + generate_settings(prepared, settings).target_chars)
    prices = load_price_table()
    cost = 0.0 if settings.provider == "local" else prices.cost(model, input_tokens, output_tokens)
    table = Table(title=f"dry run: no model called (prices as of {prices.as_of})")
    for column in ("provider", "model", "requests", "input tokens", "expected output tokens", "estimated USD"):
        table.add_column(column, justify="right" if column not in ("provider", "model") else "left")
    table.add_row(settings.provider, model, str(len(requests)), f"{input_tokens:,}", f"{output_tokens:,}",
                  "0 (local)" if settings.provider == "local" else (f"{cost:.4f}" if cost is not None else "no price"))
    console.print(table)
    console.print(f"input tokens counted with {counted_by}; first attempts only: re-asks of rejected "
                  f"statements add up to {2}× more; a cached request costs nothing.")


def _run_generation(paths: list[Path], settings: Settings, strict: bool, then_dedupe: bool = False,
                    debug: bool = False, discover: bool = False, angles_out: Path | None = None,
                    ) -> tuple[GenerationResult, Prepared, float, DedupeResult | None]:
    started = time.monotonic()
    check_provider_settings(settings)
    prepared = prepare(paths, settings, strict=strict)
    for warning in prepared.warnings:
        errors.print(f"warning: {warning}", markup=False, soft_wrap=True)
    console.print(f"{len(prepared.documents)} documents, {len(prepared.chunks)} chunks, "
                  f"{len(prepared.angles)} angles, language {prepared.language}; starting {settings.provider} model…")
    if settings.redact:
        console.print("redact: masked " + ", ".join(f"{count} {kind}" for kind, count in prepared.masked.items()))
    with open_provider(settings, debug=debug) as ready:
        if discover:
            prepared = _discover(prepared, ready, angles_out)
        with Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task("generate", total=None)
            result = generate(prepared, ready, settings,
                              on_progress=lambda done, total: progress.update(task, completed=done, total=total))
        seconds = time.monotonic() - started
        # Inside the provider's context: the llm tier of dedupe asks the same model.
        deduped = deduplicate(result.statements, settings, provider=ready) if then_dedupe else None
    return result, prepared, seconds, deduped


MIN_DISCOVERED_ANGLES = 3


def _discover(prepared: Prepared, provider, angles_out: Path | None) -> Prepared:
    """Replace the configured angles with the model's axes of disagreement, shown and saved for editing."""
    found = discover_angles(prepared.chunks, provider, prepared.language)
    if len(found) < MIN_DISCOVERED_ANGLES:
        errors.print(f"warning: --discover-angles: the model proposed {len(found)} usable axes (keywords found in the "
                     "documents, two different sides); adding the configured angles after them", markup=False)
        known = {angle.id for angle in found}
        found = found + [angle for angle in prepared.angles if angle.id not in known]
    table = Table(title="angles discovered in the documents")
    for column in ("id", "name", "pro", "con", "keywords"):
        table.add_column(column)
    for angle in found:
        table.add_row(angle.id, angle.name, angle.pro, angle.con, ", ".join(angle.keywords))
    console.print(table)
    if angles_out is not None:
        atomic_write_text(angles_out, yaml.safe_dump({"angles": [a.model_dump() for a in found]}, allow_unicode=True,
                                                     sort_keys=False))
        console.print(f"saved them to {angles_out}; edit it and pass it with --angles to reuse")
    return dataclasses.replace(prepared, angles=found)


def _usage(settings: Settings, report: GenerationReport, seconds: float) -> dict:
    prices = load_price_table()
    model = model_for(settings)
    cost = 0.0 if settings.provider == "local" else prices.cost(model, report.prompt_tokens, report.completion_tokens)
    return {"provider": settings.provider, "model": model, "model_calls": report.calls_made,
            "answered_from_cache": report.cached_responses, "input_tokens": report.prompt_tokens,
            "output_tokens": report.completion_tokens, "usd": None if cost is None else round(cost, 6),
            "price_table_as_of": prices.as_of, "seconds": round(seconds, 1)}


def _summary(angles: list[Angle], statements: list[Statement], report: GenerationReport, notes: list[str],
             dedupe: DedupeResult | None, usage: dict) -> None:
    table = Table(title="statements per angle and stance")
    table.add_column("angle")
    table.add_column("pro", justify="right")
    table.add_column("con", justify="right")
    for angle in angles:
        counts = [sum(1 for s in statements if s.angle == angle.id and s.stance == stance) for stance in ("pro", "con")]
        table.add_row(angle.id, *[str(count) if count else "[red]0[/red]" for count in counts])
    console.print(table)
    drops = ", ".join(f"{reason} {count}" for reason, count in sorted(report.drop_counts().items())) or "none"
    cost = "local: no charge" if usage["provider"] == "local" else (
        f"${usage['usd']:.4f}" if usage["usd"] is not None else f"no price for {usage['model']}")
    console.print(f"model calls {report.calls_made} ({report.cached_responses} answered from cache, {report.retries} "
                  f"re-asks, {report.failed_requests} failed); tokens in {report.prompt_tokens}, "
                  f"out {report.completion_tokens}; cost {cost} (prices as of {usage['price_table_as_of']})")
    console.print(f"kept {report.kept} statements; dropped {len(report.dropped)} after re-asks ({drops})")
    if dedupe is not None:
        console.print(f"dedupe: {len(dedupe.merges)} duplicates removed, {len(dedupe.kept)} statements left")
    for note in notes:
        console.print(f"note: {note}", markup=False)
    for failure in report.failures[:5]:
        errors.print(f"failed request: {hide_secrets(failure)}", markup=False)
    console.print(f"time {usage['seconds']:.0f} s")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _quality_summary(quality: dict) -> None:
    console.print(
        f"quality: grounded {_percent(quality['grounding_rate'])}, near-copies {_percent(quality['near_copy_rate_of_model_answers'])}"
        f" of model answers → {_percent(quality['near_copy_rate_exported'])} exported, duplicates removed "
        f"{_percent(quality['duplicate_rate'])}, mean length {quality['mean_length']}, over limit "
        f"{quality['over_length_limit']}, questions {quality['questions']}, angles with both sides "
        f"{quality['angles_with_both_sides']}/{len(quality['per_angle'])}")
    for angle, row in quality["per_angle"].items():
        if row["status"] != "both sides":
            console.print(f"note: {angle}: {row['status']}", markup=False)


def _report_json(result: GenerationResult, usage: dict) -> str:
    return json.dumps({"report": result.report.model_dump(), "drop_counts": result.report.drop_counts(),
                       "notes": result.notes, "usage": usage}, ensure_ascii=False, indent=2) + "\n"


def _exit_if_requests_failed(report: GenerationReport) -> None:
    if report.failed_requests:
        errors.print(f"error: {report.failed_requests} model requests failed; what succeeded is written and "
                     "cached, so a re-run retries only the failures", markup=False)
        raise typer.Exit(1)


@app.command("generate")
@reports_errors
def generate_command(
    paths: PathsArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="Statements file (.jsonl).")] = Path("output/statements.jsonl"),
    config: ConfigOption = None,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    angles: AnglesOption = None,
    lang: LangOption = None,
    max_chars: MaxCharsOption = None,
    per_angle: PerAngleOption = None,
    concurrency: ConcurrencyOption = None,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    strict: StrictOption = False,
    dry_run: DryRunOption = False,
    redact: RedactOption = False,
    timeout: TimeoutOption = None,
    max_retries: MaxRetriesOption = None,
    discover_angles_flag: DiscoverOption = False,
    debug: DebugOption = False,
) -> None:
    """Ask the model for statements from each angle, each traced to its source sentence."""
    settings = _settings(config, provider=provider, model=model, base_url=base_url, angles=angles, lang=lang,
                         max_chars=max_chars, per_angle=per_angle, concurrency=concurrency, no_cache=no_cache,
                         cache_dir=cache_dir, redact=redact or None, timeout=timeout, max_retries=max_retries)
    if dry_run:
        _dry_run(paths, settings, strict)
        return
    _check_output(output, (".jsonl",))
    result, prepared, seconds, _ = _run_generation(paths, settings, strict, debug=debug, discover=discover_angles_flag,
                                                   angles_out=output.with_name(output.stem + ".angles.yaml"))
    usage = _usage(settings, result.report, seconds)
    atomic_write_text(output, statements_jsonl(result.statements))
    atomic_write_text(output.with_name(output.stem + ".report.json"), _report_json(result, usage))
    _summary(prepared.angles, result.statements, result.report, result.notes, None, usage)
    console.print(f"wrote {output}")
    _exit_if_requests_failed(result.report)


@app.command("dedupe")
@reports_errors
def dedupe_command(
    source: Annotated[str, typer.Argument(metavar="IN", help="Statements: .jsonl, .csv, .txt or - for stdin.")],
    output: Annotated[str, typer.Option("-o", "--output", help="Where to write: .jsonl, .csv, .txt or - for stdout.")] = "-",
    tiers: TiersOption = None,
    threshold: ThresholdOption = None,
    semantic_threshold: SemanticThresholdOption = None,
    report: ReportOption = None,
    against: AgainstOption = None,
    config: ConfigOption = None,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Remove duplicates by tier (exact, fuzzy, semantic, llm); never merges a statement with its opposite."""
    settings = _settings(config, tiers=tiers, threshold=threshold, semantic_threshold=semantic_threshold,
                         provider=provider, model=model, base_url=base_url)
    if report is not None:
        _check_output(report, (".csv",))
    statements = read_statements(source)
    existing = read_statements(against) if against else None
    with contextlib.ExitStack() as stack:
        judge_provider = stack.enter_context(open_provider(settings)) if "llm" in settings.tiers else None
        result = deduplicate(statements, settings, against=existing, provider=judge_provider)
    write_statements(result.kept, output)
    if report is not None:
        atomic_write_text(report, merge_report_csv(result.merges + result.dropped_against))
    by_tier = ", ".join(f"{tier} {sum(1 for m in result.merges if m.tier == tier)}" for tier in settings.tiers)
    console.print(f"{len(statements)} in; merged {len(result.merges)} ({by_tier}); "
                  + (f"{len(result.dropped_against)} already said in {against}; " if against else "")
                  + f"{len(result.kept)} kept" + (f" → {output}" if output != STDIO else "")
                  + (f"; merge report {report}" if report else ""))


@app.command("export")
@reports_errors
def export_command(
    source: Annotated[str, typer.Argument(metavar="IN", help="Statements: .jsonl, .csv, .txt or - for stdin.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write [default: output/polis.csv].")] = None,
    format_name: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(EXPORT_FORMATS)}.")] = "polis",
    split: Annotated[Optional[int], typer.Option(help="polis format: at most N statements per file.")] = None,
    max_chars: MaxCharsOption = None,
) -> None:
    """Write statements for Polis (default), Excel review, Polis-export readers, Kouchou-AI / Talk to the City."""
    if format_name not in EXPORT_FORMATS:
        raise InputError(f"--format {format_name}: unknown format; choose one of {', '.join(EXPORT_FORMATS)}")
    suffix = {"jsonl": ".jsonl", "txt": ".txt"}.get(format_name, ".csv")
    output = output or Path("output") / ("polis.csv" if format_name == "polis" else f"{format_name}{suffix}")
    _check_output(output, (suffix,))
    if split is not None and split < 1:
        raise InputError(f"--split {split}: must be at least 1 statement per file")
    if max_chars is not None and max_chars < 1:
        raise InputError(f"--max-chars {max_chars}: must be at least 1")
    if split is not None and format_name != "polis":
        raise InputError("--split: only the polis format is split; drop --split or use --format polis")
    statements = read_statements(source)
    if format_name == "polis" and split is not None:
        parts = polis_csv_parts(statements, split)
        names = [output.with_name(f"{output.stem}-{number:03d}{output.suffix}") for number in range(1, len(parts) + 1)]
        for name, content in zip(names, parts):
            atomic_write_text(name, content)
        console.print(f"wrote {len(statements)} statements to {len(parts)} files: {names[0]} … {names[-1]}")
        return
    findings = findings_by_index(statements, max_chars or 140) if format_name == "review" else None
    atomic_write_text(output, render(statements, format_name, findings))
    console.print(f"wrote {len(statements)} statements to {output} ({format_name})")


@app.command("lint")
@reports_errors
def lint_command(
    source: Annotated[str, typer.Argument(metavar="IN", help="Statements: .jsonl, .csv, .txt or - for stdin.")],
    max_chars: Annotated[int, typer.Option(help="Length limit: Polis's old UI 140, new UI 400, server 997.")] = 140,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON for scripts.")] = False,
) -> None:
    """Check a statement list against Polis's guidance; exit 1 when any error is found."""
    if max_chars < 1:
        raise InputError(f"--max-chars {max_chars}: must be at least 1")
    lines = read_statement_lines(source)
    findings = lint_statements(lines, max_chars)
    statements = sum(1 for _, statement in lines if statement is not None)
    errors_found = sum(1 for finding in findings if finding.severity == "error")
    if as_json:
        print(json.dumps({"file": source, "statements": statements, "errors": errors_found,
                          "warnings": len(findings) - errors_found, "findings": [f.as_dict() for f in findings]},
                         ensure_ascii=False, indent=2))
    else:
        table = Table(title=f"lint {source}: {statements} statements")
        for column in ("line", "severity", "rule", "finding"):
            table.add_column(column)
        for finding in findings:
            colour = "red" if finding.severity == "error" else "yellow"
            table.add_row("-" if finding.line is None else str(finding.line), f"[{colour}]{finding.severity}[/{colour}]",
                          finding.rule, finding.message)
        stdout = Console()
        stdout.print(table if findings else f"lint {source}: {statements} statements, no findings")
        stdout.print(f"{errors_found} errors, {len(findings) - errors_found} warnings")
    if errors_found:
        raise typer.Exit(1)


@app.command("chunks")
@reports_errors
def chunks_command(
    paths: PathsArgument,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write documents and chunks as JSONL.")] = None,
    show_text: Annotated[bool, typer.Option("--text", help="Print each document's extracted text.")] = False,
    strict: StrictOption = False,
) -> None:
    """Show what polis-seed read: type, encoding, characters and chunks of each document, before any model runs."""
    if output is not None:
        _check_output(output, (".jsonl",))
    loaded = load_documents(paths, strict=strict)
    for warning in loaded.warnings:
        errors.print(f"warning: {warning}", markup=False, soft_wrap=True)
    stdout = Console()
    table = Table(title="documents")
    for column in ("path", "type", "encoding", "characters", "chunks", "tokens per chunk"):
        table.add_column(column)
    records = []
    for document in loaded.documents:
        chunks = chunk_document(document)
        table.add_row(document.path, document.kind, document.encoding or "-", str(len(document.text)), str(len(chunks)),
                      ", ".join(str(chunk.token_count) for chunk in chunks[:12]) + (" …" if len(chunks) > 12 else ""))
        records.append({"document": {**document.model_dump(), "characters": len(document.text)},
                        "chunks": [{"id": c.id, "index": c.index, "token_count": c.token_count, "text": c.text}
                                   for c in chunks]})
        if show_text:
            # Plain echo, not rich: the text must come out exactly as extracted, unwrapped.
            typer.echo(f"===== {document.path} ({document.kind}, {document.encoding or 'binary format'}) =====")
            typer.echo(document.text)
    stdout.print(table)
    if output is not None:
        atomic_write_text(output, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
        stdout.print(f"wrote {output}")


@app.command("run")
@reports_errors
def run_command(
    paths: PathsArgument,
    output_dir: Annotated[Path, typer.Option("-o", "--output-dir", help="Folder for all outputs.")] = Path("output"),
    config: ConfigOption = None,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    angles: AnglesOption = None,
    lang: LangOption = None,
    max_chars: MaxCharsOption = None,
    per_angle: PerAngleOption = None,
    concurrency: ConcurrencyOption = None,
    tiers: TiersOption = None,
    threshold: ThresholdOption = None,
    semantic_threshold: SemanticThresholdOption = None,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    strict: StrictOption = False,
    redact: RedactOption = False,
    timeout: TimeoutOption = None,
    max_retries: MaxRetriesOption = None,
    discover_angles_flag: DiscoverOption = False,
    debug: DebugOption = False,
) -> None:
    """generate → dedupe → export: writes statements.jsonl, deduped.jsonl, merges.csv, polis.csv, report.json, usage.json."""
    settings = _settings(config, provider=provider, model=model, base_url=base_url, angles=angles, lang=lang,
                         max_chars=max_chars, per_angle=per_angle, concurrency=concurrency, tiers=tiers,
                         threshold=threshold, semantic_threshold=semantic_threshold, no_cache=no_cache,
                         cache_dir=cache_dir, redact=redact or None, timeout=timeout, max_retries=max_retries)
    if output_dir.exists() and not output_dir.is_dir():
        raise InputError(f"{output_dir}: is a file; give a folder for the outputs")
    result, prepared, seconds, deduped = _run_generation(paths, settings, strict, then_dedupe=True, debug=debug,
                                                         discover=discover_angles_flag,
                                                         angles_out=output_dir / "angles.yaml")
    usage = _usage(settings, result.report, seconds)
    quality = quality_report(result.statements, deduped.kept, result.report, prepared.documents, prepared.angles,
                             result.notes, settings.max_chars)
    atomic_write_text(output_dir / "quality.json", json.dumps(quality, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(output_dir / "statements.jsonl", statements_jsonl(result.statements))
    atomic_write_text(output_dir / "deduped.jsonl", statements_jsonl(deduped.kept))
    atomic_write_text(output_dir / "merges.csv", merge_report_csv(deduped.merges))
    atomic_write_text(output_dir / "report.json", _report_json(result, usage))
    atomic_write_text(output_dir / "usage.json", json.dumps(usage, indent=2) + "\n")
    atomic_write_text(output_dir / "polis.csv", polis_csv(deduped.kept))
    _summary(prepared.angles, deduped.kept, result.report, result.notes, deduped, usage)
    _quality_summary(quality)
    console.print(f"wrote {output_dir}/statements.jsonl, deduped.jsonl, merges.csv, report.json, usage.json, "
                  f"quality.json and polis.csv "
                  f"({len(deduped.kept)} statements)")
    _exit_if_requests_failed(result.report)


def main() -> None:
    app(prog_name="polis-seed")


if __name__ == "__main__":
    sys.exit(main())

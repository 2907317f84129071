"""polis-seed command line: thin commands over pipeline.py; domain errors become one line and an exit code."""

from __future__ import annotations

import functools
import json
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import InputError, PolisSeedError
from .files import atomic_write_text
from .models import Angle, GenerationReport, Statement
from .pipeline import PROVIDERS, ProviderOptions, check_provider_options, generate, open_provider, prepare
from .stages.dedupe import DEFAULT_FUZZY_THRESHOLD, DedupeResult, dedupe_statements
from .stages.export import polis_csv
from .stages.generate import GenerateSettings, GenerationResult
from .statement_io import STDIO, jsonl, read_statements, write_statements

app = typer.Typer(
    help="Turn source documents into short, balanced, source-traced seed statements for a Polis conversation.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
)
errors = Console(stderr=True, highlight=False)
console = Console(stderr=True)


class Lang(str, Enum):
    ja = "ja"
    en = "en"


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
            errors.print(f"error: {error.message}", markup=False, soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            errors.print("interrupted; finished model answers are cached, so a re-run resumes", markup=False)
            raise typer.Exit(130) from None
    return wrapper


PathsArgument = Annotated[list[Path], typer.Argument(help="Files (.txt, .md) or folders of them.", show_default=False)]
ProviderOption = Annotated[str, typer.Option(help=f"Model provider: {', '.join(PROVIDERS)}.")]
ModelOption = Annotated[Optional[str], typer.Option(
    help="Model name; for 'local', a .gguf file (default: the embedded Qwen2.5-Coder-1.5B, or $POLIS_SEED_MODEL).")]
BaseUrlOption = Annotated[Optional[str], typer.Option(help="OpenAI-compatible server URL, e.g. http://127.0.0.1:8080/v1.")]
AnglesOption = Annotated[Optional[Path], typer.Option(help="Angles YAML file (default: prompts/angles.yaml).")]
LangOption = Annotated[Optional[Lang], typer.Option(help="Statement language (default: detected from the documents).")]
MaxCharsOption = Annotated[int, typer.Option(min=1, help="Longest statement allowed, in characters.")]
PerAngleOption = Annotated[int, typer.Option(min=1, help="Statements to ask for per angle, half pro and half con.")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Ask the model again even for cached requests.")]
CacheDirOption = Annotated[Optional[Path], typer.Option(help="Folder for the cache of model calls.")]
StrictOption = Annotated[bool, typer.Option("--strict", help="Stop at the first unreadable file inside a folder.")]
ThresholdOption = Annotated[float, typer.Option(min=0, max=100, help="Fuzzy-match threshold (rapidfuzz ratio, 0-100).")]


def _check_output(path: Path, suffixes: tuple[str, ...]) -> None:
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: output must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name")


def _run_generation(paths, provider, model, base_url, angles, lang, max_chars, per_angle, no_cache, cache_dir,
                    strict) -> tuple[GenerationResult, list[Angle], float]:
    started = time.monotonic()
    options = ProviderOptions(name=provider, model=model, base_url=base_url, use_cache=not no_cache,
                              cache_dir=cache_dir)
    check_provider_options(options)
    prepared = prepare(paths, angles, lang.value if lang else None, strict=strict)
    for warning in prepared.warnings:
        errors.print(f"warning: {warning}", markup=False, soft_wrap=True)
    settings = GenerateSettings(language=prepared.language, max_chars=max_chars, per_angle=per_angle)
    console.print(f"{len(prepared.documents)} documents, {len(prepared.chunks)} chunks, "
                  f"{len(prepared.angles)} angles, language {prepared.language}; starting {provider} model…")
    with open_provider(options) as ready:
        with Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task("generate", total=len(prepared.angles) * per_angle)
            result = generate(prepared, ready, settings,
                              on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    return result, prepared.angles, time.monotonic() - started


def _summary(angles: list[Angle], statements: list[Statement], report: GenerationReport, notes: list[str],
             dedupe: DedupeResult | None, seconds: float) -> None:
    table = Table(title="statements per angle and stance")
    table.add_column("angle")
    table.add_column("pro", justify="right")
    table.add_column("con", justify="right")
    for angle in angles:
        counts = [sum(1 for s in statements if s.angle == angle.id and s.stance == stance) for stance in ("pro", "con")]
        table.add_row(angle.id, *[str(count) if count else "[red]0[/red]" for count in counts])
    console.print(table)
    drops = ", ".join(f"{reason} {count}" for reason, count in sorted(report.drop_counts().items())) or "none"
    console.print(f"requests {report.requests} ({report.cached_responses} from cache, {report.retries} re-asks, "
                  f"{report.failed_requests} failed); tokens in {report.prompt_tokens}, out {report.completion_tokens}")
    console.print(f"kept {report.kept} statements; dropped {len(report.dropped)} after re-asks ({drops})")
    if dedupe is not None:
        console.print(f"dedupe: {len(dedupe.merges)} duplicates removed, {len(dedupe.kept)} statements left")
    for note in notes:
        console.print(f"note: {note}", markup=False)
    console.print(f"time {seconds:.0f} s")


def _report_json(result: GenerationResult, seconds: float) -> str:
    return json.dumps({"report": result.report.model_dump(), "drop_counts": result.report.drop_counts(),
                       "notes": result.notes, "seconds": round(seconds, 1)}, ensure_ascii=False, indent=2) + "\n"


@app.command("generate")
@reports_errors
def generate_command(
    paths: PathsArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="Statements file (.jsonl).")] = Path("output/statements.jsonl"),
    provider: ProviderOption = "local",
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    angles: AnglesOption = None,
    lang: LangOption = None,
    max_chars: MaxCharsOption = 140,
    per_angle: PerAngleOption = 6,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    strict: StrictOption = False,
) -> None:
    """Ask the model for statements from each angle, each traced to its source sentence."""
    _check_output(output, (".jsonl",))
    result, angle_list, seconds = _run_generation(paths, provider, model, base_url, angles, lang, max_chars,
                                                  per_angle, no_cache, cache_dir, strict)
    atomic_write_text(output, jsonl(result.statements))
    _summary(angle_list, result.statements, result.report, result.notes, None, seconds)
    console.print(f"wrote {output}")


@app.command("dedupe")
@reports_errors
def dedupe_command(
    source: Annotated[str, typer.Argument(metavar="IN", help="Statements: .jsonl, .csv, .txt or - for stdin.")],
    output: Annotated[str, typer.Option("-o", "--output", help="Where to write: .jsonl, .csv, .txt or - for stdout.")] = "-",
    threshold: ThresholdOption = DEFAULT_FUZZY_THRESHOLD,
) -> None:
    """Remove near-identical statements; never merges a statement with its opposite."""
    statements = read_statements(source)
    result = dedupe_statements(statements, fuzzy_threshold=threshold)
    write_statements(result.kept, output)
    if output != STDIO:
        console.print(f"{len(statements)} in, {len(result.merges)} duplicates removed, {len(result.kept)} written to {output}")


@app.command("export")
@reports_errors
def export_command(
    source: Annotated[str, typer.Argument(metavar="IN", help="Statements: .jsonl, .csv, .txt or - for stdin.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Polis seed CSV to write.")] = Path("output/polis.csv"),
) -> None:
    """Write the CSV Polis's bulk seed upload accepts (header comment_text, UTF-8 without BOM)."""
    _check_output(output, (".csv",))
    statements = read_statements(source)
    atomic_write_text(output, polis_csv(statements))
    console.print(f"wrote {len(statements)} statements to {output}")


@app.command("run")
@reports_errors
def run_command(
    paths: PathsArgument,
    output_dir: Annotated[Path, typer.Option("-o", "--output-dir", help="Folder for all outputs.")] = Path("output"),
    provider: ProviderOption = "local",
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    angles: AnglesOption = None,
    lang: LangOption = None,
    max_chars: MaxCharsOption = 140,
    per_angle: PerAngleOption = 6,
    threshold: ThresholdOption = DEFAULT_FUZZY_THRESHOLD,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    strict: StrictOption = False,
) -> None:
    """generate → dedupe → export: writes statements.jsonl, deduped.jsonl, polis.csv and report.json."""
    if output_dir.exists() and not output_dir.is_dir():
        raise InputError(f"{output_dir}: is a file; give a folder for the outputs")
    result, angle_list, seconds = _run_generation(paths, provider, model, base_url, angles, lang, max_chars,
                                                  per_angle, no_cache, cache_dir, strict)
    deduped = dedupe_statements(result.statements, fuzzy_threshold=threshold)
    atomic_write_text(output_dir / "statements.jsonl", jsonl(result.statements))
    atomic_write_text(output_dir / "deduped.jsonl", jsonl(deduped.kept))
    atomic_write_text(output_dir / "report.json", _report_json(result, seconds))
    atomic_write_text(output_dir / "polis.csv", polis_csv(deduped.kept))
    _summary(angle_list, deduped.kept, result.report, result.notes, deduped, seconds)
    console.print(f"wrote {output_dir}/statements.jsonl, deduped.jsonl, report.json and polis.csv "
                  f"({len(deduped.kept)} statements)")


def main() -> None:
    app(prog_name="polis-seed")


if __name__ == "__main__":
    sys.exit(main())

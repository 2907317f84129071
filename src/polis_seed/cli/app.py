"""polis-seed command line: each command parses flags, calls the core once and prints.

Heavy modules (the pipeline, numpy, the SDKs) are imported inside the commands, so `--help` stays fast.
Domain errors become one line on stderr and an exit code; a closed pipe ends the command quietly.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .. import __version__
from .options import DEDUPE, GENERATION, OPTIONS, PROVIDER, PlainUsageCommand, settings_flags, with_options
from .errors import print_error, reports_errors
from ..errors import InputError

app = typer.Typer(
    help="Turn source documents into short, balanced, source-traced seed statements for a Polis conversation.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    # Plain help: rich's help renderer alone takes longer to load than the rest of `--help`.
    rich_markup_mode=None,
)
command = functools.partial(app.command, cls=PlainUsageCommand)


def _version(value: bool) -> None:
    if value:
        print(f"polis-seed {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, metavar=" ",
                                          help="Show the version and exit.")] = False,
) -> None:
    """polis-seed: load → chunk → generate → dedupe → export."""


def _settings(options: dict[str, Any]):
    from ..config import load_settings

    return load_settings(options.get("config"), settings_flags(options))


def _check_output(path: Path, suffixes: tuple[str, ...]) -> None:
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: output must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name")


PathsArgument = Annotated[list[Path], typer.Argument(
    metavar="PATH", help="Files (.txt .md .pdf .docx .html .csv) or folders of them.", show_default=False)]
StatementsArgument = Annotated[str, typer.Argument(
    metavar="IN", help="Statements: .jsonl, .csv (our columns, a review sheet, a Polis export or any CSV of "
                       "comments: see --column), .txt, or - for stdin.")]


def _generate(paths: list[Path], outputs, options: dict[str, Any], deduplicate_too: bool) -> None:
    from ..pipeline import plan_dry_run, run_pipeline
    from ..plan import resolve_plan
    from .views import ConsoleEvents, print_batch_round, print_dry_run, print_summary, say

    dry_run = bool(options.get("dry_run"))
    plan = resolve_plan(_settings(options), outputs, deduplicate_too=deduplicate_too, batch_dir=options["batch_dir"],
                        submit_batch=options["batch"], discover_angles=options["discover_angles"],
                        strict=options["strict"], debug=options["debug"], dry_run=dry_run)
    if dry_run:
        print_dry_run(plan_dry_run(paths, plan))
        return
    events = ConsoleEvents()
    try:
        result = run_pipeline(paths, plan, events=events)
    finally:
        events.close()
    if result.batch_round is not None:
        print_batch_round(result, " ".join(sys.argv[1:]) or "the same command")
        return
    print_summary(result)
    say("wrote " + ", ".join(str(path) for path in outputs.written()))
    if result.report.failed_requests:
        print_error(f"{result.report.failed_requests} model requests failed; what succeeded is written and cached, "
               "so a re-run retries only the failures")
        raise typer.Exit(1)
    if not result.exported:
        # Nothing to upload is not a success: the notes above say why, report.json has every dropped candidate.
        print_error(f"no statement could be written from {', '.join(map(str, paths))}; the notes above say why, and "
                    f"{outputs.report} lists every candidate that was dropped")
        raise typer.Exit(1)


@command("generate")
@reports_errors
@with_options("dry_run", *GENERATION)
def generate_command(
    paths: PathsArgument,
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Statements file (.jsonl).")]
    = Path("output/statements.jsonl"),
    **options: Any,
) -> None:
    """Ask the model for statements from each angle, each traced to its source."""
    from ..plan import OutputSet

    if not options["dry_run"]:
        _check_output(output, (".jsonl",))
    _generate(paths, OutputSet.for_generate(output), options, deduplicate_too=False)


@command("run")
@reports_errors
@with_options(*GENERATION, *DEDUPE)
def run_command(
    paths: PathsArgument,
    output_dir: Annotated[Path, typer.Option("-o", "--output-dir", metavar="DIR", help="Folder for all outputs.")]
    = Path("output"),
    **options: Any,
) -> None:
    """generate → dedupe → export: statements.jsonl, deduped.jsonl, merges.csv, polis.csv, report.json, usage.json,
    quality.json."""
    from ..plan import OutputSet

    if output_dir.exists() and not output_dir.is_dir():
        raise InputError(f"{output_dir}: is a file; give a folder for the outputs")
    options["dry_run"] = False
    _generate(paths, OutputSet.for_run(output_dir), options, deduplicate_too=True)


@command("dedupe")
@reports_errors
@with_options(*DEDUPE, "column", "include_rejected", "config", *PROVIDER, "cache_dir", "no_cache", "batch_dir", "batch")
def dedupe_command(
    source: StatementsArgument,
    output: Annotated[str, typer.Option("-o", "--output", metavar="OUT",
                                        help="Where to write: .jsonl, .csv, .txt, or - for stdout.")] = "-",
    report: Annotated[Optional[Path], typer.Option(
        "--report", metavar="FILE", help="Write the merge report (CSV): merges, and near misses with the reason.")] = None,
    against: Annotated[Optional[str], typer.Option(
        "--against", metavar="FILE", help="Existing comments (a Polis comments.csv or any statement file, its column "
                                          "found by the recognised names): drop new statements they already say.")]
    = None,
    **options: Any,
) -> None:
    """Remove duplicates by tier (exact, fuzzy, semantic, llm); never merges a statement with its opposite."""
    from ..lists import dedupe_files
    from .views import say

    if report is not None:
        _check_output(report, (".csv",))
    summary = dedupe_files(source, output, _settings(options), report=report, against=against,
                           batch_dir=options["batch_dir"], submit_batch=options["batch"])
    for warning in summary.warnings:
        say(f"warning: {warning}")
    say(summary.line)


@command("export")
@reports_errors
@with_options("config", "column", "max_chars", "include_rejected")
def export_command(
    source: StatementsArgument,
    output: Annotated[Optional[Path], typer.Option(
        "-o", "--output", metavar="FILE", help="File to write (default: next to IN, named after it and the format, "
                                               "e.g. deduped.polis.csv; stdout for -).")] = None,
    format_name: Annotated[str, typer.Option("--format", metavar="NAME", help="polis, review, polis-comments, kouchou, "
                                                                           "jsonl or txt (default: polis).")] = "polis",
    split: Annotated[Optional[int], typer.Option(metavar="N", help="polis format: at most N statements per file.")]
    = None,
    **options: Any,
) -> None:
    """Write statements for Polis (default), Excel review, Polis-export readers, Kouchou-AI / Talk to the City."""
    from ..lists import export_file
    from .views import say

    say(export_file(source, output, format_name, split, _settings(options)))


@command("lint")
@reports_errors
@with_options("config", "column", "max_chars", "include_rejected", *PROVIDER, "topic", "timeout",
              "max_retries", "no_cache", "cache_dir")
def lint_command(
    source: StatementsArgument,
    as_json: Annotated[bool, typer.Option("--json", metavar=" ", help="Print findings as JSON for scripts.")] = False,
    angles: Annotated[Optional[Path], typer.Option(
        "--angles", metavar="FILE", help="Also check that each statement labelled with an angle and a side "
        "(columns angle, stance) reads as that side; asks the model (--provider etc.)")] = None,
    **options: Any,
) -> None:
    """Check a statement list against Polis's guidance and the same rules generate uses; exit 1 on any error."""
    from ..lists import lint_file
    from .views import print_lint

    outcome = lint_file(source, _settings(options), angles)
    if as_json:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_lint(outcome)
    if outcome.errors:
        raise typer.Exit(1)


@command("chunks")
@reports_errors
@with_options("strict", "config", "column")
def chunks_command(
    paths: PathsArgument,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE",
                                                   help="Write documents and chunks as JSONL.")] = None,
    show_text: Annotated[bool, typer.Option("--text", metavar=" ", help="Print each document's extracted text.")]
    = False,
    **options: Any,
) -> None:
    """Show what polis-seed read: type, encoding, characters and chunks of each document, before any model runs."""
    from ..lists import read_chunks
    from .views import print_chunks, say

    if output is not None:
        _check_output(output, (".jsonl",))
    listing = read_chunks(paths, options["strict"], output, _settings(options).column)
    for warning in listing.warnings:
        say(f"warning: {warning}")
    for note in listing.notes:
        say(note)
    print_chunks(listing, show_text)


@command("report")
@reports_errors
@with_options("max_chars")
def report_command(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A folder `polis-seed run -o DIR` wrote.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE",
                                                   help="Where to write the page (default: DIR/report.html).")] = None,
    **options: Any,
) -> None:
    """Write report.html for a run folder: one self-contained page (no network) with the angle × side grid,
    every statement with its quote and passage, merged duplicates, dropped candidates and documents."""
    from ..review.report import write_report
    from .views import say

    if output is not None:
        _check_output(output, (".html",))
    say(write_report(folder, output, _settings(options).max_chars))


@command("review")
@reports_errors
@with_options("max_chars")
def review_command(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A folder `polis-seed run -o DIR` wrote.")],
    port: Annotated[int, typer.Option("--port", metavar="N", help="Port on 127.0.0.1 (default: a free one).")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address only; do not open a browser.")] = False,
    **options: Any,
) -> None:
    """Review a run in a local page: keep, drop, edit and add statements, restore dropped candidates and
    merged duplicates. Every change is saved at once to DIR/review.json (log: review-log.jsonl) and written
    to DIR/reviewed.jsonl and DIR/polis.csv. Ctrl-C stops the page; run it again to go on."""
    from ..review.server import serve_review
    from .views import say

    serve_review(folder, _settings(options).max_chars, port, open_browser=not no_browser, tell=say)


batch_app = typer.Typer(help="Answer batch request files (see --batch-dir).", no_args_is_help=True)
app.add_typer(batch_app, name="batch")


@batch_app.command("answer", cls=PlainUsageCommand)
@reports_errors
@with_options("config", *PROVIDER, "context_tokens", "timeout", "max_retries", "cache_dir",
              "no_cache")
def batch_answer_command(
    requests: Annotated[Path, typer.Argument(metavar="REQUESTS", help="A round-N.requests.jsonl file.")],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="RESULTS",
                                         help="Where to write the answers (round-N.results.jsonl).")],
    **options: Any,
) -> None:
    """Answer a batch request file with any provider, the embedded model included, on any machine."""
    from ..batch.answer import answer_file
    from ..plan import cache_dir_of, provider_of
    from .views import ConsoleEvents, say

    settings = _settings(options)
    events = ConsoleEvents(label="batch answer")
    try:
        summary = answer_file(requests, output, provider_of(settings), cache_dir_of(settings), events)
    finally:
        events.close()
    say(summary)


def main() -> None:
    app(prog_name="polis-seed")


if __name__ == "__main__":
    sys.exit(main())

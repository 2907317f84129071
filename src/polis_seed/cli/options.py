"""Command-line options, each declared once: help texts and defaults come from Settings.

Typer reads a command's parameters from its signature. `with_options("provider", "model", ...)`
adds the named options to a command whose own signature ends in `**options`, so `generate` and `run`
share one declaration instead of two copies of a long parameter list.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import typer.core

from ..defaults import describe
from ..providers.registry import PROVIDER_OPTIONS


class PlainUsageCommand(typer.core.TyperCommand):
    """Usage lines as people write them: `polis-seed run [OPTIONS] PATH...`."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = (param.metavar or param.name or "").upper()
                pieces.append(name + ("..." if param.nargs != 1 else "") if param.required else f"[{name}]")
        return pieces


def _setting(key: str, kind: Any, *declarations: str, metavar: str | None = None) -> tuple[Any, Any]:
    return Annotated[Optional[kind], typer.Option(*declarations, help=describe(key), show_default=False,
                                                  metavar=metavar)], None


def _flag(declaration: str, help_text: str) -> tuple[Any, Any]:
    return Annotated[bool, typer.Option(declaration, help=help_text, metavar=" ")], False


OPTIONS: dict[str, tuple[Any, Any]] = {
    "config": (Annotated[Optional[Path], typer.Option(
        "--config", metavar="FILE", help="Settings file (YAML); default: polis-seed.yaml in the working folder, if any.")],
        None),
    "provider": _setting("provider", str, metavar="NAME"),
    "model": _setting("model", str, metavar="NAME"),
    "base_url": _setting("base_url", str, metavar="URL"),
    "angles": _setting("angles", Path, metavar="FILE"),
    "lang": _setting("lang", str, metavar="ja|en"),
    "max_chars": _setting("max_chars", int, metavar="N"),
    "per_angle": _setting("per_angle", int, metavar="N"),
    "count": _setting("count", int, metavar="N"),
    "topic": _setting("topic", str, metavar="TEXT"),
    "strategy": _setting("strategy", str, metavar="auto|sentence|document"),
    "context_tokens": _setting("context_tokens", int, metavar="N"),
    "concurrency": _setting("concurrency", int, metavar="N"),
    "tiers": _setting("tiers", str, metavar="LIST"),
    "threshold": _setting("threshold", float, metavar="RATIO"),
    "semantic_threshold": _setting("semantic_threshold", float, metavar="COSINE"),
    "column": _setting("column", str, metavar="NAME"),
    "include_rejected": _flag("--include-rejected", describe("include_rejected")),
    "no_stance_check": _flag("--no-stance-check", "Do not check which side each statement takes (faster; the table "
                                                  "then counts the sides asked for)."),
    "fill_from_knowledge": _flag("--fill-from-knowledge", describe("fill_from_knowledge")),
    "cache_dir": _setting("cache_dir", Path, metavar="DIR"),
    "no_cache": _flag("--no-cache", describe("no_cache")),
    "timeout": _setting("timeout", float, metavar="SECONDS"),
    "max_retries": _setting("max_retries", int, metavar="N"),
    "redact": _flag("--redact", describe("redact")),
    "strict": _flag("--strict", "Stop at the first unreadable file inside a folder instead of skipping it."),
    "dry_run": _flag("--dry-run", "Count tokens and estimate the cost; call no model."),
    "discover_angles": _flag("--discover-angles", "First ask the model for the documents' own axes of disagreement, "
                                                  "then generate from them."),
    "debug": _flag("--debug", "Print every request and answer to stderr (keys hidden)."),
    "batch_dir": (Annotated[Optional[Path], typer.Option(
        "--batch-dir", metavar="DIR", help="Call no model: write the requests the cache cannot answer to "
        "DIR/round-N.requests.jsonl; read DIR/round-N.results.jsonl into the cache when it is there.")], None),
    "batch": _flag("--batch", "With --batch-dir and --provider openai or anthropic: submit each round to the "
                              "provider's batch API (half price) and collect it on the next run."),
}
OPTIONS.update({name: _setting(name, str, "--" + name.replace("_", "-"), metavar="TEXT") for name in PROVIDER_OPTIONS})
# Where a provider is chosen, its own options can be given too.
PROVIDER = ("provider", "model", "base_url", *PROVIDER_OPTIONS)
GENERATION = ("config", *PROVIDER, "column", "angles", "lang", "topic", "max_chars", "per_angle", "count",
              "strategy", "context_tokens", "concurrency", "no_stance_check", "fill_from_knowledge", "no_cache",
              "cache_dir", "strict", "redact", "timeout", "max_retries", "discover_angles", "batch_dir", "batch",
              "debug")
DEDUPE = ("tiers", "threshold", "semantic_threshold")
FLAGS_THAT_ARE_NOT_SETTINGS = ("config", "strict", "dry_run", "discover_angles", "debug", "batch_dir", "batch")


def with_options(*names: str):
    """Add the named shared options to a command that takes them as **options."""
    def decorate(command):
        signature = inspect.signature(command, eval_str=True)
        parameters = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        annotations = {p.name: p.annotation for p in parameters}
        for name in names:
            annotation, default = OPTIONS[name]
            parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                                annotation=annotation))
            annotations[name] = annotation
        command.__signature__ = signature.replace(parameters=parameters)
        command.__annotations__ = annotations
        return command
    return decorate


def settings_flags(options: dict[str, Any]) -> dict[str, Any]:
    """The given options that are settings; unset ones (None, or False for a flag) are left out, so a
    value from the config file is never blamed on a flag."""
    flags = {key: value for key, value in options.items()
             if key not in FLAGS_THAT_ARE_NOT_SETTINGS and value is not None and value is not False}
    if flags.pop("no_stance_check", False):
        flags["stance_check"] = False
    if isinstance(flags.get("tiers"), str):
        flags["tiers"] = [tier.strip() for tier in flags["tiers"].split(",") if tier.strip()]
    return flags

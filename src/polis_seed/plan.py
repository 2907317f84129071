"""Resolve once: at the start of a run its settings become one RunPlan, and the stages get the parts they use.

Decisions that belong to one moment are taken here and nowhere else: which provider (its spec, model,
server, concurrency), which strategy and why (from the context window the model reports), which prompts,
which angles, which outputs, and whether this is a batch run. Settings (config.py) are read here, by
the commands' own option parsing, and by nothing below.

`auto` strategy follows the model, not the provider's name: the context window the model is served with
(providers/window.py), with 16k tokens as the line. A hosted provider whose server reports nothing is taken
to be capable. The prompt set follows the same choice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .defaults import DEFAULT_TIERS
from .models import Angle, Language
from .providers.registry import PROVIDER_OPTIONS, ResolvedProvider, resolve_provider

CAPABLE_CONTEXT_TOKENS = 16_384


@dataclass(frozen=True)
class StrategyChoice:
    strategy: str  # "sentence" or "document"
    reason: str
    context_tokens: int | None  # the window the model is served with, when known
    capable: bool

    @property
    def sentence_prompt(self) -> str:
        """Capable models get Polis's fuller guidance; small ones short rules and worked examples."""
        return "generate_rich.yaml" if self.capable else "generate.yaml"


def choose_strategy(provider: ResolvedProvider, strategy: str = "auto") -> StrategyChoice:
    """The strategy for a provider, and why; the window comes from the model or server, or --context-tokens."""
    from .providers.window import local_context, probe_server_context

    if provider.name == "local":
        context, why = local_context(provider.model_given, provider.context_tokens)
    elif provider.context_tokens:
        context, why = provider.context_tokens, f"--context-tokens {provider.context_tokens}"
    elif provider.base_url:
        context = probe_server_context(provider.base_url)
        why = (f"the server at {provider.base_url} reports a {context:,}-token window" if context
               else f"the server at {provider.base_url} reports no context window")
    else:
        context, why = None, f"--provider {provider.name} is a hosted model"
    capable = context >= CAPABLE_CONTEXT_TOKENS if context else provider.hosted
    if strategy != "auto":
        return StrategyChoice(strategy, f"--strategy {strategy} ({why})", context, capable)
    chosen = "document" if capable else "sentence"
    line = f"{CAPABLE_CONTEXT_TOKENS:,} tokens"
    reason = (f"auto: {why}" + (f" (at least {line})" if capable and context else "")
              + (f" (under {line}: one sentence per request)" if not capable else ""))
    return StrategyChoice(chosen, reason, context, capable)


def provider_of(settings: Settings) -> ResolvedProvider:
    """The provider the settings name, resolved: the one place its fields are read."""
    return resolve_provider(settings.provider, settings.model, settings.base_url, settings.timeout,
                            settings.max_retries, settings.concurrency, settings.context_tokens,
                            {name: getattr(settings, name) for name in PROVIDER_OPTIONS})


def cache_dir_of(settings: Settings) -> Path | None:
    """Where model calls are cached (None: --no-cache)."""
    from .providers.cache import default_cache_dir

    return None if settings.no_cache else (settings.cache_dir or default_cache_dir())


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




@dataclass(frozen=True)
class DedupeSettings:
    tiers: tuple[str, ...]
    fuzzy_threshold: float
    semantic_threshold: float
    include_rejected: bool = False
    why: str = ""  # why these tiers, when they were not given

    @property
    def needs_model(self) -> bool:
        return "llm" in self.tiers


def judges_paraphrases(provider: ResolvedProvider, strategy: StrategyChoice | None = None) -> bool:
    """Whether the provider's model may judge paraphrases by default: a capable model of a hosted provider's
    kind (the window decides, as for the strategy). The embedded model is no judge: it answered "same claim"
    to every near miss put to it, opposites included (docs/benchmarks.md)."""
    if provider.name == "local" or not provider.hosted:
        return False
    return (strategy or choose_strategy(provider)).capable


def dedupe_settings_of(settings: Settings, provider: ResolvedProvider | None = None,
                       strategy: StrategyChoice | None = None) -> DedupeSettings:
    """The dedupe settings; without --tiers, the default tiers, with llm added when `provider` judges paraphrases."""
    if settings.tiers is not None:
        tiers, why = tuple(settings.tiers), ""
    elif provider is not None and judges_paraphrases(provider, strategy):
        tiers, why = DEFAULT_TIERS + ("llm",), f"llm: {provider.name} {provider.model} judges near duplicates"
    else:
        tiers, why = DEFAULT_TIERS, ""
    return DedupeSettings(tiers, settings.threshold, settings.semantic_threshold, settings.include_rejected, why)


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, decided before any document is read."""

    provider: ResolvedProvider
    strategy: StrategyChoice
    angles: list[Angle]
    outputs: OutputSet
    language: Language | None  # given with --lang; else detected from the documents
    topic: str | None  # given with --topic; else found in the documents
    max_chars: int
    per_angle: int
    count: int | None
    stance_check: bool
    fill_from_knowledge: bool
    redact: bool
    cache_dir: Path | None
    dedupe: DedupeSettings | None  # None: generate only
    # --max-chars was given (flag or config file): the most a generated statement may have. Else each language
    # keeps to its vote length under it (rules.vote_length: English 100).
    max_chars_given: bool = False
    column: str | None = None  # the comment column of a .csv document (--column); None: a recognised name
    batch_dir: Path | None = None
    submit_batch: bool = False
    discover_angles: bool = False
    strict: bool = False
    debug: bool = False

    @property
    def context_tokens(self) -> int:
        """The model's context budget for the document strategy."""
        return self.strategy.context_tokens or self.provider.spec.default_context_tokens or 8192

    @property
    def output_tokens(self) -> int | None:
        """The longest answer the model gives, when the provider says (else the window bounds it)."""
        return self.provider.spec.default_output_tokens


def resolve_plan(settings: Settings, outputs: OutputSet, *, deduplicate_too: bool, batch_dir: Path | None = None,
                 submit_batch: bool = False, discover_angles: bool = False, strict: bool = False,
                 debug: bool = False, dry_run: bool = False) -> RunPlan:
    """The settings of a run, decided once. Raises InputError for what cannot work (before any document is read)."""
    from .errors import InputError
    from .prompts import load_angles

    if batch_dir is None and submit_batch:
        raise InputError("--batch: give --batch-dir DIR too, the folder where the rounds are kept")
    if batch_dir is not None and settings.no_cache:
        raise InputError("--batch-dir: answers are read into the cache, so --no-cache cannot be used with it")
    provider = provider_of(settings)
    # A dry run and writing batch files call no model, so they need no key.
    provider.check(need_key=not dry_run and (batch_dir is None or submit_batch))
    strategy = choose_strategy(provider, settings.strategy)
    if settings.fill_from_knowledge and strategy.strategy != "document":
        raise InputError("--fill-from-knowledge: only the document strategy writes whole lists; give --strategy "
                         "document (a capable model), or leave the option out")
    if provider.name == "local" and strategy.context_tokens:
        provider = provider.with_context(strategy.context_tokens)
    return RunPlan(provider=provider, strategy=strategy, angles=load_angles(settings.angles), outputs=outputs,
                   language=settings.lang, topic=settings.topic, max_chars=settings.max_chars,
                   max_chars_given="max_chars" in settings.model_fields_set,
                   per_angle=settings.per_angle, count=settings.count, stance_check=settings.stance_check,
                   fill_from_knowledge=settings.fill_from_knowledge,
                   redact=settings.redact, cache_dir=cache_dir_of(settings),
                   dedupe=dedupe_settings_of(settings, provider, strategy) if deduplicate_too else None,
                   column=settings.column,
                   batch_dir=batch_dir, submit_batch=submit_batch, discover_angles=discover_angles, strict=strict,
                   debug=debug)

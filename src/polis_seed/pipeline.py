"""The shared functions behind the commands: open a provider, run the stages in order."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .cache import CachedProvider, ResponseCache, default_cache_dir
from .config import Settings
from .embeddings import e5_embed
from .errors import InputError
from .models import Angle, Chunk, Document, Language, Statement
from .prompts import load_angles, load_generate_prompt
from .providers.base import CompletionRequest, Provider
from .redaction import mask_personal_data
from .stages.chunk import chunk_documents
from .stages.dedupe import DedupeOptions, DedupeResult, dedupe_statements
from .stages.generate import (
    GenerateSettings,
    GenerationResult,
    generate_statements,
    plan_slots,
    planned_requests,
)
from .stages.load import load_documents
from .text import detect_language

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
BASE_URL_VARIABLES = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}


def base_url_for(settings: Settings) -> str | None:
    variable = BASE_URL_VARIABLES.get(settings.provider)
    return settings.base_url or (os.environ.get(variable) if variable else None)


def model_for(settings: Settings) -> str:
    return settings.model or DEFAULT_MODELS.get(settings.provider, "embedded")


def check_provider_settings(settings: Settings) -> None:
    """Fail on a bad provider set-up before any document is read or model started."""
    if settings.provider in KEY_VARIABLES:
        variable = KEY_VARIABLES[settings.provider]
        if not os.environ.get(variable) and not base_url_for(settings):
            raise InputError(f"--provider {settings.provider}: no API key; set {variable} (or give --base-url "
                             "for a local compatible server)")
    if settings.provider == "local" and settings.model:
        from .providers.local import resolve_model_path

        resolve_model_path(settings.model)


def make_remote_provider(settings: Settings) -> Provider:
    if settings.provider == "openai":
        from .providers.openai_compat import OpenAIProvider

        return OpenAIProvider(model=model_for(settings), base_url=base_url_for(settings),
                              api_key=os.environ.get("OPENAI_API_KEY"), timeout=settings.timeout,
                              max_retries=settings.max_retries)
    from .providers.anthropic_messages import AnthropicProvider

    return AnthropicProvider(model=model_for(settings), base_url=base_url_for(settings),
                             api_key=os.environ.get("ANTHROPIC_API_KEY"), timeout=settings.timeout,
                             max_retries=settings.max_retries)


@contextlib.contextmanager
def open_provider(settings: Settings, debug: bool = False) -> Iterator[CachedProvider | Provider]:
    """A ready provider, wrapped in the call cache unless disabled; cleans up what it started."""
    check_provider_settings(settings)
    with contextlib.ExitStack() as stack:
        provider: Provider
        if settings.provider == "local":
            from .providers.local import LlamaServer, LocalProvider, resolve_model_path

            server = stack.enter_context(LlamaServer(resolve_model_path(settings.model)))
            provider = LocalProvider(server)
        else:
            provider = make_remote_provider(settings)
        if debug:
            from .providers.debug import DebugProvider

            provider = DebugProvider(provider)
        if not settings.no_cache:
            cache = ResponseCache(settings.cache_dir or default_cache_dir())
            stack.callback(cache.close)
            provider = CachedProvider(provider, cache)
        yield provider


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


def generate_settings(prepared: Prepared, settings: Settings) -> GenerateSettings:
    return GenerateSettings(language=prepared.language, max_chars=settings.max_chars, per_angle=settings.per_angle,
                            concurrency=settings.effective_concurrency())


def generate(prepared: Prepared, provider: Provider, settings: Settings,
             on_progress: Callable[[int, int], None] | None = None) -> GenerationResult:
    return generate_statements(prepared.documents, prepared.chunks, prepared.angles, provider,
                               load_generate_prompt(settings.provider), generate_settings(prepared, settings),
                               on_progress)


def deduplicate(statements: list[Statement], settings: Settings, against: list[Statement] | None = None,
                provider: Provider | None = None) -> DedupeResult:
    """dedupe with the configured tiers; the llm tier judges through `provider` (required for it)."""
    options = DedupeOptions(tiers=settings.tiers, fuzzy_threshold=settings.threshold,
                            semantic_threshold=settings.semantic_threshold)
    uses_embeddings = "semantic" in settings.tiers or "llm" in settings.tiers
    judge = None
    if "llm" in settings.tiers:
        from .stages.judge import llm_judge

        judge = llm_judge(provider) if provider is not None else None
    return dedupe_statements(statements, options, against=against, embed=e5_embed if uses_embeddings else None,
                             judge=judge)


def plan(prepared: Prepared, settings: Settings) -> list[CompletionRequest]:
    """The first attempt of every request a run would make, for --dry-run."""
    slots, _ = plan_slots(prepared.documents, prepared.chunks, prepared.angles, generate_settings(prepared, settings))
    return planned_requests(slots, load_generate_prompt(settings.provider), generate_settings(prepared, settings))

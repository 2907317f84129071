"""The shared functions behind the commands: open a provider, run the stages in order."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .cache import CachedProvider, ResponseCache, default_cache_dir
from .errors import InputError
from .models import Angle, Chunk, Document, Language
from .prompts import load_angles, load_generate_prompt
from .providers.base import Provider
from .stages.chunk import chunk_documents
from .stages.generate import GenerateSettings, GenerationResult, generate_statements
from .stages.load import load_documents
from .text import detect_language

PROVIDERS = ("local", "openai")


@dataclass
class ProviderOptions:
    name: str = "local"
    model: str | None = None
    base_url: str | None = None
    use_cache: bool = True
    cache_dir: Path | None = None


def check_provider_options(options: ProviderOptions) -> None:
    """Fail on a bad provider choice before any document is read or model started."""
    if options.name not in PROVIDERS:
        raise InputError(f"--provider {options.name}: unknown provider; choose one of {', '.join(PROVIDERS)}")
    if options.name == "openai" and not os.environ.get("OPENAI_API_KEY") \
            and not (options.base_url or os.environ.get("OPENAI_BASE_URL")):
        raise InputError("--provider openai: no API key; set OPENAI_API_KEY (or give --base-url "
                         "for a local OpenAI-compatible server)")
    if options.name == "local" and options.model:
        from .providers.local import resolve_model_path

        resolve_model_path(options.model)


@contextlib.contextmanager
def open_provider(options: ProviderOptions) -> Iterator[CachedProvider | Provider]:
    """A ready provider, wrapped in the call cache unless disabled; cleans up what it started."""
    check_provider_options(options)
    with contextlib.ExitStack() as stack:
        provider: Provider
        if options.name == "local":
            from .providers.local import LlamaServer, LocalProvider, resolve_model_path

            server = stack.enter_context(LlamaServer(resolve_model_path(options.model)))
            provider = LocalProvider(server)
        else:
            from .providers.openai_compat import OpenAIProvider

            base_url = options.base_url or os.environ.get("OPENAI_BASE_URL")
            api_key = os.environ.get("OPENAI_API_KEY")
            provider = OpenAIProvider(model=options.model or "gpt-4o-mini", base_url=base_url, api_key=api_key)
        if options.use_cache:
            cache = ResponseCache(options.cache_dir or default_cache_dir())
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


def prepare(paths: list[Path], angles_file: Path | None, language: Language | None, strict: bool = False) -> Prepared:
    """load → chunk, plus the angles and the language: everything before the model is asked."""
    loaded = load_documents(paths, strict=strict)
    angles = load_angles(angles_file)
    language = language or detect_language("\n".join(document.text for document in loaded.documents))
    return Prepared(loaded.documents, chunk_documents(loaded.documents), angles, language, loaded.warnings)


def generate(prepared: Prepared, provider: Provider, settings: GenerateSettings,
             on_progress: Callable[[int, int], None] | None = None) -> GenerationResult:
    return generate_statements(prepared.documents, prepared.chunks, prepared.angles, provider,
                               load_generate_prompt(), settings, on_progress)

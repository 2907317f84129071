"""Every fact about a provider in one place: one ProviderSpec each. To add a provider, add a spec here.

A spec names the key and base-URL variables, the default model and concurrency, whether the
provider's models are capable (hosted, large context) by default, its batch file format, and the
factory that builds it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # the registry stays light: `--help` lists the providers without loading any SDK
    from ..config import Settings
    from .base import Provider


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    description: str
    default_model: str | None
    default_concurrency: int
    key_variable: str | None
    base_url_variable: str | None
    # A hosted provider's models are large and read whole documents: `--strategy auto` picks the
    # document strategy for them unless their server reports a small context window.
    hosted: bool
    # The context window assumed for the provider's models when neither the server nor --context-tokens says.
    default_context_tokens: int | None
    batch_format: str | None
    build: Callable[[Settings, contextlib.ExitStack], Provider]

    def base_url(self, settings: Settings) -> str | None:
        return settings.base_url or (os.environ.get(self.base_url_variable) if self.base_url_variable else None)

    def model(self, settings: Settings) -> str:
        return settings.model or self.default_model or "embedded"

    def api_key(self) -> str | None:
        return os.environ.get(self.key_variable) if self.key_variable else None

    def identity(self, settings: Settings) -> dict[str, str]:
        """What answers requests (the cache keys on it): known without building the provider."""
        if self.name == "local":
            from .local import local_identity

            return local_identity(settings.model)
        return {"provider": self.name, "model": self.model(settings), "base_url": self.base_url(settings) or ""}


def _build_local(settings: Settings, stack: contextlib.ExitStack) -> Provider:
    from .local import LlamaServer, LocalProvider, resolve_model_path

    server = stack.enter_context(LlamaServer(resolve_model_path(settings.model), context_tokens=settings.context_tokens))
    return LocalProvider(server, PROVIDERS["local"].identity(settings), timeout=settings.timeout,
                         max_retries=settings.max_retries)


def _build_openai(settings: Settings, stack: contextlib.ExitStack) -> Provider:
    from .openai_compat import OpenAIProvider

    spec = PROVIDERS["openai"]
    return OpenAIProvider(model=spec.model(settings), base_url=spec.base_url(settings), api_key=spec.api_key(),
                          timeout=settings.timeout, max_retries=settings.max_retries)


def _build_anthropic(settings: Settings, stack: contextlib.ExitStack) -> Provider:
    from .anthropic_messages import AnthropicProvider

    spec = PROVIDERS["anthropic"]
    return AnthropicProvider(model=spec.model(settings), base_url=spec.base_url(settings), api_key=spec.api_key(),
                             timeout=settings.timeout, max_retries=settings.max_retries)


PROVIDERS: dict[str, ProviderSpec] = {
    "local": ProviderSpec(
        name="local", description="the embedded model (or any .gguf file) served by llama-server on 127.0.0.1",
        default_model=None, default_concurrency=1, key_variable=None, base_url_variable=None, hosted=False,
        default_context_tokens=None, batch_format="openai", build=_build_local),
    "openai": ProviderSpec(
        name="openai", description="OpenAI or any OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio)",
        default_model="gpt-4o-mini", default_concurrency=8, key_variable="OPENAI_API_KEY",
        base_url_variable="OPENAI_BASE_URL", hosted=True, default_context_tokens=128_000, batch_format="openai",
        build=_build_openai),
    "anthropic": ProviderSpec(
        name="anthropic", description="Anthropic or any Messages-API server",
        default_model="claude-haiku-4-5", default_concurrency=4, key_variable="ANTHROPIC_API_KEY",
        base_url_variable="ANTHROPIC_BASE_URL", hosted=True, default_context_tokens=200_000, batch_format="anthropic",
        build=_build_anthropic),
}
PROVIDER_NAMES = tuple(PROVIDERS)


def provider_spec(name: str) -> ProviderSpec:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise InputError(f"--provider {name}: unknown provider; choose one of {', '.join(PROVIDERS)}") from None


def check_provider_settings(settings: Settings, need_key: bool = True) -> None:
    """Fail on a bad provider set-up before any document is read or model started. Writing batch files
    calls no model, so it needs no key."""
    spec = provider_spec(settings.provider)
    if need_key and spec.key_variable and not spec.api_key() and not spec.base_url(settings):
        raise InputError(f"--provider {spec.name}: no API key; set {spec.key_variable} (or give --base-url "
                         "for a local compatible server)")
    if spec.name == "local" and settings.model:
        from .local import resolve_model_path

        resolve_model_path(settings.model)


@contextlib.contextmanager
def open_provider(settings: Settings, debug: bool = False, batch_queue: Provider | None = None) -> Iterator[Provider]:
    """A ready provider, wrapped in the call cache unless disabled; cleans up what it started. With a
    batch queue, nothing is started: what the cache cannot answer is queued for a batch file."""
    check_provider_settings(settings, need_key=batch_queue is None)
    with contextlib.ExitStack() as stack:
        provider = batch_queue or provider_spec(settings.provider).build(settings, stack)
        if debug:
            from .debug import DebugProvider

            provider = DebugProvider(provider)
        if not settings.no_cache:
            from .cache import CachedProvider, ResponseCache, default_cache_dir

            cache = ResponseCache(settings.cache_dir or default_cache_dir())
            stack.callback(cache.close)
            provider = CachedProvider(provider, cache)
        yield provider

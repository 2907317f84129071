"""Every fact about a provider in one place: one ProviderSpec each. To add a provider, add a spec here and
a module with its client (see README, "Adding a provider").

A spec names the key, base-URL and model variables, the default model and concurrency, whether the
provider's models are capable (hosted, large context) by default, its batch file format and batch API, and
the factory that builds it. `resolve_provider` turns the run's settings into one `ResolvedProvider` at the
start of a run; everything after asks that object, never the settings or the registry again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import InputError

if TYPE_CHECKING:  # the registry stays light: `--help` lists the providers without loading any SDK
    from .base import CompletionRequest, Provider


@dataclass(frozen=True)
class ProviderOption:
    """A setting one provider needs beyond model, base URL and key (Azure: its API version). The CLI, the
    config file and the resolved provider pick it up from here: a flag, a variable, a default."""

    name: str  # the setting's key (config file) and, with dashes, its flag
    variable: str | None
    default: str | None
    description: str


class BatchAPI(Protocol):
    """A provider's batch endpoint: submit a request file, and poll it until its results can be downloaded."""

    def submit(self, path: Path) -> str: ...

    def poll(self, batch_id: str) -> tuple[str, list[str] | None]: ...


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
    # The batch file format ("openai" or "anthropic" lines) and the path a request line names.
    batch_format: str
    build: Callable[[ResolvedProvider, contextlib.ExitStack], Provider]
    batch_api: Callable[[ResolvedProvider], BatchAPI] | None = None
    batch_url: str = "/v1/chat/completions"
    model_variable: str | None = None
    options: tuple[ProviderOption, ...] = ()
    # The name its prices are listed under in data/prices.yaml (default: the model's own name).
    price_key: Callable[[ResolvedProvider], str] | None = None
    # What answers is known without building the provider (the local provider names its model file).
    identity: Callable[[ResolvedProvider], dict[str, str]] | None = None
    # A provider that has no public default server (Azure: each resource has its own endpoint).
    needs_base_url: bool = False
    # The provider's own token counter for dry runs ((function, its name)); None: tiktoken's estimate.
    count_tokens: Callable[[ResolvedProvider], tuple[Callable[[CompletionRequest], int], str]] | None = None
    # The first request with a cached prefix is billed for writing it (Anthropic's cache writes).
    bills_cache_writes: bool = False
    # The longest answer its models give (max_tokens above it is refused); None: the window bounds it.
    default_output_tokens: int | None = None


@dataclass(frozen=True)
class ResolvedProvider:
    """The provider a run uses, decided once: its spec, model, server, time-outs, concurrency and window."""

    spec: ProviderSpec
    model: str  # the model (for local: the .gguf path, or "embedded")
    model_given: str | None
    base_url: str | None
    timeout: float
    max_retries: int
    concurrency: int
    context_tokens: int | None = None  # the window a local server is started with
    options: dict[str, str | None] = field(default_factory=dict)  # the spec's own options, resolved

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def hosted(self) -> bool:
        return self.spec.hosted

    @property
    def price_model(self) -> str:
        return self.spec.price_key(self) if self.spec.price_key else self.model

    def api_key(self) -> str | None:
        return os.environ.get(self.spec.key_variable) if self.spec.key_variable else None

    def identity(self) -> dict[str, str]:
        """What answers requests (the cache keys on it): known without building the provider."""
        if self.spec.identity is not None:
            return self.spec.identity(self)
        return {"provider": self.name, "model": self.model, "base_url": self.base_url or ""}

    def with_context(self, context_tokens: int | None) -> ResolvedProvider:
        from dataclasses import replace

        return replace(self, context_tokens=context_tokens)

    def check(self, need_key: bool = True) -> None:
        """Fail on a bad set-up before any document is read or model started. Writing batch files calls no
        model, so it needs no key."""
        spec = self.spec
        if spec.needs_base_url and not self.base_url:
            raise InputError(f"--provider {spec.name}: no endpoint; set {spec.base_url_variable} or give --base-url")
        # A base URL usually means a local compatible server, which needs no key; a provider that always has
        # its own endpoint (Azure) always needs its key.
        if need_key and spec.key_variable and not self.api_key() and (spec.needs_base_url or not self.base_url):
            raise InputError(f"--provider {spec.name}: no API key; set {spec.key_variable}"
                             + ("" if spec.needs_base_url else " (or give --base-url for a local compatible server)"))
        if spec.name == "local" and self.model_given:
            from .local import resolve_model_path

            resolve_model_path(self.model_given)

    def batch(self) -> BatchAPI:
        if self.spec.batch_api is None:
            from ..errors import RunFailure

            raise RunFailure(f"--batch: --provider {self.name} has no batch API; write the rounds with --batch-dir "
                             "alone and answer them with `polis-seed batch answer`")
        return self.spec.batch_api(self)

    @contextlib.contextmanager
    def open(self, cache_dir: Path | None, debug: bool = False, batch_queue: Provider | None = None
             ) -> Iterator[Provider]:
        """A ready provider, wrapped in the call cache (None: no cache); cleans up what it started. With a
        batch queue, nothing is started: what the cache cannot answer is queued for a batch file."""
        self.check(need_key=batch_queue is None)
        with contextlib.ExitStack() as stack:
            provider = batch_queue or self.spec.build(self, stack)
            if debug:
                from .debug import DebugProvider

                provider = DebugProvider(provider)
            if cache_dir is not None:
                from .cache import CachedProvider, ResponseCache

                cache = ResponseCache(cache_dir)
                stack.callback(cache.close)
                provider = CachedProvider(provider, cache)
            yield provider


def _local_identity(resolved: ResolvedProvider) -> dict[str, str]:
    from .local import local_identity

    return local_identity(resolved.model_given)


def _build_local(resolved: ResolvedProvider, stack: contextlib.ExitStack) -> Provider:
    from .local import LlamaServer, LocalProvider, resolve_model_path

    server = stack.enter_context(LlamaServer(resolve_model_path(resolved.model_given),
                                             context_tokens=resolved.context_tokens))
    return LocalProvider(server, resolved.identity(), timeout=resolved.timeout, max_retries=resolved.max_retries)


def _build_openai(resolved: ResolvedProvider, stack: contextlib.ExitStack) -> Provider:
    from .openai_compat import OpenAIProvider

    return OpenAIProvider(model=resolved.model, base_url=resolved.base_url, api_key=resolved.api_key(),
                          timeout=resolved.timeout, max_retries=resolved.max_retries)


def _openai_batches(resolved: ResolvedProvider) -> BatchAPI:
    from .openai_compat import OpenAIBatches

    return OpenAIBatches(resolved.base_url, resolved.api_key(), resolved.timeout, resolved.max_retries)


def _build_anthropic(resolved: ResolvedProvider, stack: contextlib.ExitStack) -> Provider:
    from .anthropic_messages import AnthropicProvider

    return AnthropicProvider(model=resolved.model, base_url=resolved.base_url, api_key=resolved.api_key(),
                             timeout=resolved.timeout, max_retries=resolved.max_retries)


def _anthropic_token_counter(resolved: ResolvedProvider):
    counter = _build_anthropic(resolved, contextlib.ExitStack())
    return counter.count_input_tokens, "Anthropic count_tokens"


def _anthropic_batches(resolved: ResolvedProvider) -> BatchAPI:
    from .anthropic_messages import AnthropicBatches

    return AnthropicBatches(resolved.base_url, resolved.api_key(), resolved.timeout, resolved.max_retries)


def _build_azure(resolved: ResolvedProvider, stack: contextlib.ExitStack) -> Provider:
    from .azure_openai import AzureOpenAIProvider

    return AzureOpenAIProvider(deployment=resolved.model, endpoint=resolved.base_url, api_key=resolved.api_key(),
                               api_version=resolved.options["api_version"], timeout=resolved.timeout,
                               max_retries=resolved.max_retries)


def _azure_batches(resolved: ResolvedProvider) -> BatchAPI:
    from .azure_openai import AzureBatches

    return AzureBatches(resolved.base_url, resolved.api_key(), resolved.options["api_version"], resolved.timeout,
                        resolved.max_retries)


def _azure_identity(resolved: ResolvedProvider) -> dict[str, str]:
    return {"provider": "azure", "model": resolved.model, "base_url": resolved.base_url or "",
            "api_version": resolved.options["api_version"] or ""}


PROVIDERS: dict[str, ProviderSpec] = {
    "local": ProviderSpec(
        name="local", description="the embedded model (or any .gguf file) served by llama-server on 127.0.0.1",
        default_model=None, default_concurrency=1, key_variable=None, base_url_variable=None, hosted=False,
        default_context_tokens=None, batch_format="openai", build=_build_local, identity=_local_identity),
    "openai": ProviderSpec(
        name="openai", description="OpenAI or any OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio)",
        default_model="gpt-4o-mini", default_concurrency=8, key_variable="OPENAI_API_KEY",
        base_url_variable="OPENAI_BASE_URL", hosted=True, default_context_tokens=128_000, batch_format="openai",
        build=_build_openai, batch_api=_openai_batches, default_output_tokens=16_384),
    "anthropic": ProviderSpec(
        name="anthropic", description="Anthropic or any Messages-API server",
        default_model="claude-haiku-4-5", default_concurrency=4, key_variable="ANTHROPIC_API_KEY",
        base_url_variable="ANTHROPIC_BASE_URL", hosted=True, default_context_tokens=200_000, batch_format="anthropic",
        build=_build_anthropic, batch_api=_anthropic_batches, count_tokens=_anthropic_token_counter,
        bills_cache_writes=True, default_output_tokens=32_000),
    "azure": ProviderSpec(
        name="azure", description="Azure OpenAI: a deployment in your Azure resource (--base-url: its endpoint, "
                                  "--model: the deployment)",
        default_model=None, default_concurrency=8, key_variable="AZURE_OPENAI_API_KEY",
        base_url_variable="AZURE_OPENAI_ENDPOINT", model_variable="AZURE_OPENAI_DEPLOYMENT", hosted=True,
        default_context_tokens=128_000, batch_format="openai", batch_url="/chat/completions", build=_build_azure,
        batch_api=_azure_batches, identity=_azure_identity, needs_base_url=True, default_output_tokens=16_384,
        options=(ProviderOption("api_version", "AZURE_OPENAI_API_VERSION", "2024-10-21",
                                "azure: the API version the resource is called with"),
                 ProviderOption("azure_model", "AZURE_OPENAI_MODEL", None,
                                "azure: the model the deployment serves, for the price table (default: the "
                                "deployment's name)")),
        price_key=lambda resolved: "azure/" + (resolved.options["azure_model"] or resolved.model)),
}
PROVIDER_NAMES = tuple(PROVIDERS)


def provider_spec(name: str) -> ProviderSpec:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise InputError(f"--provider {name}: unknown provider; choose one of {', '.join(PROVIDERS)}") from None


PROVIDER_OPTIONS: dict[str, ProviderOption] = {option.name: option for spec in PROVIDERS.values()
                                               for option in spec.options}


def resolve_provider(name: str, model: str | None = None, base_url: str | None = None, timeout: float = 600.0,
                     max_retries: int = 2, concurrency: int | None = None, context_tokens: int | None = None,
                     options: dict[str, str | None] | None = None) -> ResolvedProvider:
    """The provider a run uses, from its settings and the provider's variables; the one place they are read.
    A setting given wins over its variable, which wins over its default."""
    spec = provider_spec(name)
    model_given = model or (os.environ.get(spec.model_variable) if spec.model_variable else None)
    url = base_url or (os.environ.get(spec.base_url_variable) if spec.base_url_variable else None)
    given = options or {}
    resolved = {option.name: given.get(option.name) or (os.environ.get(option.variable) if option.variable else None)
                or option.default for option in spec.options}
    return ResolvedProvider(spec=spec, model=model_given or spec.default_model or "embedded", model_given=model_given,
                            base_url=url, timeout=timeout, max_retries=max_retries,
                            concurrency=concurrency or spec.default_concurrency, context_tokens=context_tokens,
                            options=resolved)


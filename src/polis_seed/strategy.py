"""Which generation strategy a model gets, and why: `sentence` (one source sentence per request, for
small models) or `document` (whole documents, for capable models).

`auto` follows the model, not the provider's name: the context window the model is served with (asked
of the server: llama.cpp's /props, or the model listing of vLLM and LM Studio; for a local .gguf file,
its metadata), with 16k tokens as the line. A hosted provider whose server reports nothing is taken to be
capable. The prompt set follows the same choice.
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .providers.registry import provider_spec

CAPABLE_CONTEXT_TOKENS = 16_384
# A local model with a larger window is still served with at most this many, to bound memory.
LOCAL_CONTEXT_CAP = 32_768
PROBE_TIMEOUT_SECONDS = 3.0


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


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_SECONDS) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError):
        return None


def probe_server_context(base_url: str) -> int | None:
    """The context window an OpenAI/Anthropic-compatible server reports for its model, if it says."""
    base = base_url.rstrip("/")
    root = base[:-3] if base.endswith("/v1") else base
    props = _get_json(f"{root}/props") or {}
    served = (props.get("default_generation_settings") or {}).get("n_ctx") or props.get("n_ctx")
    if isinstance(served, int) and served > 0:
        return served
    listing = _get_json(f"{root}/v1/models") or {}
    for model in listing.get("data") or []:
        for key in ("max_model_len", "context_length", "max_context_length"):
            if isinstance(model.get(key), int):
                return model[key]
        meta = model.get("meta") or {}
        if isinstance(meta.get("n_ctx_train"), int):
            return meta["n_ctx_train"]
    return None


def local_context(settings: Settings) -> tuple[int, str]:
    """The window llama-server is started with, and why."""
    from .providers.local import MODEL_ENV, SMALL_MODEL_CONTEXT_TOKENS, gguf_context_length

    if settings.context_tokens:
        return settings.context_tokens, f"--context-tokens {settings.context_tokens}"
    chosen = settings.model or os.environ.get(MODEL_ENV)
    if not chosen:
        return SMALL_MODEL_CONTEXT_TOKENS, "the embedded 1.5B model runs with a 4,096-token window"
    trained = gguf_context_length(Path(chosen).expanduser())
    if trained is None:
        return SMALL_MODEL_CONTEXT_TOKENS, f"{Path(chosen).name} does not state its context window"
    served = min(trained, LOCAL_CONTEXT_CAP)
    return served, f"{Path(chosen).name} was trained for {trained:,} tokens; served with {served:,}"


def choose_strategy(settings: Settings) -> StrategyChoice:
    spec = provider_spec(settings.provider)
    if spec.name == "local":
        context, why = local_context(settings)
    elif settings.context_tokens:
        context, why = settings.context_tokens, f"--context-tokens {settings.context_tokens}"
    elif spec.base_url(settings):
        context = probe_server_context(spec.base_url(settings))
        why = (f"the server at {spec.base_url(settings)} reports a {context:,}-token window" if context
               else f"the server at {spec.base_url(settings)} reports no context window")
    else:
        context, why = None, f"--provider {spec.name} is a hosted model"
    capable = context >= CAPABLE_CONTEXT_TOKENS if context else spec.hosted
    if settings.strategy != "auto":
        return StrategyChoice(settings.strategy, f"--strategy {settings.strategy} ({why})", context, capable)
    strategy = "document" if capable else "sentence"
    line = f"{CAPABLE_CONTEXT_TOKENS:,} tokens"
    reason = (f"auto: {why}" + (f" (at least {line})" if capable and context else "")
              + (f" (under {line}: one sentence per request)" if not capable else ""))
    return StrategyChoice(strategy, reason, context, capable)

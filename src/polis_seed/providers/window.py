"""The context window a model is served with, as the model or its server reports it: llama.cpp's /props,
the model listing of vLLM and LM Studio, or for a local .gguf file its metadata. plan.py chooses the
strategy from it."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

# A local model with a larger window is still served with at most this many, to bound memory.
LOCAL_CONTEXT_CAP = 32_768
PROBE_TIMEOUT_SECONDS = 3.0


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


def local_context(model: str | None, context_tokens: int | None) -> tuple[int, str]:
    """The window llama-server is started with, and why."""
    from .local import MODEL_ENV, SMALL_MODEL_CONTEXT_TOKENS, gguf_context_length

    if context_tokens:
        return context_tokens, f"--context-tokens {context_tokens}"
    chosen = model or os.environ.get(MODEL_ENV)
    if not chosen:
        return SMALL_MODEL_CONTEXT_TOKENS, "the embedded 1.5B model runs with a 4,096-token window"
    trained = gguf_context_length(Path(chosen).expanduser())
    if trained is None:
        return SMALL_MODEL_CONTEXT_TOKENS, f"{Path(chosen).name} does not state its context window"
    served = min(trained, LOCAL_CONTEXT_CAP)
    return served, f"{Path(chosen).name} was trained for {trained:,} tokens; served with {served:,}"

"""Every setting's default and meaning, in one table. `Settings` (config.py) is built from it and help
texts read it, so a default is written once. Plain data, no pydantic: `polis-seed --help` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .io.readers import COMMENT_COLUMNS
from .providers.registry import PROVIDER_NAMES, PROVIDER_OPTIONS


@dataclass(frozen=True)
class Default:
    value: Any
    description: str


# Dedupe's tiers when --tiers is not given; plan.py adds llm for a capable hosted model.
DEFAULT_TIERS = ("exact", "fuzzy", "semantic")

DEFAULTS: dict[str, Default] = {
    "provider": Default("local", f"model provider: {', '.join(PROVIDER_NAMES)}"),
    "model": Default(None, "model name; for 'local', a .gguf file (default: the embedded Qwen2.5-Coder-1.5B, or "
                           "$POLIS_SEED_MODEL)"),
    "base_url": Default(None, "compatible server URL (also $OPENAI_BASE_URL / $ANTHROPIC_BASE_URL)"),
    "angles": Default(None, "angles YAML file (default: prompts/angles.yaml)"),
    "lang": Default(None, "statement language, ja or en (default: detected from the documents)"),
    "max_chars": Default(140, "longest statement allowed, in characters (Polis's old UI takes 140, the new UI 400, "
                              "the server 997)"),
    "per_angle": Default(4, "statements per angle, half pro and half con"),
    "topic": Default(None, "the documents' subject as you would name it (default: found in the documents with one "
                           "model request)"),
    "count": Default(None, "document strategy: statements in the final list (default: per-angle × angles)"),
    "strategy": Default("auto", "auto, sentence (one source sentence per request, for small models) or document "
                                "(whole documents, for capable models); auto follows the model's context window"),
    "context_tokens": Default(None, "the model's context budget in tokens (default: what the model or server reports)"),
    "concurrency": Default(None, "requests in flight at once (default: local 1, openai 8, anthropic 4)"),
    "threshold": Default(88.0, "fuzzy dedupe tier: rapidfuzz ratio 0-100"),
    "semantic_threshold": Default(0.96, "semantic dedupe tier: embedding cosine 0-1"),
    "tiers": Default(None, "dedupe tiers, from exact,fuzzy,semantic,llm (default: exact,fuzzy,semantic, and llm too "
                           "for a capable hosted model)"),
    "fill_from_knowledge": Default(False, "document strategy: a side the documents do not support may be written from "
                                          "the model's own knowledge, marked 'not from the documents' (no quote)"),
    "stance_check": Default(True, "check which side each statement really takes (two short model requests per "
                                  "statement); --no-stance-check turns it off"),
    "column": Default(None, "the column of a comment CSV that holds the comments, named as in its header (default: "
                            f"the first of the recognised names {', '.join(COMMENT_COLUMNS)}); polis-seed's own "
                            "statement CSVs and review sheets are read by their own columns"),
    "include_rejected": Default(False, "keep comments a Polis moderator rejected (moderated = -1)"),
    "cache_dir": Default(None, "folder for the cache of model calls"),
    "no_cache": Default(False, "ask the model again even for cached requests"),
    "timeout": Default(600.0, "seconds one model request may take (the SDK's time-out)"),
    "max_retries": Default(2, "the SDK's own retries of a failed request"),
    "redact": Default(False, "mask e-mail addresses, phone numbers and postal codes before any text is sent to a model"),
}


# The options a provider declares (providers/registry.py), each a setting of its own.
DEFAULTS.update({name: Default(None, f"{option.description} (also ${option.variable}"
                                     + (f"; default: {option.default})" if option.default else ")"))
                 for name, option in PROVIDER_OPTIONS.items()})


def default_of(key: str) -> Any:
    value = DEFAULTS[key].value
    return list(value) if isinstance(value, list) else value


def describe(key: str) -> str:
    """Help text for a setting: its meaning and its default."""
    entry = DEFAULTS[key]
    value = ",".join(entry.value) if isinstance(entry.value, list) else entry.value
    shown = "" if value is None or isinstance(value, bool) else f" (default: {value})"
    return f"{entry.description[0].upper()}{entry.description[1:]}{shown}."

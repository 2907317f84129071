"""Settings: polis-seed.yaml (or --config), then command-line flags, validated against the table of
defaults in defaults.py (where help texts read them too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from .defaults import DEFAULTS, default_of
from .providers.registry import PROVIDER_NAMES, PROVIDER_OPTIONS
from .errors import InputError
from .io.readers import header_name

CONFIG_FILE_NAME = "polis-seed.yaml"
Tier = Literal["exact", "fuzzy", "semantic", "llm"]


def _setting(key: str, **constraints: Any) -> Any:
    entry = DEFAULTS[key]
    if isinstance(entry.value, list):
        return Field(default_factory=lambda: default_of(key), description=entry.description, **constraints)
    return Field(entry.value, description=entry.description, **constraints)


class CommonSettings(BaseModel):
    """Everything a run can be configured with; unknown keys are an error, not silence. Defaults and
    descriptions come from defaults.DEFAULTS."""

    model_config = ConfigDict(extra="forbid")

    provider: str = _setting("provider")
    model: str | None = _setting("model")
    base_url: str | None = _setting("base_url")
    angles: Path | None = _setting("angles")
    lang: Literal["ja", "en"] | None = _setting("lang")
    max_chars: int = _setting("max_chars", ge=1)
    per_angle: int = _setting("per_angle", ge=1)
    topic: str | None = _setting("topic", min_length=2, max_length=80)
    count: int | None = _setting("count", ge=1)
    strategy: Literal["auto", "sentence", "document"] = _setting("strategy")
    context_tokens: int | None = _setting("context_tokens", ge=1024)
    concurrency: int | None = _setting("concurrency", ge=1)
    threshold: float = _setting("threshold", ge=0, le=100)
    semantic_threshold: float = _setting("semantic_threshold", ge=0, le=1)
    tiers: list[Tier] | None = _setting("tiers", min_length=1)
    stance_check: bool = _setting("stance_check")
    fill_from_knowledge: bool = _setting("fill_from_knowledge")
    column: str | None = _setting("column")
    include_rejected: bool = _setting("include_rejected")
    cache_dir: Path | None = _setting("cache_dir")
    no_cache: bool = _setting("no_cache")
    timeout: float = _setting("timeout", gt=0)
    max_retries: int = _setting("max_retries", ge=0)
    redact: bool = _setting("redact")

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        if value not in PROVIDER_NAMES:
            raise ValueError(f"unknown provider; choose one of {', '.join(PROVIDER_NAMES)}")
        return value

    @field_validator("column")
    @classmethod
    def _a_column_name(cls, value: str | None) -> str | None:
        if value is not None and not header_name(value):
            raise ValueError("empty; give the header of the column that holds the comments")
        return value


# Settings: the common ones, plus every option a provider declares (its API version, …), as text.
Settings = create_model("Settings", __base__=CommonSettings, __doc__=CommonSettings.__doc__,
                        **{name: (str | None, _setting(name)) for name in PROVIDER_OPTIONS})


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: no such config file; check the path")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}:{where} is not valid YAML; fix the file") from None
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: must be a mapping of settings, e.g. 'provider: openai'")
    values = {str(key).replace("-", "_"): value for key, value in loaded.items()}
    if isinstance(values.get("angles"), str):
        # A relative angles path in a config file is relative to that file.
        values["angles"] = str(path.parent / values["angles"])
    return values


def config_path(given: Path | None) -> Path | None:
    return given or (Path(CONFIG_FILE_NAME) if Path(CONFIG_FILE_NAME).is_file() else None)


def load_settings(given_config: Path | None, flags: dict[str, Any]) -> Settings:
    """The config file (given, or polis-seed.yaml in the working folder if present), then the flags
    that were really given (None means "not given"). A bad value is blamed on where it came from."""
    path = config_path(given_config)
    from_file = _read_config(path) if path is not None else {}
    given = {key: value for key, value in flags.items() if value is not None}
    try:
        return Settings.model_validate({**from_file, **given})
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(Settings.model_fields)
            raise InputError(f"{path}: unknown setting '{key}'; allowed: {allowed}") from None
        message = first["msg"].lower().removeprefix("value error, ")
        if key in given:
            raise InputError(f"--{key.replace('_', '-')} {_shown(given[key])}: {message}") from None
        raise InputError(f"{path}: {key}: {_shown(first['input'])}: {message}; fix the file") from None


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return repr(value) if isinstance(value, str) else str(value)

"""Settings from polis-seed.yaml (or --config), overridden by command-line flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError
from .stages.dedupe import (
    DEFAULT_FUZZY_THRESHOLD,
    DEFAULT_SEMANTIC_THRESHOLD,
    DEFAULT_TIERS,
)

CONFIG_FILE_NAME = "polis-seed.yaml"
ProviderName = Literal["local", "openai", "anthropic"]
# Requests in flight at once: llama-server runs one slot on a small CPU; hosted APIs take more.
DEFAULT_CONCURRENCY: dict[str, int] = {"local": 1, "openai": 8, "anthropic": 4}


class Settings(BaseModel):
    """Everything a run can be configured with; unknown keys are an error, not silence."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName = "local"
    model: str | None = None
    base_url: str | None = None
    angles: Path | None = None
    lang: Literal["ja", "en"] | None = None
    max_chars: int = Field(140, ge=1)
    per_angle: int = Field(6, ge=1)
    concurrency: int | None = Field(None, ge=1)
    threshold: float = Field(DEFAULT_FUZZY_THRESHOLD, ge=0, le=100, description="fuzzy tier: rapidfuzz ratio")
    semantic_threshold: float = Field(DEFAULT_SEMANTIC_THRESHOLD, ge=0, le=1, description="semantic tier: cosine")
    tiers: list[Literal["exact", "fuzzy", "semantic", "llm"]] = list(DEFAULT_TIERS)
    cache_dir: Path | None = None
    no_cache: bool = False
    timeout: float = Field(600.0, gt=0, description="seconds one model request may take (the SDK's timeout)")
    max_retries: int = Field(2, ge=0, description="the SDK's own retries of a failed request")
    redact: bool = False

    def effective_concurrency(self) -> int:
        return self.concurrency or DEFAULT_CONCURRENCY[self.provider]


def load_settings(config_path: Path | None, overrides: dict[str, object]) -> Settings:
    """The config file (given, or polis-seed.yaml in the working folder if present), then flags."""
    values: dict[str, object] = {}
    path = config_path or (Path(CONFIG_FILE_NAME) if Path(CONFIG_FILE_NAME).is_file() else None)
    if path is not None:
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
        values.update({key.replace("-", "_"): value for key, value in loaded.items()})
        if isinstance(values.get("angles"), str):
            # A relative angles path in a config file is relative to that file.
            values["angles"] = str((path.parent / values["angles"]))
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        source = f"{path}" if path and key in values and key not in overrides else f"--{key.replace('_', '-')}"
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(Settings.model_fields)
            raise InputError(f"{path}: unknown setting '{key}'; allowed: {allowed}") from None
        if first["type"] == "literal_error":
            raise InputError(f"{source}: unknown value {first['input']!r}; {first['msg'].lower()}") from None
        shown = f" {first['input']}" if source.startswith("--") else ""
        raise InputError(f"{source}{shown}: {first['msg'].lower()}") from None

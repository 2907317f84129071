"""Prompt and angle files: editable YAML in prompts/, validated on load."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InputError
from .models import Angle, Language

PROMPTS_ENV = "POLIS_SEED_PROMPTS"


def prompts_dir() -> Path:
    """$POLIS_SEED_PROMPTS if set (a folder with your own prompt files), else prompts/ shipped in the
    wheel, or the repository's prompts/ in an editable install."""
    configured = os.environ.get(PROMPTS_ENV)
    if configured:
        return Path(configured)
    packaged = resources.files("polis_seed") / "prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "prompts"


class FewShotExample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = ""
    terms: str = ""
    angle_name: str
    side: str
    source: str
    statements: list[str]


class GeneratePrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: str
    user: dict[Language, str]
    examples: dict[Language, list[FewShotExample]]


class AngleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    angles: list[Angle]


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise InputError(f"{path}:{line} is not valid YAML; fix the file ({str(error).splitlines()[0]})") from None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    return f"{location}: {first['msg']}"


def load_angles(path: Path | None = None) -> list[Angle]:
    path = path or prompts_dir() / "angles.yaml"
    try:
        angles = AngleFile.model_validate(_read_yaml(path)).angles
    except ValidationError as error:
        raise InputError(
            f"{path}: {_first_error(error)}; each angle needs id, name, pro, con (and optional keywords)"
        ) from None
    if not angles:
        raise InputError(f"{path}: lists no angles; add at least one")
    ids = [angle.id for angle in angles]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: angle ids repeat; give each angle its own id")
    return angles


def prompt_path(file_name: str) -> Path:
    """A prompt file in the prompts folder; a missing file is an error, never a silent fallback."""
    path = prompts_dir() / file_name
    if not path.is_file():
        hint = f" (set by ${PROMPTS_ENV}; copy {file_name} from the shipped prompts/ into it)" \
            if os.environ.get(PROMPTS_ENV) else ""
        raise InputError(f"{path}: no such prompt file{hint}")
    return path


def load_generate_prompt(file_name: str = "generate.yaml") -> GeneratePrompt:
    path = prompt_path(file_name)
    try:
        return GeneratePrompt.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise InputError(f"{path}: {_first_error(error)}; compare it with the shipped prompts/{file_name}") from None


class DiscussPrompt(BaseModel):
    """The document strategy's first step (prompts/discuss.yaml)."""

    model_config = ConfigDict(extra="forbid")

    system: str
    documents: str
    task: str
    retry: str


class DistilPrompt(BaseModel):
    """The document strategy's list from the claims of many groups, its fixes and its merges (prompts/distil.yaml)."""

    model_config = ConfigDict(extra="forbid")

    system: str
    user: str
    fix: str
    # What the user message says about sides the documents leave empty: `knowledge` with
    # --fill-from-knowledge ({sides}), `documents_only` without.
    knowledge: str
    documents_only: str
    merge_system: str
    merge_user: str


class WritePrompt(BaseModel):
    """The document strategy in one request: subjects, claims and the list (prompts/write.yaml)."""

    model_config = ConfigDict(extra="forbid")

    system: str
    documents: str
    task: str
    knowledge: str
    documents_only: str
    retry: str


def load_prompt(file_name: str, model: type[BaseModel]):
    """A prompt file validated against its model; the error names the file and the field."""
    path = prompt_path(file_name)
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise InputError(f"{path}: {_first_error(error)}; compare it with the shipped prompts/{file_name}") from None


class SystemUserPrompt(BaseModel):
    """A prompt of one system message and one user template (judge.yaml, discover.yaml)."""

    model_config = ConfigDict(extra="forbid")

    system: str
    user: str


def load_system_user_prompt(file_name: str) -> SystemUserPrompt:
    path = prompt_path(file_name)
    try:
        return SystemUserPrompt.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise InputError(f"{path}: {_first_error(error)}; it needs 'system' and 'user' (see the shipped {file_name})") from None

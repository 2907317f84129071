"""discover: the documents' own axes of disagreement, as Angles (--discover-angles).

The model sees a sample of claim-bearing sentences spread over the documents and proposes axes. An
axis is kept only when some of its keywords really occur in the documents (they select the passages
each statement is written from) and its two sides say different things.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from ..models import Angle, Attempt, Chunk, Language
from ..prompts import load_system_user_prompt
from ..providers.base import CompletionRequest, Message, Provider
from ..rules import LANGUAGE_NAMES, OPINION_MARKERS
from ..language.text import normalize_for_matching
from .ask import ask
from .select import is_concern

SAMPLE_SENTENCES = 30
SAME_SIDES_RATIO = 80


class ProposedAngle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    pro: str
    con: str
    keywords: list[str] = Field(default_factory=list)


class ProposedAngles(BaseModel):
    model_config = ConfigDict(extra="forbid")

    angles: list[ProposedAngle]


def sample_sentences(chunks: list[Chunk], limit: int = SAMPLE_SENTENCES) -> list[str]:
    """Sentences that voice a view (an opinion marker or a concern), taken round-robin over documents."""
    by_document: dict[str, list[str]] = {}
    for chunk in chunks:
        for sentence in chunk.sentences:
            if 20 <= len(sentence) <= 160 and (is_concern(sentence) or any(m in sentence.casefold() for m in OPINION_MARKERS)):
                by_document.setdefault(chunk.document_id, []).append(sentence)
    sample: list[str] = []
    queues = [iter(sentences) for sentences in by_document.values()]
    while queues and len(sample) < limit:
        for queue in list(queues):
            sentence = next(queue, None)
            if sentence is None:
                queues.remove(queue)
            elif len(sample) < limit:
                sample.append(sentence)
    return sample


def _slug(name: str, index: int) -> str:
    ascii_words = re.findall(r"[a-z0-9]+", name.casefold())
    return "_".join(ascii_words[:4]) or f"axis_{index}"


def discovery_request(chunks: list[Chunk], language: Language, count: int) -> CompletionRequest | None:
    """The one request that asks for the axes, or None when no sentence voices a view."""
    prompt = load_system_user_prompt("discover.yaml")
    sentences = sample_sentences(chunks)
    if not sentences:
        return None
    return CompletionRequest.asking_for(
        ProposedAngles,
        [Message(role="system", content=prompt.system.format(language_name=LANGUAGE_NAMES[language])),
         Message(role="user", content=prompt.user.format(count=count, sentences="\n".join(f"- {s}" for s in sentences)))],
        temperature=0.2, max_tokens=200 * count)


@dataclass
class Discovery:
    angles: list[Angle]
    attempts: list[Attempt] = field(default_factory=list)


def discover_angles(chunks: list[Chunk], provider: Provider, language: Language, count: int = 6,
                    on_attempt: Callable[[Attempt], None] | None = None) -> Discovery:
    """Axes proposed by the model, each keeping only keywords that occur in the documents; an answer
    with no usable axis is sent back once with the reasons."""
    request = discovery_request(chunks, language, count)
    if request is None:
        return Discovery([])
    corpus = normalize_for_matching("\n".join(s for chunk in chunks for s in chunk.sentences))

    def check(answer: ProposedAngles) -> list[str]:
        if usable_axes(answer.angles[:count], corpus):
            return []
        return ["unusable: no axis had two different sides and keywords copied from the sentences; try again"]

    asked = ask(provider, request, ProposedAngles, purpose="discover", check=check, max_attempts=2,
                on_attempt=on_attempt, retry=lambda problems: "; ".join(problems))
    return Discovery(usable_axes(asked.answer.angles[:count], corpus) if asked.answer else [], asked.attempts)


def usable_axes(proposed: list[ProposedAngle], corpus: str) -> list[Angle]:
    """The proposed axes with keywords found in the documents and two different sides."""
    angles: list[Angle] = []
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for index, axis in enumerate(proposed, start=1):
        keywords = [k for k in dict.fromkeys(axis.keywords) if len(normalize_for_matching(k)) >= 2
                    and normalize_for_matching(k) in corpus]
        if not keywords or not axis.pro.strip() or not axis.con.strip():
            continue
        # An axis needs two different sides: small models often repeat one claim as both.
        if fuzz.ratio(normalize_for_matching(axis.pro), normalize_for_matching(axis.con)) >= SAME_SIDES_RATIO:
            continue
        name_key = normalize_for_matching(axis.name)
        if name_key in seen_names:
            continue
        seen_names.add(name_key)
        angle_id = _slug(axis.name, index)
        if angle_id in seen_ids:
            angle_id = f"{angle_id}_{index}"
        seen_ids.add(angle_id)
        angles.append(Angle(id=angle_id, name=axis.name.strip(), pro=axis.pro.strip(), con=axis.con.strip(),
                            keywords=keywords))
    return angles

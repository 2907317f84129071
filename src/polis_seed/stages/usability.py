"""usability: would a facilitator put a candidate statement into Polis as it is? The judge of the sentence strategy.

A small model is a poor writer and a fair judge. Every candidate that passes the rules is measured:
- opinion: the model's probability of "yes" to one narrow question (prompts/usable.yaml): is this one opinion
  about the subject that someone who has not read the documents can agree or disagree with?
- side_margin: how clearly it takes a side of its angle (the stance check's score, 0..1);
- grounding: the share of its content found in its source sentence (facts the model invents score low);
- copy: how close it is to the source sentence (a near-copy is a report, not a claim);
- length: its length against the target (short statements vote best);
- key_term: whether it starts with the subject or one of its key terms.
The score is a logistic combination, sigmoid(bias + Σ weight × feature), with weights calibrated on statements
people read and classed (docs/judged/, ../shared/data/judged/) by benchmarks/judge_calibration.py, which writes
them to data/judge.yaml together with what they were calibrated on and how they did on statements they were not.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from ..language.text import normalize_for_matching
from ..models import Attempt, CheckedStance
from ..prompts import SystemUserPrompt, load_system_user_prompt
from ..providers.base import CompletionRequest, CompletionResult, Message, Provider
from ..rules import Topic, near_copy_score, source_overlap
from .ask import ask, ask_together
from .stance import probability_of_yes

FEATURES = ("opinion", "side_margin", "grounding", "copy", "length", "key_term")


@dataclass(frozen=True)
class JudgeWeights:
    bias: float
    weights: dict[str, float]
    threshold: float
    calibrated_on: str = ""

    @classmethod
    def shipped(cls) -> JudgeWeights:
        data = yaml.safe_load((resources.files("polis_seed") / "data" / "judge.yaml").read_text(encoding="utf-8"))
        return cls(float(data["bias"]), {name: float(data["weights"].get(name, 0.0)) for name in FEATURES},
                   float(data["threshold"]), str(data.get("calibrated_on", "")))

    def score(self, features: dict[str, float]) -> float:
        total = self.bias + sum(self.weights[name] * features[name] for name in FEATURES)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, total))))


@dataclass
class Judgement:
    features: dict[str, float]
    score: float
    threshold: float
    side: CheckedStance
    read_side: bool  # the side was checked (else it is the side its sentence leans to)
    scored: bool  # the model judged it (a capable model's single candidate is not scored)

    @property
    def passes(self) -> bool:
        return not self.scored or self.score >= self.threshold

    def reason(self) -> str:
        shown = ", ".join(f"{name.replace('_', ' ')} {value:.2f}" for name, value in self.features.items())
        return f"judge: score {self.score:.2f} below {self.threshold:.2f} ({shown}); restore it if it reads well"


class Usable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Literal["yes", "no"]


def features_of(text: str, source: str, topic: Topic | None, side_margin: float, opinion: float,
                target_chars: int) -> dict[str, float]:
    normalized = normalize_for_matching(text)
    terms = ((topic.name,) + tuple(topic.terms)) if topic else ()
    return {
        "opinion": opinion,
        "side_margin": max(0.0, min(1.0, side_margin)),
        "grounding": source_overlap(text, source, topic.name if topic else None),
        "copy": near_copy_score(text, source) / 100,
        "length": min(2.0, len(text) / max(1, target_chars)),
        "key_term": 1.0 if any(normalized.startswith(normalize_for_matching(term)) for term in terms if term) else 0.0,
    }


def side_margin_of(reading) -> float:
    """How clearly a reading takes a side: the stance check's score, or 1/0 for a list check's answer."""
    if reading is None:
        return 0.5
    if hasattr(reading, "score"):
        return abs(reading.score)
    return 1.0 if reading.side in ("pro", "con") else 0.0


@dataclass
class UsabilityJudge:
    """Asks the model the usability question for many statements at once; turns measures into a Judgement."""

    provider: Provider | None
    topic: Topic | None
    language: str | None
    prompt: SystemUserPrompt | None = None
    weights: JudgeWeights = field(default_factory=JudgeWeights.shipped)
    on_attempt: Callable[[Attempt], None] | None = None
    concurrency: int = 1
    attempts: list[Attempt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.prompt is None and self.provider is not None:
            self.prompt = load_system_user_prompt("usable.yaml")

    @classmethod
    def without_model(cls, topic: Topic | None, language: str | None) -> UsabilityJudge:
        return cls(None, topic, language)

    def request(self, statement: str) -> CompletionRequest:
        assert self.prompt is not None
        topic = self.topic.name if self.topic else "the documents' subject"
        return CompletionRequest.asking_for(Usable, [
            Message(role="system", content=self.prompt.system.format(topic=topic)),
            Message(role="user", content=self.prompt.user.format(topic=topic, statement=statement))],
            temperature=0.0, max_tokens=12, logprobs=True)

    def _ask(self, statement: str) -> float:
        results: list[CompletionResult] = []

        class Recording:
            def __init__(self, provider: Provider):
                self.provider = provider

            def identity(self):
                return self.provider.identity()

            def complete(self, request):
                result = self.provider.complete(request)
                results.append(result)
                return result

        asked = ask(Recording(self.provider), self.request(statement), Usable, purpose="judge", max_attempts=1,
                    on_attempt=self.on_attempt, retry=lambda problems: "")
        with self._lock:
            self.attempts += asked.attempts
        return probability_of_yes(results[0], asked.answer) if results else 0.5

    def ask_all(self, statements: list[str]) -> list[float | None]:
        """P(yes) for every statement, asked at once (one batch round); None without a model."""
        if self.provider is None:
            return [None] * len(statements)
        return ask_together([lambda text=text: self._ask(text) for text in statements], self.concurrency)

    def judgement(self, text: str, source: str, reading, opinion: float | None, target_chars: int) -> Judgement:
        side: CheckedStance = reading.side if reading is not None else "unclear"
        features = features_of(text, source, self.topic, side_margin_of(reading),
                               0.5 if opinion is None else opinion, target_chars)
        scored = opinion is not None
        return Judgement(features, self.weights.score(features), self.weights.threshold, side, reading is not None,
                         scored)

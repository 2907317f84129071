"""stance: which side of its angle a statement takes (pro / con / unclear), checked rather than assumed.

Two readings, used by both strategies:
- the model, asked two narrow questions with the answer constrained to yes/no (prompts/stance.yaml):
  would someone on the pro side agree with the statement, and would someone on the con side? Asking both
  cancels a model's leaning to say yes; where the server gives the likelihood of each answer (OpenAI-
  compatible servers, llama.cpp included), the probability of "yes" is used, else the answer itself;
- the e5 embeddings: is the statement closer to the angle's pro side or to its con side?
The two are added, each on its own scale (the embeddings' cosine differences are about twenty times
smaller than the probability differences); a score near zero is "unclear". The generate stages re-ask a
statement that reads as the other side, and relabel it when it still does; the angle × side table and
quality.json count the checked sides.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..models import Angle, Attempt, CheckedStance, Statement
from ..prompts import load_system_user_prompt
from ..providers.base import CompletionRequest, CompletionResult, Message, Provider
from ..rules import Topic
from ..providers.base import PendingAnswer
from .ask import ask

# Cosine differences between the two sides are about 1/20 of the spread of the model's probability
# differences; this puts the two readings on one scale.
EMBEDDING_SCALE = 20.0
# A score closer to zero than this takes neither side.
UNCLEAR_BAND = 0.05

Embedder = Callable[[list[str]], np.ndarray]


class Agreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Literal["yes", "no"]


def side_text(angle: Angle, stance: str, topic: Topic | None, language: str | None = None) -> str:
    return angle.text(stance, language, topic.name if topic else None)


def agreement_request(statement: str, side: str) -> CompletionRequest:
    prompt = load_system_user_prompt("stance.yaml")
    return CompletionRequest.asking_for(Agreement, [
        Message(role="system", content=prompt.system.format()),
        Message(role="user", content=prompt.user.format(side=side, statement=statement))],
        temperature=0.0, max_tokens=12, logprobs=True)


def probability_of_yes(result: CompletionResult, answer: Agreement | None) -> float:
    """From the answer token's alternatives when the server gave them, else from the answer itself."""
    for alternatives in result.top_logprobs:
        if not alternatives:
            continue
        chosen = max(alternatives, key=alternatives.get).strip().strip('"')
        if chosen in ("yes", "no"):  # the answer's own token: its alternatives say how sure the model was
            stripped: dict[str, float] = {}
            for token, value in alternatives.items():
                key = token.strip().strip('"')
                stripped[key] = max(stripped.get(key, -30.0), value)
            yes, no = math.exp(stripped.get("yes", -30.0)), math.exp(stripped.get("no", -30.0))
            return yes / (yes + no)
    if answer is None:
        return 0.5
    return 1.0 if answer.answer == "yes" else 0.0


@dataclass
class StanceReading:
    model: float  # P(agree | pro side) − P(agree | con side)
    embedding: float  # cos(statement, pro side) − cos(statement, con side)

    @property
    def score(self) -> float:
        return self.model + EMBEDDING_SCALE * self.embedding

    @property
    def side(self) -> CheckedStance:
        return "pro" if self.score > UNCLEAR_BAND else "con" if self.score < -UNCLEAR_BAND else "unclear"


@dataclass
class StanceChecker:
    """Reads the side of statements; records every model request it makes."""

    provider: Provider | None
    embed: Embedder | None
    topic: Topic | None
    language: str | None
    on_attempt: Callable[[Attempt], None] | None = None
    attempts: list[Attempt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _readings: dict = field(default_factory=dict)

    def _agreement(self, statement: str, side: str) -> float:
        result_holder: list[CompletionResult] = []

        class Recording:
            def __init__(self, provider: Provider):
                self.provider = provider

            def identity(self):
                return self.provider.identity()

            def complete(self, request):
                result = self.provider.complete(request)
                result_holder.append(result)
                return result

        asked = ask(Recording(self.provider), agreement_request(statement, side), Agreement, purpose="stance",
                    max_attempts=1, on_attempt=self.on_attempt, retry=lambda problems: "")
        with self._lock:
            self.attempts += asked.attempts
        return probability_of_yes(result_holder[0], asked.answer) if result_holder else 0.5

    def read(self, statement: str, angle: Angle) -> StanceReading:
        key = (statement, angle.id)
        with self._lock:
            if key in self._readings:
                return self._readings[key]
        reading = self._read(statement, angle)
        with self._lock:
            self._readings[key] = reading
        return reading

    def _read(self, statement: str, angle: Angle) -> StanceReading:
        pro, con = (side_text(angle, stance, self.topic, self.language) for stance in ("pro", "con"))
        model = 0.0
        if self.provider:
            # Both questions are asked before a batch round's PendingAnswer is raised, so they share a round.
            answers: list[float] = []
            pending: PendingAnswer | None = None
            for side in (pro, con):
                try:
                    answers.append(self._agreement(statement, side))
                except PendingAnswer as waiting:
                    pending = waiting
            if pending is not None:
                raise pending
            model = answers[0] - answers[1]
        embedding = 0.0
        if self.embed is not None:
            vectors = self.embed([statement, pro, con])
            embedding = float(vectors[0] @ vectors[1] - vectors[0] @ vectors[2])
        return StanceReading(model, embedding)

    def disagreement_message(self, angle: Angle, stance: str) -> str:
        other = "con" if stance == "pro" else "pro"
        return (f"it reads as the {other} side; write it for the {stance} side: "
                f"{side_text(angle, stance, self.topic, self.language)}")

    def disagreement(self, statement: str, angle: Angle, stance: str) -> str | None:
        """Why a statement does not read as the side it was written for, or None when it does (or is unclear)."""
        reading = self.read(statement, angle)
        if reading.side in ("pro", "con") and reading.side != stance:
            return self.disagreement_message(angle, stance)
        return None

    def label(self, statements: list[Statement], angles: list[Angle]) -> list[Statement]:
        """Every statement with its checked side."""
        by_id = {angle.id: angle for angle in angles}
        return [statement.model_copy(update={"checked_stance": self.read(statement.text, by_id[statement.angle]).side})
                if statement.angle in by_id else statement for statement in statements]

"""stance: which side of its angle a statement takes (pro / con / unclear), checked rather than assumed.

For capable models one request reads the whole list (`ListSideCheck`, prompts/sides.yaml): the angles with
their two sides and every statement, and for each statement which side it takes (pro, con or neither).

For small models (`StanceChecker`) two readings per statement:
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

from ..models import Angle, Attempt, CheckedStance, Reason, Statement, said
from ..prompts import SystemUserPrompt, load_system_user_prompt
from ..providers.base import CompletionRequest, CompletionResult, Message, Provider
from ..rules import Topic
from .ask import ask, ask_together

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


def agreement_request(prompt: SystemUserPrompt, statement: str, side: str) -> CompletionRequest:
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
    """Reads the side of statements, two yes/no questions each (the small model); records every request."""

    provider: Provider | None
    embed: Embedder | None
    topic: Topic | None
    language: str | None
    prompt: SystemUserPrompt | None = None  # prompts/stance.yaml (read once when not given)
    on_attempt: Callable[[Attempt], None] | None = None
    concurrency: int = 1
    on_planned: Callable[[int], None] | None = None  # told how many requests a reading asks, before it asks them
    attempts: list[Attempt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _readings: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.prompt is None and self.provider is not None:
            self.prompt = load_system_user_prompt("stance.yaml")

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

        asked = ask(Recording(self.provider), agreement_request(self.prompt, statement, side), Agreement,
                    purpose="stance", max_attempts=1, on_attempt=self.on_attempt, retry=lambda problems: "")
        with self._lock:
            self.attempts += asked.attempts
        return probability_of_yes(result_holder[0], asked.answer) if result_holder else 0.5

    def read(self, statement: str, angle: Angle) -> StanceReading:
        return self.read_all([(statement, angle)])[0]

    def read_all(self, items: list[tuple[str, Angle]]) -> list[StanceReading]:
        """The side of every (statement, angle): every question asked at once (one batch round), every text
        embedded in one call."""
        with self._lock:
            todo = list(dict.fromkeys((text, angle.id) for text, angle in items if (text, angle.id) not in self._readings))
        angles = {angle.id: angle for _, angle in items}
        sides = {angle_id: tuple(side_text(angle, stance, self.topic, self.language) for stance in ("pro", "con"))
                 for angle_id, angle in angles.items()}
        if todo:
            model: dict[tuple[str, str], float] = {key: 0.0 for key in todo}
            if self.provider:
                questions = [(key, index) for key in todo for index in (0, 1)]
                if self.on_planned is not None:
                    self.on_planned(len(questions))
                answers = ask_together([lambda key=key, index=index: self._agreement(key[0], sides[key[1]][index])
                                        for key, index in questions], self.concurrency)
                for (key, index), answer in zip(questions, answers):
                    model[key] += answer if index == 0 else -answer
            embedding: dict[tuple[str, str], float] = {key: 0.0 for key in todo}
            if self.embed is not None:
                texts = list(dict.fromkeys([text for text, _ in todo] + [side for pair in sides.values() for side in pair]))
                vectors = dict(zip(texts, self.embed(texts)))
                for text, angle_id in todo:
                    pro, con = sides[angle_id]
                    embedding[(text, angle_id)] = float(vectors[text] @ vectors[pro] - vectors[text] @ vectors[con])
            with self._lock:
                for key in todo:
                    self._readings[key] = StanceReading(model[key], embedding[key])
        with self._lock:
            return [self._readings[(text, angle.id)] for text, angle in items]

    def disagreement_message(self, angle: Angle, stance: str) -> str:
        return disagreement_message(angle, stance, self.topic, self.language)

    def disagreement(self, statement: str, angle: Angle, stance: str) -> str | None:
        """Why a statement does not read as the side it was written for, or None when it does (or is unclear)."""
        reading = self.read(statement, angle)
        if reading.side in ("pro", "con") and reading.side != stance:
            return self.disagreement_message(angle, stance)
        return None


def disagreement_reason(angle: Angle, stance: str, topic: Topic | None, language: str | None) -> Reason:
    return said("stance", other="con" if stance == "pro" else "pro", side=stance,
                view=side_text(angle, stance, topic, language))


def disagreement_message(angle: Angle, stance: str, topic: Topic | None, language: str | None) -> str:
    return disagreement_reason(angle, stance, topic, language).text()


@dataclass(frozen=True)
class ListReading:
    """The side a capable model read in a statement, as one answer of a list check."""

    side: CheckedStance


class SideAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: int
    side: Literal["pro", "con", "neither"]


class SidesAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sides: list[SideAnswer]


# A list check holds at most this many statements per request (a long lint list is split, in one round).
LIST_CHECK_ITEMS = 60


@dataclass
class ListSideCheck:
    """Reads the sides of a whole list in one request (capable models): the angles with their two sides, every
    statement with its angle, and for each statement the side it takes."""

    provider: Provider
    prompt: SystemUserPrompt  # prompts/sides.yaml
    topic: Topic | None
    language: str | None
    on_attempt: Callable[[Attempt], None] | None = None
    concurrency: int = 1
    attempts: list[Attempt] = field(default_factory=list)
    _readings: dict = field(default_factory=dict)
    on_planned: Callable[[int], None] | None = None  # told how many requests a reading asks, before it asks them

    def request(self, items: list[tuple[str, Angle]]) -> CompletionRequest:
        angles = list({angle.id: angle for _, angle in items}.values())
        listing = "\n".join(f"- {angle.id}: {angle.text('name', self.language, self.topic.name if self.topic else None)}"
                             f" — pro: {side_text(angle, 'pro', self.topic, self.language)}"
                             f" / con: {side_text(angle, 'con', self.topic, self.language)}" for angle in angles)
        statements = "\n".join(f"{number}. [{angle.id}] {text}" for number, (text, angle) in enumerate(items, start=1))
        return CompletionRequest.asking_for(SidesAnswer, [
            Message(role="system", content=self.prompt.system.format()),
            Message(role="user", content=self.prompt.user.format(angles=listing, statements=statements))],
            temperature=0.0, max_tokens=40 + 16 * len(items))

    def _ask(self, items: list[tuple[str, Angle]]) -> list[ListReading]:
        numbers = set(range(1, len(items) + 1))

        def check(answer: SidesAnswer) -> list[str]:
            missing = numbers - {side.item for side in answer.sides}
            return [f"missing: give the side of every statement; missing items {sorted(missing)[:10]}"] if missing else []

        asked = ask(self.provider, self.request(items), SidesAnswer, purpose="stance", check=check, max_attempts=1,
                    on_attempt=self.on_attempt, retry=lambda problems: "")
        self.attempts += asked.attempts
        answer = asked.answer or asked.last_answer
        by_item = {side.item: side.side for side in (answer.sides if answer else [])}
        return [ListReading({"pro": "pro", "con": "con"}.get(by_item.get(number, "neither"), "unclear"))
                for number in range(1, len(items) + 1)]

    def read(self, statement: str, angle: Angle) -> ListReading:
        return self.read_all([(statement, angle)])[0]

    def read_all(self, items: list[tuple[str, Angle]]) -> list[ListReading]:
        todo = list(dict.fromkeys((text, angle.id) for text, angle in items if (text, angle.id) not in self._readings))
        if todo:
            angles = {angle.id: angle for _, angle in items}
            batches = [todo[start:start + LIST_CHECK_ITEMS] for start in range(0, len(todo), LIST_CHECK_ITEMS)]
            if self.on_planned is not None:
                self.on_planned(len(batches))
            answers = ask_together([lambda batch=batch: self._ask([(text, angles[angle_id]) for text, angle_id in batch])
                                    for batch in batches], self.concurrency)
            for batch, readings in zip(batches, answers):
                self._readings.update(zip(batch, readings))
        return [self._readings[(text, angle.id)] for text, angle in items]

    def disagreement_message(self, angle: Angle, stance: str) -> str:
        return disagreement_message(angle, stance, self.topic, self.language)


SideReader = StanceChecker | ListSideCheck


def label_sides(reader: SideReader, statements: list[Statement], angles: list[Angle]) -> list[Statement]:
    """Every statement with its checked side (all read at once)."""
    by_id = {angle.id: angle for angle in angles}
    labelled = [statement for statement in statements if statement.angle in by_id]
    keys = [(s.text, s.angle) for s in labelled]
    readings = dict(zip(keys, reader.read_all([(s.text, by_id[s.angle]) for s in labelled])))
    return [statement.model_copy(update={"checked_stance": readings[(statement.text, statement.angle)].side})
            if statement.angle in by_id else statement for statement in statements]

"""The LLM tier of dedupe: a model judges whether pairs of statements make the same claim, many pairs per
request, with a structured answer ({pair number, same_claim} for each pair).

All the near misses of one dedupe are asked at once, in requests of at most PAIRS_PER_REQUEST pairs, so a
capable model settles a list's hard cases in a few requests. In a batch run every request is queued
before the round stops (PendingAnswer), so the judgement needs one extra round, not one per pair.
The judge only ever sees pairs that no guard keeps apart (stages/dedupe.py): its "same" never merges a changed
number, a negation, roles that trade places or opposite sides.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..prompts import load_system_user_prompt
from ..providers.base import CompletionRequest, Message, PendingAnswer, Provider
from .ask import ask

PAIRS_PER_REQUEST = 40
# A request whose answer misses or repeats pairs is asked once more (a batch run's rounds count on it).
JUDGE_ATTEMPTS = 2


class PairAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pair: int
    same_claim: bool


class SameClaims(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[PairAnswer]


def _problems(answer: SameClaims, count: int) -> list[str]:
    numbers = [item.pair for item in answer.answers]
    missing = sorted(set(range(1, count + 1)) - set(numbers))
    unknown = sorted(set(numbers) - set(range(1, count + 1)))
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    problems = []
    if missing:
        problems.append(f"missing: answer for every pair; no answer for pair(s) {', '.join(map(str, missing))}")
    if unknown:
        problems.append(f"unknown: there are only pairs 1 to {count}; remove pair(s) {', '.join(map(str, unknown))}")
    if repeated:
        problems.append(f"repeated: answer each pair once; pair(s) {', '.join(map(str, repeated))} answered twice")
    return problems


def pairs_request(prompt, pairs: list[tuple[str, str]]) -> CompletionRequest:
    """One request for many pairs, each numbered; the answer names the numbers."""
    listed = "\n".join(f"Pair {number}:\n  A: {first}\n  B: {second}"
                       for number, (first, second) in enumerate(pairs, start=1))
    return CompletionRequest.asking_for(
        SameClaims, [Message(role="system", content=prompt.system.format()),
                     Message(role="user", content=prompt.user.format(count=len(pairs), pairs=listed))],
        temperature=0.0, max_tokens=40 + 16 * len(pairs))


def judge_requests(pairs: list[tuple[str, str]], prompt=None) -> list[CompletionRequest]:
    """The first attempt of every request the judge makes for these pairs, PAIRS_PER_REQUEST pairs each: what a
    run may queue in a round of its own choosing (its answers reach the judge through the cache)."""
    prompt = prompt or load_system_user_prompt("judge.yaml")
    return [pairs_request(prompt, chunk) for chunk in chunked(pairs)]


def chunked(pairs: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    return [pairs[start:start + PAIRS_PER_REQUEST] for start in range(0, len(pairs), PAIRS_PER_REQUEST)]


def llm_judge(provider: Provider, on_attempt=None, asked_before: list[list[tuple[str, str]]] = ()):
    """A judge(pairs) -> [same claim?] that asks the provider, PAIRS_PER_REQUEST pairs per request. Anything
    but a clear yes is a no: a failed request, an unreadable answer, a pair left unanswered.

    `asked_before`: the pairs of requests already asked, each list one request (judge_requests of an earlier
    round): they are asked again as they were, so their answers come from the cache, and only the pairs they
    do not hold are asked anew. `judge.requests` and `judge.pairs` count what was asked (first attempts)."""
    prompt = load_system_user_prompt("judge.yaml")
    attempts: list = []

    def ask_batch(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        request = pairs_request(prompt, pairs)
        judge.requests += 1
        judge.pairs += len(pairs)
        asked = ask(provider, request, SameClaims, purpose="judge", max_attempts=JUDGE_ATTEMPTS,
                    check=lambda answer: _problems(answer, len(pairs)),
                    retry=lambda problems: "Fix your answer: " + "; ".join(problems), on_attempt=on_attempt)
        attempts.extend(asked.attempts)
        answer = asked.answer or asked.last_answer
        said = {item.pair: item.same_claim for item in answer.answers} if answer else {}
        return {pair: said.get(number, False) is True for number, pair in enumerate(pairs, start=1)}

    def judge(pairs: list[tuple[str, str]]) -> list[bool]:
        wanted = set(pairs)
        verdicts: dict[tuple[str, str], bool] = {}
        pending: PendingAnswer | None = None
        earlier = [chunk for chunk in asked_before if wanted.intersection(chunk)]
        covered = {pair for chunk in earlier for pair in chunk}
        for chunk in earlier + chunked([pair for pair in pairs if pair not in covered]):
            try:
                verdicts.update(ask_batch(chunk))
            except PendingAnswer as waiting:
                # Queue every request of this dedupe before the round stops: one extra round in all.
                pending = waiting
        if pending is not None:
            raise pending
        return [verdicts.get(pair, False) for pair in pairs]

    judge.attempts = attempts
    judge.requests = 0
    judge.pairs = 0
    return judge

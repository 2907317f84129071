"""Ask, check, re-ask: one helper for every model request that must give a usable answer.

The answer is read leniently (some servers ignore the schema and wrap JSON in prose or a code fence),
checked, and on a problem the problems go back to the model, a bounded number of times. Every request
becomes an `Attempt`, from which the run's counters are computed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..models import Attempt
from ..providers.base import CompletionRequest, CompletionResult, Message, PendingAnswer, Provider, ProviderError

Answer = TypeVar("Answer", bound=BaseModel)
_CODE_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_answer(content: str, answer_model: type[Answer]) -> Answer | None:
    """The answer in a model's text, or None when the text holds no valid answer of that shape."""
    candidates = [content]
    candidates += _CODE_FENCE.findall(content)
    if "{" in content and "}" in content:
        candidates.append(content[content.index("{"):content.rindex("}") + 1])
    for candidate in candidates:
        try:
            return answer_model.model_validate(json.loads(candidate))
        except (ValueError, ValidationError):
            continue
    return None


def attempt_of(result: CompletionResult, purpose: str, number: int, problems: list[str]) -> Attempt:
    return Attempt(purpose=purpose, attempt=number, from_cache=result.from_cache, prompt_tokens=result.prompt_tokens,
                   completion_tokens=result.completion_tokens, cached_input_tokens=result.cached_input_tokens,
                   cache_write_tokens=result.cache_write_tokens, problems=problems)


def answer_problems(result: CompletionResult) -> list[str]:
    """What is wrong with an answer before its content is read at all."""
    if result.refusal:
        return [f"refused: the model declined ({result.refusal}); try again with a plain answer"]
    if result.finish_reason == "length":
        return ["cut-off: the answer was cut off; answer shorter"]
    return []


@dataclass
class Asked(Generic[Answer]):
    """The accepted answer (or None), every attempt made, and the last answer's problems."""

    answer: Answer | None
    attempts: list[Attempt] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    last_text: str = ""  # the last answer's raw text
    last_answer: Answer | None = None  # the last answer that parsed, accepted or not

    @property
    def failed(self) -> bool:
        return any(attempt.failure for attempt in self.attempts)


def ask(provider: Provider, request: CompletionRequest, answer_model: type[Answer], *, purpose: str,
        check: Callable[[Answer], list[str]] = lambda answer: [], retry: Callable[[list[str]], str],
        max_attempts: int = 3, on_attempt: Callable[[Attempt], None] | None = None,
        first_attempt: int = 0) -> Asked[Answer]:
    """Ask until the answer parses and `check` finds no problem, at most `max_attempts` times.

    A failed request (after the SDK's retries) ends the asking: it is recorded, not raised, so one
    failure costs one request and not the run. `PendingAnswer` (a batch round) is raised as it is."""
    asked: Asked[Answer] = Asked(answer=None)
    for number in range(first_attempt, first_attempt + max_attempts):
        try:
            result = provider.complete(request)
        except ProviderError as error:
            attempt = Attempt(purpose=purpose, attempt=number, failure=str(error).splitlines()[0][:300])
            asked.attempts.append(attempt)
            if on_attempt:
                on_attempt(attempt)
            return asked
        problems = answer_problems(result)
        answer = None
        if not problems:
            answer = parse_answer(result.content, answer_model)
            if answer is None:
                example = json.dumps({name: "…" for name in answer_model.model_fields}, ensure_ascii=False)
                problems = [f"not-json: answer only with JSON like {example}"]
            else:
                asked.last_answer = answer
                problems = check(answer)
        attempt = attempt_of(result, purpose, number, problems)
        asked.attempts.append(attempt)
        asked.last_text = result.content.strip()[:300]
        if on_attempt:
            on_attempt(attempt)
        asked.problems = problems
        if not problems:
            asked.answer = answer
            return asked
        request = request.model_copy(update={
            "temperature": max(request.temperature, 0.6),
            "messages": request.messages + [
                Message(role="assistant", content=result.content or "(no answer)"),
                Message(role="user", content=retry(problems)),
            ],
        })
    return asked


Result = TypeVar("Result")
# On Ctrl-C, how long the calls running get to end. The CLI has cut their connections, so a cut request ends at
# once and stores nothing; this is for an answer that arrived just before, to reach the cache.
CUT_REQUESTS_END_SECONDS = 0.5


def ask_together(calls: list[Callable[[], Result]], concurrency: int = 1) -> list[Result]:
    """The independent requests of one step, asked at once: live, up to `concurrency` in flight; in a batch run
    every one of them is queued before the round stops. A step waits only for what it depends on, so the
    rounds of a batch run follow the steps (topic and claims, distil, side check, fixes, …), not the items.

    PendingAnswer is raised once, after every call was tried, when any of them waits for a batch answer."""
    pending = 0
    results: list[Result] = []

    def attempt(call: Callable[[], Result]) -> tuple[bool, Result | None]:
        try:
            return True, call()
        except PendingAnswer:
            return False, None

    if concurrency <= 1 or len(calls) <= 1:
        outcomes = [attempt(call) for call in calls]
    else:
        outcomes = in_threads([lambda call=call: attempt(call) for call in calls], concurrency)
    for done, result in outcomes:
        if done:
            results.append(result)  # type: ignore[arg-type]
        else:
            pending += 1
    if pending:
        raise PendingAnswer(f"{pending} requests of this step wait for a batch answer")
    return results


def in_threads(calls: list[Callable[[], Result]], concurrency: int) -> list[Result]:
    """Each call's result, in order, from up to `concurrency` threads. The first error stops the calls not yet
    started and is raised when the running ones have ended.

    On Ctrl-C no call starts, and the running ones get CUT_REQUESTS_END_SECONDS to end. Daemon threads, not a
    ThreadPoolExecutor (whose threads Python joins at exit): a call that cannot be cut (an SDK sleeping before a
    retry, up to a minute on a rate limit) is left behind instead of holding the exit."""
    results: list[Result | None] = [None] * len(calls)
    failures: list[BaseException] = []
    waiting = iter(range(len(calls)))
    lock = threading.Lock()
    stopping = threading.Event()

    def work() -> None:
        while not stopping.is_set():
            with lock:
                index = next(waiting, None)
            if index is None:
                return
            try:
                results[index] = calls[index]()
            except BaseException as error:  # handed to the caller's thread below
                failures.append(error)
                stopping.set()

    workers = [threading.Thread(target=work, name=f"polis-seed-request-{number}", daemon=True)
               for number in range(min(concurrency, len(calls)))]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.join()
    except BaseException:
        stopping.set()
        deadline = time.monotonic() + CUT_REQUESTS_END_SECONDS
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        raise
    if failures:
        raise failures[0]
    return results  # type: ignore[return-value]

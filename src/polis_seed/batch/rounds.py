"""Batch files: the requests of a run written to a file, answered elsewhere, and read back.

For a machine that cannot reach a model (a municipal network cut off from the internet), and for the
providers' batch APIs (half price, no rate limits). With `--batch-dir DIR`:
- every round, the requests the cache cannot answer are written to DIR/round-N.requests.jsonl in the
  provider's batch input format (OpenAI Batch API lines `{custom_id, method, url, body}`; Anthropic Message
  Batches lines `{custom_id, params}`), and the command stops with nothing half-written;
- when DIR/round-N.results.jsonl exists (the provider's batch output format), the next run reads it into
  the cache and goes as far as the cache allows: the next round holds only re-asks and follow-up steps.
The custom_id of a request is its cache key, so an answer finds its request whatever order it comes in.
`polis-seed batch answer` answers a request file with any provider; `--batch` submits a round to
OpenAI's or Anthropic's batch API and collects it on the next run.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..providers.cache import ResponseCache, cache_key
from ..errors import InputError
from ..io.files import atomic_write_text
from ..providers import anthropic_messages, openai_compat
from ..providers.base import CompletionRequest, CompletionResult, Message, PendingAnswer, ProviderError

FORMATS = ("openai", "anthropic")
_ROUND = re.compile(r"^round-(\d+)\.requests\.jsonl$")


# ----- request and result lines ---------------------------------------------------------------------------------

def request_line(batch_format: str, key: str, request: CompletionRequest, model: str,
                 url: str = openai_compat.CHAT_COMPLETIONS_PATH) -> dict[str, Any]:
    if batch_format == "anthropic":
        return {"custom_id": key, "params": anthropic_messages.request_body(request, model)}
    return {"custom_id": key, "method": "POST", "url": url, "body": openai_compat.request_body(request, model)}


def _text_blocks(content: Any) -> list[tuple[str, bool]]:
    if isinstance(content, str):
        return [(content, False)]
    return [(block.get("text", ""), bool(block.get("cache_control"))) for block in content or []
            if block.get("type") == "text"]


def request_from_line(line: dict[str, Any]) -> tuple[str, str, CompletionRequest]:
    """(format, custom_id, request) of one batch input line, either format."""
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise ValueError("no custom_id")
    if "params" in line:
        params = line["params"]
        messages = [Message(role="system", content=text, cache_breakpoint=mark)
                    for text, mark in _text_blocks(params.get("system", []))]
        for turn in params["messages"]:
            messages += [Message(role=turn["role"], content=text, cache_breakpoint=mark)
                         for text, mark in _text_blocks(turn["content"])]
        schema = params["output_config"]["format"]["schema"]
        return "anthropic", custom_id, CompletionRequest(
            messages=messages, schema_name=schema.get("title", "Answer"), answer_schema=schema,
            max_tokens=params["max_tokens"])
    body = line["body"]
    response_format = body["response_format"]["json_schema"]
    return "openai", custom_id, CompletionRequest(
        messages=[Message(role=m["role"], content=m["content"]) for m in body["messages"]],
        schema_name=response_format["name"], answer_schema=response_format["schema"],
        temperature=body.get("temperature", 0.2), max_tokens=body.get("max_tokens", 600), seed=body.get("seed"),
        logprobs=bool(body.get("logprobs")))


def result_line(batch_format: str, custom_id: str, result: CompletionResult | None, model: str,
                error: str | None = None) -> dict[str, Any]:
    """A batch output line in the provider's format: the answer, or the error."""
    if batch_format == "anthropic":
        if result is None:
            return {"custom_id": custom_id, "result": {"type": "errored", "error": {
                "type": "error", "error": {"type": "api_error", "message": error or "failed"}}}}
        stop = {"length": "max_tokens", "refusal": "refusal"}.get(result.finish_reason or "", "end_turn")
        return {"custom_id": custom_id, "result": {"type": "succeeded", "message": {
            "id": f"msg_{custom_id[:24]}", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": result.content}], "stop_reason": stop,
            "usage": {"input_tokens": result.prompt_tokens, "output_tokens": result.completion_tokens,
                      "cache_read_input_tokens": result.cached_input_tokens,
                      "cache_creation_input_tokens": result.cache_write_tokens}}}}
    if result is None:
        return {"id": f"batch_req_{custom_id[:24]}", "custom_id": custom_id, "response": None,
                "error": {"code": "request_failed", "message": error or "failed"}}
    return {"id": f"batch_req_{custom_id[:24]}", "custom_id": custom_id, "error": None, "response": {
        "status_code": 200, "request_id": "", "body": {
            "id": f"chatcmpl-{custom_id[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "finish_reason": result.finish_reason or "stop",
                                         "message": {"role": "assistant", "content": result.content,
                                                     "refusal": result.refusal},
                                         "logprobs": _logprobs(result)}],
            "usage": {"prompt_tokens": result.prompt_tokens + result.cached_input_tokens,
                      "completion_tokens": result.completion_tokens,
                      "total_tokens": result.prompt_tokens + result.cached_input_tokens + result.completion_tokens,
                      "prompt_tokens_details": {"cached_tokens": result.cached_input_tokens}}}}}


def _logprobs(result: CompletionResult) -> dict[str, Any] | None:
    """The alternatives of each answer token, as a chat completion carries them (None when there are none)."""
    if not result.top_logprobs:
        return None
    return {"content": [{"token": max(alternatives, key=alternatives.get) if alternatives else "",
                         "logprob": max(alternatives.values()) if alternatives else 0.0,
                         "top_logprobs": [{"token": token, "logprob": value} for token, value in alternatives.items()]}
                        for alternatives in result.top_logprobs]}


def result_from_line(line: dict[str, Any]) -> tuple[str, CompletionResult]:
    """(custom_id, answer) of one batch output line, either format; ValueError for a failed line."""
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str):
        raise ValueError("no custom_id")
    try:
        if "result" in line:
            outcome = line["result"]
            if outcome.get("type") != "succeeded":
                detail = ((outcome.get("error") or {}).get("error") or {}).get("message") or outcome.get("type")
                raise ValueError(f"the request {outcome.get('type')}: {detail}")
            return custom_id, anthropic_messages.result_from_message(outcome["message"])
        if line.get("error"):
            raise ValueError(f"the request failed: {line['error'].get('message', line['error'])}")
        response = line.get("response") or {}
        if response.get("status_code", 200) != 200:
            raise ValueError(f"the request failed with HTTP {response.get('status_code')}")
        return custom_id, openai_compat.result_from_completion(response["body"])
    except ProviderError as error:
        raise ValueError(str(error)) from None
    except (KeyError, TypeError, AttributeError):
        raise ValueError("not a batch result line") from None


# ----- the queue and the rounds ----------------------------------------------------------------------------------

class BatchQueue:
    """The provider of a batch run: it answers nothing, it collects what the cache could not answer."""

    def __init__(self, identity: dict[str, str], batch_format: str, model: str,
                 url: str = openai_compat.CHAT_COMPLETIONS_PATH):
        self._identity = identity
        self.batch_format = batch_format
        self.model = model
        self.url = url
        self.waiting: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def identity(self) -> dict[str, str]:
        return self._identity

    def complete(self, request: CompletionRequest) -> CompletionResult:
        key = cache_key(self._identity, request)
        with self._lock:
            self.waiting[key] = request_line(self.batch_format, key, request, self.model, self.url)
        raise PendingAnswer(key)


@dataclass
class BatchRound:
    """A batch run that stopped to wait for answers."""

    number: int
    requests: int
    path: Path
    written_now: bool
    ingested: list = field(default_factory=list)
    step: str = ""  # the step these requests belong to
    planned_at_most: int = 0  # rounds the whole run takes at most
    more_at_most: int = 0  # rounds still to come after this one, at most
    more_usually: int = 0  # … when every answer passes its checks


@dataclass
class Ingested:
    round: int
    answers: int = 0
    problems: list[str] = field(default_factory=list)


def _jsonl(path: Path) -> list[tuple[int, dict | None, str | None]]:
    rows = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            rows.append((number, value, None) if isinstance(value, dict) else (number, None, "not a JSON object"))
        except ValueError:
            rows.append((number, None, "not JSON"))
    return rows


class BatchDir:
    """The rounds in a batch folder."""

    def __init__(self, directory: Path):
        if directory.exists() and not directory.is_dir():
            raise InputError(f"{directory}: is a file; --batch-dir takes a folder")
        self.directory = directory

    def rounds(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.directory.iterdir() if (m := _ROUND.match(p.name)))

    def requests_path(self, number: int) -> Path:
        return self.directory / f"round-{number}.requests.jsonl"

    def results_path(self, number: int) -> Path:
        return self.directory / f"round-{number}.results.jsonl"

    def submitted_path(self, number: int) -> Path:
        return self.directory / f"round-{number}.batch.json"

    def ingest(self, cache: ResponseCache) -> list[Ingested]:
        """Every results file into the cache; a line that fails or matches no request is reported by line."""
        reports = []
        for number in self.rounds():
            results = self.results_path(number)
            if not results.is_file():
                continue
            asked = {line["custom_id"] for _, line, _ in _jsonl(self.requests_path(number))
                     if line and isinstance(line.get("custom_id"), str)}
            report = Ingested(number)
            for line_number, line, problem in _jsonl(results):
                where = f"{results}: line {line_number}"
                if line is None:
                    report.problems.append(f"{where}: {problem}; skipped")
                    continue
                try:
                    key, result = result_from_line(line)
                except ValueError as error:
                    report.problems.append(f"{where}: {error}; it will be asked again in the next round")
                    continue
                if key not in asked:
                    report.problems.append(f"{where}: custom_id {key[:16]}… matches no request of round {number}; "
                                           "skipped")
                    continue
                if result.finish_reason == "length":
                    report.problems.append(f"{where}: the answer was cut off; it will be asked again")
                    continue
                cache.put(key, result)
                report.answers += 1
            reports.append(report)
        return reports

    def waiting_round(self) -> int | None:
        """The latest round still without results."""
        rounds = self.rounds()
        return rounds[-1] if rounds and not self.results_path(rounds[-1]).is_file() else None

    def write_round(self, waiting: dict[str, dict[str, Any]]) -> tuple[int, bool]:
        """(round number, written now): the same requests as the round still waiting are not written again."""
        open_round = self.waiting_round()
        if open_round is not None:
            written = {line["custom_id"] for _, line, _ in _jsonl(self.requests_path(open_round)) if line}
            if written == set(waiting):
                return open_round, False
        number = (self.rounds() or [0])[-1] + 1
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.requests_path(number),
                          "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in waiting.values()))
        return number, True

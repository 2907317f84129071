"""A model-free stand-in that answers batch request files with schema-valid but poor JSON.

It reads each request's answer schema and writes the least it can: one item per list, the first choice of
every enum, the number 1, and strings filled with `filler` ("x", or a piece of the request's own text). A
run answered by it must still end, in a number of rounds bounded by its steps and their attempts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from polis_seed.batch.rounds import _jsonl, request_from_line, result_line
from polis_seed.providers.base import CompletionRequest, CompletionResult


def poor_value(schema: dict[str, Any], filler: Callable[[], str]) -> Any:
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"] or schema["anyOf"]
        return poor_value(options[0], filler)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: poor_value(sub, filler) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [poor_value(schema.get("items", {}), filler)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return False
    return filler()


def x_filler(request: CompletionRequest) -> Callable[[], str]:
    return lambda: "x"


def echo_filler(request: CompletionRequest) -> Callable[[], str]:
    """Pieces of the request's last user message, one after the other: words the documents may hold."""
    text = request.messages[-1].content.replace("\n", " ")
    position = [0]

    def next_piece() -> str:
        start = position[0] % max(1, len(text) - 30)
        position[0] += 37
        return text[start:start + 30].strip() or "x"

    return next_piece


def answer_requests(requests: Path, results: Path, filler=x_filler) -> int:
    """Answer every line of a round's request file; the number of answers written."""
    lines = []
    for _, line, _ in _jsonl(requests):
        batch_format, custom_id, request = request_from_line(line)
        content = json.dumps(poor_value(request.answer_schema, filler(request)), ensure_ascii=False)
        answer = CompletionResult(content=content, finish_reason="stop", prompt_tokens=10, completion_tokens=5)
        lines.append(json.dumps(result_line(batch_format, custom_id, answer, "stand-in"), ensure_ascii=False))
    results.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def plausible_answer(request: CompletionRequest) -> dict[str, Any]:
    """Answers that pass polis-seed's checks and exercise every step, written from the request's own text: claims
    quoting sentences of the documents shown, statements built from the claims listed, a side for every numbered
    statement (one in three read as the other side, so fixes are asked), fixes that keep their item numbers."""
    import re

    text = "\n".join(message.content for message in request.messages)
    last = request.messages[-1].content
    name = request.schema_name
    if name == "TopicAnswer":
        words = [w.strip() for w in re.findall(r"Words used most: (.*)", text)[-1].split(",") if w.strip()]
        return {"topic": words[0] if words else "x", "terms": words[:4]}
    if name == "Discussion":
        angles = re.findall(r"^- ([\w-]+): ", last, re.M)
        documents = re.findall(r'<document id="(D\d+)"[^>]*>\n(.*?)\n</document>', text, re.S)
        sentences = [(label, s.strip()) for label, body in documents
                     for s in re.split(r"(?<=[。．.!?！？])\s*|\n", body) if 20 <= len(s.strip()) <= 90]
        claims = []
        for index, angle in enumerate(angles):
            for offset, stance in enumerate(("pro", "con")):
                if sentences:
                    label, sentence = sentences[(2 * index + offset) % len(sentences)]
                    claims.append({"angle": angle, "stance": stance, "claim": sentence[:40], "document": label,
                                   "quote": sentence[:60]})
        return {"claims": claims}
    if name in ("Distillation", "Fixes"):
        listed = re.findall(r"^\[(\d+)\] ([\w-]+) (pro|con) (D\d+) 「(.*?)」 (.*)$", text, re.M)
        if name == "Fixes":
            numbers = [int(n) for n in re.findall(r"^(\d+)\. \{", last, re.M)]
            items = [listed[(n - 1) % len(listed)] for n in numbers] if listed else []
            return {"statements": [{"item": n, "text": f"{claim[5][:30]}のは望ましい", "angle": claim[1],
                                    "stance": claim[2], "document": claim[3], "quote": claim[4]}
                                   for n, claim in zip(numbers, items)]}
        return {"statements": [{"text": f"{claim[5][:30]}べきだ", "angle": claim[1], "stance": claim[2],
                                "document": claim[3], "quote": claim[4]} for claim in listed]}
    if name == "SidesAnswer":
        numbered = re.findall(r"^(\d+)\. \[([\w-]+)\]", last, re.M)
        return {"sides": [{"item": int(n), "side": ("con", "pro", "pro")[int(n) % 3]} for n, _ in numbered]}
    return poor_value(request.answer_schema, echo_filler(request))


def answer_plausibly(requests: Path, results: Path) -> int:
    lines = []
    for _, line, _ in _jsonl(requests):
        batch_format, custom_id, request = request_from_line(line)
        content = json.dumps(plausible_answer(request), ensure_ascii=False)
        answer = CompletionResult(content=content, finish_reason="stop", prompt_tokens=10, completion_tokens=5)
        lines.append(json.dumps(result_line(batch_format, custom_id, answer, "stand-in"), ensure_ascii=False))
    results.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)

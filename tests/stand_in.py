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


def _documents(text: str) -> list[tuple[str, bool, str]]:
    """(label, is a comment file, body) of every document a request shows."""
    import re

    return [(label, bool(kind), body) for label, kind, body in
            re.findall(r'<document id="(D\d+)"[^>]*?( kind="comments")?>\n(.*?)\n</document>', text, re.S)]


def _sentences(text: str) -> list[tuple[str, str | None, str]]:
    """(label, row id or None, sentence) of the documents shown: a comment is one sentence, with its row id."""
    import re

    found = []
    for label, comments, body in _documents(text):
        if comments:
            for line in body.splitlines():
                match = re.match(r"#(\S+): (.*)$", line)
                if match and 20 <= len(match.group(2).strip()):
                    found.append((label, match.group(1), match.group(2).strip()[:90]))
        else:
            found += [(label, None, s.strip()) for s in re.split(r"(?<=[。．.!?！？])\s*|\n", body)
                      if 20 <= len(s.strip()) <= 90]
    return found


def _japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def _opinion(claim: str, fix: bool = False) -> str:
    """A statement of the claim in its own language, built from its words."""
    if _japanese(claim):
        return f"{claim[:30]}のは望ましい" if fix else f"{claim[:30]}べきだ"
    words = claim.split()[:8]
    return " ".join(words).rstrip(".,;:") + (" is a good idea" if fix else " should be supported")


def _claims_for(angles: list[str], sentences: list, numbered: bool) -> list[dict]:
    claims = []
    for index, angle in enumerate(angles):
        for offset, stance in enumerate(("pro", "con")):
            if sentences:
                label, row, sentence = sentences[(2 * index + offset) % len(sentences)]
                # The comments that share the quote's first word hold the claim too.
                first = sentence.split()[0] if sentence.split() else sentence[:2]
                holders = [r for l, r, s in sentences if r is not None and l == label and s.startswith(first)][:20]
                claim = {"angle": angle, "stance": stance, "subject": sentence[:8], "claim": sentence[:40],
                         "document": label, "quote": sentence[:60], "comments": holders if row else []}
                if numbered:
                    claim = {"id": len(claims) + 1, **claim}
                claims.append(claim)
    return claims


def plausible_answer(request: CompletionRequest) -> dict[str, Any]:
    """Answers that pass polis-seed's checks and exercise every step, written from the request's own text: claims
    quoting sentences (or comments) of the documents shown, statements built from the claims listed, a side for
    every numbered statement (one in three read as the other side), fixes that keep their item numbers."""
    import re

    text = "\n".join(message.content for message in request.messages)
    last = request.messages[-1].content
    name = request.schema_name
    if name == "TopicAnswer":
        words = [w.strip() for w in re.findall(r"Words used most: (.*)", text)[-1].split(",") if w.strip()]
        return {"topic": words[0] if words else "x", "terms": words[:4]}
    if name in ("Discussion", "Written"):
        task = last if name == "Discussion" else request.messages[2].content
        angles = re.findall(r"^- ([\w-]+): ", task, re.M)
        sentences = _sentences(text)
        claims = _claims_for(angles, sentences, numbered=name == "Written")
        subjects = list(dict.fromkeys(c["subject"] for c in claims))[:3]
        if name == "Discussion":
            return {"subjects": subjects, "claims": claims}
        return {"subjects": subjects, "claims": claims,
                "statements": [{"text": _opinion(c["claim"]), "angle": c["angle"], "stance": c["stance"],
                                "claims": [c["id"]]} for c in claims]}
    if name == "Fixes":
        found = []
        for number, listed in re.findall(r"^(\d+)\. (\{.*?\}) — ", last, re.M):
            try:
                item = json.loads(listed)
            except ValueError:
                continue
            found.append({"item": int(number), "text": _opinion(item["text"][:30], fix=True), "angle": item["angle"],
                          "stance": item["stance"], "claims": item.get("claims", [])})
        return {"statements": found}
    if name == "Distillation":
        listed = re.findall(r"^\[(\d+)\] ([\w-]+) (pro|con) «(.*?)» \((.*?)\) 「(.*?)」 (.*)$", text, re.M)
        return {"statements": [{"text": _opinion(claim[6]), "angle": claim[1], "stance": claim[2],
                                "claims": [int(claim[0])]} for claim in listed]}
    if name == "Merged":
        listed = re.findall(r"^\[(\d+)\] ([\w-]+) (pro|con) «(.*?)» \((.*?)\) 「(.*?)」 (.*)$", last, re.M)
        groups: dict[tuple[str, str], list[int]] = {}
        for number, _, stance, _, _, _, claim in listed:
            groups.setdefault((stance, claim[:12]), []).append(int(number))
        return {"groups": [{"claims": numbers, "claim": key[1]} for key, numbers in groups.items()]}
    if name == "SidesAnswer":
        numbered = re.findall(r"^(\d+)\. \[([\w-]+)\]", last, re.M)
        return {"sides": [{"item": int(n), "side": ("con", "pro", "pro")[int(n) % 3]} for n, _ in numbered]}
    if name == "SameClaims":  # dedupe's judge: no pair is the same claim
        return {"answers": [{"pair": int(n), "same_claim": False} for n in re.findall(r"^Pair (\d+):", last, re.M)]}
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

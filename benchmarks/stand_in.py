"""Answer a batch round with a capable model standing in for the hosted one (see DEVELOPERS.md).

    python benchmarks/stand_in.py split batch/round-3.requests.jsonl work/round-3/
        writes work/round-3/NNN.request.md, one per request: the conversation as the model would see it
        (system, user and earlier assistant turns) and the JSON schema its answer must follow.
    (the stand-in writes work/round-3/NNN.answer.json for each: the JSON answer only)
    python benchmarks/stand_in.py join batch/round-3.requests.jsonl work/round-3/ -o batch/round-3.results.jsonl
        reads the answers back as batch result lines (the provider's format), ready for the next run.

A missing or unreadable answer is reported by its number and written as a failed line, so the next run asks
that request again. Token counts in the result lines are estimates (the stand-in reports none).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from polis_seed.batch.rounds import _jsonl, request_from_line, result_line
from polis_seed.language.tokens import count_tokens
from polis_seed.providers.base import CompletionResult


def split(requests: Path, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for number, (_, line, problem) in enumerate(_jsonl(requests), start=1):
        if line is None:
            print(f"{requests}: request {number}: {problem}; skipped", file=sys.stderr)
            continue
        _, custom_id, request = request_from_line(line)
        turns = "\n\n".join(f"### {message.role}\n\n{message.content}" for message in request.messages)
        schema = json.dumps(request.answer_schema, ensure_ascii=False, indent=1)
        (folder / f"{number:03d}.request.md").write_text(
            f"# Request {number:03d}\n\n{turns}\n\n### the answer\n\nAnswer as the assistant, with JSON only that "
            f"follows this schema (every property is required):\n\n```json\n{schema}\n```\n", encoding="utf-8")
        count += 1
    return count


def join(requests: Path, folder: Path, output: Path) -> tuple[int, list[str]]:
    lines, problems = [], []
    for number, (_, line, _) in enumerate(_jsonl(requests), start=1):
        if line is None:
            continue
        batch_format, custom_id, request = request_from_line(line)
        path = folder / f"{number:03d}.answer.json"
        try:
            content = path.read_text(encoding="utf-8").strip()
            json.loads(content)
        except (OSError, ValueError) as error:
            problems.append(f"{path}: {error}; written as failed, the next run asks it again")
            lines.append(json.dumps(result_line(batch_format, custom_id, None, "stand-in", str(error)[:200])))
            continue
        prompt = sum(count_tokens(message.content) for message in request.messages)
        answer = CompletionResult(content=content, finish_reason="stop", prompt_tokens=prompt,
                                  completion_tokens=count_tokens(content))
        lines.append(json.dumps(result_line(batch_format, custom_id, answer, "stand-in"), ensure_ascii=False))
    output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines) - len(problems), problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    split_command = commands.add_parser("split")
    split_command.add_argument("requests", type=Path)
    split_command.add_argument("folder", type=Path)
    join_command = commands.add_parser("join")
    join_command.add_argument("requests", type=Path)
    join_command.add_argument("folder", type=Path)
    join_command.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "split":
        print(f"{split(args.requests, args.folder)} requests → {args.folder}/NNN.request.md")
    else:
        answered, problems = join(args.requests, args.folder, args.output)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{answered} answers → {args.output}")


if __name__ == "__main__":
    main()

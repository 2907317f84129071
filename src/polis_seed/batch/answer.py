"""`polis-seed batch answer REQUESTS -o RESULTS`: answer a batch request file with any provider.

The way to run a batch on another machine (copy the round's request file there, answer it, copy the
results back), and the way to test the whole batch loop for real here. Each line is answered on its own:
a line that cannot be read or a request that fails is reported by line, written as a failed result, and
never stops the others.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..io.files import atomic_write_text
from ..models import Attempt
from ..providers.base import ProviderError
from ..providers.registry import ResolvedProvider
from .rounds import _jsonl, request_from_line, result_line


def answer_file(requests: Path, output: Path, answering: ResolvedProvider, cache_dir: Path | None, events) -> str:
    if not requests.is_file():
        raise InputError(f"{requests}: no such file; give a round-N.requests.jsonl written by --batch-dir")
    rows = _jsonl(requests)
    if not rows:
        raise InputError(f"{requests}: holds no requests")
    model = answering.model
    lines: list[str] = []
    failed = unreadable = 0
    events.requests_planned(len(rows))
    with answering.open(cache_dir) as provider:
        for number, line, problem in rows:
            try:
                if line is None:
                    raise ValueError(problem)
                batch_format, custom_id, request = request_from_line(line)
            except (ValueError, KeyError, TypeError) as error:
                unreadable += 1
                events.warning(f"{requests}: line {number} is not a batch request ({error}); skipped")
                continue
            try:
                result = provider.complete(request)
                lines.append(json.dumps(result_line(batch_format, custom_id, result, model), ensure_ascii=False))
                events.request_done(Attempt(purpose="batch", from_cache=result.from_cache))
            except ProviderError as error:
                failed += 1
                events.warning(f"{requests}: line {number}: the request failed ({str(error).splitlines()[0][:200]})")
                lines.append(json.dumps(result_line(batch_format, custom_id, None, model, str(error)[:300]),
                                        ensure_ascii=False))
                events.request_done(Attempt(purpose="batch", failure=str(error)[:300]))
    atomic_write_text(output, "".join(line + "\n" for line in lines))
    return (f"answered {len(lines) - failed} of {len(rows)} requests with {answering.name} ({model})"
            + (f", {failed} failed" if failed else "") + (f", {unreadable} lines unreadable" if unreadable else "")
            + f" → {output}")

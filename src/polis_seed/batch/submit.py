"""The batch side of a run (`--batch-dir`, `--batch`): collect submitted batches, read results into the
cache, queue what is still unanswered, write the next round, and submit it when asked.

Submission goes through the provider's own batch API (ResolvedProvider.batch(): OpenAI
`files.create(purpose="batch")` then `batches.create`; Anthropic `messages.batches.create`). The batch id
is kept in DIR/round-N.batch.json, and the next run polls it and downloads the results into
DIR/round-N.results.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import RunFailure
from ..io.files import atomic_write_text
from ..providers.cache import ResponseCache
from ..providers.registry import ResolvedProvider
from .rounds import BatchDir, BatchQueue, BatchRound, Ingested


class BatchRun:
    """One run's batch folder, for the provider the run resolved."""

    def __init__(self, directory: Path, provider: ResolvedProvider, cache_dir: Path):
        self.folder = BatchDir(directory)
        self.provider = provider
        self.cache_dir = cache_dir

    def queue(self) -> BatchQueue:
        spec = self.provider.spec
        return BatchQueue(self.provider.identity(), spec.batch_format, self.provider.model, spec.batch_url)

    def collect_and_ingest(self, events) -> list[Ingested]:
        for number in self.folder.rounds():
            submitted = self.folder.submitted_path(number)
            if submitted.is_file() and not self.folder.results_path(number).is_file():
                self._collect(number, json.loads(submitted.read_text(encoding="utf-8")), events)
        cache = ResponseCache(self.cache_dir)
        try:
            ingested = self.folder.ingest(cache)
        finally:
            cache.close()
        for report in ingested:
            events.info(f"batch round {report.round}: {report.answers} answers read into the cache")
            for problem in report.problems:
                events.warning(problem)
        return ingested

    def write_round(self, queue: BatchQueue, submit: bool) -> BatchRound:
        number, written = self.folder.write_round(queue.waiting)
        path = self.folder.requests_path(number)
        if submit and written:
            record = submit_round(path, self.provider)
            atomic_write_text(self.folder.submitted_path(number), json.dumps(record, indent=2) + "\n")
        return BatchRound(number, len(queue.waiting), path, written)

    def _collect(self, number: int, record: dict, events) -> None:
        status, lines = poll_batch(record, self.provider)
        if lines is None:
            events.info(f"batch round {number}: {record['provider']} batch {record['batch_id']} is {status}; "
                        "run again later")
            return
        atomic_write_text(self.folder.results_path(number), "".join(line + "\n" for line in lines))
        events.info(f"batch round {number}: {record['provider']} batch {record['batch_id']} {status}; "
                    f"{len(lines)} result lines saved to {self.folder.results_path(number)}")


def _failure(action: str, provider: ResolvedProvider, error: Exception) -> RunFailure:
    return RunFailure(f"the {provider.name} batch could not be {action} ({type(error).__name__}: "
                      f"{str(error).splitlines()[0][:200] if str(error) else ''})")


def submit_round(path: Path, provider: ResolvedProvider) -> dict:
    """Submit a request file to the provider's batch API; the record to keep (provider, batch id)."""
    api = provider.batch()
    try:
        batch_id = api.submit(path)
    except Exception as error:  # the SDKs' own errors: APIError and its kin
        raise RunFailure(f"{path}: {_failure('submitted', provider, error)}; the request file is kept, run again "
                         "to retry") from None
    return {"provider": provider.name, "batch_id": batch_id, "requests_file": path.name}


def poll_batch(record: dict, provider: ResolvedProvider) -> tuple[str, list[str] | None]:
    """(status, result lines when the batch has ended, else None)."""
    try:
        return provider.batch().poll(record["batch_id"])
    except RunFailure:
        raise
    except Exception as error:
        raise _failure(f"collected (batch {record['batch_id']})", provider, error) from None

"""The batch side of a run (`--batch-dir`, `--batch`): collect submitted batches, read results into the
cache, queue what is still unanswered, write the next round, and submit it when asked.

Submission uses the SDKs' own batch endpoints: OpenAI `files.create(purpose="batch")` then
`batches.create`; Anthropic `messages.batches.create`. The batch id is kept in DIR/round-N.batch.json, and
the next run polls it and downloads the results into DIR/round-N.results.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

from .rounds import BatchDir, BatchQueue, Ingested
from ..providers.cache import ResponseCache, default_cache_dir
from ..config import Settings
from ..errors import RunFailure
from ..io.files import atomic_write_text
from ..providers.registry import provider_spec


class BatchRun:
    def __init__(self, directory: Path):
        self.folder = BatchDir(directory)

    def queue(self, settings: Settings) -> BatchQueue:
        spec = provider_spec(settings.provider)
        return BatchQueue(spec.identity(settings), spec.batch_format or "openai", spec.model(settings))

    def collect_and_ingest(self, settings: Settings, events) -> list[Ingested]:
        for number in self.folder.rounds():
            submitted = self.folder.submitted_path(number)
            if submitted.is_file() and not self.folder.results_path(number).is_file():
                self._collect(number, json.loads(submitted.read_text(encoding="utf-8")), settings, events)
        cache = ResponseCache(settings.cache_dir or default_cache_dir())
        try:
            ingested = self.folder.ingest(cache)
        finally:
            cache.close()
        for report in ingested:
            events.info(f"batch round {report.round}: {report.answers} answers read into the cache")
            for problem in report.problems:
                events.warning(problem)
        return ingested

    def write_round(self, queue: BatchQueue, settings: Settings, submit: bool):
        from ..pipeline import BatchRound

        number, written = self.folder.write_round(queue.waiting)
        path = self.folder.requests_path(number)
        if submit and written:
            record = submit_round(path, settings)
            atomic_write_text(self.folder.submitted_path(number), json.dumps(record, indent=2) + "\n")
        return BatchRound(number, len(queue.waiting), path, written)

    def _collect(self, number: int, record: dict, settings: Settings, events) -> None:
        status, lines = poll_batch(record, settings)
        if lines is None:
            events.info(f"batch round {number}: {record['provider']} batch {record['batch_id']} is {status}; "
                        "run again later")
            return
        atomic_write_text(self.folder.results_path(number), "".join(line + "\n" for line in lines))
        events.info(f"batch round {number}: {record['provider']} batch {record['batch_id']} {status}; "
                    f"{len(lines)} result lines saved to {self.folder.results_path(number)}")


def _client(settings: Settings):
    spec = provider_spec(settings.provider)
    if spec.name == "openai":
        import openai

        return openai.OpenAI(base_url=spec.base_url(settings), api_key=spec.api_key() or "no-key-needed",
                             timeout=settings.timeout, max_retries=settings.max_retries)
    if spec.name == "anthropic":
        import anthropic

        return anthropic.Anthropic(base_url=spec.base_url(settings), api_key=spec.api_key() or "no-key-needed",
                                   timeout=settings.timeout, max_retries=settings.max_retries)
    raise RunFailure(f"--batch: --provider {spec.name} has no batch API; write the rounds with --batch-dir alone "
                     "and answer them with `polis-seed batch answer`")


def submit_round(path: Path, settings: Settings) -> dict:
    """Submit a request file to the provider's batch API; the record to keep (provider, batch id)."""
    client = _client(settings)
    provider = settings.provider
    try:
        if provider == "openai":
            uploaded = client.files.create(file=(path.name, path.read_bytes(), "application/jsonl"), purpose="batch")
            batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                          completion_window="24h")
        else:
            requests = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            batch = client.messages.batches.create(requests=requests)
    except Exception as error:  # the SDKs' own errors: APIError and its kin
        raise RunFailure(f"{path}: the {provider} batch could not be submitted ({type(error).__name__}: "
                         f"{str(error).splitlines()[0][:200]}); the request file is kept, run again to retry") from None
    return {"provider": provider, "batch_id": batch.id, "requests_file": path.name}


def poll_batch(record: dict, settings: Settings) -> tuple[str, list[str] | None]:
    """(status, result lines when the batch has ended, else None)."""
    client = _client(settings)
    if record["provider"] == "openai":
        batch = client.batches.retrieve(record["batch_id"])
        if batch.status not in ("completed", "failed", "expired", "cancelled"):
            return batch.status, None
        lines: list[str] = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                lines += [line for line in client.files.content(file_id).text.splitlines() if line.strip()]
        return batch.status, lines
    batch = client.messages.batches.retrieve(record["batch_id"])
    if batch.processing_status != "ended":
        return batch.processing_status, None
    return "ended", [entry.model_dump_json() for entry in client.messages.batches.results(record["batch_id"])]

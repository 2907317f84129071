"""polis-seed's own CPU per batch round: the document strategy's loop, answered by a model-free stand-in.

Usage: python benchmarks/batch_rounds.py [PATH ...] [--strategy document|sentence] [--build comments20k|folder200]
       [--window N] [-- run options]
(default: seeds/ and benchmarks/documents/mutsuu_bunben_ja.md, one loop each)

`--build comments20k` writes a 20,000-comment CSV (the real comments of ../shared/data/polis-open, every file, repeated
and tagged so that each row is its own comment); `--build folder200` a folder of 200 documents (seeds/, the test and
benchmark documents, and the polis-open comments cut into documents of 12 comments). Each round's request lines are
checked against the model's window (`--window`, default 128,000 for gpt-4o): the prompt (o200k tokens) plus
`max_tokens` of the largest request is printed, and a request over the window stops the benchmark. The peak memory
is the largest resident set of each round's process.

Every round is a fresh `polis-seed run … --batch-dir DIR` process, as a facilitator runs it; its user + system CPU
seconds are read from the kernel (getrusage of the child), so no model call is in them: the stand-in
(tests/stand_in.py: answers that pass the checks, built from each request's own text) answers between rounds, in
this process, not counted. The cache folder starts empty, so round 1 pays for the embeddings and later rounds
show what the cache saves. For scale, the same is measured for `python -c "import polis_seed.cli"`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stand_in import answer_plausibly  # noqa: E402

DEFAULTS = [ROOT / "seeds", ROOT / "benchmarks" / "documents" / "mutsuu_bunben_ja.md"]


def child_cpu(command: list[str], env: dict[str, str] | None = None
              ) -> tuple[float, float, subprocess.CompletedProcess, float]:
    """User + system CPU seconds, wall seconds, the finished process and its peak resident set (MB): the kernel's
    rusage of this one child (wait4), so no other process and no model call is in them."""
    import os

    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())
    return usage.ru_utime + usage.ru_stime, time.monotonic() - started, done, usage.ru_maxrss / 1024


POLIS = next((p for p in (ROOT.parent / "shared" / "data" / "polis-open", ROOT.parent.parent / "shared" / "data" /
                           "polis-open") if p.is_dir()), ROOT.parent / "shared" / "data" / "polis-open")


def polis_comments() -> list[str]:
    import csv

    comments = []
    for path in sorted(POLIS.glob("*/comments.csv")):
        with path.open(encoding="utf-8") as handle:
            comments += [row["comment-body"].strip() for row in csv.DictReader(handle) if row["comment-body"].strip()]
    if not comments:
        raise SystemExit(f"{POLIS}: no comments.csv found; the builds need ../shared/data/polis-open")
    return comments


def build(kind: str, folder: Path) -> Path:
    """A large input made of what the repository and ../shared hold (see the module's docstring)."""
    import csv

    comments = polis_comments()
    if kind == "comments20k":
        path = folder / "comments-20000.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["comment-id", "comment-body"])
            for number in range(20_000):
                copy, index = divmod(number, len(comments))
                writer.writerow([number + 1, comments[index] + (f" [{copy}]" if copy else "")])
        return path
    if kind == "folder200":
        path = folder / "documents-200"
        path.mkdir()
        given = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "data").glob("*.md")) + \
            sorted((ROOT / "benchmarks" / "documents").glob("*.md"))
        for source in given:
            shutil.copy(source, path / source.name)
        for number in range(200 - len(given)):
            part = comments[number * 12:(number + 1) * 12] or comments[:12]
            (path / f"comments_{number:03}.txt").write_text("\n\n".join(part) + "\n", encoding="utf-8")
        return path
    raise SystemExit(f"--build {kind}: choose comments20k or folder200")


def largest_request(requests: Path, window: int) -> int:
    """The largest prompt + max_tokens of a round's request lines; a request over the window stops the benchmark."""
    sys.path.insert(0, str(ROOT / "src"))
    from polis_seed.batch.rounds import _jsonl, request_from_line
    from polis_seed.providers.costs import estimate_input_tokens

    largest = 0
    for _, line, _ in _jsonl(requests):
        request = request_from_line(line)[2]
        needed = estimate_input_tokens(request) + request.max_tokens
        if needed > window:
            raise SystemExit(f"{requests}: a {request.schema_name} request takes {needed:,} tokens with its longest "
                             f"answer; the window is {window:,}")
        largest = max(largest, needed)
    return largest


def loop(path: Path, strategy: str, extra: list[str], limit: int = 10, window: int = 128_000
         ) -> list[tuple[int, int, float, float, int, float]]:
    """(round, requests, CPU seconds, wall seconds, largest request, peak MB) of every run until the outputs are
    written."""
    work = Path(tempfile.mkdtemp(prefix="polis-seed-rounds-"))
    env = {**__import__("os").environ, "POLIS_SEED_CACHE_DIR": str(work / "cache")}
    rows = []
    try:
        for number in range(1, limit + 1):
            cpu, wall, done, peak = child_cpu([sys.executable, "-m", "polis_seed.cli", "run", str(path), "-o", str(work / "out"),
                                         "--provider", "openai", "--model", "gpt-4o", "--strategy", strategy,
                                         "--batch-dir", str(work / "b"), *extra], env)
            if done.returncode != 0:
                raise SystemExit(f"round {number}: exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
            requests = work / "b" / f"round-{number}.requests.jsonl"
            if (work / "out" / "polis.csv").exists():
                rows.append((number, 0, cpu, wall, 0, peak))
                return rows
            count = sum(1 for line in requests.read_text(encoding="utf-8").splitlines() if line.strip())
            rows.append((number, count, cpu, wall, largest_request(requests, window), peak))
            answer_plausibly(requests, work / "b" / f"round-{number}.results.jsonl")
        raise SystemExit(f"{path}: no outputs after {limit} rounds")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--strategy", default="document")
    parser.add_argument("--build", action="append", default=[])
    parser.add_argument("--window", type=int, default=128_000)
    args = parser.parse_args(argv)
    bare, bare_wall, _, _ = child_cpu([sys.executable, "-c", "import polis_seed.cli"])
    print(f"python -c 'import polis_seed.cli': {bare:.2f} s CPU ({bare_wall:.2f} s wall)")
    built = Path(tempfile.mkdtemp(prefix="polis-seed-inputs-"))
    paths = args.paths + [build(kind, built) for kind in args.build]
    try:
        for path in paths or DEFAULTS:
            files = [path] if path.is_file() else sorted(q for q in path.rglob("*") if q.is_file())
            size = sum(len(p.read_text(encoding="utf-8", errors="replace")) for p in files)
            print(f"\n{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name} ({len(files):,} files, "
                  f"{size:,} characters), --strategy {args.strategy}")
            print("round  requests  CPU s  wall s  largest request (tokens)  peak MB")
            for number, requests, cpu, wall, largest, peak in loop(path, args.strategy, extra, window=args.window):
                label = f"{number:>5}  {requests:>8}" if requests else f"{number:>5}   outputs"
                print(f"{label}  {cpu:>5.1f}  {wall:>6.1f}  {largest:>24,}  {peak:>7.0f}")
    finally:
        shutil.rmtree(built, ignore_errors=True)


if __name__ == "__main__":
    main()

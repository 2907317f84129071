"""polis-seed's own CPU per batch round: the document strategy's loop, answered by a model-free stand-in.

Usage: python benchmarks/batch_rounds.py [PATH ...] [--strategy document|sentence] [-- run options]
(default: seeds/ and benchmarks/documents/mutsuu_bunben_ja.md, one loop each)

Every round is a fresh `polis-seed run … --batch-dir DIR` process, as a facilitator runs it; its user + system CPU
seconds are read from the kernel (getrusage of the child), so no model call is in them: the stand-in
(tests/stand_in.py: answers that pass the checks, built from each request's own text) answers between rounds, in
this process, not counted. The cache folder starts empty, so round 1 pays for the embeddings and later rounds
show what the cache saves. For scale, the same is measured for `python -c "import polis_seed.cli"`.
"""

from __future__ import annotations

import argparse
import resource
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


def child_cpu(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), time.monotonic() - started, done


def loop(path: Path, strategy: str, extra: list[str], limit: int = 10) -> list[tuple[int, int, float, float]]:
    """(round, requests, CPU seconds, wall seconds) of every run until the outputs are written."""
    work = Path(tempfile.mkdtemp(prefix="polis-seed-rounds-"))
    env = {**__import__("os").environ, "POLIS_SEED_CACHE_DIR": str(work / "cache")}
    rows = []
    try:
        for number in range(1, limit + 1):
            cpu, wall, done = child_cpu([sys.executable, "-m", "polis_seed.cli", "run", str(path), "-o", str(work / "out"),
                                         "--provider", "openai", "--model", "gpt-4o", "--strategy", strategy,
                                         "--batch-dir", str(work / "b"), *extra], env)
            if done.returncode != 0:
                raise SystemExit(f"round {number}: exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
            requests = work / "b" / f"round-{number}.requests.jsonl"
            if (work / "out" / "polis.csv").exists():
                rows.append((number, 0, cpu, wall))
                return rows
            count = sum(1 for line in requests.read_text(encoding="utf-8").splitlines() if line.strip())
            rows.append((number, count, cpu, wall))
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
    args = parser.parse_args(argv)
    bare, bare_wall, _ = child_cpu([sys.executable, "-c", "import polis_seed.cli"])
    print(f"python -c 'import polis_seed.cli': {bare:.2f} s CPU ({bare_wall:.2f} s wall)")
    for path in args.paths or DEFAULTS:
        size = sum(len(p.read_text(encoding="utf-8", errors="replace")) for p in
                   ([path] if path.is_file() else sorted(q for q in path.rglob("*") if q.is_file())))
        print(f"\n{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({size:,} characters), "
              f"--strategy {args.strategy}")
        print("round  requests  CPU s  wall s")
        for number, requests, cpu, wall in loop(path, args.strategy, extra):
            label = f"{number:>5}  {requests:>8}" if requests else f"{number:>5}   outputs"
            print(f"{label}  {cpu:>5.1f}  {wall:>6.1f}")


if __name__ == "__main__":
    main()

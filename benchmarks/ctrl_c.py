"""Seconds from one Ctrl-C to exit, with a request in flight on the embedded model's llama-server.

Usage: python benchmarks/ctrl_c.py [--rounds N] [--to group|process] [--concurrency N]
Each round runs `polis-seed generate tests/data/facility_booking_ja.md --concurrency N` (default 2: requests asked
from threads, as the subject and the angles always are) on the embedded model with an empty cache, waits until an
answer is cached and the server is generating the next one (its /slots), sends SIGINT once and times the exit.
`--to group` (default) sends it to the process group, as a terminal's Ctrl-C does (llama-server gets it too);
`--to process` to polis-seed alone, as `kill -INT PID` does. A run still going after GIVE_UP_SECONDS is killed and
counted as "> GIVE_UP_SECONDS". Set PYTHONPATH to measure another checkout's code.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
GIVE_UP_SECONDS = 120
sys.path.insert(0, str(ROOT))

from tests.llama_probe import generating, llama_server_child  # noqa: E402


def one_round(folder: Path, to_group: bool, concurrency: int) -> tuple[float | None, str]:
    cache = folder / "cache"
    command = [sys.executable, "-m", "polis_seed.cli", "generate", str(DATA / "facility_booking_ja.md"), "-o",
               str(folder / "statements.jsonl"), "--angles", str(DATA / "two_angles.yaml"), "--per-angle", "2",
               "--cache-dir", str(cache), "--concurrency", str(concurrency)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    port = None
    while process.poll() is None:
        time.sleep(0.2)
        port = port or (llama_server_child(process) or (None, None))[1]
        database = cache / "llm-calls.sqlite3"
        if port and database.exists():
            with sqlite3.connect(database) as db:
                if db.execute("SELECT count(*) FROM calls").fetchone()[0] and generating(port):
                    break
    if process.poll() is not None:
        return None, "ended before a request could be interrupted"
    sent = time.monotonic()
    if to_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=GIVE_UP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, f"> {GIVE_UP_SECONDS} s (killed)"
    seconds = time.monotonic() - sent
    stopping = [line for line in stderr.splitlines() if line.startswith("stopping:")]
    return seconds, f"{seconds:.2f} s, exit {process.returncode}" + (f", said: {stopping[0]}" if stopping else "")


def main() -> None:
    parser = argparse.ArgumentParser(description="Seconds from one Ctrl-C to exit on the embedded model.")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--to", choices=("group", "process"), default="group")
    parser.add_argument("--concurrency", type=int, default=2)
    options = parser.parse_args()
    times: list[float] = []
    for number in range(1, options.rounds + 1):
        with tempfile.TemporaryDirectory() as folder:
            seconds, line = one_round(Path(folder), options.to == "group", options.concurrency)
        print(f"round {number}: {line}", flush=True)
        if seconds is not None:
            times.append(seconds)
    target = "the process group (a terminal's Ctrl-C)" if options.to == "group" else "polis-seed alone (kill -INT)"
    if times:
        print(f"SIGINT to {target}, --concurrency {options.concurrency} → exit: median "
              f"{statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} of {options.rounds} rounds")


if __name__ == "__main__":
    main()

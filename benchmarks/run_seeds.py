"""Time and memory of `polis-seed run` on a folder, model server included.

Usage: python benchmarks/run_seeds.py [PATH ...] [-- extra polis-seed run options]
Prints wall time, peak RSS of polis-seed plus its llama-server child (summed, sampled every 0.2 s),
and the statements kept, dropped (by reason) and removed as duplicates. Runs with --no-cache so
every request really goes to the model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_args import run_command


def tree_rss_bytes(root_pid: int) -> int:
    """Sum of RSS over a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1]) * 1024
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        paths, extra, command = run_command(sys.argv[1:], out)
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.2)
        seconds = time.monotonic() - started
        stderr = process.stderr.read()
        if process.returncode != 0:
            sys.exit(f"polis-seed failed ({process.returncode}): {stderr}")
        report = json.loads((Path(out) / "report.json").read_text(encoding="utf-8"))
        kept = sum(1 for _ in (Path(out) / "deduped.jsonl").open(encoding="utf-8"))
        generated = report["report"]["kept"]
    print(f"command: {' '.join(['polis-seed', 'run', *paths, '--no-cache', *extra])}")
    print(f"wall time: {seconds:.0f} s")
    print(f"peak RSS (polis-seed + llama-server): {peak / 2**30:.2f} GiB")
    print(f"requests: {report['report']['requests']} (re-asks {report['report']['retries']})")
    print(f"statements generated: {generated}; after dedupe: {kept} ({generated - kept} duplicates removed)")
    print(f"dropped after re-asks: {len(report['report']['dropped'])} {json.dumps(report['drop_counts'])}")
    print(f"tokens in/out: {report['report']['prompt_tokens']}/{report['report']['completion_tokens']}")
    for note in report["notes"]:
        print(f"note: {note}")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()

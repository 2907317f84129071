"""Shared by the benchmark scripts: `[PATH ...] [-- polis-seed run options]` → the run command."""

from __future__ import annotations

import sys


def run_command(argv: list[str], output_dir: str) -> tuple[list[str], list[str], list[str]]:
    """(paths, extra options, the `polis-seed run` command line with --no-cache) from the script's arguments."""
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    paths = (argv[:argv.index("--")] if "--" in argv else argv) or ["seeds/"]
    command = [sys.executable, "-m", "polis_seed.cli", "run", *paths, "-o", output_dir, "--no-cache", *extra]
    return paths, extra, command

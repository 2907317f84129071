"""Headless Chromium (Debian's `chromium` package) driven by Playwright's Python API, and the review
server run as the user runs it: `polis-seed review DIR` in its own process, so a test can kill it."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    found = os.environ.get("POLIS_SEED_CHROMIUM") or next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if not found:
        raise AssertionError("the browser tests need Debian's chromium package: apt-get install chromium "
                             "(or set POLIS_SEED_CHROMIUM to a Chromium executable)")
    return found


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class ReviewProcess:
    """`polis-seed review DIR --no-browser` in a child process; `url` once it listens."""

    def __init__(self, folder: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "polis_seed.cli", "review", str(folder), "--no-browser"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # Ctrl-C works in the background too
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line or self.process.poll() is not None:
                break
        match = re.search(r"(http://127\.0\.0\.1:\d+/\S+/)", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"polis-seed review did not start: {line!r} {self.process.stderr.read()}")
        self.url = match.group(1)

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, as when the machine or the terminal dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process.stdout.close()
        self.process.stderr.close()

    def __enter__(self) -> ReviewProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

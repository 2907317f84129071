"""Screenshots of report.html and of the review page for the README (docs/report.png, docs/report-merges.png,
docs/review.png).

    python docs/screenshots.py RUN_DIR

RUN_DIR is a folder `polis-seed run -o RUN_DIR` wrote. The report is opened from the file with the network
refused; the review page is served from a copy of the folder (the run itself is not changed). Needs
Debian's chromium (and fonts-noto-cjk for Japanese text) and `pip install playwright`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from tests.browser import ReviewProcess, browser  # noqa: E402


def main(run: Path) -> None:
    with browser() as chromium:
        context = chromium.new_context(offline=True, viewport={"width": 1100, "height": 1400})
        page = context.new_page()
        page.goto((run / "report.html").resolve().as_uri())
        page.screenshot(path=str(HERE / "report.png"))
        print(f"wrote {HERE / 'report.png'}")
        page.locator("#merges").screenshot(path=str(HERE / "report-merges.png"))
        print(f"wrote {HERE / 'report-merges.png'}")
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / run.name
            shutil.copytree(run, copy, ignore=shutil.ignore_patterns("review*.json*", "reviewed.jsonl"))
            with ReviewProcess(copy) as server:
                page = chromium.new_page(viewport={"width": 1100, "height": 1100})
                page.goto(server.url)
                page.wait_for_selector("li.item")
                page.locator("li.item").nth(1).locator("button.edit").click()
                page.screenshot(path=str(HERE / "review.png"))
                print(f"wrote {HERE / 'review.png'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))

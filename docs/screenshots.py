"""Screenshots of report.html and of the review page for the README (docs/report.png, docs/report-merges.png,
docs/report-evidence.png, docs/review.png, docs/review-evidence.png).

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


def run_language(run: Path) -> str:
    import json

    return json.loads((run / "report.json").read_text(encoding="utf-8")).get("language") or "en"


def main(run: Path) -> None:
    with browser() as chromium:
        context = chromium.new_context(offline=True, viewport={"width": 1100, "height": 1400})
        page = context.new_page()
        page.goto((run / "report.html").resolve().as_uri())
        page.screenshot(path=str(HERE / "report.png"))
        print(f"wrote {HERE / 'report.png'}")
        page.locator("#merges").screenshot(path=str(HERE / "report-merges.png"))
        print(f"wrote {HERE / 'report-merges.png'}")
        if page.locator(".cell-evidence").count():
            page.locator(".cell-evidence").first.screenshot(path=str(HERE / "report-evidence.png"))
            print(f"wrote {HERE / 'report-evidence.png'}")
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
                page.keyboard.press("Escape")
                if page.locator("#grid button.cell-open").count():
                    # An empty cell opened: its passages above the add form, and a question being typed.
                    page.locator("#grid button.cell-open").first.click()
                    page.keyboard.type("自治体DXの費用は本当に回収できるのでしょうか？" if run_language(copy) == "ja"
                                       else "Will the savings really cover the cost?")
                    page.wait_for_selector("#new-findings li")
                    page.locator("#add").screenshot(path=str(HERE / "review-evidence.png"))
                    print(f"wrote {HERE / 'review-evidence.png'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))

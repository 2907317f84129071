"""Start-up time of `polis-seed --help` against `python -c "import typer, rich"`, in the same run.

Usage: python benchmarks/startup.py [ROUNDS]
Each round runs both commands once, alternating, so that machine load affects both alike; prints the median
wall time of each and their ratio (target: `--help` at most 2× the import). `polis-seed run --help` is shown
too, against a two-command Typer app's `a --help`: Typer itself loads pydantic for a subcommand's options.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL_APP = """
import typer
app = typer.Typer(add_completion=False, rich_markup_mode=None)
@app.command()
def a(x: int = 1): pass
@app.command()
def b(y: int = 1): pass
app()
"""


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as folder:
        trivial = Path(folder) / "trivial.py"
        trivial.write_text(TRIVIAL_APP, encoding="utf-8")
        commands = {
            "import typer, rich": [sys.executable, "-c", "import typer, rich"],
            "polis-seed --help": [sys.executable, "-m", "polis_seed.cli", "--help"],
            "typer app: a --help": [sys.executable, str(trivial), "a", "--help"],
            "polis-seed run --help": [sys.executable, "-m", "polis_seed.cli", "run", "--help"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, command in commands.items():
            timed(command)  # warm the file cache
        for _ in range(rounds):
            for name, command in commands.items():
                times[name].append(timed(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:24} median {median * 1000:6.0f} ms over {rounds} runs")
    print(f"polis-seed --help / import typer, rich = {medians['polis-seed --help'] / medians['import typer, rich']:.2f}× "
          "(target ≤ 2×)")
    print(f"polis-seed run --help / typer app a --help = "
          f"{medians['polis-seed run --help'] / medians['typer app: a --help']:.2f}×")


if __name__ == "__main__":
    main()

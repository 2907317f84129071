"""How a command ends: domain errors as one line on stderr with their exit code, Ctrl-C as 130, a closed
pipe quietly, and never a traceback (unless POLIS_SEED_DEBUG is set)."""

from __future__ import annotations

import functools
import os
import sys

import typer

from ..errors import PolisSeedError

EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer whose reader went away (128 + SIGPIPE)


def print_error(message: str) -> None:
    from ..language.redaction import hide_secrets

    print(f"error: {hide_secrets(message)}", file=sys.stderr, flush=True)


def reports_errors(run):
    """Domain errors → one line on stderr and their exit code; Ctrl-C → 130; never a traceback."""
    @functools.wraps(run)
    def wrapper(*args, **kwargs):
        try:
            return run(*args, **kwargs)
        except PolisSeedError as error:
            print_error(error.message)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            print_error("interrupted; finished model answers are cached, so a re-run resumes")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `polis-seed lint … | head -1`: the reader has what it wanted.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as error:
            if os.environ.get("POLIS_SEED_DEBUG"):
                raise
            first = str(error).splitlines()[0] if str(error) else ""
            print_error(f"unexpected {type(error).__name__}: {first} (a bug in polis-seed: set POLIS_SEED_DEBUG=1 "
                        "for the traceback and report it)")
            raise typer.Exit(1) from None
    return wrapper

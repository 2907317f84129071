"""How a command ends: domain errors as one line on stderr with their exit code, Ctrl-C as 130, a closed
pipe quietly, and never a traceback (unless POLIS_SEED_DEBUG is set)."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Iterator

import typer

from ..errors import PolisSeedError
from ..providers.in_flight import IN_FLIGHT, RequestCancelled

EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer whose reader went away (128 + SIGPIPE)


def print_error(message: str) -> None:
    from ..language.redaction import hide_secrets

    print(f"error: {hide_secrets(message)}", file=sys.stderr, flush=True)


def _say_now(line: str) -> None:
    """A line on stderr from the signal handler, which may have interrupted a write to stderr."""
    try:
        print(line, file=sys.stderr, flush=True)
    except RuntimeError:  # "reentrant call": the main thread was inside a write to stderr
        os.write(sys.stderr.fileno(), f"\n{line}\n".encode())


@contextlib.contextmanager
def first_ctrl_c_stops() -> Iterator[None]:
    """The first Ctrl-C says at once that the command stops, cuts the model requests in flight (a local
    llama-server then stops generating) and starts no new one; KeyboardInterrupt then ends the command as usual.
    Without the cut, the command would wait for the answers in flight, up to the time-out.

    Left alone when SIGINT is ignored (a background job) or the command does not run on the main thread."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def on_ctrl_c(signal_number, frame):
        cut = IN_FLIGHT.cancel()
        if cut:
            _say_now(f"stopping: cancelled {cut} model request{'s' if cut != 1 else ''} in flight; no new one starts")
        raise KeyboardInterrupt

    IN_FLIGHT.reset()
    signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        IN_FLIGHT.reset()


def reports_errors(run):
    """Domain errors → one line on stderr and their exit code; Ctrl-C → 130; never a traceback."""
    @functools.wraps(run)
    def wrapper(*args, **kwargs):
        try:
            with first_ctrl_c_stops():
                return run(*args, **kwargs)
        except PolisSeedError as error:
            print_error(error.message)
            raise typer.Exit(error.exit_code) from None
        except (KeyboardInterrupt, RequestCancelled):
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

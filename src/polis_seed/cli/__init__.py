"""The command line: app.py (the Typer commands), options.py (every option declared once), errors.py
(one-line errors and exit codes), views.py (progress and summaries)."""

from .app import app, main

__all__ = ["app", "main"]

"""Keeping secrets and personal data out of what polis-seed writes and sends.

- `hide_secrets`: API keys never reach outputs, logs, error messages or debug dumps.
- `mask_personal_data`: with --redact, e-mail addresses, phone numbers and postal codes in the
  documents are masked before any text is sent to a model.
"""

from __future__ import annotations

import os
import re

SECRET_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
# Key-shaped strings even when they are not ours (a server echoing a key in an error body).
_KEY_SHAPED = re.compile(r"\b(sk-(?:ant-)?[A-Za-z0-9_\-]{4})[A-Za-z0-9_\-]{12,}")

PERSONAL_DATA = {
    "e-mail addresses": (re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"), "[EMAIL]"),
    "phone numbers": (re.compile(r"(?<![\d\-])(?:\+81[\s\-]?|0)\d{1,4}[\s\-(（]?\d{1,4}[\s\-)）]?\d{3,4}(?![\d\-])"), "[PHONE]"),
    "postal codes": (re.compile(r"〒\s?\d{3}[\-－]\d{4}|(?<![\d\-])\d{3}[\-－]\d{4}(?![\d\-])"), "[POSTCODE]"),
}


def hide_secrets(text: str) -> str:
    for variable in SECRET_VARIABLES:
        value = os.environ.get(variable, "")
        if len(value) >= 8:
            text = text.replace(value, f"[{variable}]")
    return _KEY_SHAPED.sub(r"\1…[hidden]", text)


def mask_personal_data(text: str) -> tuple[str, dict[str, int]]:
    """The text with personal contact data masked, and how many of each kind were masked."""
    counts: dict[str, int] = {}
    for kind, (pattern, mask) in PERSONAL_DATA.items():
        text, count = pattern.subn(mask, text)
        counts[kind] = count
    return text, counts

"""Token counts and dollar estimates, before a run (--dry-run) and after it (actual usage)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

from .providers.base import CompletionRequest
from .tokens import count_tokens

# Chat formats wrap each message in a few tokens of role markup.
TOKENS_PER_MESSAGE = 4


@dataclass
class PriceTable:
    as_of: str
    per_million: dict[str, tuple[float, float]]

    def price_for(self, model: str) -> tuple[float, float] | None:
        """(input, output) USD per million tokens; dated model names match their family."""
        if model in self.per_million:
            return self.per_million[model]
        matches = [name for name in self.per_million if model.startswith(name)]
        return self.per_million[max(matches, key=len)] if matches else None

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        price = self.price_for(model)
        if price is None:
            return None
        return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000


def load_price_table() -> PriceTable:
    data = yaml.safe_load((resources.files("polis_seed") / "data" / "prices.yaml").read_text(encoding="utf-8"))
    return PriceTable(
        as_of=str(data["as_of"]),
        per_million={name: (float(p["input"]), float(p["output"])) for name, p in data["per_million_tokens"].items()},
    )


def estimate_input_tokens(request: CompletionRequest) -> int:
    """o200k_base count of the rendered messages: exact for OpenAI's current models, an estimate otherwise."""
    return sum(count_tokens(message.content) + TOKENS_PER_MESSAGE for message in request.messages)

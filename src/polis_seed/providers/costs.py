"""Token counts and dollar estimates, before a run (--dry-run) and after it (actual usage)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

from .base import CompletionRequest
from ..language.tokens import count_tokens

# Chat formats wrap each message in a few tokens of role markup.
TOKENS_PER_MESSAGE = 4


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None


@dataclass
class TokenUse:
    input: int = 0
    output: int = 0
    cached_input: int = 0
    cache_write: int = 0


@dataclass
class PriceTable:
    as_of: str
    batch_discount: float
    per_million: dict[str, Price]

    def price_for(self, model: str) -> Price | None:
        """USD per million tokens; dated model names match their family."""
        if model in self.per_million:
            return self.per_million[model]
        matches = [name for name in self.per_million if model.startswith(name)]
        return self.per_million[max(matches, key=len)] if matches else None

    def cost(self, model: str, use: TokenUse, batch: bool = False) -> float | None:
        price = self.price_for(model)
        if price is None:
            return None
        dollars = (use.input * price.input + use.output * price.output
                   + use.cached_input * (price.cached_input if price.cached_input is not None else price.input)
                   + use.cache_write * (price.cache_write if price.cache_write is not None else price.input)) / 1_000_000
        return dollars * (self.batch_discount if batch else 1.0)


def load_price_table() -> PriceTable:
    data = yaml.safe_load((resources.files("polis_seed") / "data" / "prices.yaml").read_text(encoding="utf-8"))
    return PriceTable(as_of=str(data["as_of"]), batch_discount=float(data.get("batch_discount", 1.0)),
                      per_million={name: Price(**{key: float(value) for key, value in price.items()})
                                   for name, price in data["per_million_tokens"].items()})


def estimate_input_tokens(request: CompletionRequest) -> int:
    """o200k_base count of the rendered messages: exact for OpenAI's current models, an estimate otherwise."""
    return sum(count_tokens(message.content) + TOKENS_PER_MESSAGE for message in request.messages)


def estimate_prefix_tokens(request: CompletionRequest) -> int:
    """Tokens up to and including the last cache breakpoint: what a prompt cache can serve."""
    marks = [index for index, message in enumerate(request.messages) if message.cache_breakpoint]
    if not marks:
        return 0
    return sum(count_tokens(message.content) + TOKENS_PER_MESSAGE for message in request.messages[:marks[-1] + 1])

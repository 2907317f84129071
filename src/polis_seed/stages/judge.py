"""The LLM tier of dedupe: a model judges whether two borderline statements make the same claim."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from ..prompts import load_system_user_prompt
from ..providers.base import CompletionRequest, Message, Provider, ProviderError


class SameClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    same_claim: bool


def llm_judge(provider: Provider):
    """A judge(first, second) -> bool that asks the provider; anything but a clear yes is a no."""
    prompt = load_system_user_prompt("judge.yaml")

    def judge(first: str, second: str) -> bool:
        request = CompletionRequest(
            messages=[Message(role="system", content=prompt.system.format()),
                      Message(role="user", content=prompt.user.format(first=first, second=second))],
            response_model=SameClaim, temperature=0.0, max_tokens=20,
        )
        try:
            result = provider.complete(request)
            return SameClaim.model_validate_json(result.content).same_claim
        except (ProviderError, ValidationError):
            # Never merge on a failed or unreadable judgement.
            return False

    return judge

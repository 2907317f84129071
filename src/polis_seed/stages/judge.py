"""The LLM tier of dedupe: a model judges whether two statements make the same claim."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..prompts import load_system_user_prompt
from ..providers.base import CompletionRequest, Message, Provider
from .ask import ask


class SameClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    same_claim: bool


def llm_judge(provider: Provider):
    """A judge(first, second) -> bool that asks the provider; anything but a clear yes is a no."""
    prompt = load_system_user_prompt("judge.yaml")

    def judge(first: str, second: str) -> bool:
        request = CompletionRequest.asking_for(
            SameClaim, [Message(role="system", content=prompt.system.format()),
                        Message(role="user", content=prompt.user.format(first=first, second=second))],
            temperature=0.0, max_tokens=20)
        asked = ask(provider, request, SameClaim, purpose="judge", max_attempts=1, retry=lambda problems: "")
        # Never merge on a failed or unreadable judgement.
        return bool(asked.answer and asked.answer.same_claim)

    return judge

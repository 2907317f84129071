"""Azure OpenAI: a deployment of a model in your own Azure resource, through the openai SDK's AzureOpenAI client.

The resource's endpoint (https://NAME.openai.azure.com), the deployment's name (what `--model` names) and the
API version make the URL: {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…, with the
key in an `api-key` header. The request body and the answers are OpenAI's, so the chat completion and the
batch lines are read by openai_compat. Azure's Batch API takes the same JSONL with the path
/chat/completions and the deployment as the model.
"""

from __future__ import annotations

from .in_flight import IN_FLIGHT
from .openai_compat import OpenAIBatches, OpenAIProvider

BATCH_PATH = "/chat/completions"


def _client(endpoint: str | None, api_key: str | None, api_version: str | None, timeout: float, max_retries: int):
    import openai

    return openai.AzureOpenAI(azure_endpoint=endpoint, api_key=api_key or "no-key-needed", api_version=api_version,
                              timeout=timeout, max_retries=max_retries,
                              http_client=openai.DefaultHttpxClient(event_hooks=IN_FLIGHT.event_hooks()))


class AzureOpenAIProvider(OpenAIProvider):
    def __init__(self, deployment: str, endpoint: str | None, api_key: str | None, api_version: str | None,
                 timeout: float, max_retries: int):
        self.name = "azure"
        self.model = deployment
        self.base_url = endpoint
        self.api_version = api_version
        self.client = _client(endpoint, api_key, api_version, timeout, max_retries)

    def identity(self) -> dict[str, str]:
        return {"provider": "azure", "model": self.model, "base_url": self.base_url or "",
                "api_version": self.api_version or ""}


class AzureBatches(OpenAIBatches):
    """Azure OpenAI's Batch API: the same files and batches calls as OpenAI's, on the resource's endpoint."""

    endpoint = BATCH_PATH

    def __init__(self, endpoint: str | None, api_key: str | None, api_version: str | None, timeout: float,
                 max_retries: int):
        super().__init__(None, None, timeout, max_retries,
                         client=_client(endpoint, api_key, api_version, timeout, max_retries))

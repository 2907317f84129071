import contextlib

import pytest

from polis_seed.providers.registry import ResolvedProvider
from tests.replay import ReplayProvider


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Tests never read or write the user's cache of model calls."""
    monkeypatch.setenv("POLIS_SEED_CACHE_DIR", str(tmp_path / "cache"))
    for variable in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "POLIS_SEED_PROMPTS",
                     "POLIS_SEED_MODEL", "POLIS_SEED_DEBUG"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def replay(monkeypatch):
    """The CLI's provider replaced by a ReplayProvider (the network edge); everything else is real."""
    provider = ReplayProvider()
    provider.always("TopicAnswer", {"topic": "公共施設予約のオンライン化", "terms": ["予約", "オンライン"]})
    provider.always("Usable", {"answer": "yes"})

    @contextlib.contextmanager
    def fake_open(self, cache_dir, debug=False, batch_queue=None):
        yield batch_queue or provider

    monkeypatch.setattr(ResolvedProvider, "open", fake_open)
    return provider

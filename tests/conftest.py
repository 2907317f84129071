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


@pytest.fixture(autouse=True)
def judge_keeps_what_the_rules_pass(monkeypatch, request):
    """The mechanics (faults, batches, files, the review loop) are tested with test answers the calibrated judge
    would score low: it passes everything here. Tests of the judge itself (marked `shipped_judge`) use the
    shipped weights."""
    if "shipped_judge" in request.keywords:
        return
    from polis_seed.stages import usability

    permissive = usability.JudgeWeights(0.0, {name: 0.0 for name in usability.FEATURES}, 0.0, "tests")
    monkeypatch.setattr(usability.JudgeWeights, "shipped", classmethod(lambda cls: permissive))


@pytest.fixture
def replay(monkeypatch):
    """The CLI's provider replaced by a ReplayProvider (the network edge); everything else is real."""
    provider = ReplayProvider()
    provider.always("TopicAnswer", {"topic": "公共施設予約のオンライン化", "terms": ["予約", "オンライン"]})

    @contextlib.contextmanager
    def fake_open(self, cache_dir, debug=False, batch_queue=None):
        yield batch_queue or provider

    monkeypatch.setattr(ResolvedProvider, "open", fake_open)
    return provider

from polis_seed.cache import CachedProvider, ResponseCache
from polis_seed.providers.base import CompletionRequest, Message
from polis_seed.providers.replay import ReplayProvider
from polis_seed.stages.generate import DraftStatement


def request(text="hello"):
    return CompletionRequest(messages=[Message(role="user", content=text)], response_model=DraftStatement)


def test_a_repeated_request_is_answered_from_the_cache(tmp_path):
    replay = ReplayProvider(['{"statement": "one"}', '{"statement": "two"}'])
    cached = CachedProvider(replay, ResponseCache(tmp_path))
    first = cached.complete(request())
    again = CachedProvider(replay, ResponseCache(tmp_path)).complete(request())
    assert again.content == first.content and again.from_cache and len(replay.history) == 1
    changed = cached.complete(request("hello, edited prompt"))
    assert changed.content == '{"statement": "two"}' and len(replay.history) == 2

import threading
import time

from polis_seed.providers.cache import CachedProvider, ResponseCache
from polis_seed.providers.base import CompletionRequest, CompletionResult, Message
from polis_seed.stages.generate import Candidates
from tests.replay import ReplayProvider


def request(text="hello"):
    return CompletionRequest.asking_for(Candidates, [Message(role="user", content=text)])


def test_a_repeated_request_is_answered_from_the_cache(tmp_path):
    replay = ReplayProvider(['{"statement": "one"}', '{"statement": "two"}'])
    cached = CachedProvider(replay, ResponseCache(tmp_path))
    first = cached.complete(request())
    again = CachedProvider(replay, ResponseCache(tmp_path)).complete(request())
    assert again.content == first.content and again.from_cache and len(replay.history) == 1
    changed = cached.complete(request("hello, edited prompt"))
    assert changed.content == '{"statement": "two"}' and len(replay.history) == 2


class WatchedConnection:
    """Stands in for the sqlite3 connection and records how many threads are inside it at once."""

    def __init__(self, real):
        self.real = real
        self.inside = 0
        self.most_inside = 0
        self.count_lock = threading.Lock()

    def execute(self, *args):
        with self.count_lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        time.sleep(0.01)  # widen the window two unlocked threads would share
        try:
            return self.real.execute(*args)
        finally:
            with self.count_lock:
                self.inside -= 1

    def close(self):
        self.real.close()


def test_generate_threads_never_use_the_shared_connection_at_the_same_time(tmp_path):
    cache = ResponseCache(tmp_path)
    watched = WatchedConnection(cache._db)
    cache._db = watched
    provider = CachedProvider(ReplayProvider([{"statement": f"answer {i}"} for i in range(16)]), cache)
    threads = [threading.Thread(target=provider.complete, args=(request(f"request {i}"),)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert watched.most_inside == 1
    cache.close()


def test_a_cut_off_answer_is_kept_so_a_re_run_asks_nothing(tmp_path):
    cut = CompletionResult(content='{"statement": "on', finish_reason="length", prompt_tokens=3, completion_tokens=12)
    replay = ReplayProvider([cut])
    CachedProvider(replay, ResponseCache(tmp_path)).complete(request())
    again = CachedProvider(replay, ResponseCache(tmp_path)).complete(request())
    assert again.from_cache and again.finish_reason == "length" and len(replay.history) == 1

"""The llm tier's judge: on by default for a capable hosted model only, asked in batched requests live or through
batch files (`dedupe --batch-dir`), never about a pair a guard keeps apart, and never merging one on its word."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.batch.rounds import _jsonl, request_from_line, result_line
from polis_seed.config import Settings
from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Statement
from polis_seed.plan import dedupe_settings_of, provider_of
from polis_seed.providers.base import CompletionResult
from polis_seed.stages.dedupe import DedupeOptions, dedupe_statements, pairs_to_judge
from polis_seed.stages.judge import judge_requests, llm_judge
from tests.replay import ReplayProvider

runner = CliRunner()
ALL_TIERS = ("exact", "fuzzy", "semantic", "llm")
STATEMENTS = ["The council should build more social housing", "The council should construct more social housing",
              "The council should build less social housing", "The council should not build more social housing",
              "The council should build 200 more social housing"]
SYNONYMS = ("The council should build more social housing", "The council should construct more social housing")


def pairs_in(request) -> list[tuple[str, str]]:
    return re.findall(r"Pair \d+:\n  A: (.*)\n  B: (.*)", request.messages[-1].content)


def answer_round(requests: Path, results: Path, same) -> int:
    """Answer every judge request of a round file: `same(a, b)` for each pair. The pairs asked, in all."""
    lines, asked = [], 0
    for _, line, _ in _jsonl(requests):
        batch_format, custom_id, request = request_from_line(line)
        pairs = pairs_in(request)
        asked += len(pairs)
        content = json.dumps({"answers": [{"pair": n, "same_claim": same(a, b)}
                                          for n, (a, b) in enumerate(pairs, start=1)]})
        lines.append(json.dumps(result_line(batch_format, custom_id, CompletionResult(content=content,
                                                                                      finish_reason="stop"), "m")))
    results.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return asked


def test_the_llm_tier_is_on_by_default_for_a_hosted_model_only():
    assert "llm" in dedupe_settings_of(Settings(provider="openai", model="gpt-4o"),
                                       provider_of(Settings(provider="openai", model="gpt-4o"))).tiers
    assert "llm" in dedupe_settings_of(Settings(provider="anthropic"), provider_of(Settings(provider="anthropic"))).tiers
    local = Settings(provider="local")
    assert dedupe_settings_of(local, provider_of(local)).tiers == ("exact", "fuzzy", "semantic")
    given = Settings(provider="openai", tiers=["exact"])
    assert dedupe_settings_of(given, provider_of(given)).tiers == ("exact",)


def test_a_hosted_provider_serving_a_small_window_is_no_judge(monkeypatch):
    import polis_seed.providers.window as window

    monkeypatch.setattr(window, "probe_server_context", lambda base_url: 4096)
    settings = Settings(provider="openai", base_url="http://127.0.0.1:9/v1", model="small")
    assert "llm" not in dedupe_settings_of(settings, provider_of(settings)).tiers


def test_the_judge_is_never_asked_about_a_pair_a_guard_keeps_apart():
    asked = pairs_to_judge([Statement(text=text) for text in STATEMENTS], DedupeOptions(tiers=ALL_TIERS),
                           embed=e5_embed)
    # build/construct is a changed word no dictionary here knows: the judge's to decide. less (the other side of
    # more), not (a negation) and 200 (a number) never reach it.
    assert SYNONYMS in asked
    assert all("less" not in a + b and "not" not in a + b and "200" not in a + b for a, b in asked)


def test_a_same_answer_to_every_pair_merges_no_opposite_through_batch_files(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(STATEMENTS) + "\n", encoding="utf-8")
    out, batch = tmp_path / "out.txt", tmp_path / "b"
    command = ["dedupe", str(source), "-o", str(out), "--provider", "openai", "--model", "gpt-4o",
               "--batch-dir", str(batch), "--cache-dir", str(tmp_path / "cache"), "--report", str(tmp_path / "m.csv")]
    first = runner.invoke(cli.app, command)
    assert first.exit_code == 0, first.output
    assert "round 1" in first.output and "nothing else was written" in first.output
    assert not out.exists() and not (tmp_path / "m.csv").exists()
    asked = answer_round(batch / "round-1.requests.jsonl", batch / "round-1.results.jsonl", lambda a, b: True)
    assert asked >= 1
    second = runner.invoke(cli.app, command)
    assert second.exit_code == 0, second.output
    kept = out.read_text(encoding="utf-8").splitlines()
    assert SYNONYMS[0] not in kept or SYNONYMS[1] not in kept
    for opposite in STATEMENTS[2:]:
        assert opposite in kept  # help, not, 20: each kept, whatever the judge said
    assert f"{asked} pairs in 1 requests" in second.output
    assert not (batch / "round-2.requests.jsonl").exists()


def test_dedupe_batch_dir_without_the_llm_tier_is_an_error(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("a\nb\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["dedupe", str(source), "--batch-dir", str(tmp_path / "b")])
    assert result.exit_code == 2 and "--batch-dir" in result.output and "llm" in result.output
    assert "Traceback" not in result.output


def test_requests_asked_in_an_earlier_round_answer_the_dedupe_without_asking_again():
    statements = [Statement(text=text) for text in STATEMENTS]
    options = DedupeOptions(tiers=ALL_TIERS)
    pairs = pairs_to_judge(statements, options, embed=e5_embed)
    early = judge_requests(pairs)

    def same_when_build_and_construct(request):
        found = pairs_in(request)
        return {"answers": [{"pair": n, "same_claim": {"build", "construct"} <= set((a + " " + b).split())}
                            for n, (a, b) in enumerate(found, start=1)]}

    provider = ReplayProvider([same_when_build_and_construct] * (len(early) + 2))
    for request in early:  # asked in a round of the run's choosing (here: live)
        provider.complete(request)
    asked_before = len(provider.history)
    # One statement more since then: only its own pairs are new.
    later = statements + [Statement(text="The council should construct more council housing")]
    judge = llm_judge(provider, asked_before=[pairs[i:i + 40] for i in range(0, len(pairs), 40)])
    result = dedupe_statements(later, options, embed=e5_embed, judge=judge)
    assert [request.messages for request in provider.history[asked_before:len(early) + asked_before]] == \
        [request.messages for request in early]  # the same requests again: a cache would answer them
    assert len(provider.history) - asked_before - len(early) <= 1
    assert any(merge.tier == "llm" for merge in result.merges)
    assert {s.text for s in result.kept} >= set(STATEMENTS[2:])


def test_the_requests_do_not_depend_on_the_order_of_the_statements():
    options = DedupeOptions(tiers=ALL_TIERS)
    forward = pairs_to_judge([Statement(text=text) for text in STATEMENTS], options, embed=e5_embed)
    backward = pairs_to_judge([Statement(text=text) for text in reversed(STATEMENTS)], options, embed=e5_embed)
    assert forward == backward


def test_opposite_predicates_a_restructured_statement_moved_apart_never_reach_the_judge():
    # Each pair says the other direction with its words in another order: the opposite predicates fall in two
    # different changes, which no alignment pairs, and a 'same' answer must still not merge them.
    restructured = ["Tourism is driving up rents for residents", "Tourism is driving rents down for residents",
                    "The bypass will increase traffic through the village",
                    "Traffic through the village will fall with the bypass",
                    "More cycle lanes would raise the number of cyclists",
                    "The number of cyclists would drop with more cycle lanes"]
    asked = pairs_to_judge([Statement(text=text) for text in [*restructured, *SYNONYMS]],
                           DedupeOptions(tiers=ALL_TIERS), embed=e5_embed)
    assert asked == [SYNONYMS]  # the judge is still asked about a changed word no guard refuses

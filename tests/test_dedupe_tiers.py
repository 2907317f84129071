"""Dedupe tiers on the labelled data in tests/data/dedupe (real e5 embeddings, no network)."""

import csv
import io
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.language.compare import compare
from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Statement
from tests.replay import ReplayProvider
from polis_seed.stages.dedupe import DedupeOptions, dedupe_statements
from polis_seed.stages.judge import llm_judge

DATA = Path(__file__).parent / "data" / "dedupe"
PAIRS = [line.split("\t") for line in (DATA / "pairs.tsv").read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]
LISTS = yaml.safe_load((DATA / "lists.yaml").read_text(encoding="utf-8"))["lists"]


def merged(first, second, tiers, **options):
    result = dedupe_statements([Statement(text=first), Statement(text=second)],
                               DedupeOptions(tiers=tiers, **options), embed=e5_embed,
                               judge=lambda pairs: [True] * len(pairs))
    return len(result.kept) == 1


@pytest.mark.parametrize("tiers", [("exact",), ("fuzzy",), ("semantic",), ("exact", "fuzzy", "semantic")])
def test_no_opposite_pair_is_merged_by_any_tier_even_at_loose_thresholds(tiers):
    opposites = [(a, b) for label, a, b in PAIRS if label == "opposite"]
    merged_opposites = [(a, b) for a, b in opposites
                        if merged(a, b, tiers, fuzzy_threshold=50, semantic_threshold=0.85)]
    assert merged_opposites == []


def test_the_judge_never_overrules_a_negation_even_when_it_says_yes_to_everything():
    negated = [(a, b) for label, a, b in PAIRS if label == "opposite"
               and compare(a, b).reason.startswith(("one says no", "opposite predicates"))]
    assert len(negated) >= 8
    assert [(a, b) for a, b in negated if merged(a, b, ("exact", "fuzzy", "semantic", "llm"))] == []


def test_no_distinct_pair_is_merged_at_the_default_thresholds():
    distinct = [(a, b) for label, a, b in PAIRS if label == "distinct"]
    assert [(a, b) for a, b in distinct if merged(a, b, ("exact", "fuzzy", "semantic"))] == []


def list_scores(tiers):
    claims = kept_claims_total = redundant = kept_total = 0
    for entry in LISTS:
        claim_of = {text: i for i, texts in enumerate(entry["claims"]) for text in texts}
        statements = [Statement(text=t) for texts in entry["claims"] for t in texts]
        kept = dedupe_statements(statements, DedupeOptions(tiers=tiers), embed=e5_embed).kept
        kept_claims = [claim_of[s.text] for s in kept]
        claims += len(entry["claims"])
        kept_claims_total += len(set(kept_claims))
        redundant += len(kept_claims) - len(set(kept_claims))
        kept_total += len(kept)
    return kept_claims_total / claims, redundant / kept_total


def test_lists_lose_no_claim():
    recall, _ = list_scores(("exact", "fuzzy", "semantic"))
    assert recall >= 0.99


def yes_when_both_mention(word):
    """A judge's answer to a batched request: the same claim exactly when both statements of a pair name `word`."""
    import re

    def answer(request):
        pairs = re.findall(r"Pair (\d+):\n  A: (.*)\n  B: (.*)", request.messages[-1].content)
        return {"answers": [{"pair": int(n), "same_claim": word in a and word in b} for n, a, b in pairs]}
    return answer


def test_llm_tier_asks_only_about_borderline_pairs_and_follows_the_answer():
    provider = ReplayProvider([yes_when_both_mention("コスト")])
    statements = [Statement(text="共通システムの導入には多額の初期投資が必要"),
                  Statement(text="システム共通化で自治体のコストを減らせる"),
                  Statement(text="情報システムの共通化はコスト削減につながる")]
    result = dedupe_statements(statements, DedupeOptions(tiers=("exact", "fuzzy", "llm")), embed=e5_embed,
                               judge=llm_judge(provider))
    asked = [r.messages[-1].content for r in provider.history]
    assert len(asked) == 1 and "コスト" in asked[0]
    assert len(result.kept) == 2 and result.merges[0].tier == "llm"


def test_cli_against_an_existing_polis_export_and_a_merge_report(tmp_path):
    comments = tmp_path / "comments.csv"
    comments.write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,x,0,1,3,1,1,情報システムの共通化はコスト削減につながります\n2,x,1,2,0,0,0,高齢者が取り残される\n",
        encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("情報システムの共通化はコスト削減につながる\n情報システムの共通化はコスト削減につながらない\n"
                   "標準化により業務効率が向上する\n業務の効率は標準化で向上する\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["dedupe", str(new), "--against", str(comments), "-o", str(tmp_path / "kept.txt"),
                                          "--report", str(tmp_path / "merges.csv")])
    assert result.exit_code == 0, result.output
    kept = (tmp_path / "kept.txt").read_text(encoding="utf-8").splitlines()
    # the shorter of two equally good statements is kept
    assert kept == ["情報システムの共通化はコスト削減につながらない", "業務の効率は標準化で向上する"]
    rows = [r for r in csv.DictReader(io.StringIO((tmp_path / "merges.csv").read_text(encoding="utf-8")))
            if r["decision"] == "merged"]
    assert {(r["tier"], r["against_existing"]) for r in rows} == {("semantic", ""), ("fuzzy", "yes")}
    against = next(r for r in rows if r["against_existing"] == "yes")
    assert against["kept"] == "情報システムの共通化はコスト削減につながります" and float(against["fuzzy_ratio"]) >= 88
    assert "1 already said in" in result.output

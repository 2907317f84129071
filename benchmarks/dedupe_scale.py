"""Dedupe at scale: 50,000 synthetic short statements with tiers exact,fuzzy, against a bare blocked
rapidfuzz cdist baseline; and the semantic tier's throughput on 10,000 statements.

Usage: python benchmarks/dedupe_scale.py [N] [SEMANTIC_N] [--repeat=R]
R pairs of runs (polis-seed, then the baseline, back to back) and their medians; SEMANTIC_N 0 skips the semantic
tier.
Each measurement runs in its own process; "extra memory" is peak RSS minus RSS once the statements
are built (ru_maxrss), so it counts numpy and rapidfuzz buffers too.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time

SUBJECTS = ["情報システムの共通化", "ガバメントクラウドへの移行", "オープンソースの採用", "自治体DX", "窓口のオンライン化",
            "標準仕様書", "データ連携", "生成AIの活用", "ベンダーへの委託", "職員の研修", "住民向けアプリ", "庁内ネットワーク"]
OBJECTS = ["運用コスト", "業務効率", "住民の利便性", "セキュリティ", "職員の負担", "移行期間", "調達の透明性", "災害時の対応",
           "小規模自治体の負担", "データの品質", "サービスの質", "地域の産業"]
PLACES = ["", "A市では", "B町では", "C村では", "県内では", "都内では", "全国では", "離島では", "山間部では", "政令市では"]
PREDICATES = ["を改善する", "を悪化させる", "に影響しない", "を大きく変える", "を高める", "を下げる", "の見直しにつながる",
              "の課題を解決する", "を複雑にする", "を安定させる"]
QUALIFIERS = ["", "長期的には", "短期的には", "多くの自治体で", "都市部では", "地方では", "当面は", "確実に"]


def synthetic_statements(count: int, seed: int = 7) -> list[str]:
    """Template claims (115,200 combinations, so repeats happen) plus, for about one in ten, a light
    edit of an earlier statement (a near-duplicate). Many templates differ by one short word, so the
    fuzzy tier finds far more pairs here than in a real list: a hard case for clustering."""
    rng = random.Random(seed)
    statements: list[str] = []
    for index in range(count):
        if statements and rng.random() < 0.1:
            base = rng.choice(statements)
            statements.append(base.replace("は", "が", 1) if "は" in base else base + "。")
        else:
            statements.append(f"{rng.choice(PLACES)}{rng.choice(QUALIFIERS)}{rng.choice(SUBJECTS)}は"
                              f"{rng.choice(OBJECTS)}{rng.choice(PREDICATES)}")
    return statements


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, count: int) -> dict:
    texts = synthetic_statements(count)
    if kind == "polis-seed":
        from polis_seed.models import Statement
        from polis_seed.stages.dedupe import DedupeOptions, dedupe_statements

        statements = [Statement(text=t) for t in texts]
        before = rss_mb()
        started = time.perf_counter()
        result = dedupe_statements(statements, DedupeOptions(tiers=("exact", "fuzzy")))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "extra_mb": rss_mb() - before, "kept": len(result.kept)}
    if kind == "baseline":
        import numpy as np
        from rapidfuzz import fuzz, process

        from polis_seed.defaults import default_of
        from polis_seed.stages.dedupe import BLOCK_ROWS
        DEFAULT_FUZZY_THRESHOLD = default_of("threshold")
        from polis_seed.language.text import normalize_for_matching

        before = rss_mb()
        started = time.perf_counter()
        normalized = [normalize_for_matching(t) for t in texts]
        pairs = 0
        for start in range(0, len(normalized), BLOCK_ROWS):
            scores = process.cdist(normalized[start:start + BLOCK_ROWS], normalized[start:], scorer=fuzz.ratio,
                                   score_cutoff=DEFAULT_FUZZY_THRESHOLD, dtype=np.uint8, workers=-1)
            rows, columns = np.nonzero(scores)
            pairs += int((columns > rows).sum())
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "extra_mb": rss_mb() - before, "pairs": pairs}
    if kind == "semantic":
        from polis_seed.language.embeddings import e5_embed
        from polis_seed.defaults import default_of
        from polis_seed.stages.dedupe import semantic_pairs
        DEFAULT_SEMANTIC_THRESHOLD = default_of("semantic_threshold")

        e5_embed(["warm up"])
        started = time.perf_counter()
        vectors = e5_embed(texts)
        embed_seconds = time.perf_counter() - started
        pairs = semantic_pairs(vectors, DEFAULT_SEMANTIC_THRESHOLD)
        return {"embed_seconds": embed_seconds, "pair_seconds": time.perf_counter() - started - embed_seconds,
                "per_second": count / embed_seconds, "pairs": len(pairs)}
    raise ValueError(kind)


def run_isolated(kind: str, count: int) -> dict:
    output = subprocess.run([sys.executable, __file__, "--measure", kind, str(count)], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    import os
    import statistics

    args = [arg for arg in sys.argv[1:] if not arg.startswith("--repeat=")]
    repeat = next((int(arg.split("=", 1)[1]) for arg in sys.argv[1:] if arg.startswith("--repeat=")), 1)
    count = int(args[0]) if args else 50_000
    semantic_count = int(args[1]) if len(args) > 1 else 10_000
    from polis_seed.language.text import normalize_for_matching

    distinct = len({normalize_for_matching(t) for t in synthetic_statements(count)})
    print(f"statements: {count:,} synthetic, {distinct:,} distinct after normalisation")
    runs = []
    for number in range(1, repeat + 1):
        # Back to back, so both see the same load; the load average is printed with each pair.
        load = os.getloadavg()[0]
        ours = run_isolated("polis-seed", count)
        baseline = run_isolated("baseline", count)
        runs.append((ours["seconds"], baseline["seconds"]))
        print(f"run {number} (load average {load:.1f} → {os.getloadavg()[0]:.1f}): polis-seed dedupe --tiers "
              f"exact,fuzzy {ours['seconds']:.1f} s, extra memory {ours['extra_mb']:.0f} MB, kept {ours['kept']:,}; "
              f"bare blocked rapidfuzz cdist baseline {baseline['seconds']:.1f} s, extra memory "
              f"{baseline['extra_mb']:.0f} MB, {baseline['pairs']:,} pairs; ratio "
              f"{ours['seconds'] / baseline['seconds']:.2f}x")
    print(f"median of {repeat}: polis-seed {statistics.median(r[0] for r in runs):.1f} s, baseline "
          f"{statistics.median(r[1] for r in runs):.1f} s, ratio {statistics.median(r[0] / r[1] for r in runs):.2f}x")
    if semantic_count <= 0:
        return
    semantic = run_isolated("semantic", semantic_count)
    print(f"semantic tier on {semantic_count:,}: embeddings {semantic['embed_seconds']:.1f} s "
          f"({semantic['per_second']:.0f} statements/s), pair search {semantic['pair_seconds']:.1f} s, "
          f"{semantic['pairs']:,} pairs over the threshold")


if __name__ == "__main__":
    main()

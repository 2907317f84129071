"""Calibrate the sentence strategy's judge on candidates people read, and say how it does on lists it was not
calibrated on.

Usage: python benchmarks/judge_calibration.py [--write]
Reads docs/judged/candidates_*.jsonl (and judges docs/judged/heldout_candidates_*.jsonl, never fitted on, with the
shipped weights): every candidate a run judged (report.json "judged"), with the class a person
read for it (usable or not). The measures are recomputed from each candidate's text and source sentence with
today's code (the side margin, which needs the model, is taken from the run). Then:
- leave one list out: fit on the others, judge the one left out; accuracy, precision of what it keeps, and how
  many usable candidates it keeps, per list and in all;
- with --write, fit on every list and write the weights and the threshold to src/polis_seed/data/judge.yaml
  (--threshold T writes T instead of the F1-best threshold: the F1-best one keeps too few statements for a list).
The fit is a logistic regression with a small L2 penalty (numpy, Newton's method); the threshold is the one that
keeps candidates best (highest F1 of "usable") on the lists fitted.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import yaml

from polis_seed.language.embeddings import embedder_for
from polis_seed.rules import Topic
from polis_seed.stages.usability import FEATURES, JudgeWeights, features_of

ROOT = Path(__file__).resolve().parent.parent
JUDGED = ROOT / "docs" / "judged"
WEIGHTS = ROOT / "src" / "polis_seed" / "data" / "judge.yaml"
PENALTY = 1.0


def load(pattern: str = "candidates_*.jsonl") -> dict[str, list[dict]]:
    return {path.stem.split("candidates_", 1)[1]: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            for path in sorted(JUDGED.glob(pattern))}


def measures(lists: dict[str, list[dict]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    embed = embedder_for(Path.home() / ".cache" / "polis-seed")
    out = {}
    for name, rows in lists.items():
        texts = list(dict.fromkeys([r["text"] for r in rows] + [r["source"] for r in rows]))
        vectors = dict(zip(texts, embed(texts)))
        by_source: dict[str, list[str]] = {}
        for r in rows:
            by_source.setdefault(r["source"], []).append(r["text"])
        x, y = [], []
        for r in rows:
            others = [t for t in by_source[r["source"]] if t != r["text"]]
            agreement = float(np.mean([vectors[r["text"]] @ vectors[t] for t in others])) if others else 0.9
            f = features_of(r["text"], r["source"], Topic(r["topic"], (r["topic"],)), r["features"]["side_margin"],
                            float(vectors[r["text"]] @ vectors[r["source"]]), agreement,
                            45 if any("\u3040" <= ch <= "\u9fff" for ch in r["text"]) else 90)
            x.append([f[name] for name in FEATURES])
            y.append(1.0 if r["class"] == "usable" else 0.0)
        out[name] = (np.array(x), np.array(y))
    embed.close()
    return out


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weights, mean, scale) of a logistic regression on standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + PENALTY * np.r_[0, w[1:]]
        hessian = (z.T * (p * (1 - p))) @ z + PENALTY * np.diag(np.r_[0, np.ones(len(w) - 1)])
        w -= np.linalg.solve(hessian, gradient)
    return w, mean, scale


def scores(model, x: np.ndarray) -> np.ndarray:
    w, mean, scale = model
    return 1 / (1 + np.exp(-(w[0] + ((x - mean) / scale) @ w[1:])))


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best, chosen = -1.0, 0.5
    for t in np.unique(np.round(p, 3)):
        kept = p >= t
        tp = float((kept & (y == 1)).sum())
        f1 = 2 * tp / (kept.sum() + (y == 1).sum()) if kept.any() else 0.0
        if f1 > best:
            best, chosen = f1, float(t)
    return chosen


def report(name: str, p: np.ndarray, y: np.ndarray, threshold: float) -> str:
    kept = p >= threshold
    accuracy = float(((p >= threshold) == (y == 1)).mean())
    precision = float(y[kept].mean()) if kept.any() else float("nan")
    auc = float(np.mean([(a > b) + 0.5 * (a == b) for a in p[y == 1] for b in p[y == 0]])) if 0 < y.sum() < len(y) \
        else float("nan")
    return (f"{name:22} {len(y):4} candidates, {int(y.sum()):3} usable | accuracy {accuracy:.0%}, AUC {auc:.2f}; keeps "
            f"{int(kept.sum())}, of them usable {precision:.0%} (usable kept {int((kept & (y == 1)).sum())}/{int(y.sum())})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--threshold", type=float, help="write this threshold instead of the F1-best one (a lower one "
                                                        "keeps more statements, fewer of them usable)")
    args = parser.parse_args()
    data = measures(load())
    print("leave one list out (fitted on the others, judged on the one left out):")
    all_p, all_y = [], []
    for name in data:
        x = np.vstack([data[other][0] for other in data if other != name])
        y = np.concatenate([data[other][1] for other in data if other != name])
        model = fit(x, y)
        threshold = best_threshold(scores(model, x), y)
        p = scores(model, data[name][0])
        print("  " + report(name, p, data[name][1], threshold))
        all_p.append(p >= threshold)
        all_y.append(data[name][1])
    kept, y = np.concatenate(all_p), np.concatenate(all_y)
    print(f"  in all: accuracy {float((kept == (y == 1)).mean()):.0%}; kept {int(kept.sum())}, of them usable "
          f"{float(y[kept].mean()) if kept.any() else float('nan'):.0%}; usable among all candidates {float(y.mean()):.0%}")
    held_out = measures(load("heldout_candidates_*.jsonl"))
    if held_out:
        shipped = JudgeWeights.shipped()
        print(f"\nthe shipped judge ({shipped.calibrated_on}) on lists it was never calibrated on "
              "(docs/judged/heldout_candidates_*.jsonl):")
        for name, (x_held, y_held) in held_out.items():
            p = np.array([shipped.score(dict(zip(FEATURES, row))) for row in x_held])
            print("  " + report(name, p, y_held, shipped.threshold))
    x = np.vstack([data[name][0] for name in data])
    y = np.concatenate([data[name][1] for name in data])
    model = fit(x, y)
    threshold = best_threshold(scores(model, x), y)
    w, mean, scale = model
    weights = {name: float(w[1 + i] / scale[i]) for i, name in enumerate(FEATURES)}
    bias = float(w[0] - sum(w[1 + i] * mean[i] / scale[i] for i in range(len(FEATURES))))
    print("\nfitted on every list: " + ", ".join(f"{k} {v:+.2f}" for k, v in weights.items())
          + f"; bias {bias:+.2f}; F1-best threshold {threshold:.3f}")
    if args.threshold is not None:
        threshold = args.threshold
    if args.write:
        WEIGHTS.write_text(
            "# The judge of the sentence strategy (stages/usability.py): score = sigmoid(bias + Σ weight × feature), kept\n"
            "# when score ≥ threshold. Written by benchmarks/judge_calibration.py --write; do not edit by hand.\n"
            + yaml.safe_dump({"calibrated_on": ", ".join(f"{name} ({len(data[name][1])})" for name in data),
                              "bias": round(bias, 4), "weights": {k: round(v, 4) for k, v in weights.items()},
                              "threshold": round(threshold, 4)}, allow_unicode=True, sort_keys=False),
            encoding="utf-8")
        print(f"wrote {WEIGHTS}")


if __name__ == "__main__":
    main()

"""usability: would a facilitator put a candidate statement into Polis as it is? The judge of the sentence strategy.

Every candidate that passes the rules is measured, with what polis-seed can measure well:
- side_margin: how clearly it takes a side of its angle (the stance check's score, 0..1);
- grounding: the share of its content found in its source sentence (facts the model invents score low);
- copy: how close it is to the source sentence (a near-copy is a report, not a claim);
- length: its length against the target (short statements vote best);
- key_term: whether it starts with the subject or one of its key terms;
- source_similarity: how close its meaning stays to the source sentence (e5 cosine);
- agreement: how close it is to the other candidates written from the same sentence (a candidate the others
  do not resemble has drifted);
- judgement: whether its words judge (an adjective or adjectival noun, べき, a word of the rules' opinion
  list: 難しい, 公平だ, 必要, should, risk): a statement that only describes reports a fact.
The score is a logistic combination, sigmoid(bias + Σ weight × feature), with weights calibrated on candidates
people read and classed (docs/judged/candidates_*.jsonl) by benchmarks/judge_calibration.py, which writes them
to data/judge.yaml together with what they were calibrated on and how they did on candidates they were not.
The model itself is not asked whether a candidate is usable: measured on 88 statements people read, the
embedded model's yes/no answer (and its token probability) told usable from not no better than chance
(benchmarks/judge_question.py; docs/benchmarks.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources

import yaml

from ..language.text import normalize_for_matching
from ..models import CheckedStance, Reason, said
from ..rules import Topic, near_copy_score, source_overlap

FEATURES = ("side_margin", "grounding", "copy", "length", "key_term", "source_similarity", "agreement", "judgement")


@dataclass(frozen=True)
class JudgeWeights:
    bias: float
    weights: dict[str, float]
    threshold: float
    calibrated_on: str = ""

    @classmethod
    def shipped(cls) -> JudgeWeights:
        data = yaml.safe_load((resources.files("polis_seed") / "data" / "judge.yaml").read_text(encoding="utf-8"))
        return cls(float(data["bias"]), {name: float(data["weights"].get(name, 0.0)) for name in FEATURES},
                   float(data["threshold"]), str(data.get("calibrated_on", "")))

    def score(self, features: dict[str, float]) -> float:
        total = self.bias + sum(self.weights[name] * features[name] for name in FEATURES)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, total))))


@dataclass
class Judgement:
    features: dict[str, float]
    score: float
    threshold: float
    side: CheckedStance
    read_side: bool  # the side was checked (else it is the side its sentence leans to)
    scored: bool  # the judge scored it (a capable model's single candidate is kept on the rules and its side)

    @property
    def passes(self) -> bool:
        return not self.scored or self.score >= self.threshold

    def reason(self) -> Reason:
        return said("judge", score=round(self.score, 4), threshold=self.threshold,
                    features={name: round(value, 4) for name, value in self.features.items()})


def features_of(text: str, source: str, topic: Topic | None, side_margin: float, source_similarity: float,
                agreement: float, target_chars: int) -> dict[str, float]:
    normalized = normalize_for_matching(text)
    terms = ((topic.name,) + tuple(topic.terms)) if topic else ()
    return {
        "side_margin": max(0.0, min(1.0, side_margin)),
        "grounding": source_overlap(text, source, topic.name if topic else None),
        "copy": near_copy_score(text, source) / 100,
        "length": min(2.0, len(text) / max(1, target_chars)),
        "key_term": 1.0 if any(normalized.startswith(normalize_for_matching(term)) for term in terms if term) else 0.0,
        "source_similarity": source_similarity,
        "agreement": agreement,
        "judgement": 1.0 if has_judgement(text) else 0.0,
    }


def has_judgement(text: str) -> bool:
    """Words that judge rather than describe: Japanese adjectives, adjectival nouns (必要, 公平, 困難) and べき
    (SudachiPy's parts of speech), and the rules' opinion words in any language."""
    from ..rules import OPINION_MARKERS

    lowered = text.casefold()
    if any(marker in lowered for marker in OPINION_MARKERS):
        return True
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        from ..language.morphology import morphemes

        return any(m.pos[0] in ("形容詞", "形状詞") or m.surface == "べき" for m in morphemes(text))
    return False


def side_margin_of(reading) -> float:
    """How clearly a reading takes a side: the stance check's score, or 1/0 for a list check's answer."""
    if reading is None:
        return 0.5
    if hasattr(reading, "score"):
        return abs(reading.score)
    return 1.0 if reading.side in ("pro", "con") else 0.0


@dataclass
class UsabilityJudge:
    """Turns a candidate's measures into a Judgement with the calibrated weights."""

    topic: Topic | None
    weights: JudgeWeights = field(default_factory=lambda: JudgeWeights.shipped())

    def judgement(self, text: str, source: str, reading, source_similarity: float, agreement: float,
                  target_chars: int) -> Judgement:
        side: CheckedStance = reading.side if reading is not None else "unclear"
        features = features_of(text, source, self.topic, side_margin_of(reading), source_similarity, agreement,
                               target_chars)
        return Judgement(features, self.weights.score(features), self.weights.threshold, side, reading is not None,
                         True)

"""English sentiment (VADER), for the rules (is there a judgement?) and dedupe (do two phrases pull opposite ways?)."""

from __future__ import annotations

import functools


def sentiment(text: str) -> float:
    """VADER's compound score of an English phrase, -1..1; 0 for other languages or when VADER is not installed."""
    if not text.isascii():
        return 0.0
    analyzer = _vader()
    return analyzer.polarity_scores(text)["compound"] if analyzer else 0.0


@functools.lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    return SentimentIntensityAnalyzer()

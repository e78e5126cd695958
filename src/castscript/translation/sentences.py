"""Whole sentences as the unit of translation: ASR segments often end mid-sentence ("... And I'm" / "Sheila, from
Chicago."), and a sentence translated in halves reads wrong. Consecutive segments of one speaker are joined up to a
sentence end, translated as one line, and the translation is shared back over the segments at word boundaries."""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Sequence

from ..document import Segment

SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)»]*$")
PUNCTUATION = re.compile(r"[.!?…。！？,;:，、；：][\"'”’)»]*$")
NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
MAX_PAUSE = 1.5
"""Segments further apart than this (s) are never one sentence."""
MAX_SEGMENTS, MAX_CHARS = 4, 400


def sentence_units(segments: Sequence[Segment]) -> list[list[int]]:
    """Indices of consecutive segments that together make whole sentences (one speaker and language, no long
    pause; a unit ends where a segment ends a sentence, or at 4 segments / 400 characters)."""
    units: list[list[int]] = []
    for index, segment in enumerate(segments):
        if units and _continues(segments, units[-1], segment):
            units[-1].append(index)
        else:
            units.append([index])
    return units


def _continues(segments: Sequence[Segment], unit: list[int], segment: Segment) -> bool:
    last = segments[unit[-1]]
    text = last.text.strip()
    return (
        bool(text) and bool(segment.text.strip())
        and not SENTENCE_END.search(text)
        and last.speaker == segment.speaker and last.language == segment.language
        and segment.start - last.end <= MAX_PAUSE
        and len(unit) < MAX_SEGMENTS
        and sum(len(segments[i].text) for i in unit) + len(segment.text) <= MAX_CHARS
    )


def share_out(text: str, weights: Sequence[int]) -> list[str]:
    """``text`` cut into ``len(weights)`` consecutive parts in proportion to ``weights`` (the source segments'
    characters), at spaces (characters in unspaced scripts), each cut moved to punctuation close by; no part is
    empty while there are words enough."""
    if len(weights) == 1:
        return [text.strip()]
    unspaced = " " not in text.strip() and bool(NO_SPACES.search(text))
    tokens = list(text.strip()) if unspaced else text.split()
    glue = "" if unspaced else " "
    total, cuts, done = max(1, sum(weights)), [], 0
    lengths = [len(t) + len(glue) for t in tokens]
    for weight in weights[:-1]:
        done += weight
        cuts.append(_cut(lengths, tokens, done / total, cuts[-1] if cuts else 0, len(weights) - len(cuts) - 1))
    bounds = [0, *cuts, len(tokens)]
    return [glue.join(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]


def _cut(lengths: list[int], tokens: list[str], fraction: float, low: int, parts_after: int) -> int:
    """Token index to cut before: nearest the ``fraction`` of the characters, preferring one after punctuation."""
    before = [0, *accumulate(lengths)]
    total = max(1, before[-1])
    high = min(len(tokens), max(low + 1, len(tokens) - parts_after))
    best, best_cost = low, float("inf")
    for i in range(low, high + 1):
        cost = abs(before[i] / total - fraction)
        if i and PUNCTUATION.search(tokens[i - 1]):
            cost -= 0.08
        if i == low and len(tokens) > low + parts_after:
            cost += 1.0  # an empty part while words are left for every part
        if cost < best_cost:
            best, best_cost = i, cost
    return best

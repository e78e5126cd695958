"""Faces <-> speakers by co-occurrence: how much each person's screen time coincides with each speaker's speech,
solved as one assignment (Hungarian) so two speakers never claim the same face; a speaker never seen stays unmatched."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..document import SpeakerTurn
from .analysis import FaceAnalysis, FaceMatch

MIN_SCORE = 0.15
"""Least Jaccard overlap of screen time and speech time for a match."""
MIN_CONFIDENCE = 0.05
"""Least margin over the best competing face or speaker: below it the evidence cannot tell them apart."""


def match_speakers(analysis: FaceAnalysis, turns: list[SpeakerTurn], duration: float) -> list[FaceMatch]:
    """The face <-> speaker pairs the evidence supports, each with its score and confidence."""
    people = analysis.people
    speakers = sorted({t.speaker for t in turns})
    if not people or not speakers:
        return []
    fps = analysis.sample_fps
    steps = int(np.ceil(max(duration, *(t.end for t in turns)) * fps)) + 1
    visible = np.zeros((len(people), steps), dtype=bool)
    for track in analysis.tracks:
        if track.person is not None:
            indices = [min(steps - 1, round(b.time * fps)) for b in track.boxes]
            visible[people.index(track.person), indices] = True
    speaking = np.zeros((len(speakers), steps), dtype=bool)
    for turn in turns:
        speaking[speakers.index(turn.speaker), round(turn.start * fps) : round(turn.end * fps) + 1] = True
    both = (visible[:, None, :] & speaking[None, :, :]).sum(axis=2)
    either = (visible[:, None, :] | speaking[None, :, :]).sum(axis=2)
    score = both / np.maximum(either, 1)
    rows, cols = linear_sum_assignment(-score)
    matches = []
    for p, s in zip(rows, cols):
        rivals = np.concatenate([np.delete(score[p, :], s), np.delete(score[:, s], p)])
        confidence = float(score[p, s] - (rivals.max() if rivals.size else 0.0))
        if score[p, s] >= MIN_SCORE and confidence >= MIN_CONFIDENCE:
            matches.append(
                FaceMatch(speakers[s], people[p], min(1.0, confidence), float(score[p, s]), float(both[p, s] / fps))
            )
    return sorted(matches, key=lambda m: m.speaker)

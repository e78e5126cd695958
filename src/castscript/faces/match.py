"""Faces <-> speakers: by active speaker detection where it can judge, else by co-occurrence.

Active speaker evidence for a face and a speaker: the face's speaking score while that speaker talks alone, taken
relative to the other faces on screen at the same moment, minus the same measure while the other speakers talk (each
face's change between the speakers' turns is what tells two faces that both move their lips apart; with a single
speaker, its mean relative score). It judges a pair when the face was scored for long enough during the speaker's turns
and its picture moves (a still photo scores the same whatever is said). Judged pairs are assigned as one
assignment (Hungarian) and kept when the evidence is positive enough; a voice no judged face speaks (a narrator) stays
unmatched. People and speakers ASD could not judge are matched by co-occurrence: how much each person's screen time
coincides with each speaker's speech (Jaccard), again as one assignment.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..document import SpeakerTurn
from .analysis import FaceAnalysis, FaceMatch

MIN_SCORE = 0.15
"""Least Jaccard overlap of screen time and speech time for a co-occurrence match."""
MIN_CONFIDENCE = 0.05
"""Least co-occurrence margin over the best competing face or speaker."""
MIN_EVIDENCE = 0.2
"""Least active speaker evidence (logit units) for a match (measured: a talking head with its own voice 0.37 over
8 s, the same face with a narrator's voice 0.05, a silent face with a narrator's voice -1.69)."""
MIN_JUDGED_SECONDS = 1.5
"""Seconds a face must be scored during a speaker's solo speech for the active speaker evidence to count."""
STILL_MOTION = 1.0
"""Mean frame-to-frame change of a person's face crops (grey levels) below which it is a still picture: its scores
carry no information (measured: photos 0.0-0.01, real talking heads 3-4.6)."""


def match_speakers(
    analysis: FaceAnalysis, turns: list[SpeakerTurn], duration: float
) -> tuple[list[FaceMatch], dict[str, dict[str, float]]]:
    """The face <-> speaker pairs the evidence supports, and the active speaker evidence of every judged pair
    (speaker -> person -> value)."""
    people = analysis.people
    speakers = sorted({t.speaker for t in turns})
    if not people or not speakers:
        return [], {}
    fps = analysis.sample_fps
    steps = int(np.ceil(max(duration, *(t.end for t in turns)) * fps)) + 1
    visible, scores = _screen(analysis, people, steps)
    speaking = np.zeros((len(speakers), steps), dtype=bool)
    for turn in turns:
        speaking[speakers.index(turn.speaker), round(turn.start * fps) : round(turn.end * fps) + 1] = True
    moving = np.array([_motion(analysis, p) >= STILL_MOTION for p in people], dtype=bool)
    evidence, judged = _speaking_evidence(scores, speaking, fps, moving)
    both = (visible[:, None, :] & speaking[None, :, :]).sum(axis=2)
    either = (visible[:, None, :] | speaking[None, :, :]).sum(axis=2)
    jaccard = both / np.maximum(either, 1)
    matches = _by_speaking(evidence, judged, jaccard, both / fps, people, speakers)
    free_people = [p for p in range(len(people)) if not judged[p].any()]
    free_speakers = [s for s in range(len(speakers)) if not judged[:, s].any()]
    matches += _by_co_occurrence(jaccard, both / fps, people, speakers, free_people, free_speakers)
    table = {speakers[s]: {people[p]: float(evidence[p, s]) for p in range(len(people)) if judged[p, s]}
             for s in range(len(speakers))}
    return sorted(matches, key=lambda m: m.speaker), {s: row for s, row in table.items() if row}


def _screen(analysis: FaceAnalysis, people: list[str], steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per person and time step: visible (bool), and the mean speaking score (NaN where not scored)."""
    fps = analysis.sample_fps
    visible = np.zeros((len(people), steps), dtype=bool)
    total = np.zeros((len(people), steps))
    count = np.zeros((len(people), steps))
    for track in analysis.tracks:
        if track.person is None:
            continue
        row = people.index(track.person)
        for box in track.boxes:
            step = min(steps - 1, round(box.time * fps))
            visible[row, step] = True
            if box.speaking is not None:
                total[row, step] += box.speaking
                count[row, step] += 1
    with np.errstate(invalid="ignore"):
        return visible, np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _motion(analysis: FaceAnalysis, person: str) -> float:
    values = [t.motion for t in analysis.tracks if t.person == person and t.motion is not None]
    return float(np.mean(values)) if values else 0.0


def _speaking_evidence(
    scores: np.ndarray, speaking: np.ndarray, fps: float, moving: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(evidence, judged), both [people, speakers]; see the module docstring."""
    scored = ~np.isnan(scores)
    relative = np.where(scored, scores, 0.0)
    for p in range(len(scores)):
        others = np.delete(scores, p, axis=0)
        if others.size:
            rival = np.nanmax(np.where(np.isnan(others), -np.inf, others), axis=0)
            relative[p] = np.where(np.isfinite(rival), relative[p] - rival, relative[p])
    alone = speaking & (speaking.sum(axis=0) == 1)
    evidence = np.zeros((len(scores), len(speaking)))
    judged = np.zeros_like(evidence, dtype=bool)
    for p in range(len(scores)):
        if scored[p].sum() == 0 or not moving[p]:
            continue
        for s in range(len(speaking)):
            during = scored[p] & alone[s]
            if during.sum() / fps < MIN_JUDGED_SECONDS:
                continue
            others = scored[p] & alone.any(axis=0) & ~alone[s]
            baseline = relative[p, others].mean() if others.sum() / fps >= MIN_JUDGED_SECONDS else 0.0
            evidence[p, s] = relative[p, during].mean() - baseline
            judged[p, s] = True
    return evidence, judged


def _by_speaking(evidence, judged, jaccard, seconds, people, speakers) -> list[FaceMatch]:
    if not judged.any():
        return []
    rows, cols = linear_sum_assignment(-np.where(judged, evidence, -1e3))
    matches = []
    for p, s in zip(rows, cols):
        if not judged[p, s] or evidence[p, s] < MIN_EVIDENCE:
            continue
        rivals = np.concatenate([np.delete(evidence[p], s)[np.delete(judged[p], s)],
                                 np.delete(evidence[:, s], p)[np.delete(judged[:, s], p)]])
        confidence = evidence[p, s] - max(0.0, rivals.max()) if rivals.size else evidence[p, s]
        matches.append(FaceMatch(speakers[s], people[p], float(np.clip(confidence, 0.0, 1.0)), float(jaccard[p, s]),
                                 float(seconds[p, s]), "speaking", float(evidence[p, s])))
    return matches


def _by_co_occurrence(score, seconds, people, speakers, free_people, free_speakers) -> list[FaceMatch]:
    if not free_people or not free_speakers:
        return []
    sub = score[np.ix_(free_people, free_speakers)]
    matches = []
    for row, col in zip(*linear_sum_assignment(-sub)):
        p, s = free_people[row], free_speakers[col]
        rivals = np.concatenate([np.delete(sub[row, :], col), np.delete(sub[:, col], row)])
        confidence = float(sub[row, col] - (rivals.max() if rivals.size else 0.0))
        if sub[row, col] >= MIN_SCORE and confidence >= MIN_CONFIDENCE:
            matches.append(FaceMatch(speakers[s], people[p], min(1.0, confidence), float(sub[row, col]),
                                     float(seconds[p, s])))
    return matches

"""What face analysis produces: tracks of boxes over time, the people they cluster into, and the face <-> speaker map.

``FaceAnalysis.to_dict()`` is what ``Document.faces`` holds (compact: a box is ``[time, x, y, w, h]`` in video pixels,
then its speaking score when speaker detection ran); ``mapping`` says how each speaker was matched (``method``
"speaking" or "co-occurrence") with its evidence, ``speaking_evidence`` the evidence of every pair judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any


@dataclass(frozen=True)
class FaceOptions:
    sample_fps: float = 4.0
    """Frames analysed per second of video."""
    detect_size: int = 640
    """Longer side (px) of the downscaled frame the detector sees."""
    min_score: float = 0.8
    """YuNet confidence below which a detection is dropped."""
    same_person: float = 0.36
    """Average SFace cosine similarity at or above which two tracks' clusters may merge."""
    speaking: bool = True
    """Score every track frame by frame for "this face is speaking" (Light-ASD, faces/asd.py)."""
    max_gap: float = 1.0
    """A track ends when its face is missing for longer than this (s)."""
    embeddings_per_track: int = 6
    embed_interval: float = 1.5
    """Seconds between the SFace embeddings taken along one track."""


@dataclass
class FaceBox:
    time: float
    x: float
    y: float
    w: float
    h: float
    speaking: float | None = None
    """Active speaker logit around this box's time (> 0: the face is speaking), None when not scored."""

    @property
    def center_x(self) -> float:
        return self.x + self.w / 2


@dataclass
class FaceTrack:
    id: int
    boxes: list[FaceBox]
    person: str | None = None
    motion: float | None = None
    """How much the face crop changes frame to frame (grey levels; about 1 for a still picture), when scored."""

    @property
    def start(self) -> float:
        return self.boxes[0].time

    @property
    def end(self) -> float:
        return self.boxes[-1].time


@dataclass
class FaceMatch:
    speaker: str
    person: str
    confidence: float
    """Co-occurrence score minus the best competing score for this speaker or face (0-1)."""
    score: float
    """Jaccard overlap of the face's screen time and the speaker's speech time."""
    overlap_seconds: float
    method: str = "co-occurrence"
    """"speaking": decided by the face's active speaker scores during the speaker's turns; else by screen time."""
    speaking: float | None = None
    """Active speaker evidence: the face's score during this speaker's turns relative to the other faces and to its
    own score during the other speakers' turns (only its mean score when no other speaker is heard with it)."""


@dataclass
class FaceAnalysis:
    width: int
    height: int
    sample_fps: float
    tracks: list[FaceTrack] = field(default_factory=list)
    scene_cuts: list[float] = field(default_factory=list)
    mapping: list[FaceMatch] = field(default_factory=list)
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)
    """Speaker -> person -> active speaker evidence, for every pair seen together long enough to judge."""

    @property
    def people(self) -> list[str]:
        return sorted({t.person for t in self.tracks if t.person is not None})

    def person_of(self, speaker: str) -> FaceMatch | None:
        return next((m for m in self.mapping if m.speaker == speaker), None)

    def person_box(self, person: str, start: float, end: float, slack: float = 0.5) -> FaceBox | None:
        """The median box of ``person`` seen between ``start`` and ``end`` (widened by ``slack``), or None."""
        boxes = [
            b for t in self.tracks if t.person == person for b in t.boxes if start - slack <= b.time <= end + slack
        ]
        if not boxes:
            return None
        return FaceBox((start + end) / 2, *(median(getattr(b, k) for b in boxes) for k in ("x", "y", "w", "h")))

    def to_dict(self) -> dict[str, Any]:
        people = [
            {
                "id": person,
                "tracks": [t.id for t in self.tracks if t.person == person],
                "visible_seconds": round(
                    len({round(b.time * self.sample_fps) for t in self.tracks if t.person == person for b in t.boxes})
                    / self.sample_fps,
                    2,
                ),
                "speaker": next((m.speaker for m in self.mapping if m.person == person), None),
            }
            for person in self.people
        ]
        tracks = [
            {
                "id": t.id,
                "person": t.person,
                "start": round(t.start, 3),
                "end": round(t.end, 3),
                "motion": None if t.motion is None else round(t.motion, 2),
                "boxes": [[round(b.time, 3), round(b.x), round(b.y), round(b.w), round(b.h)]
                          + ([] if b.speaking is None else [round(b.speaking, 2)]) for b in t.boxes],
            }
            for t in self.tracks
        ]
        return {
            "width": self.width,
            "height": self.height,
            "sample_fps": self.sample_fps,
            "people": people,
            "tracks": tracks,
            "scene_cuts": [round(c, 3) for c in self.scene_cuts],
            "mapping": [
                {**vars(m), "confidence": round(m.confidence, 3), "score": round(m.score, 3),
                 "overlap_seconds": round(m.overlap_seconds, 2),
                 "speaking": None if m.speaking is None else round(m.speaking, 3)}
                for m in self.mapping
            ],
            "speaking_evidence": {s: {p: round(v, 3) for p, v in row.items()} for s, row in self.evidence.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaceAnalysis:
        tracks = [FaceTrack(t["id"], [FaceBox(*b) for b in t["boxes"]], t.get("person"), t.get("motion"))
                  for t in data["tracks"]]
        return cls(
            width=data["width"],
            height=data["height"],
            sample_fps=data["sample_fps"],
            tracks=tracks,
            scene_cuts=list(data.get("scene_cuts", [])),
            mapping=[FaceMatch(**m) for m in data.get("mapping", [])],
            evidence=data.get("speaking_evidence", {}),
        )

"""Voice library: enrolled speakers' CAM++ embeddings in SQLite, and identification of diarized speakers.

A voice is the L2-normalised mean of CAM++ embeddings of 1.5 s windows of the speaker's speech (Silero VAD keeps
speech only). A diarized speaker takes an enrolled name when their cosine similarity is at least the threshold;
names are assigned one-to-one (Hungarian assignment on the scores), so two speakers never get the same name.

Threshold calibration (``benchmarks/calibrate_voices.py``): LibriSpeech voices enrolled from some of their utterances
and scored against the diarized speakers of simulated conversations of their other utterances. On the dev set's
tuning half (6 voices) the same voice scores 0.70-0.96 and different voices 0.36-0.65; 0.68 (core.options
VOICE_THRESHOLD) minimises expected false rejects + 10 x false accepts. On the test half (4 more voices, other
utterances) it names 87 of 87 speakers right and accepts none of 783 different-voice pairs (highest 0.677). Harder
audio scores lower for one person: 0.66-0.81 between the halves of a speaker's turns in the far-field AMI and
pyannote samples (different people 0.58-0.62); espeak-ng voices give 0.90-0.96 and 0.45-0.66. Override with
``CASTSCRIPT_VOICE_THRESHOLD``.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from .core.options import VOICE_THRESHOLD as DEFAULT_THRESHOLD
from .core.settings import settings
from .core.vectors import l2_normalise
from .diarization import DiarizationOptions
from .diarization.embedding import MODEL_NAME, SpeakerEmbedder
from .document import Document
from .core.errors import CastscriptError
from .media import SAMPLE_RATE, decode_audio

log = logging.getLogger(__name__)

WINDOW_SECONDS = 1.5
HOP_SECONDS = 0.75
MIN_SPEECH_SECONDS = 2.0
"""Less clean speech than this gives an unreliable voice."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS voices (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    embedding BLOB NOT NULL,
    model TEXT NOT NULL,
    speech_seconds REAL NOT NULL,
    updated TEXT NOT NULL
)
"""


class VoiceLibraryError(CastscriptError):
    exit_code = 10
    http_status = 422
    code = "voice_library"


class UnknownVoice(VoiceLibraryError):
    http_status = 404
    code = "unknown_voice"


@dataclass
class EnrolledVoice:
    name: str
    embedding: np.ndarray
    model: str
    speech_seconds: float
    updated: str


@dataclass(frozen=True)
class Identification:
    label: str
    name: str
    score: float


def default_library_path() -> Path:
    """CASTSCRIPT_VOICES, else ~/.local/share/castscript/voices.sqlite."""
    return settings().voices


def default_threshold() -> float:
    """CASTSCRIPT_VOICE_THRESHOLD, else the calibrated DEFAULT_THRESHOLD."""
    value = settings().voice_threshold
    return DEFAULT_THRESHOLD if value is None else check_threshold(value)


def check_threshold(threshold: float) -> float:
    if not -1.0 <= threshold <= 1.0:
        raise VoiceLibraryError(f"The voice match threshold is a cosine score in [-1, 1], got {threshold}.")
    return threshold


class VoiceLibrary:
    """Enrolled voices in one SQLite file (names are case-insensitive and unique)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path else default_library_path()

    def require(self) -> None:
        if not self.path.is_file():
            raise VoiceLibraryError(
                f"No voice library at {self.path}.",
                hint="Enrol a voice first: castscript speakers enroll NAME AUDIO... (or point CASTSCRIPT_VOICES at a library).",
            )

    def _connect(self, create: bool) -> sqlite3.Connection:
        if not create:
            self.require()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(self.path)
            connection.execute(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise VoiceLibraryError(
                f"{self.path} is not a castscript voice library ({exc}).",
                hint="Pass another file with --voices or CASTSCRIPT_VOICES.",
            ) from None
        return connection

    def voices(self) -> list[EnrolledVoice]:
        if not self.path.is_file():
            return []
        with closing(self._connect(create=False)) as db:
            rows = db.execute("SELECT name, embedding, model, speech_seconds, updated FROM voices ORDER BY name COLLATE NOCASE").fetchall()
        return [EnrolledVoice(n, np.frombuffer(e, dtype=np.float32).copy(), m, s, u) for n, e, m, s, u in rows]

    def find(self, name: str) -> EnrolledVoice | None:
        return next((v for v in self.voices() if v.name.casefold() == name.strip().casefold()), None)

    def get(self, name: str) -> EnrolledVoice:
        voice = self.find(name)
        if voice is not None:
            return voice
        raise UnknownVoice(f"No voice named '{name}' in {self.path}.", hint="List the voices: castscript speakers list.")

    def enroll(self, name: str, embedding: np.ndarray, speech_seconds: float, model: str, replace: bool = False) -> EnrolledVoice:
        """Store a voice; enrolling a known name again averages the old and new voices, weighted by speech."""
        name = name.strip()
        if not name:
            raise VoiceLibraryError("A voice needs a non-empty name.")
        embedding = _normalise(np.asarray(embedding, dtype=np.float32))
        existing = None if replace else self.find(name)
        if existing is not None:
            if existing.model != model or existing.embedding.shape != embedding.shape:
                raise VoiceLibraryError(
                    f"'{existing.name}' was enrolled with another embedding model ({existing.model}).",
                    hint="Enrol again with --replace to start this voice afresh.",
                )
            embedding = _normalise(existing.embedding * existing.speech_seconds + embedding * speech_seconds)
            speech_seconds += existing.speech_seconds
            name = existing.name
        voice = EnrolledVoice(name, embedding, model, speech_seconds, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        with closing(self._connect(create=True)) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO voices VALUES (?, ?, ?, ?, ?)",
                (voice.name, voice.embedding.astype(np.float32).tobytes(), model, speech_seconds, voice.updated),
            )
        return voice

    def remove(self, name: str) -> None:
        voice = self.get(name)
        with closing(self._connect(create=False)) as db, db:
            db.execute("DELETE FROM voices WHERE name = ?", (voice.name,))

    def rename(self, old: str, new: str) -> None:
        voice = self.get(old)
        new = new.strip()
        if not new:
            raise VoiceLibraryError("A voice needs a non-empty name.")
        if new.casefold() != voice.name.casefold() and self.find(new) is not None:
            raise VoiceLibraryError(
                f"A voice named '{new}' is already enrolled.", hint="Remove it first, or pick another name."
            )
        with closing(self._connect(create=False)) as db, db:
            db.execute("UPDATE voices SET name = ? WHERE name = ?", (new, voice.name))


def _normalise(vector: np.ndarray) -> np.ndarray:
    return l2_normalise(np.asarray(vector, dtype=np.float32))


def speech_stretches(audio: np.ndarray) -> list[np.ndarray]:
    """The stretches of ``audio`` that Silero VAD marks as speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    regions = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=100))
    return [audio[r["start"] : r["end"]] for r in regions if r["end"] - r["start"] >= SAMPLE_RATE // 4]


def windows(speech: np.ndarray) -> list[np.ndarray]:
    """1.5 s windows every 0.75 s (a shorter stretch is one window)."""
    size, hop = int(WINDOW_SECONDS * SAMPLE_RATE), int(HOP_SECONDS * SAMPLE_RATE)
    if len(speech) <= size:
        return [speech]
    return [speech[i : i + size] for i in range(0, len(speech) - size + 1, hop)]


def voice_embedder(model_dir: str | Path | None = None, threads: int = 0) -> SpeakerEmbedder:
    """CAM++ on the CPU as diarization runs it (int8 or float per ``DiarizationOptions.int8_embeddings``), so an
    enrolled voice and a diarized speaker's centroid come from the same embedder. One model tag (MODEL_NAME) covers
    both: the int8 and float voices of one speaker agree to a cosine of about 0.99."""
    return DiarizationOptions(embedding_model=None if model_dir is None else str(model_dir), threads=threads).embedder()


def voice_embedding(audio: np.ndarray, embedder: SpeakerEmbedder) -> tuple[np.ndarray, float]:
    """(mean L2-normalised embedding of the speech windows, seconds of speech) of one speaker's audio."""
    stretches = speech_stretches(audio)
    if not stretches:
        return np.zeros(0, dtype=np.float32), 0.0
    vectors = [embedder.embed(window) for speech in stretches for window in windows(speech)]
    return _normalise(np.mean(vectors, axis=0)), sum(len(s) for s in stretches) / SAMPLE_RATE


def enroll_files(
    name: str,
    paths: list[str | Path],
    library: VoiceLibrary,
    *,
    replace: bool = False,
    model_dir: str | Path | None = None,
    threads: int = 0,
) -> EnrolledVoice:
    """Enrol ``name`` from audio files holding only that speaker's voice."""
    if not paths:
        raise VoiceLibraryError(f"No audio given to enrol '{name}'.", hint="castscript speakers enroll NAME AUDIO...")
    embedder = voice_embedder(model_dir, threads)
    vectors, weights = [], []
    for path in paths:
        vector, seconds = voice_embedding(decode_audio(path), embedder)
        log.info("%s: %.1f s of speech", path, seconds)
        if seconds:
            vectors.append(vector * seconds)
            weights.append(seconds)
    total = sum(weights)
    if total < MIN_SPEECH_SECONDS:
        raise VoiceLibraryError(
            f"Only {total:.1f} s of speech found in {', '.join(map(str, paths))} to enrol '{name}'.",
            hint=f"Give at least {MIN_SPEECH_SECONDS:.0f} s (better 10 s or more) of this speaker talking alone.",
        )
    return library.enroll(name, np.sum(vectors, axis=0), total, MODEL_NAME, replace=replace)


def enroll_speaker(document: Document, speaker: str, name: str, library: VoiceLibrary, *, replace: bool = False) -> EnrolledVoice:
    """Enrol ``name`` from a diarized speaker of a finished transcript (its label or current name)."""
    found = [s for s in document.speakers.values() if speaker in (s.label, s.name)]
    if not found or found[0].embedding is None:
        known = ", ".join(f"{s.label} ({s.display_name})" for s in document.speakers.values() if s.embedding) or "none"
        raise VoiceLibraryError(
            f"The transcript has no speaker '{speaker}' with a voice embedding.", hint=f"Speakers with voices: {known}."
        )
    return library.enroll(name, np.asarray(found[0].embedding), found[0].speech_seconds, MODEL_NAME, replace=replace)


def identify_speakers(
    document: Document, library_path: str | Path | None = None, threshold: float | None = None
) -> list[Identification]:
    """Name the document's speakers whose embedding matches an enrolled voice; set ``name`` and ``identity_score``."""
    threshold = default_threshold() if threshold is None else check_threshold(threshold)
    library = VoiceLibrary(library_path)
    library.require()
    voices = [v for v in library.voices() if v.model == MODEL_NAME]
    if not voices:
        raise VoiceLibraryError(
            f"No voices of the {MODEL_NAME} model are enrolled in {library.path}, so no speaker can be identified.",
            hint="Enrol voices with castscript speakers enroll NAME AUDIO..., or run without --identify.",
        )
    speakers = [s for s in document.speakers.values() if s.embedding is not None]
    if not speakers:
        return []
    enrolled = np.stack([v.embedding for v in voices])
    scores = np.stack([_normalise(np.asarray(s.embedding, dtype=np.float32)) for s in speakers]) @ enrolled.T
    rows, cols = linear_sum_assignment(scores, maximize=True)
    found = []
    for row, col in zip(rows, cols):
        speaker, score = speakers[row], scores[row, col]
        log.info("%s best matches %s (cosine %.3f)", speaker.label, voices[col].name, score)
        if score >= threshold:
            speaker.name, speaker.identity_score = voices[col].name, round(float(score), 4)
            found.append(Identification(speaker.label, speaker.name, speaker.identity_score))
    return found

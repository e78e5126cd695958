"""Scoring against references: DER (pyannote.metrics) from RTTM, WER and speaker-attributed cpWER (jiwer) from STM."""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np
from pyannote.core import Annotation, Segment, Timeline
from scipy.optimize import linear_sum_assignment

from .document import SpeakerTurn
from .core.errors import InvalidOption

NORMALISE = jiwer.Compose(
    [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip(), jiwer.ReduceToListOfListOfWords()]
)


@dataclass(frozen=True)
class DerSettings:
    collar: float = 0.5
    """Total collar in seconds around each reference boundary (0.5 means +/-0.25 s), not scored."""
    skip_overlap: bool = False
    """Do not score regions where reference speakers overlap."""

    def describe(self) -> str:
        overlap = "overlap not scored" if self.skip_overlap else "overlap scored"
        return f"collar {self.collar:g} s total (+/-{self.collar / 2:g} s), {overlap}"


@dataclass
class DerScore:
    """Durations in seconds; the rates are fractions of the reference speech."""

    total: float = 0.0
    correct: float = 0.0
    missed: float = 0.0
    confusion: float = 0.0
    false_alarm: float = 0.0

    def _rate(self, value: float) -> float:
        return value / self.total if self.total else 0.0

    @property
    def der(self) -> float:
        return self._rate(self.missed + self.confusion + self.false_alarm)

    def percentages(self) -> dict[str, float]:
        return {
            "DER": 100 * self.der,
            "correct": 100 * self._rate(self.correct),
            "missed": 100 * self._rate(self.missed),
            "confusion": 100 * self._rate(self.confusion),
            "false alarm": 100 * self._rate(self.false_alarm),
        }

    def __add__(self, other: DerScore) -> DerScore:
        return DerScore(*(a + b for a, b in zip(self._values(), other._values())))

    def _values(self) -> tuple[float, ...]:
        return self.total, self.correct, self.missed, self.confusion, self.false_alarm


def score_der(
    reference: Annotation, hypothesis: Annotation, settings: DerSettings = DerSettings(), uem: Timeline | None = None
) -> DerScore:
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=settings.collar, skip_overlap=settings.skip_overlap)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'uem' was approximated")  # the documented default without a UEM
        parts = metric.compute_components(reference, hypothesis, uem=uem)
    return DerScore(
        parts["total"], parts["correct"], parts["missed detection"], parts["confusion"], parts["false alarm"]
    )


def annotation(turns: list[SpeakerTurn], uri: str = "audio") -> Annotation:
    out = Annotation(uri=uri)
    for index, turn in enumerate(turns):
        out[Segment(turn.start, turn.end), index] = turn.speaker
    return out


def load_rttm(path: str | Path) -> dict[str, Annotation]:
    """File id -> reference annotation, from an RTTM file (read by pyannote.database; a bad line is named)."""
    _check_lines(path, "RTTM SPEAKER line", "Expected: SPEAKER <file> <channel> <start> <duration> <NA> <NA> "
                 "<speaker> <NA> <NA>", lambda f: f[0] != "SPEAKER" or (float(f[3]), float(f[4]), f[7]))
    from pyannote.database.util import load_rttm as read

    return _read_with(read, path, "RTTM")


def load_uem(path: str | Path) -> dict[str, Timeline]:
    """File id -> scored regions, from a UEM file (file channel start end), read by pyannote.database."""
    _check_lines(path, "UEM line (file channel start end)", None, lambda f: (float(f[2]), float(f[3])))
    from pyannote.database.util import load_uem as read

    return _read_with(read, path, "UEM")


def _read_with(read, path: str | Path, kind: str) -> dict:
    try:
        return read(str(path))
    except (ValueError, KeyError, TypeError) as exc:  # pandas: more columns than the format has, stray quotes
        raise InvalidOption(f"{path} is not a readable {kind} file: {exc}") from None


def _check_lines(path: str | Path, kind: str, hint: str | None, check) -> None:
    """An InvalidOption naming the file and the first line ``check`` cannot read (pyannote's errors do not), or
    for a file without any."""
    lines = _read_lines(path)
    if not any(line.strip() for line in lines):
        raise InvalidOption(f"{path} is empty: no {kind}.", hint=hint)
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        try:
            check(fields)
        except (IndexError, ValueError):
            raise InvalidOption(f"{path}, line {number}: not an {kind}: {line.strip()!r}", hint=hint) from None


@dataclass
class WordErrors:
    """Word errors against a reference of ``words`` words."""

    errors: int = 0
    words: int = 0

    @property
    def rate(self) -> float:
        return self.errors / self.words if self.words else 0.0

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(self.errors + other.errors, self.words + other.words)


def word_errors(reference: str, hypothesis: str) -> WordErrors:
    """Substitutions + deletions + insertions after lower-casing and removing punctuation."""
    ref_words = NORMALISE(reference)[0] if reference.strip() else []
    hyp_words = NORMALISE(hypothesis)[0] if hypothesis.strip() else []
    if not ref_words or not hyp_words:
        return WordErrors(max(len(ref_words), len(hyp_words)), len(ref_words))
    out = jiwer.process_words(" ".join(ref_words), " ".join(hyp_words))
    return WordErrors(out.substitutions + out.deletions + out.insertions, len(ref_words))


def cp_word_errors(reference: dict[str, str], hypothesis: dict[str, str]) -> WordErrors:
    """Concatenated minimum-permutation word errors: each speaker's words against the best-matching speaker's."""
    refs, hyps = list(reference.values()), list(hypothesis.values())
    size = max(len(refs), len(hyps))
    refs += [""] * (size - len(refs))
    hyps += [""] * (size - len(hyps))
    costs = np.array([[word_errors(r, h).errors for h in hyps] for r in refs])
    rows, cols = linear_sum_assignment(costs)
    words = sum(word_errors(r, "").words for r in refs)
    return WordErrors(int(costs[rows, cols].sum()), words)


@dataclass
class StmLine:
    speaker: str
    start: float
    end: float
    text: str


def load_stm(path: str | Path) -> dict[str, list[StmLine]]:
    """File id -> reference lines, from an STM file (file channel speaker start end [<label>] text)."""
    lines: dict[str, list[StmLine]] = defaultdict(list)
    for number, line in enumerate(_read_lines(path), 1):
        if not line.strip() or line.startswith(";;"):
            continue
        fields = line.split(maxsplit=5)
        try:
            text = fields[5] if len(fields) > 5 else ""
            if text.startswith("<"):
                text = text.split(">", 1)[1].strip()
            lines[fields[0]].append(StmLine(fields[2], float(fields[3]), float(fields[4]), text))
        except (IndexError, ValueError):
            raise InvalidOption(f"{path}, line {number}: not an STM line (file channel speaker start end text): {line.strip()!r}") from None
    return lines


def speaker_texts(items: list[tuple[str | None, str]]) -> dict[str, str]:
    """Speaker -> all their text in order, from (speaker, text) pairs."""
    out: dict[str, list[str]] = defaultdict(list)
    for speaker, text in items:
        out[speaker or "?"].append(text)
    return {speaker: " ".join(texts) for speaker, texts in out.items()}


def _read_lines(path: str | Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidOption(f"Cannot read {path}: {exc.strerror or exc}", hint="Check the path.") from None


AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".mp4", ".mkv", ".mov", ".webm"}


@dataclass
class DatasetItem:
    """One audio file of an evaluation folder with its references (every RTTM/UEM/STM there, matched by file id)."""

    audio: Path
    reference: Annotation
    uem: Timeline | None = None
    stm: list[StmLine] | None = None

    @property
    def uri(self) -> str:
        return self.audio.stem


def find_dataset(folder: str | Path) -> list[DatasetItem]:
    """Audio files in ``folder`` whose stem is a file id in one of its RTTM files (with UEM and STM when present)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidOption(f"Dataset folder {folder} does not exist.", hint="Pass a folder of audio files and RTTM references.")
    references, uems, stms = {}, {}, {}
    for path in sorted(folder.glob("*.rttm")):
        references.update(load_rttm(path))
    for path in sorted(folder.glob("*.uem")):
        uems.update(load_uem(path))
    for path in sorted(folder.glob("*.stm")):
        stms.update(load_stm(path))
    items = [
        DatasetItem(audio, references[audio.stem], uems.get(audio.stem), stms.get(audio.stem))
        for audio in sorted(folder.iterdir())
        if audio.suffix.lower() in AUDIO_SUFFIXES and audio.stem in references
    ]
    if not items:
        raise InvalidOption(
            f"No audio file in {folder} has a reference in an RTTM file there.",
            hint="Name each audio file after its file id in the RTTM (trn01.wav <-> 'SPEAKER trn01 1 ...').",
        )
    return items


@dataclass
class FileScore:
    uri: str
    reference_speakers: int
    found_speakers: int
    der: DerScore
    wer: WordErrors | None = None
    cpwer: WordErrors | None = None


def score_file(item: DatasetItem, turns: list[SpeakerTurn], segments: list, settings: DerSettings) -> FileScore:
    """DER of ``turns``; WER and cpWER of the segments' text when the item has an STM reference."""
    der = score_der(item.reference, annotation(turns, item.uri), settings, item.uem)
    found = len({t.speaker for t in turns})
    score = FileScore(item.uri, len(item.reference.labels()), found, der)
    if item.stm is not None:
        lines = sorted(item.stm, key=lambda line: line.start)
        score.wer = word_errors(" ".join(l.text for l in lines), " ".join(s.text for s in segments))
        score.cpwer = cp_word_errors(
            speaker_texts([(l.speaker, l.text) for l in lines]), speaker_texts([(s.speaker, s.text) for s in segments])
        )
    return score

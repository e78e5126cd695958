"""Corrections on a finished transcript: rename or merge speakers, move a word to another speaker, re-write outputs.

Nothing here re-runs a model: edits change the Document (words, segments, turns, speakers) and every output is
re-written from it. Speakers are named by label (SPEAKER_00) or by their current display name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .document import Document, Segment, Speaker, SpeakerTurn
from .errors import CastscriptError, InputNotFound
from .subtitles import FORMATS, OutputOptions, write_outputs
from .subtitles.cues import join_words
from .subtitles.formats import output_path

NEIGHBOUR_GAP = 1.0
"""A word moved off the edge of a segment joins the neighbouring segment of its new speaker within this gap (s)."""


class EditError(CastscriptError):
    exit_code = 2
    http_status = 422
    code = "invalid_edit"


class UnknownSpeaker(EditError):
    http_status = 404
    code = "unknown_speaker"


@dataclass(frozen=True)
class WordRef:
    segment: int
    word: int


def resolve_speaker(document: Document, key: str) -> str:
    """The label of the speaker called ``key`` (a label, or a display name, case-insensitive)."""
    if key in document.speakers:
        return key
    matches = [s.label for s in document.speakers.values() if s.display_name.casefold() == key.strip().casefold()]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(f"{s.label} ({s.display_name})" if s.name else s.label for s in document.speakers.values())
    problem = "is ambiguous" if matches else "is not a speaker of this transcript"
    raise UnknownSpeaker(f"'{key}' {problem}.", hint=f"Speakers: {known or 'none (the transcript was not diarized)'}.")


def rename_speaker(document: Document, key: str, name: str) -> str:
    """Give speaker ``key`` the display name ``name``; return its label."""
    label = resolve_speaker(document, key)
    name = name.strip()
    if not name:
        raise EditError(f"The new name for {label} is empty.")
    taken = [s.label for s in document.speakers.values() if s.label != label and name.casefold() in (s.display_name.casefold(), s.label.casefold())]
    if taken:
        raise EditError(f"'{name}' is already speaker {taken[0]}.", hint=f"To make them one speaker, merge: --merge {taken[0]},{label}")
    speaker = document.speakers[label]
    speaker.name, speaker.identity_score = name, None
    return label


def merge_speakers(document: Document, keys: list[str]) -> str:
    """Make the speakers ``keys`` one speaker, kept under the first one's label; return that label."""
    labels = list(dict.fromkeys(resolve_speaker(document, key) for key in keys))
    if len(labels) < 2:
        raise EditError(f"Merging needs at least two different speakers, got {', '.join(keys)}.")
    target, absorbed = labels[0], set(labels[1:])
    for segment in document.segments:
        segment.speaker = target if segment.speaker in absorbed else segment.speaker
        for word in segment.words:
            word.speaker = target if word.speaker in absorbed else word.speaker
    for turn in document.turns:
        turn.speaker = target if turn.speaker in absorbed else turn.speaker
    merged = [document.speakers.pop(label) for label in labels[1:]]
    _combine_speakers(document.speakers[target], merged)
    _tidy_turns(document)
    return target


def _combine_speakers(target: Speaker, others: list[Speaker]) -> None:
    everyone = [target, *others]
    with_voice = [s for s in everyone if s.embedding is not None]
    if with_voice:
        weights = np.array([max(s.speech_seconds, 1e-3) for s in with_voice])
        mean = np.average(np.array([s.embedding for s in with_voice]), axis=0, weights=weights)
        target.embedding = (mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist()
    target.speech_seconds = sum(s.speech_seconds for s in everyone)
    if target.name is None:
        target.name = next((s.name for s in others if s.name), None)
        target.identity_score = None
    target.face_person = target.face_person or next((s.face_person for s in others if s.face_person), None)


def word_at(document: Document, seconds: float) -> WordRef:
    """The word spoken at ``seconds``, else the nearest word (the later one on a tie)."""
    best: tuple[float, WordRef] | None = None
    for si, segment in enumerate(document.segments):
        for wi, word in enumerate(segment.words):
            distance = max(word.start - seconds, seconds - word.end, 0.0)
            if best is None or distance <= best[0]:
                best = (distance, WordRef(si, wi))
    if best is None:
        raise EditError("The transcript has no word timings, so no word can be moved to another speaker.")
    return best[1]


def set_word_speaker(document: Document, ref: WordRef, key: str) -> str:
    """Attribute one word to speaker ``key``: its segment splits where the speaker changes, and a piece at the edge
    joins the adjacent segment of its speaker; return the label."""
    label = resolve_speaker(document, key)
    if not (0 <= ref.segment < len(document.segments) and 0 <= ref.word < len(document.segments[ref.segment].words)):
        raise EditError(f"There is no word {ref.word} in segment {ref.segment}.")
    segment = document.segments[ref.segment]
    word = segment.words[ref.word]
    old = word.speaker or segment.speaker
    word.speaker = label
    pieces = _split_by_speaker(segment)
    document.segments[ref.segment : ref.segment + 1] = pieces
    _join_neighbour(document, ref.segment, len(pieces), word)
    if old != label:
        _move_turn_time(document, word.start, word.end, old, label)
    return label


def _split_by_speaker(segment: Segment) -> list[Segment]:
    """Runs of consecutive words by one speaker; the run with the most words keeps the segment's translations."""
    runs: list[list] = []
    for word in segment.words:
        word.speaker = word.speaker or segment.speaker
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    longest = max(range(len(runs)), key=lambda i: len(runs[i]))
    return [
        Segment(
            run[0].start, run[-1].end, join_words([w.text for w in run]), run, run[0].speaker, segment.language,
            dict(segment.translations) if i == longest else {},
        )
        for i, run in enumerate(runs)
    ]


def _join_neighbour(document: Document, first: int, count: int, word) -> None:
    """The piece holding ``word``, when first or last of the ``count`` pieces at ``first``, joins the adjacent
    segment of the same speaker if it is close."""
    segments = document.segments
    index = next(i for i in range(first, first + count) if any(w is word for w in segments[i].words))
    if index == first and index > 0 and _joinable(segments[index - 1], segments[index]):
        _absorb(segments[index - 1], segments.pop(index), before=False)
    elif index == first + count - 1 and index + 1 < len(segments) and _joinable(segments[index], segments[index + 1]):
        _absorb(segments[index + 1], segments.pop(index), before=True)


def _joinable(left: Segment, right: Segment) -> bool:
    return left.speaker == right.speaker and right.start - left.end <= NEIGHBOUR_GAP


def _absorb(into: Segment, piece: Segment, before: bool) -> None:
    into.words = piece.words + into.words if before else into.words + piece.words
    into.start, into.end = min(into.start, piece.start), max(into.end, piece.end)
    into.text = join_words([w.text for w in into.words])
    for language, text in piece.translations.items():
        into.translations.setdefault(language, text)


def _move_turn_time(document: Document, start: float, end: float, old: str | None, new: str) -> None:
    """Carve [start, end] out of ``old``'s turns and give it to ``new``."""
    turns: list[SpeakerTurn] = []
    for turn in document.turns:
        if turn.speaker != old or turn.end <= start or turn.start >= end:
            turns.append(turn)
            continue
        if turn.start < start:
            turns.append(SpeakerTurn(turn.start, start, old))
        if turn.end > end:
            turns.append(SpeakerTurn(end, turn.end, old))
    if document.turns:
        turns.append(SpeakerTurn(start, end, new))
    document.turns = turns
    _tidy_turns(document)


def _tidy_turns(document: Document) -> None:
    """Sort turns, join touching or overlapping turns of one speaker, and recount each speaker's speech."""
    if not document.turns:
        return
    joined: dict[str, list[SpeakerTurn]] = {}
    for turn in sorted(document.turns, key=lambda t: (t.speaker, t.start)):
        own = joined.setdefault(turn.speaker, [])
        if own and turn.start <= own[-1].end + 1e-6:
            own[-1].end = max(own[-1].end, turn.end)
        else:
            own.append(SpeakerTurn(turn.start, turn.end, turn.speaker))
    document.turns = sorted((t for own in joined.values() for t in own), key=lambda t: (t.start, t.speaker))
    for label, speaker in document.speakers.items():
        speaker.speech_seconds = round(sum(t.end - t.start for t in joined.get(label, [])), 3)


def existing_formats(output_dir: Path, stem: str) -> list[str]:
    """The formats that have a file ``stem.EXT`` in ``output_dir`` (what a finished run wrote)."""
    return [name for name, fmt in FORMATS.items() if output_path(output_dir, stem, fmt, None).is_file()]


def load_transcript(path: str | Path) -> Document:
    """The Document saved as castscript JSON at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFound(f"No transcript at {path}.", hint="Pass the .json file that castscript run wrote.")
    try:
        return Document.load(path)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EditError(
            f"{path} is not a castscript JSON transcript ({exc}).",
            hint="Pass the NAME.json written by castscript run (not NAME.whisperx.json).",
        ) from None


def rewrite_outputs(
    document: Document,
    json_path: str | Path,
    formats: list[str] | None = None,
    output_dir: str | Path | None = None,
    options: OutputOptions = OutputOptions(),
) -> list[Path]:
    """Write the edited transcript as JSON and its other outputs: by default the formats found beside ``json_path``,
    into its folder."""
    json_path = Path(json_path)
    stem = json_path.name.removesuffix(".json")
    wanted = formats if formats is not None else existing_formats(json_path.parent, stem)
    output_dir = Path(output_dir) if output_dir is not None else json_path.parent
    return write_outputs(document, output_dir, stem, list(dict.fromkeys(["json", *wanted])), options)

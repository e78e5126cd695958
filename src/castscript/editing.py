"""Corrections on a finished transcript: rename or merge speakers, move a word to another speaker, re-write outputs.

Nothing here re-runs a model: edits change the Document (words, segments, turns, speakers) and every output is
re-written from it. Speakers are named by label (SPEAKER_00) or by their current display name.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .attribution import speaker_runs
from .core.vectors import l2_normalise
from .document import Document, Segment, Speaker, SpeakerTurn, Word
from .core.errors import CastscriptError, InputNotFound
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
    """The label of the speaker called ``key`` (Document.speakers_called: a label, a display name, a letter or an
    index)."""
    matches = document.speakers_called(key)
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
        target.embedding = l2_normalise(mean).tolist()
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
    """Runs of consecutive words by one speaker. A segment that splits hands each piece its share of the
    translations (hand-written ones, cut at the same word fraction) and marks the pieces for re-translation."""
    for word in segment.words:
        word.speaker = word.speaker or segment.speaker
    runs = speaker_runs(segment.words)
    if len(runs) == 1:
        segment.speaker = runs[0][0].speaker
        return [segment]
    return _pieces(segment, runs)


def _pieces(segment: Segment, runs: list[list[Word]]) -> list[Segment]:
    """``segment`` cut into one segment per run of its words, each marked for re-translation."""
    counts = [len(run) for run in runs]
    pieces = []
    for i, run in enumerate(runs):
        piece = Segment(run[0].start, run[-1].end, join_words([w.text for w in run]), run, run[0].speaker,
                        segment.language, {}, list(segment.translation_edited))
        for language, text in segment.translations.items():
            piece.translations[language] = _share(text, counts, i) if language in segment.translation_edited else ""
        mark_stale(piece)
        pieces.append(piece)
    return pieces


def _share(text: str, counts: list[int], index: int) -> str:
    """Piece ``index`` of ``text`` cut at the same word fractions as ``counts`` cut the source."""
    tokens = text.split()
    total = sum(counts)
    bounds = [round(len(tokens) * sum(counts[:i]) / total) for i in range(len(counts) + 1)]
    return " ".join(tokens[bounds[index] : bounds[index + 1]])


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
    """``piece`` joins ``into``: words, time, text; hand-written translations are joined, the rest re-translated."""
    into.words = piece.words + into.words if before else into.words + piece.words
    into.start, into.end = min(into.start, piece.start), max(into.end, piece.end)
    into.text = join_words([w.text for w in into.words])
    for language in set(into.translations) | set(piece.translations):
        if language in into.translation_edited or language in piece.translation_edited:
            parts = [piece.translations.get(language, ""), into.translations.get(language, "")]
            into.translations[language] = " ".join(p for p in (parts if before else parts[::-1]) if p)
            into.translation_edited = sorted({*into.translation_edited, language})
    mark_stale(into)


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


# ---- line edits (the operations of the web editor, the edits API and `castscript edit --ops`) ------------------


def mark_stale(segment: Segment) -> None:
    """Drop the machine translations of ``segment`` (its text changed); translations.refresh_translations fills
    them again. Hand-written ones (``translation_edited``) are kept."""
    for language in segment.translations:
        if language not in segment.translation_edited:
            segment.translations[language] = ""


def segment_at(document: Document, index: int) -> Segment:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(document.segments):
        raise EditError(f"There is no line {index}; the transcript has lines 0-{len(document.segments) - 1}.")
    return document.segments[index]


def set_text(document: Document, index: int, text: str) -> Segment:
    """Replace a line's text; unchanged words keep their timings, new ones share the time of those they replace."""
    segment = segment_at(document, index)
    tokens = text.split()
    if not tokens:
        raise EditError(f"The new text of line {index} is empty.", hint="Merge the line into a neighbour instead.")
    if segment.words:
        segment.words = retime_words(segment, tokens)
    segment.text = join_words(tokens)
    mark_stale(segment)
    return segment


def retime_words(segment: Segment, tokens: list[str]) -> list[Word]:
    """Words for ``tokens``: those matching the old words keep their times; each changed stretch shares the time of
    the words it replaces (or the gap it fills) in proportion to its characters."""
    old = segment.words
    matcher = difflib.SequenceMatcher(a=[w.text for w in old], b=tokens, autojunk=False)
    words: list[Word] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            words += [Word(w.start, w.end, w.text, w.probability, w.speaker) for w in old[a0:a1]]
        elif b1 > b0:
            start = old[a0].start if a1 > a0 else (words[-1].end if words else segment.start)
            end = old[a1 - 1].end if a1 > a0 else (old[a0].start if a0 < len(old) else segment.end)
            words += _spread(tokens[b0:b1], start, max(end, start), segment.speaker)
    return words


def _spread(tokens: list[str], start: float, end: float, speaker: str | None) -> list[Word]:
    """``tokens`` over [start, end] in proportion to their length (one character of weight for the gap after each)."""
    weights = [len(t) + 1 for t in tokens]
    total, cursor, words = sum(weights), start, []
    for token, weight in zip(tokens, weights):
        share = (end - start) * weight / total
        words.append(Word(round(cursor, 3), round(cursor + share * len(token) / weight, 3), token, 1.0, speaker))
        cursor += share
    return words


def set_segment_speaker(document: Document, index: int, key: str) -> str:
    """Give a whole line to speaker ``key`` (a label or name; an unknown name creates a speaker); return the label."""
    segment = segment_at(document, index)
    label = _speaker_or_new(document, key)
    old = {w.speaker or segment.speaker for w in segment.words} or {segment.speaker}
    segment.speaker = label
    for word in segment.words:
        word.speaker = label
    for previous in old - {label}:
        _move_turn_time(document, segment.start, segment.end, previous, label)
    return label


def _speaker_or_new(document: Document, key: str) -> str:
    key = key.strip()
    if not key:
        raise EditError("The speaker is empty.")
    try:
        return resolve_speaker(document, key)
    except UnknownSpeaker:
        pass
    numbers = [int(label.rsplit("_", 1)[1]) for label in document.speakers if label.rsplit("_", 1)[-1].isdigit()]
    label = f"SPEAKER_{max(numbers, default=-1) + 1:02d}"
    document.speakers[label] = Speaker(label, name=None if key == label else key)
    return label


def split_segment(document: Document, index: int, word: int) -> None:
    """Cut line ``index`` before its word ``word``; both halves are re-translated (hand-written translations are
    cut at the same word fraction and kept)."""
    segment = segment_at(document, index)
    if not segment.words:
        raise EditError(f"Line {index} has no word timings, so it cannot be split at a word.")
    if not isinstance(word, int) or isinstance(word, bool) or not 0 < word < len(segment.words):
        raise EditError(f"Line {index} can be split before words 1-{len(segment.words) - 1}, not {word}.")
    document.segments[index : index + 1] = _pieces(segment, [segment.words[:word], segment.words[word:]])


def merge_segments(document: Document, index: int) -> None:
    """Join line ``index`` and the next; the merged line keeps the first one's speaker."""
    first = segment_at(document, index)
    if index + 1 >= len(document.segments):
        raise EditError(f"Line {index} is the last line; there is no next line to merge it with.")
    second = document.segments[index + 1]
    if second.speaker != first.speaker and first.speaker is not None:
        set_segment_speaker(document, index + 1, first.speaker)
    if not first.words or not second.words:
        first.words, second.words = first.words or _spread(first.text.split(), first.start, first.end, first.speaker), \
            second.words or _spread(second.text.split(), second.start, second.end, first.speaker)
    _absorb(first, document.segments.pop(index + 1), before=False)


def set_times(document: Document, index: int, start: float, end: float) -> None:
    """Move a line's start and end; its words are stretched linearly into the new span."""
    segment = segment_at(document, index)
    try:
        start, end = float(start), float(end)
    except (TypeError, ValueError):
        raise EditError(f"Times of line {index} must be numbers of seconds, got {start!r} and {end!r}.") from None
    if not 0 <= start < end or (document.media.duration and end > document.media.duration + 0.5):
        raise EditError(f"Line {index} cannot run from {start:.2f} s to {end:.2f} s.",
                        hint=f"Times lie within 0-{document.media.duration:.2f} s and the start comes first.")
    old_start, old_span = segment.start, max(segment.end - segment.start, 1e-6)
    scale = (end - start) / old_span
    for word in segment.words:
        word.start = round(start + (word.start - old_start) * scale, 3)
        word.end = round(start + (word.end - old_start) * scale, 3)
    segment.start, segment.end = round(start, 3), round(end, 3)
    document.segments.sort(key=lambda s: s.start)


def set_translation(document: Document, index: int, language: str, text: str) -> None:
    """Write a line's translation by hand: it is kept (and marked) when the source text changes later."""
    segment = segment_at(document, index)
    if language not in document.translation_languages:
        raise EditError(f"The transcript has no '{language}' translation.",
                        hint=f"Translations: {', '.join(document.translation_languages) or 'none'}.")
    segment.translations[language] = " ".join(text.split())
    segment.translation_edited = sorted({*segment.translation_edited, language})


def merge_speakers_into(document: Document, keys: list[str], into: str) -> str:
    """Make ``keys`` and ``into`` one speaker, kept under ``into``'s label; return it."""
    target = resolve_speaker(document, into)
    return merge_speakers(document, [target, *(k for k in keys if resolve_speaker(document, k) != target)])

"""Output writers: one registry of formats, each rendering a Document to text; files are written atomically."""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pysubs2

from ..core.files import write_atomic
from ..core.options import OutputOptions
from ..core.text import clock
from ..document import Document, Word
from ..core.errors import InvalidOption
from .ass_style import style_speakers
from .cues import Cue, build_cues, join_words, wrap_lines
from .timecode import output_clock


Renderer = Callable[[Document, OutputOptions, str | None], str | bytes]
"""(document, options, translation language or None) -> file content."""


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    render: Renderer
    per_language: bool
    """Written once per translation language too (name.pt.srt)."""


FORMATS: dict[str, Format] = {}


def register(name: str, extension: str, *, per_language: bool) -> Callable[[Renderer], Renderer]:
    def decorator(render: Renderer) -> Renderer:
        FORMATS[name] = Format(name, extension, render, per_language)
        return render

    return decorator


def check_formats(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise InvalidOption(
            f"Unknown output format(s): {', '.join(unknown)}.", hint=f"Choose from: {', '.join(sorted(FORMATS))}."
        )
    return names


def cues_for(document: Document, options: OutputOptions, language: str | None, *, shifted: bool = True) -> list[Cue]:
    """The cues of the original (or of a translation), on the programme's clock when ``shifted``."""
    labels = options.speaker_labels and bool(document.speakers)
    cues = build_cues(document, options.rules, language=language, speaker_labels=labels)
    if language is not None and options.bilingual:
        _add_originals(document, cues, options)
    if shifted and options.start_timecode:
        clock = output_clock(options, document)
        for cue in cues:
            cue.start, cue.end = clock.seconds(cue.start), clock.seconds(cue.end)
    return cues


def _add_originals(document: Document, cues: list[Cue], options: OutputOptions) -> None:
    """Each translated cue gets, above it, the original words spoken in its time (each word in exactly one cue:
    the last one starting before the word's middle), wrapped by the same profile."""
    starts = [cue.start for cue in cues]
    spoken: list[list[str]] = [[] for _ in cues]
    for segment in document.segments:
        for word in segment.words or [Word(segment.start, segment.end, segment.text.strip())]:
            index = bisect_right(starts, (word.start + word.end) / 2) - 1
            if word.text.strip() and index >= 0:
                spoken[index].append(word.text.strip())
    for cue, words in zip(cues, spoken):
        if words:
            cue.lines = wrap_lines(join_words(words), options.rules, document.language) + cue.lines


def to_ssa(cues: list[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(
            pysubs2.SSAEvent(
                start=round(cue.start * 1000),
                end=round(cue.end * 1000),
                text=r"\N".join(cue.lines),
                name=cue.speaker or "",
            )
        )
    return subs


@register("srt", "srt", per_language=True)
def render_srt(document: Document, options: OutputOptions, language: str | None) -> str:
    return to_ssa(cues_for(document, options, language)).to_string("srt")


@register("vtt", "vtt", per_language=True)
def render_vtt(document: Document, options: OutputOptions, language: str | None) -> str:
    return to_ssa(cues_for(document, options, language)).to_string("vtt")


@register("ass", "ass", per_language=True)
def render_ass(document: Document, options: OutputOptions, language: str | None) -> str:
    """Classic bottom-centred ASS, one colour per speaker; the burned-in "live" style is built by castscript.render."""
    return style_speakers(to_ssa(cues_for(document, options, language)), document).to_string("ass")


@register("txt", "txt", per_language=True)
def render_txt(document: Document, options: OutputOptions, language: str | None) -> str:
    lines = []
    for segment in document.segments:
        text = segment.text if language is None else segment.translations.get(language, "")
        who = f"{document.speaker_name(segment.speaker)}: " if segment.speaker else ""
        lines.append(f"[{clock(segment.start)} --> {clock(segment.end)}] {who}{text}")
    return "\n".join(lines) + ("\n" if lines else "")


@register("json", "json", per_language=False)
def render_json(document: Document, options: OutputOptions, language: str | None) -> str:
    return json.dumps(document.to_dict(), ensure_ascii=False, indent=1)


@register("whisperx-json", "whisperx.json", per_language=False)
def render_whisperx(document: Document, options: OutputOptions, language: str | None) -> str:
    """WhisperX's result shape, so tools built on WhisperX output can switch over."""

    def word(w):
        out = {"word": w.text, "start": w.start, "end": w.end, "score": w.probability}
        return out | ({"speaker": w.speaker} if w.speaker else {})

    segments = []
    for s in document.segments:
        seg = {"start": s.start, "end": s.end, "text": s.text, "words": [word(w) for w in s.words]}
        segments.append(seg | ({"speaker": s.speaker} if s.speaker else {}))
    word_segments = [word(w) for s in document.segments for w in s.words]
    payload = {"segments": segments, "word_segments": word_segments, "language": document.language}
    return json.dumps(payload, ensure_ascii=False, indent=1)


def output_path(output_dir: Path, stem: str, fmt: Format, language: str | None) -> Path:
    middle = f".{language}" if language else ""
    return output_dir / f"{stem}{middle}.{fmt.extension}"


def write_outputs(
    document: Document, output_dir: Path, stem: str, formats: list[str], options: OutputOptions = OutputOptions()
) -> list[Path]:
    """Write every requested format (and per-language variants for translations); return the paths written."""
    written = []
    for name in check_formats(formats):
        fmt = FORMATS[name]
        languages: list[str | None] = [None]
        if fmt.per_language:
            languages += list(document.translation_languages)
        for language in languages:
            path = output_path(output_dir, stem, fmt, language)
            write_atomic(path, fmt.render(document, options, language))
            written.append(path)
    return written

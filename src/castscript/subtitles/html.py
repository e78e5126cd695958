"""Interactive HTML transcript: one self-contained file with the media player, speaker-coloured paragraphs, the
word being spoken highlighted, autoscroll, click-to-seek, translations side by side, and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..core.palette import colours_by_label
from ..core.text import clock
from ..document import Document, Segment, Word
from .cues import join_words
from .formats import OutputOptions, register

NO_SPEAKER_COLOUR = "#8a8a8a"


@dataclass
class WordView:
    glue: str
    text: str
    start: float
    end: float


@dataclass
class SegmentView:
    start: float
    end: float
    language: str | None
    words: list[WordView]
    translations: list[str]


@dataclass
class TurnView:
    name: str
    colour: str
    start: float
    clock: str
    segments: list[SegmentView] = field(default_factory=list)


@register("html", "html", per_language=False)
def render_html(document: Document, options: OutputOptions, language: str | None) -> str:
    return render_transcript(document)


def render_transcript(document: Document, media_url: str | None = None) -> str:
    """The transcript page; the player loads ``media_url``, else the media file beside the page, else its absolute path
    when the document records one."""
    colours = speaker_colours(document)
    columns = [{"code": document.language or "", "title": f"Original{f' ({document.language})' if document.language else ''}"}]
    columns += [{"code": code, "title": code} for code in document.translation_languages]
    return _template().render(
        title=Path(document.media.path).name,
        language=document.language,
        duration=_clock(document.media.duration),
        speakers=[{"name": document.speaker_name(label), "colour": colour} for label, colour in colours.items()],
        player="video" if document.media.has_video else "audio",
        sources=[media_url] if media_url else media_sources(document.media.path),
        columns=columns,
        turns=_turns(document, colours),
        css=_markup(_asset("transcript.css")),
        js=_markup(_asset("transcript.js")),
    )


def media_sources(media_path: str) -> list[str]:
    """The media file's name (found when the page sits beside it, the default output folder), then its file URI when
    the document records an absolute path (a local run; the service records the input's name only)."""
    path = Path(media_path)
    return [path.name, path.as_uri()] if path.is_absolute() else [path.name]


def speaker_colours(document: Document) -> dict[str, str]:
    """Label -> colour of the one palette (core.palette), in order of first speech: the web UI uses it too."""
    return colours_by_label([s.speaker for s in document.segments if s.speaker] + list(document.speakers))


def _turns(document: Document, colours: dict[str, str]) -> list[TurnView]:
    """Consecutive segments of one speaker make one paragraph."""
    turns: list[TurnView] = []
    previous: object = object()
    for segment in document.segments:
        if segment.speaker != previous:
            name = document.speaker_name(segment.speaker) or ""
            colour = colours.get(segment.speaker, NO_SPEAKER_COLOUR)
            turns.append(TurnView(name, colour, segment.start, _clock(segment.start)))
            previous = segment.speaker
        translations = [segment.translations.get(code, "") for code in document.translation_languages]
        turns[-1].segments.append(
            SegmentView(segment.start, segment.end, segment.language, _word_views(segment), translations)
        )
    return turns


def _word_views(segment: Segment) -> list[WordView]:
    words = segment.words or [Word(segment.start, segment.end, segment.text)]
    views, previous = [], ""
    for word in words:
        glue = " " if previous and join_words([previous, word.text]) != previous + word.text else ""
        views.append(WordView(glue, word.text, word.start, word.end))
        previous = word.text
    return views


def _clock(seconds: float) -> str:
    """A player position for reading: 1:02, 1:01:02 (core.text.clock)."""
    return clock(seconds, 0, short=True, down=True)


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def _markup(text: str):
    from markupsafe import Markup

    return Markup(text)


@lru_cache(maxsize=1)
def _template():
    import jinja2  # imported when a page is rendered, not with the format registry

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.from_string(_asset("transcript.html"))

"""The studio's deliverables: TTML (IMSC 1.1 Text, through ttconv), EBU-STL (Tech 3264), the dialogue list (xlsx,
docx)."""

from __future__ import annotations

import io
import struct
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ttconv.time_code import SmpteTimeCode

from ..core.text import clock as text_clock
from ..document import Document
from .cues import Cue
from .formats import OutputOptions, cues_for, register
from .timecode import Clock, output_clock

if TYPE_CHECKING:
    from ttconv import model

# ---------------------------------------------------------------------------------------------------------------
# TTML / IMSC 1.1 Text


@register("ttml", "ttml", per_language=True)
def render_ttml(document: Document, options: OutputOptions, language: str | None) -> str:
    """IMSC 1.1 Text profile TTML, times as frames at the media's rate (ttconv's writer)."""
    from ttconv import model  # ttconv's model and writer load when a TTML file is written
    from ttconv.imsc import writer as imsc_writer
    from ttconv.imsc.config import ContentProfilesSignaling, IMSCWriterConfiguration, TimeExpressionSyntaxEnum
    from ttconv.imsc.designators import IMSC_11_TEXT_PROFILE_DESIGNATOR

    clock = output_clock(options, document)
    doc = model.ContentDocument()
    doc.set_lang(language or document.language or "")
    doc.set_cell_resolution(model.CellResolutionType(rows=15, columns=32))
    doc.set_content_profiles({IMSC_11_TEXT_PROFILE_DESIGNATOR})
    body, div = model.Body(doc), model.Div(doc)
    doc.set_body(body)
    body.push_child(div)
    div.set_region(_bottom_region(doc))
    for cue in cues_for(document, options, language):
        paragraph = model.P(doc)
        paragraph.set_begin(Fraction(_frames(cue.start, clock)) / clock.fps)
        paragraph.set_end(Fraction(_frames(cue.end, clock)) / clock.fps)
        for number, line in enumerate(cue.lines):
            if number:
                paragraph.push_child(model.Br(doc))
            span = model.Span(doc)
            span.push_child(model.Text(doc, line))
            paragraph.push_child(span)
        div.push_child(paragraph)
    config = IMSCWriterConfiguration(time_format=TimeExpressionSyntaxEnum.frames, fps=clock.fps,
                                     profile_signaling=ContentProfilesSignaling.CONTENT_PROFILES)
    tree = imsc_writer.from_model(doc, config)
    return ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True) + "\n"


def _bottom_region(doc: model.ContentDocument) -> model.Region:
    """The title-safe area (10 % margins), lines centred at its bottom, white on a translucent black box."""
    from ttconv import model
    from ttconv import style_properties as styles

    region = model.Region("bottom", doc)
    pct = styles.LengthType.Units.pct
    region.set_style(styles.StyleProperties.Origin, styles.CoordinateType(styles.LengthType(10, pct),
                                                                          styles.LengthType(10, pct)))
    region.set_style(styles.StyleProperties.Extent, styles.ExtentType(styles.LengthType(80, pct),
                                                                      styles.LengthType(80, pct)))
    region.set_style(styles.StyleProperties.DisplayAlign, styles.DisplayAlignType.after)
    region.set_style(styles.StyleProperties.TextAlign, styles.TextAlignType.center)
    region.set_style(styles.StyleProperties.Color, styles.NamedColors.white.value)
    region.set_style(styles.StyleProperties.BackgroundColor, styles.NamedColors.transparent.value)
    doc.put_region(region)
    return region


def _frames(seconds: float, clock: Clock) -> int:
    """Frame number of a cue time already on the programme clock."""
    return int(round(seconds * clock.fps))


# ---------------------------------------------------------------------------------------------------------------
# EBU-STL (EBU Tech 3264), open subtitling, code page 850, ISO 6937 text

STL_RATES = {Fraction(24000, 1001): b"STL23.01", Fraction(24): b"STL24.01", Fraction(25): b"STL25.01",
             Fraction(30000, 1001): b"STL30.01", Fraction(50): b"STL50.01"}
STL_LANGUAGES = {"en": "09", "de": "08", "fr": "0F", "es": "0A", "it": "15", "pt": "21", "nl": "1D", "pl": "1E",
                 "sv": "28", "da": "07", "fi": "27", "no": "1E"}
_DIACRITICS = {"\u0300": 0xC1, "\u0301": 0xC2, "\u0302": 0xC3, "\u0303": 0xC4, "\u0304": 0xC5, "\u0306": 0xC6,
               "\u0307": 0xC7, "\u0308": 0xC8, "\u030a": 0xCA, "\u0327": 0xCB, "\u030b": 0xCD, "\u0328": 0xCE,
               "\u030c": 0xCF}
_SPECIALS = {"ß": 0xFB, "Æ": 0xE1, "æ": 0xF1, "Ø": 0xE9, "ø": 0xF9, "Œ": 0xEA, "œ": 0xFA, "Ł": 0xE8, "ł": 0xF8,
             "¡": 0xA1, "¿": 0xBF, "«": 0xAB, "»": 0xBB, "‘": 0xA9, "’": 0xB9, "“": 0xAA, "”": 0xBA,
             "–": 0xD0, "—": 0xD0, "€": 0xA4}
TTI_TEXT = 112


def iso6937(text: str) -> bytes:
    """ISO 6937 bytes: accented letters as a non-spacing diacritic before the base letter; unknown characters '?'."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text.replace("…", "...")):
        if char in _SPECIALS:
            out.append(_SPECIALS[char])
            continue
        if 0x20 <= ord(char) < 0x7F:
            out.append(ord(char))
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        if len(marks) == 1 and marks[0] in _DIACRITICS and 0x20 <= ord(base) < 0x7F:
            out += bytes([_DIACRITICS[marks[0]], ord(base)])
        else:
            out.append(ord("?"))
    return bytes(out)


@register("ebu-stl", "stl", per_language=True)
def render_ebu_stl(document: Document, options: OutputOptions, language: str | None) -> bytes:
    """Binary EBU-STL: one GSI block, then TTI blocks (extension blocks for long text), timecodes at the media's
    rate where STL has it (23.976, 24, 25, 29.97 drop-frame, 50), else 25."""
    media_clock = output_clock(options, document)
    fps = media_clock.fps if media_clock.fps in STL_RATES else Fraction(25)
    clock = Clock.at(fps, options.start_timecode)
    cues = cues_for(document, options, language, shifted=False)
    blocks = [block for number, cue in enumerate(cues) for block in _tti_blocks(number, cue, clock)]
    max_chars = max((len(line) for cue in cues for line in cue.lines), default=0)
    gsi = _gsi(document, language, fps, clock, len(blocks), len(cues), max_chars, cues)
    return gsi + b"".join(blocks)


def _gsi(document, language, fps, clock: Clock, blocks: int, subtitles: int, max_chars: int, cues) -> bytes:
    today = date.today().strftime("%y%m%d")
    start = _tc(SmpteTimeCode.from_frames(clock.start_frames, fps, clock.drop_frame))
    first = _tc(clock.timecode(cues[0].start)) if cues else start
    lang = (language or document.language or "").split("-")[0]
    fields = [
        ("850", 3), (STL_RATES[fps].decode(), 8), ("0", 1), ("00", 2), (STL_LANGUAGES.get(lang, "00"), 2),
        ("castscript", 32), ("", 32), ("", 32), ("", 32), ("", 32), ("", 32), ("", 16), (today, 6), (today, 6),
        ("00", 2), (f"{blocks:05d}", 5), (f"{subtitles:05d}", 5), ("001", 3), (f"{max(max_chars, 1):02d}", 2),
        ("11", 2), ("1", 1), (start, 8), (first, 8), ("1", 1), ("1", 1), ("", 3), ("", 32), ("", 32), ("", 32),
        ("", 75), ("", 576),
    ]
    data = b"".join(value.encode("ascii").ljust(size, b" ")[:size] for value, size in fields)
    assert len(data) == 1024
    return data


def _tc(code: SmpteTimeCode) -> str:
    return f"{code.get_hours():02d}{code.get_minutes():02d}{code.get_seconds():02d}{code.get_frames():02d}"


def _tti_blocks(number: int, cue: Cue, clock: Clock) -> list[bytes]:
    text = b"\x8a".join(iso6937(line) for line in cue.lines)
    pieces = _pieces(text)
    tci, tco = clock.timecode(cue.start), clock.timecode(cue.end)
    rows = len(cue.lines)
    blocks = []
    for index, piece in enumerate(pieces):
        extension = 0xFF if index == len(pieces) - 1 else index
        blocks.append(struct.pack(
            "<BHBBBBBBBBBBBBB112s", 0, number + 1, extension, 0,
            tci.get_hours(), tci.get_minutes(), tci.get_seconds(), tci.get_frames(),
            tco.get_hours(), tco.get_minutes(), tco.get_seconds(), tco.get_frames(),
            max(1, 11 - rows), 2, 0, piece.ljust(TTI_TEXT, b"\x8f"),
        ))
    return blocks


def _pieces(text: bytes) -> list[bytes]:
    """Text field contents of 112 bytes at most, never separating a diacritic from its letter."""
    pieces = []
    while len(text) > TTI_TEXT:
        cut = TTI_TEXT - 1 if 0xC1 <= text[TTI_TEXT - 1] <= 0xCF else TTI_TEXT
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces + [text]


# ---------------------------------------------------------------------------------------------------------------
# Dialogue list (xlsx, docx): the as-broadcast script a dubbing studio works from


@dataclass
class DialogueList:
    """Rows of the dialogue list (In-TC, Out-TC, CHARACTER, dialogue, translations) and the character breakdown."""

    header: list[str]
    rows: list[list]
    characters: list[list]
    """CHARACTER, lines, words, speaking time (HH:MM:SS), seconds; most speaking time first."""


CHARACTER_HEADER = ["CHARACTER", "Lines", "Words", "Speaking time", "Seconds"]


def dialogue_list(document: Document, options: OutputOptions) -> DialogueList:
    """One row per line of dialogue, timecoded at the media's frame rate from the start timecode."""
    clock = output_clock(options, document)
    languages = document.translation_languages
    header = ["#", "In-TC", "Out-TC", "CHARACTER", "Dialogue"] + [lang.upper() for lang in languages]
    rows, breakdown = [], {}
    for number, segment in enumerate((s for s in document.segments if s.text.strip()), start=1):
        character = character_name(document, segment.speaker)
        rows.append([number, str(clock.timecode(segment.start)), str(clock.timecode(segment.end)), character,
                     segment.text.strip()] + [segment.translations.get(lang, "") for lang in languages])
        counts = breakdown.setdefault(character, [0, 0, 0.0])
        counts[0] += 1
        counts[1] += len(segment.text.split())
        counts[2] += max(0.0, segment.end - segment.start)
    characters = [[name, lines, words, _clock_text(seconds), round(seconds, 2)]
                  for name, (lines, words, seconds) in sorted(breakdown.items(), key=lambda kv: -kv[1][2])]
    return DialogueList(header, rows, characters)


@register("dialogue-list", "xlsx", per_language=False)
def render_dialogue_list(document: Document, options: OutputOptions, language: str | None) -> bytes:
    """The dialogue list as a workbook; the character breakdown on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    listing = dialogue_list(document, options)
    book = Workbook()
    sheet = book.active
    sheet.title = "Dialogue list"
    for row in [listing.header, *listing.rows]:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (6, 13, 13, 18, 60)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2, min_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    characters = book.create_sheet("Characters")
    for row in [CHARACTER_HEADER, *listing.characters]:
        characters.append(row)
    for cell in characters[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@register("dialogue-list-docx", "docx", per_language=False)
def render_dialogue_list_docx(document: Document, options: OutputOptions, language: str | None) -> bytes:
    """The dialogue list as a Word document (landscape): the list's table, then the character breakdown."""
    from docx import Document as WordDocument
    from docx.enum.section import WD_ORIENT

    listing = dialogue_list(document, options)
    word = WordDocument()
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    word.add_heading(f"Dialogue list: {Path(document.media.path).name}", level=1)
    _word_table(word, listing.header, listing.rows)
    word.add_heading("Characters", level=2)
    _word_table(word, CHARACTER_HEADER, listing.characters)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _word_table(word, header: list[str], rows: list[list]) -> None:
    table = word.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value)


def character_name(document: Document, label: str | None) -> str:
    return (document.speaker_name(label) or "UNKNOWN").upper()


def _clock_text(seconds: float) -> str:
    return text_clock(seconds, 0)

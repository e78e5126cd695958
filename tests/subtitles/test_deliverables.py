"""TTML and EBU-STL read back by ttconv (same cues, same frames), the dialogue list read back by openpyxl."""

from __future__ import annotations

from fractions import Fraction

import pytest
from openpyxl import load_workbook
from ttconv.time_code import SmpteTimeCode

from castscript.document import Document, MediaInfo, Segment, Speaker, Word
from castscript.subtitles import OutputOptions, write_outputs
from castscript.subtitles.formats import cues_for
from castscript.subtitles.qc import read_cues

RATES = {25.0: Fraction(25), 29.97: Fraction(30000, 1001)}
LINES = [
    ("ANNA", "Did you see who came in just before the lights went out?"),
    ("BEN", "No."),
    ("ANNA", "Somebody took the letters from the desk, all of them, and nobody saw a thing."),
    ("BEN", "Então alguém sabia onde estavam, não é? Ça m'étonne beaucoup, señor Müller."),
]


def dialogue(fps: float | None) -> Document:
    segments, t = [], 0.6
    for speaker, text in LINES:
        words = []
        for w in text.split():
            words.append(Word(round(t, 3), round(t + 0.24, 3), w, speaker=speaker))
            t += 0.3
        segments.append(Segment(words[0].start, words[-1].end, text, words, speaker=speaker,
                                translations={"pt": f"[pt] {text}"}))
        t += 0.9
    media = MediaInfo("scene.mp4", t + 2, has_video=fps is not None, fps=fps)
    speakers = {"ANNA": Speaker("ANNA", name="Anna"), "BEN": Speaker("BEN", name="Ben Okafor")}
    return Document(media, "en", segments=segments, speakers=speakers, translation_languages=["pt"])


def frames(seconds: float, fps: Fraction) -> int:
    return int(round(seconds * float(fps)))


@pytest.mark.parametrize("fps", [25.0, 29.97])
@pytest.mark.parametrize("fmt, ext", [("ttml", "ttml"), ("ebu-stl", "stl")])
def test_read_back_by_ttconv_to_the_frame(tmp_path, fps, fmt, ext):
    document = dialogue(fps)
    options = OutputOptions()
    paths = write_outputs(document, tmp_path, "scene", [fmt], options)
    assert [p.name for p in paths] == [f"scene.{ext}", f"scene.pt.{ext}"]
    rate = RATES[fps]
    for path, language in zip(paths, [None, "pt"]):
        expected = cues_for(document, options, language)
        found = read_cues(path)
        assert len(found) == len(expected) >= 4
        for cue, back in zip(expected, found):
            assert frames(back.start, rate) == frames(cue.start, rate)
            assert frames(back.end, rate) == frames(cue.end, rate)
            assert back.lines == cue.lines  # accents survive ISO 6937 and XML


def test_start_timecode_shifts_stl_and_ttml(tmp_path):
    document = dialogue(25.0)
    options = OutputOptions(start_timecode="01:00:00:00")
    ttml, _, stl, _ = write_outputs(document, tmp_path, "scene", ["ttml", "ebu-stl"], options)
    plain = cues_for(document, OutputOptions(), None)
    assert 'ttp:contentProfiles="http://www.w3.org/ns/ttml/profile/imsc1.1/text"' in ttml.read_text()
    for path in (ttml, stl):
        first = read_cues(path)[0]
        assert frames(first.start, Fraction(25)) == 90000 + frames(plain[0].start, Fraction(25))
    assert stl.read_bytes()[256:264] == b"01000000"  # GSI TCP: the programme start


@pytest.mark.parametrize("fps, start", [(25.0, "01:00:00:00"), (29.97, "00:59:59;00")])
def test_dialogue_list_timecodes_characters_and_breakdown(tmp_path, fps, start):
    document = dialogue(fps)
    options = OutputOptions(start_timecode=start)
    [path] = write_outputs(document, tmp_path, "scene", ["dialogue-list"], options)
    book = load_workbook(path)
    rows = list(book["Dialogue list"].iter_rows(values_only=True))
    assert rows[0] == ("#", "In-TC", "Out-TC", "CHARACTER", "Dialogue", "PT")
    rate = RATES[fps]
    base = SmpteTimeCode.parse(start, rate).to_frames()
    for row, segment in zip(rows[1:], document.segments):
        assert row[1] == str(SmpteTimeCode.from_frames(base + frames(segment.start, rate), rate))
        assert row[2] == str(SmpteTimeCode.from_frames(base + frames(segment.end, rate), rate))
        assert row[3] == document.speaker_name(segment.speaker).upper()
        assert row[4] == segment.text and row[5] == segment.translations["pt"]
    # The first cue of each line starts on the line's In-TC (cues start on speech).
    cues = cues_for(document, options, None)
    assert rows[1][1] == str(SmpteTimeCode.from_frames(frames(cues[0].start, rate), rate))
    if fps == 29.97:
        assert all(";" in row[1] for row in rows[1:])  # drop-frame
    breakdown = {r[0]: r[1:] for r in book["Characters"].iter_rows(min_row=2, values_only=True)}
    assert set(breakdown) == {"ANNA", "BEN OKAFOR"}
    assert breakdown["ANNA"][0] == 2 and breakdown["ANNA"][1] == len((LINES[0][1] + " " + LINES[2][1]).split())
    assert breakdown["BEN OKAFOR"][3] == pytest.approx(sum(s.end - s.start for s in document.segments[1::2]), abs=0.01)


def test_dialogue_list_docx_has_the_same_rows(tmp_path):
    import docx

    document = dialogue(25.0)
    options = OutputOptions(start_timecode="10:00:00:00")
    [xlsx, word] = write_outputs(document, tmp_path, "scene", ["dialogue-list", "dialogue-list-docx"], options)
    listing, characters = docx.Document(str(word)).tables
    rows = [[cell.text for cell in row.cells] for row in listing.rows]
    sheet = [[str(v) for v in row] for row in load_workbook(xlsx)["Dialogue list"].iter_rows(values_only=True)]
    assert rows == sheet and rows[1][1].startswith("10:00:")
    names = [row.cells[0].text for row in characters.rows]
    assert names[0] == "CHARACTER" and sorted(names[1:]) == ["ANNA", "BEN OKAFOR"]

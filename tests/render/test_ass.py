"""The styled ASS subtitles: per-speaker styles, typewriter timing, translation after the line, placement by face."""

from __future__ import annotations

import re
from dataclasses import replace

from castscript.document import SpeakerTurn
from castscript.faces import FaceAnalysis
from castscript.render import AssOptions, build_ass
from castscript.render.layout import em_width

SIZE = (640, 360)
KARAOKE = re.compile(r"\{[^}]*\\ko(\d+)[^}]*\}([^{]*)")
POSITION = re.compile(r"\\an(\d)\\pos\((\d+),(\d+)\)")


def syllables(text: str) -> list[tuple[float, str]]:
    """(reveal time in s from the event start, text) of each karaoke syllable."""
    out, clock = [], 0
    for duration, chunk in KARAOKE.findall(text):
        out.append((clock / 100, chunk))
        clock += int(duration)
    return out


def plain(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "", text).replace(r"\N", "\n")


def events_of(subs, name):
    return [e for e in subs if e.name == name]


def test_each_speaker_has_its_own_colour(clip_document):
    subs = build_ass(clip_document, AssOptions(language="pt"), SIZE)
    anna, ben = events_of(subs, "Anna"), events_of(subs, "Ben")
    assert anna and ben and {e.style for e in anna} != {e.style for e in ben}
    assert subs.styles[anna[0].style].primarycolor != subs.styles[ben[0].style].primarycolor
    assert subs.info["PlayResX"] == "640" and subs.info["PlayResY"] == "360"


def test_the_line_types_out_as_it_is_spoken_then_the_translation_appears(clip_document):
    segment = clip_document.segments[0]
    original, translation = events_of(build_ass(clip_document, AssOptions(language="pt"), SIZE), "Anna")[:2]
    assert abs(original.start / 1000 - segment.start) <= 0.5 / 15 + 1e-3  # on the 15 fps clip's frames
    pieces = syllables(original.text)
    assert pieces[0][1].startswith("Anna")
    typed = pieces[1:]
    assert [t for t, _ in typed] == sorted(t for t, _ in typed)
    total = sum(len(c.strip()) for _, c in typed)
    halfway = (segment.end - segment.start) / 2
    shown = sum(len(c.strip()) for t, c in typed if t <= halfway)
    assert 0.35 < shown / total < 0.65, "half the characters are typed by half the line's time"
    assert "Bom dia" in plain(translation.text) and r"\ko" not in translation.text
    assert abs(translation.start / 1000 - segment.words[-1].end) <= 0.5 / 15 + 1e-3, \
        "the translation appears once the line is typed"
    assert translation.end / 1000 >= segment.words[-1].end + 1.0, "and stays up to be read"
    assert original.end >= translation.end, "under its original"


def test_lines_sit_next_to_the_matched_face(clip_document):
    faces = FaceAnalysis.from_dict(clip_document.faces)
    subs = build_ass(clip_document, AssOptions(language="pt"), SIZE)
    for speaker in ("Anna", "Ben"):
        box = faces.person_box(faces.person_of(speaker).person, 0, 20)
        for event in events_of(subs, speaker):
            _, x, y = map(int, POSITION.search(event.text).groups())
            assert abs(x - box.center_x) < 80
            assert y > box.y + box.h or y < box.y


def test_a_speaker_without_a_face_goes_to_the_bottom_of_their_side(clip_document):
    faces = dict(clip_document.faces, mapping=[m for m in clip_document.faces["mapping"] if m["speaker"] != "Ben"])
    subs = build_ass(replace(clip_document, faces=faces), AssOptions(language="pt"), SIZE)
    for event in events_of(subs, "Ben"):
        _, x, y = map(int, POSITION.search(event.text).groups())
        assert x > SIZE[0] / 2 and y > SIZE[1] * 0.6


def test_two_speakers_talking_at_once_both_show(clip_document, spoken_segment):
    """During the lead-in both faces are on screen."""
    both = [spoken_segment(SpeakerTurn(0.1, 1.2, "Anna"), "I am talking now"),
            spoken_segment(SpeakerTurn(0.3, 1.4, "Ben"), "So am I at the same time")]
    subs = build_ass(replace(clip_document, segments=both), AssOptions(), SIZE)
    anna, ben = events_of(subs, "Anna")[0], events_of(subs, "Ben")[0]
    assert anna.start < ben.start < anna.end
    assert int(POSITION.search(anna.text).group(2)) < SIZE[0] / 2 < int(POSITION.search(ben.text).group(2))


def test_long_speech_wraps_inside_the_frame(clip_document, spoken_segment):
    text = " ".join(["Extraordinarily"] + ["long sentences keep going"] * 12)
    long = [spoken_segment(SpeakerTurn(5.5, 17.0, "Ben"), text, text.upper())]
    options = AssOptions(language="pt", max_lines=2)
    subs = build_ass(replace(clip_document, segments=long), options, SIZE)
    font = subs.styles[subs[0].style].fontsize
    assert len(subs) > 2, "a long segment is split into several cues"
    for event in subs:
        lines = plain(event.text).split("\n")
        if r"\ko" in event.text:
            assert len(lines) <= 1 + 2, "the name, then at most two lines of the original"
        _, x, _ = map(int, POSITION.search(event.text).groups())
        half = max(em_width(line) for line in lines) * font / 2
        assert 0 <= x - half and x + half <= SIZE[0]
    typed = [e for e in subs if r"\ko" in e.text]
    translations = [e for e in subs if r"\ko" not in e.text]
    assert len(translations) == len(typed), "in continuous speech too, every line's translation is shown"
    assert all(e.end - e.start >= 300 for e in translations)


def test_classic_style_shows_the_translation_at_the_bottom(clip_document):
    subs = build_ass(clip_document, AssOptions(style="classic", language="pt"), SIZE)
    assert not any(POSITION.search(e.text) or r"\ko" in e.text for e in subs)
    assert plain(subs[0].text).startswith("Anna: Bom dia.")
    assert all(subs.styles[e.style].alignment == 2 for e in subs)


def test_joined_scripts_type_a_word_at_a_time(clip_document, spoken_segment):
    arabic = [spoken_segment(SpeakerTurn(1.0, 3.0, "Anna"), "مرحبا بالعالم الجميل")]
    subs = build_ass(replace(clip_document, segments=arabic), AssOptions(), SIZE)
    typed = [chunk.strip() for _, chunk in syllables(subs[0].text)[1:]]
    assert typed == ["مرحبا", "بالعالم", "الجميل"]


def test_the_ass_output_format_colours_each_speaker(clip_document, tmp_path):
    import pysubs2

    from castscript.subtitles import write_outputs

    written = write_outputs(clip_document, tmp_path, "clip", ["ass"])
    original, portuguese = (pysubs2.load(str(p)) for p in written)
    for subs in (original, portuguese):
        by_speaker = {e.name: subs.styles[e.style].primarycolor for e in subs}
        assert set(by_speaker) == {"Anna", "Ben"} and by_speaker["Anna"] != by_speaker["Ben"]
        assert subs.info["PlayResY"] == "360"
    assert "Bom dia" in portuguese[0].plaintext

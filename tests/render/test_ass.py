"""The styled ASS subtitles: per-speaker colours, typewriter timing, the translation in place of the sentence."""

from __future__ import annotations

import re
from dataclasses import replace

from castscript.core.palette import speaker_rgb
from castscript.document import SpeakerTurn
from castscript.render import AssOptions, build_ass

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
    r, g, b = speaker_rgb(0, on_video=True)
    assert all(f"\\1c&H{b:02X}{g:02X}{r:02X}&" in e.text for e in anna), "Anna's name tag in the shared palette's colour"
    assert not any(f"\\1c&H{b:02X}{g:02X}{r:02X}&" in e.text for e in ben)
    assert subs.info["PlayResX"] == "640" and subs.info["PlayResY"] == "360"


def revealed(events, seconds: float) -> tuple[int, int]:
    """(characters typed by ``seconds``, characters in the line) of the typing event on screen then."""
    event = next(e for e in events if r"\ko" in e.text and e.start <= seconds * 1000 < e.end)
    typed = syllables(event.text)[1:]
    return sum(len(c.strip()) for t, c in typed if event.start / 1000 + t <= seconds), sum(len(c.strip()) for _, c in typed)


def test_the_line_types_out_as_it_is_spoken_then_the_translation_appears(clip_document):
    segment = clip_document.segments[0]
    events = events_of(build_ass(clip_document, AssOptions(language="pt"), SIZE), "Anna")
    original = events[0]
    shown = [e for e in events if " ".join(plain(e.text).split()[1:]) == "Bom dia. Você leu o roteiro do novo episódio?"]
    translation = replace(shown[0], end=shown[-1].end)  # cut where the shot changes, placed again after it
    assert abs(original.start / 1000 - segment.start) <= 0.01
    assert plain(original.text).startswith("Anna\n"), "the name tag first"
    typing = [e for e in events if r"\ko" in e.text and e.end <= translation.start]
    first_piece = [e for e in typing if plain(e.text) == plain(typing[0].text)]
    start, end = first_piece[0].start / 1000, first_piece[-1].end / 1000
    counts = [revealed(typing, start + share * (end - start)) for share in (0.05, 0.5, 0.97)]
    assert counts[0][0] < counts[1][0] < counts[2][0] >= counts[2][1] - 1
    assert 0.35 < counts[1][0] / counts[1][1] < 0.65, "half the characters are typed by half the piece's time"
    assert r"\ko" not in translation.text
    assert translation.start / 1000 >= segment.words[-1].end, "the translation comes once the sentence is spoken"
    assert translation.end / 1000 >= segment.words[-1].end + 1.0, "and stays up to be read"


def test_two_speakers_talking_at_once_both_show(clip_document, spoken_segment):
    """During the lead-in both faces are on screen."""
    both = [spoken_segment(SpeakerTurn(0.1, 1.2, "Anna"), "I am talking now"),
            spoken_segment(SpeakerTurn(0.3, 1.4, "Ben"), "So am I at the same time")]
    subs = build_ass(replace(clip_document, segments=both), AssOptions(), SIZE)
    anna, ben = events_of(subs, "Anna")[0], events_of(subs, "Ben")[0]
    assert anna.start < ben.start < anna.end
    assert int(POSITION.search(anna.text).group(2)) < SIZE[0] / 2 < int(POSITION.search(ben.text).group(2))


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


def test_a_sentence_split_over_two_segments_turns_into_one_translation(clip_document, spoken_segment):
    halves = [spoken_segment(SpeakerTurn(1.6, 2.6, "Anna"), "Good morning, my dear", "Bom dia, meus caros"),
              spoken_segment(SpeakerTurn(2.7, 3.9, "Anna"), "friends of the studio.", "amigos do estúdio.")]
    subs = build_ass(replace(clip_document, segments=halves), AssOptions(language="pt"), SIZE)
    translated = [e for e in subs if "Bom dia" in plain(e.text) and "estúdio." in plain(e.text)]
    assert translated and translated[0].start / 1000 >= 3.9, "the translation comes when the sentence is complete"
    assert " ".join(plain(translated[-1].text).split()[1:]) == "Bom dia, meus caros amigos do estúdio."
    assert not [e for e in subs if e.end <= 3900 and "Bom dia" in plain(e.text)], "no half sentence translated"


def test_classic_style_splits_long_speech_into_cues_of_two_lines(clip_document, spoken_segment):
    text = " ".join(["Sentences keep going long"] * 12) + "."
    subs = build_ass(replace(clip_document, segments=[spoken_segment(SpeakerTurn(2.0, 16.0, "Ben"), text)]),
                     AssOptions(style="classic"), SIZE)
    assert len(subs) >= 3 and all(len(plain(e.text).splitlines()) <= 2 for e in subs)


def test_a_translation_into_the_spoken_language_does_not_decode_into_itself(clip_document, spoken_segment):
    same = [spoken_segment(SpeakerTurn(1.6, 3.0, "Anna"), "Bom dia a todos.", "Bom dia a todos.")]
    events = build_ass(replace(clip_document, segments=same), AssOptions(language="pt"), SIZE).events
    assert events and all(r"\ko" in e.text for e in events), "only the typed original, no scramble"
    assert events[-1].end / 1000 >= 3.0 + 0.5

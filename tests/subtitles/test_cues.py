"""Subtitle cues follow broadcast rules, and SRT/VTT/ASS parse back with pysubs2."""

from __future__ import annotations

import pysubs2
import pytest

from castscript.document import Document, MediaInfo, Segment, Speaker, Word
from castscript.subtitles import CueRules, OutputOptions, build_cues, wrap_lines, write_outputs
from castscript.subtitles.cues import join_words

LONG = (
    "Localization studios must know, for every line of a film, its exact time and its speaker. "
    "Done by hand, a thirty minute episode takes hours; castscript does it while you get coffee, "
    "and then it translates every line, keeping the speaker, the timing and the reading speed."
)


def timed_document(text: str = LONG, seconds_per_word: float = 0.3, speaker: str | None = None) -> Document:
    words = [Word(round(i * seconds_per_word, 3), round(i * seconds_per_word + 0.25, 3), w) for i, w in enumerate(text.split())]
    segment = Segment(words[0].start, words[-1].end, text, words, speaker=speaker)
    speakers = {speaker: Speaker(speaker, name="Anna")} if speaker else {}
    return Document(MediaInfo("x.wav", words[-1].end + 2), "en", segments=[segment], speakers=speakers)


def assert_rules(subs: pysubs2.SSAFile, rules: CueRules) -> None:
    assert len(subs) > 1
    for event in subs:
        lines = event.plaintext.split("\n")
        assert len(lines) <= rules.max_lines, event.plaintext
        assert all(len(line) <= rules.max_chars_per_line for line in lines), event.plaintext
        assert rules.min_duration - 1e-3 <= event.duration / 1000 <= rules.max_duration + 1e-3
    assert all(a.end <= b.start for a, b in zip(subs, subs[1:]))


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_written_subtitles_parse_back_and_respect_rules(tmp_path, fmt):
    document = timed_document()
    [path] = write_outputs(document, tmp_path, "long", [fmt])
    subs = pysubs2.load(str(path))
    assert_rules(subs, CueRules())
    words = " ".join(e.plaintext.replace("\n", " ") for e in subs).split()
    assert words == LONG.split()


def test_reading_speed_extends_fast_cues_into_free_time():
    document = timed_document(seconds_per_word=0.12)
    document.media.duration = 200
    cues = build_cues(document, CueRules())
    # Fast speech cannot be slowed where the next cue follows at once, but the last cue has free time after it:
    # it stays up 12 frames (at 25 fps, audio-only) past its last word, no longer.
    last = cues[-1]
    assert last.end - last.start > last.words[-1].end - last.words[0].start
    assert last.end == pytest.approx(last.words[-1].end + 12 / 25, abs=0.021)


def test_custom_limits_are_honoured(tmp_path):
    rules = CueRules(max_chars_per_line=30, max_lines=1, max_duration=4.0)
    [path] = write_outputs(timed_document(), tmp_path, "narrow", ["srt"], OutputOptions(rules=rules))
    assert_rules(pysubs2.load(str(path)), rules)


def test_speaker_name_prefixes_the_first_cue_of_a_turn():
    cues = build_cues(timed_document(speaker="SPEAKER_00"), CueRules(), speaker_labels=True)
    assert cues[0].lines[0].startswith("Anna: ")
    assert not any(line.startswith("Anna") for c in cues[1:] for line in c.lines)
    assert all(len(line) <= 42 for c in cues for line in c.lines)


def test_breaks_prefer_sentence_ends():
    cues = build_cues(timed_document(), CueRules())
    ends = [c.lines[-1][-1] for c in cues]
    assert ends.count(".") + ends.count(";") + ends.count(",") >= 2


def test_wrap_breaks_at_the_clause_not_after_a_function_word():
    lines = wrap_lines("ask not what your country can do for you, ask what you can do", CueRules())
    assert lines == ["ask not what your country can do for you,", "ask what you can do"]
    lines = wrap_lines("we walked along the river until the sun went down behind the hills", CueRules())
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 12


def test_join_words_handles_punctuation_and_unspaced_scripts():
    assert join_words(["at", "3", "o", "'clock."]) == "at 3 o'clock."
    assert join_words(["こんにちは", "世界"]) == "こんにちは世界"


def test_translation_cues_share_the_segment_time():
    document = timed_document()
    document.segments[0].translations["pt"] = "Uma tradução curta. E outra frase que também é traduzida aqui."
    document.translation_languages = ["pt"]
    cues = build_cues(document, CueRules(), language="pt")
    assert cues[0].start == pytest.approx(document.segments[0].start)
    assert " ".join(" ".join(c.lines) for c in cues).split() == document.segments[0].translations["pt"].split()


def test_txt_and_whisperx_json(tmp_path):
    import json

    document = timed_document(speaker="SPEAKER_00")
    document.segments[0].words[0].speaker = "SPEAKER_00"
    txt, wx = write_outputs(document, tmp_path, "doc", ["txt", "whisperx-json"])
    assert txt.read_text().startswith("[00:00:00.000 --> ") and "Anna: Localization" in txt.read_text()
    data = json.loads(wx.read_text())
    assert data["language"] == "en"
    first = data["segments"][0]["words"][0]
    assert set(first) == {"word", "start", "end", "score", "speaker"}
    assert data["segments"][0]["speaker"] == "SPEAKER_00"

"""Cue building by profile on crafted transcripts: fast speech, one-word interjections, long monologues, two speakers
in one cue, shot changes, translations; checked with the QC module itself and with direct bounds."""

from __future__ import annotations

import pytest

from castscript.document import Document, MediaInfo, Segment, Speaker, Word
from castscript.core.errors import InvalidOption
from castscript.subtitles import CueRules, build_cues, profile
from castscript.subtitles.linebreak import function_words, wrap_lines
from castscript.subtitles.qc import QcCue, check_cues

MONOLOGUE = (
    "Localization studios must know, for every line of a film, its exact time and its speaker. Done by hand, "
    "a thirty minute episode takes hours of careful work; castscript does it while you get a coffee, and then it "
    "translates every line into the languages you ask for, keeping the speaker, the timing and the reading speed "
    "that the broadcaster requires. Nobody wants to read a subtitle that flashes by before the eye reaches its end, "
    "and nobody wants a line that breaks after the word the, which looks careless on a big screen at home."
)


def segment(speaker: str | None, text: str, start: float, per_word: float, length: float = 0.8) -> Segment:
    words = [Word(round(start + i * per_word, 3), round(start + (i + length) * per_word, 3), w, speaker=speaker)
             for i, w in enumerate(text.split())]
    return Segment(words[0].start, words[-1].end, text, words, speaker=speaker)


def document(*segments: Segment, fps: float | None = None, cuts: tuple[float, ...] = ()) -> Document:
    end = max(s.end for s in segments) + 3
    speakers = {s.speaker: Speaker(s.speaker, name=s.speaker.title()) for s in segments if s.speaker}
    media = MediaInfo("x.mp4" if fps else "x.wav", end, has_video=bool(fps), fps=fps)
    return Document(media, "en", segments=list(segments), speakers=speakers, cuts=list(cuts))


def qc_errors(cues, rules=CueRules(), fps=None):
    report = check_cues([QcCue(c.start, c.end, c.lines) for c in cues], rules, fps=fps)
    return [v for v in report.violations if v.level == "error"], report


def frames(seconds: float, fps: float = 25) -> float:
    return seconds * fps


def test_long_monologue_meets_every_rule():
    doc = document(segment("ANNA", MONOLOGUE, 1.0, 0.32))
    cues = build_cues(doc)
    errors, report = qc_errors(cues)
    assert errors == []
    assert report.fast_cues <= len(cues) // 10  # the target on conversational English: at most 10 % over 20 cps
    assert " ".join(" ".join(c.lines) for c in cues).split() == MONOLOGUE.split()
    for cue in cues:
        assert len(cue.lines) <= 2 and all(len(line) <= 42 for line in cue.lines)
        assert 5 / 6 - 1e-9 <= cue.end - cue.start <= 7.0
        assert frames(cue.start) == pytest.approx(round(frames(cue.start)), abs=1e-6)  # on frame boundaries
        assert cue.lines[-1].split()[-1].lower() not in function_words("en")
        assert not cue.lines[0].startswith("-")  # one speaker: no dash
    sentence_ends = sum(c.lines[-1][-1] in ".;," for c in cues)
    assert sentence_ends >= len(cues) // 2


def test_fast_speech_is_reported_not_hidden():
    fast = "and then we went to the station and took the train to the coast and the sea was cold and grey " * 2
    doc = document(segment("BEN", fast.strip(), 0.5, 0.11))
    cues = build_cues(doc)
    errors, report = qc_errors(cues)
    assert errors == []  # every hard rule holds
    assert report.fast_cues >= 1
    assert any(v.rule == "reading_speed" for v in report.violations)
    # Each cue stays up at most 12 frames past its last word when that is all the time it needs.
    for cue in cues[:-1]:
        assert cue.end - cue.words[-1].end <= 12 / 25 + 1e-6


def test_cue_stays_up_to_twelve_frames_past_speech_into_free_time():
    doc = document(segment("ANNA", "Are you coming with us to the harbour tonight?", 1.0, 0.12),
                   segment("ANNA", "We leave at nine.", 6.0, 0.3))
    first = build_cues(doc)[0]
    assert first.end == pytest.approx(first.words[-1].end + 12 / 25, abs=0.021)


def test_one_word_interjections_merge_into_two_speaker_cues():
    doc = document(segment("ANNA", "Did you lock the door?", 1.0, 0.25),
                   segment("BEN", "Yes.", 2.3, 0.25),
                   segment("ANNA", "And the windows at the back of the house?", 2.7, 0.25),
                   segment("BEN", "No.", 5.0, 0.2))
    cues = build_cues(doc)
    errors, _ = qc_errors(cues)
    assert errors == []
    two = [c for c in cues if len(c.lines) == 2 and all(line.startswith("-") for line in c.lines)]
    assert two and two[0].lines == ["-Did you lock the door?", "-Yes."]
    assert sum("Yes." in c.text for c in cues) == 1


def test_dash_only_for_a_change_of_speaker():
    doc = document(segment("ANNA", MONOLOGUE[:200], 0.5, 0.3), segment("BEN", "Right.", 16.0, 0.3))
    for cue in build_cues(doc):
        speakers = {w.speaker for w in cue.words}
        assert any(line.startswith("-") for line in cue.lines) == (len(speakers) == 2)


def test_shot_changes_are_not_crossed_and_times_snap_to_them():
    # Speech ends 9 frames before the first cut and starts 5 frames after it; a second cut falls mid-sentence.
    doc = document(segment("ANNA", "I never thought we would make it out of there alive.", 1.0, 0.3),
                   segment("BEN", "Neither did I, to be honest with you.", 4.8, 0.3),
                   fps=25, cuts=(4.6, 6.5))
    cues = build_cues(doc)
    cut1, cut2 = 4.6, 6.5
    first = next(c for c in cues if "alive." in c.text)
    assert first.end <= cut1 + 1e-6 and first.end >= cut1 - 2 / 25 - 1e-6
    second = next(c for c in cues if "Neither" in c.text)
    assert second.start == pytest.approx(cut1)  # in time 5 frames after the cut snaps onto it
    # The cut at 6.5 s falls inside Ben's speech, so his cue may cross it: the speech does.
    errors, _ = qc_errors(cues, fps=25)
    assert errors == []
    for cue in cues:
        speech = (cue.words[0].start, cue.words[-1].end)
        for cut in (cut1, cut2):
            if cue.start < cut < cue.end:
                assert speech[0] < cut < speech[1]


def test_cut_in_a_pause_ends_the_cue_cut_in_running_speech_does_not_break_a_phrase():
    # One segment: two sentences with a 0.4 s pause holding a cut, and a cut inside "the | grey sea" (running speech).
    first = segment("ANNA", "We drove all night to reach", 1.0, 0.3)
    rest = segment("ANNA", "the coast, and then we saw the grey sea.", 1.0 + 6 * 0.3 + 0.4, 0.3)
    joined = Segment(first.start, rest.end, f"{first.text} {rest.text}", first.words + rest.words, speaker="ANNA")
    pause_cut = round((first.words[-1].end + rest.words[0].start) / 2 * 25) / 25  # on a frame
    speech_cut = rest.words[7].start  # between "the" and "grey": no pause
    cues = build_cues(document(joined, fps=25, cuts=(pause_cut, speech_cut)))
    assert not any(c.start + 1e-6 < pause_cut < c.end - 1e-6 for c in cues)
    assert all(c.lines[-1].split()[-1] != "the" for c in cues)
    assert qc_errors(cues, fps=25)[0] == []


def test_frame_rate_of_the_media_and_drop_frame_rate():
    doc = document(segment("ANNA", MONOLOGUE[:180], 0.5, 0.3), fps=29.97)
    fps = 30000 / 1001
    cues = build_cues(doc)
    for a, b in zip(cues, cues[1:]):
        assert round((b.start - a.end) * fps) >= 2
    for cue in cues:
        assert cue.start * fps == pytest.approx(round(cue.start * fps), abs=1e-6)


def test_translation_laid_over_the_source_sentence_time():
    source = segment("ANNA", "I waited for you at the station. Then I went home alone.", 1.0, 0.35)
    source.translations["pt"] = ("Esperei por você na estação durante muito tempo. "
                                 "Depois fui para casa sozinha, sem ninguém.")
    doc = document(source)
    doc.translation_languages = ["pt"]
    cues = build_cues(doc, language="pt")
    errors, _ = qc_errors(cues)
    assert errors == []
    assert " ".join(" ".join(c.lines) for c in cues).split() == source.translations["pt"].split()  # no word cut
    assert cues[0].start == pytest.approx(source.start, abs=0.021)
    for word in source.words:  # no empty stretch where the source speaks
        middle = (word.start + word.end) / 2
        assert any(c.start <= middle <= c.end for c in cues)


def test_speaker_labels_only_when_asked():
    doc = document(segment("ANNA", "Good morning everyone.", 1.0, 0.3), segment("BEN", "Morning.", 3.0, 0.3))
    assert all("Anna:" not in c.text for c in build_cues(doc))
    labelled = build_cues(doc, speaker_labels=True)
    assert labelled[0].lines[0].startswith("Anna: ") or labelled[0].lines[0].startswith("-Anna: ")


def test_profiles_and_custom_values():
    bbc = profile("bbc")
    assert bbc.max_chars_per_line == 37 and profile().max_chars_per_line == 42
    custom = profile("netflix", max_chars_per_line=32, max_lines=1)
    cues = build_cues(document(segment("ANNA", MONOLOGUE, 1.0, 0.32)), custom)
    assert all(len(c.lines) == 1 and len(c.lines[0]) <= 32 for c in cues)
    with pytest.raises(InvalidOption):
        profile("itv")
    with pytest.raises(InvalidOption):
        profile(min_duration=9.0)


@pytest.mark.parametrize("text, bad_ends", [
    ("ask not what your country can do for you, ask what you can do for your country", {"your", "can"}),
    ("I have been waiting for the train for as long as I can remember now", {"the", "as", "for"}),
    ("and that is why we met Anna Maria Smith at the station yesterday", {"Anna", "Maria"}),
])
def test_line_breaks_follow_linguistic_rules(text, bad_ends):
    lines = wrap_lines(text, CueRules())
    assert len(lines) == 2 and all(len(line) <= 42 for line in lines)
    assert lines[0].split()[-1] not in bad_ends
    assert " ".join(lines) == text


def test_line_breaks_prefer_a_shorter_top_line_and_punctuation():
    lines = wrap_lines("She opened the door, and the whole room went silent at once", CueRules())
    assert lines[0].endswith(",")
    balanced = wrap_lines("We walked along the river until the sun went down behind the hills", CueRules())
    assert len(balanced[0]) <= len(balanced[1])


def test_no_cue_over_the_line_limit_even_with_long_words():
    text = "Supercalifragilisticexpialidocious-antidisestablishmentarianism " * 3 + "end."
    cues = build_cues(document(segment("ANNA", text, 0.5, 0.6)))
    assert all(len(line) <= 42 for c in cues for line in c.lines)
    assert qc_errors(cues)[0] == []


def test_sentence_split_over_two_segments_is_one_translation_unit():
    from castscript.translation.sentences import sentence_units, share_out

    first = segment("ANNA", "This is Diane in New Jersey. And I'm", 1.0, 0.3)
    second = segment("ANNA", "Sheila from Texas, originally from Chicago.", 3.8, 0.3)
    other = segment("BEN", "Nice to meet you.", 7.5, 0.3)
    assert sentence_units([first, second, other]) == [[0, 1], [2]]
    parts = share_out("Esta é Diane em Nova Jersey. E eu sou Sheila do Texas, originalmente de Chicago.",
                      [len(first.text), len(second.text)])
    assert parts == ["Esta é Diane em Nova Jersey. E eu sou", "Sheila do Texas, originalmente de Chicago."]
    first.translations["pt"], second.translations["pt"] = parts
    other.translations["pt"] = "Prazer."
    doc = document(first, second, other)
    cues = build_cues(doc, language="pt")
    assert qc_errors(cues)[0] == []
    # The sentence is cut by the profile, not at the segment boundary: no cue ends on "sou".
    assert all(not c.lines[-1].endswith("sou") for c in cues)
    assert any(c.text.startswith("E eu sou Sheila") for c in cues)
    assert " ".join(" ".join(c.lines) for c in cues[:-1]).split() == " ".join(parts).split()


def test_bilingual_cues_show_each_original_word_once_above_its_translation():
    from castscript.subtitles import OutputOptions
    from castscript.subtitles.formats import cues_for

    source = segment("ANNA", MONOLOGUE[:200], 1.0, 0.3)
    source.translations["pt"] = "Os estúdios de localização precisam saber, para cada linha de um filme, o tempo e " \
                                "quem fala. Feito à mão, um episódio de trinta minutos leva horas."
    doc = document(source)
    doc.translation_languages = ["pt"]
    plain = cues_for(doc, OutputOptions(), "pt")
    both = cues_for(doc, OutputOptions(bilingual=True), "pt")
    assert [(c.start, c.end) for c in both] == [(c.start, c.end) for c in plain]
    originals = [line for b, p in zip(both, plain) for line in b.lines[:len(b.lines) - len(p.lines)]]
    assert " ".join(originals).split() == MONOLOGUE[:200].split()
    assert all(b.lines[-len(p.lines):] == p.lines for b, p in zip(both, plain))


@pytest.mark.parametrize("flags, message", [
    (["--start-timecode", "1:00"], "is not HH:MM:SS:FF"),
    (["--start-timecode", "01:00:00:25", "--fps", "25"], "out of range"),
    (["--fps", "0"], "--fps must be between"),
    (["--subtitle-profile", "bbc", "--min-cue-duration", "8"], "min-cue-duration"),
])
def test_run_refuses_bad_subtitle_options_before_decoding(flags, message):
    from castscript.cli import build_parser
    from castscript.cli.run import options_from_args

    args = build_parser().parse_args(["run", "missing.wav", *flags])
    with pytest.raises(InvalidOption, match=message):
        options_from_args(args)


def test_run_and_api_take_the_profile_and_timecode():
    from castscript.cli import build_parser
    from castscript.cli.run import options_from_args
    from castscript.service.schemas import JobOptions

    args = build_parser().parse_args(["run", "x.wav", "--subtitle-profile", "bbc", "--max-cps", "15", "--fps", "25",
                                      "--start-timecode", "10:00:00:00", "--speaker-labels"])
    output = options_from_args(args).output
    assert (output.rules.name, output.rules.max_chars_per_line, output.rules.max_chars_per_second) == ("bbc", 37, 15)
    assert output.rules.fps == 25 and output.start_timecode == "10:00:00:00" and output.speaker_labels
    job = JobOptions(subtitle_profile="bbc", max_cps=15, fps=25, start_timecode="10:00:00:00", speaker_labels=True)
    assert job.to_pipeline_options().output == output
    assert JobOptions.from_pipeline_options(options_from_args(args)) == job

"""Voice library: enrol synthetic voices from one dialogue, identify them in another; storage and errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from castscript.cli import main
from castscript.diarization import DiarizationOptions, Diarizer
from castscript.document import Document, MediaInfo, Speaker
from castscript.media import SAMPLE_RATE, decode_audio
from castscript.pipeline import PipelineOptions, SpeakerOptions, run_pipeline
from castscript.synthetic import ANNA, BEN, CARL, DEMO_LINES, Line, dialogue, write_wav
from castscript.voices import (
    DEFAULT_THRESHOLD,
    UnknownVoice,
    VoiceLibrary,
    VoiceLibraryError,
    enroll_files,
    enroll_speaker,
    identify_speakers,
    voice_embedder,
    voice_embedding,
)

EPISODE_TWO = [
    Line(BEN, "Where did you put the keys to the office?"),
    Line(CARL, "I left them on the table next to the window."),
    Line(ANNA, "Thank you. The meeting starts in ten minutes."),
    Line(CARL, "Then we should hurry, the traffic is terrible today."),
    Line(BEN, "Let me grab my coat and the umbrella."),
    Line(ANNA, "Perfect, I will drive us there."),
]


def speaker_clips(audio: np.ndarray, turns, folder, prefix: str) -> dict[str, np.ndarray]:
    """Each speaker's turns of a dialogue joined into one clip (and written as NAME.wav in ``folder``)."""
    clips = {}
    for name in dict.fromkeys(t.speaker for t in turns):
        pieces = [audio[int(t.start * SAMPLE_RATE) : int(t.end * SAMPLE_RATE)] for t in turns if t.speaker == name]
        clips[name] = np.concatenate(pieces)
        write_wav(clips[name], folder / f"{prefix}-{name}.wav")
    return clips


@pytest.fixture(scope="module")
def episodes(demo_dialogue, tmp_path_factory):
    """Clips per speaker of episode one (the demo dialogue: Anna, Ben) and episode two (Anna, Ben, Carl)."""
    folder = tmp_path_factory.mktemp("voices")
    wav, _, turns = demo_dialogue
    one = speaker_clips(decode_audio(wav), turns, folder, "one")
    two_audio, two_turns = dialogue(EPISODE_TWO)
    write_wav(two_audio, folder / "episode-two.wav")
    two = speaker_clips(two_audio, two_turns, folder, "two")
    return folder, one, two


@pytest.fixture(scope="module")
def library(episodes, tmp_path_factory) -> VoiceLibrary:
    folder = episodes[0]
    library = VoiceLibrary(tmp_path_factory.mktemp("library") / "cast.sqlite")
    for name in ("Anna", "Ben"):
        enroll_files(name, [folder / f"one-{name}.wav"], library)
    return library


@pytest.fixture(scope="module")
def embedder():
    return voice_embedder()


def test_enrolment_embeds_as_diarization_does(episodes, embedder):
    """Enrolled voices and diarized speakers come from one embedder (the int8 CAM++ and the float one differ by
    about 0.01 in cosine, which would shift every identification score)."""
    diarizer = Diarizer(DiarizationOptions(threads=2)).pieces.embedder
    clip = episodes[1]["Anna"][: 3 * SAMPLE_RATE]
    assert float(embedder.embed(clip) @ diarizer.embed(clip)) > 0.999


def test_enrolled_voices_are_stored(library):
    voices = library.voices()
    assert [v.name for v in voices] == ["Anna", "Ben"]
    assert all(v.embedding.shape == (192,) and abs(np.linalg.norm(v.embedding) - 1) < 1e-5 for v in voices)
    assert all(4.0 < v.speech_seconds < 8.5 for v in voices), [v.speech_seconds for v in voices]
    assert float(voices[0].embedding @ voices[1].embedding) < DEFAULT_THRESHOLD


def test_identify_names_enrolled_voices_and_leaves_the_stranger(library, episodes, embedder):
    """Episode two's speakers, embedded from their own (different) sentences, against the library."""
    _, _, two = episodes
    labels = {"Ben": "SPEAKER_00", "Carl": "SPEAKER_01", "Anna": "SPEAKER_02"}
    speakers = {}
    for name, clip in two.items():
        embedding, seconds = voice_embedding(clip, embedder)
        speakers[labels[name]] = Speaker(labels[name], embedding=embedding.tolist(), speech_seconds=seconds)
    document = Document(MediaInfo("episode-two.wav", 20.0), speakers=speakers)
    found = identify_speakers(document, library.path)
    assert {(f.label, f.name) for f in found} == {("SPEAKER_00", "Ben"), ("SPEAKER_02", "Anna")}
    assert all(f.score > 0.85 for f in found), found
    stranger = document.speakers["SPEAKER_01"]
    assert stranger.name is None and stranger.identity_score is None
    assert document.speakers["SPEAKER_02"].identity_score == next(f.score for f in found if f.name == "Anna")


def test_threshold_decides(library, episodes, embedder):
    embedding, _ = voice_embedding(episodes[2]["Anna"], embedder)
    document = Document(MediaInfo("x.wav", 1.0), speakers={"S": Speaker("S", embedding=embedding.tolist())})
    assert identify_speakers(document, library.path, threshold=0.999) == []
    assert document.speakers["S"].name is None


def test_library_rename_remove_and_reenrol(tmp_path, episodes):
    library = VoiceLibrary(tmp_path / "voices.sqlite")
    first = enroll_files("carl", [episodes[0] / "two-Carl.wav"], library)
    again = enroll_files("Carl", [episodes[0] / "two-Carl.wav"], library)
    assert again.name == "carl" and again.speech_seconds == pytest.approx(2 * first.speech_seconds)
    assert float(again.embedding @ first.embedding) == pytest.approx(1.0, abs=1e-5)
    library.rename("CARL", "Carl Jr")
    assert [v.name for v in library.voices()] == ["Carl Jr"]
    with pytest.raises(UnknownVoice, match="No voice named 'Carl'"):
        library.remove("Carl")
    library.remove("carl jr")
    assert library.voices() == []


def test_bad_library_and_too_little_speech(tmp_path, episodes):
    not_a_db = tmp_path / "voices.sqlite"
    not_a_db.write_text("hello, I am not SQLite" * 100)
    with pytest.raises(VoiceLibraryError, match="is not a castscript voice library"):
        VoiceLibrary(not_a_db).voices()
    short = write_wav(episodes[1]["Ben"][:SAMPLE_RATE], tmp_path / "short.wav")
    with pytest.raises(VoiceLibraryError, match="Only .* s of speech") as error:
        enroll_files("Ben", [short], VoiceLibrary(tmp_path / "new.sqlite"))
    assert "at least 2 s" in error.value.hint
    with pytest.raises(VoiceLibraryError, match="No voice library at"):
        identify_speakers(Document(MediaInfo("x.wav", 1.0)), tmp_path / "missing.sqlite")


@pytest.fixture(scope="module")
def episode_two_run(episodes, library, tmp_path_factory):
    """castscript run --identify on episode two, with Anna and Ben enrolled from episode one's clips (the cast has
    three voices; Ben and Carl sound alike enough that the diarizer needs the count)."""
    out = tmp_path_factory.mktemp("identified")
    code = main(["-q", "run", str(episodes[0] / "episode-two.wav"), "--num-speakers", "3", "--identify",
                 "--voices", str(library.path), "--formats", "json,srt,html", "-o", str(out), "--speaker-labels"])
    assert code == 0
    return Document.load(out / "episode-two.json"), out


def test_run_identify_names_anna_and_ben_but_not_carl(episode_two_run):
    document, out = episode_two_run
    names = {s.display_name: s for s in document.speakers.values()}
    assert len(names) == 3 and {"Anna", "Ben"} <= set(names), names
    assert all(names[n].identity_score > DEFAULT_THRESHOLD for n in ("Anna", "Ben"))
    [stranger] = [s for s in document.speakers.values() if s.name is None]
    assert re.fullmatch(r"SPEAKER_\d\d", stranger.label) and stranger.identity_score is None
    carl_line = next(s for s in document.segments if "window" in s.text)
    assert carl_line.speaker == stranger.label
    cues = [event.plaintext.replace("\n", " ") for event in pysubs2.load(str(out / "episode-two.srt"))]
    for who, words in (("Ben", "keys to the office"), ("Anna", "Thank you"), (stranger.label, "left them")):
        assert any(cue.startswith(f"{who}: ") and words in cue for cue in cues), (who, cues)


def test_name_the_stranger_afterwards(episode_two_run, tmp_path, capsys):
    """The unknown voice is named with castscript edit, then enrolled for the next episode."""
    document, out = episode_two_run
    folder = Path(shutil.copytree(out, tmp_path / "edited"))
    [stranger] = [label for label, s in document.speakers.items() if s.name is None]
    assert main(["edit", str(folder / "episode-two.json"), "--rename", f"{stranger}=Carl", "--speaker-labels"]) == 0
    cues = [event.plaintext for event in pysubs2.load(str(folder / "episode-two.srt"))]
    assert sum(cue.startswith("Carl: ") for cue in cues) == 2 and not any("SPEAKER_" in cue for cue in cues)
    assert "<span>Carl</span>" in (folder / "episode-two.html").read_text()
    library = tmp_path / "cast.sqlite"
    assert main(["speakers", "--voices", str(library), "enroll", "Carl", "--transcript",
                 str(folder / "episode-two.json"), "--speaker", "Carl"]) == 0
    assert [v.name for v in VoiceLibrary(library).voices()] == ["Carl"]


def test_series_library_from_a_transcript(demo_dialogue, episodes, tmp_path):
    """Episode one's diarized speakers, named and enrolled from its transcript, are recognised in episode two."""
    one = run_pipeline(demo_dialogue[0], PipelineOptions(formats=("json",)), tmp_path).document
    library = VoiceLibrary(tmp_path / "cast.sqlite")
    for label, name in zip(one.speakers, ("Anna", "Ben")):  # Anna speaks first
        enroll_speaker(one, label, name, library)
    speakers = SpeakerOptions(num_speakers=3, identify=True, library=str(library.path))
    two = run_pipeline(episodes[0] / "episode-two.wav", PipelineOptions(speakers=speakers, formats=("json",)), tmp_path).document
    named = {s.name: s.label for s in two.speakers.values() if s.name}
    speaker_saying = {word: next(s.speaker for s in two.segments if word in s.text) for word in ("keys", "meeting")}
    assert named == {"Ben": speaker_saying["keys"], "Anna": speaker_saying["meeting"]}


def test_identify_without_a_library_fails_before_transcribing(demo_dialogue, tmp_path, capsys):
    missing = tmp_path / "none.sqlite"
    assert main(["run", str(demo_dialogue[0]), "--identify", "--voices", str(missing), "-o", str(tmp_path)]) == 10
    assert f"No voice library at {missing}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_voice_threshold_flag_raises_the_bar(episodes, library, episode_two_run, tmp_path):
    """Above every enrolled voice's score, nobody is named (the stages come from the cache of the run above)."""
    document, _ = episode_two_run
    best = max(s.identity_score for s in document.speakers.values() if s.identity_score is not None)
    code = main(["-q", "run", str(episodes[0] / "episode-two.wav"), "--num-speakers", "3", "--identify",
                 "--voices", str(library.path), "--voice-threshold", f"{min(1.0, best + 0.01):.4f}",
                 "--formats", "json", "-o", str(tmp_path)])
    assert code == 0
    strict = Document.load(tmp_path / "episode-two.json")
    assert all(s.name is None for s in strict.speakers.values())
    assert main(["-q", "run", str(episodes[0] / "episode-two.wav"), "--voice-threshold", "2", "-o", str(tmp_path)]) == 2


def test_threshold_separates_real_voices(media, tmp_path, embedder):
    """Ten LibriSpeech voices enrolled from their first two utterances: every voice's last utterance is named right,
    and with only half of them enrolled the other half, strangers, stay unnamed. Same voices score 0.75-0.92 here,
    different ones at most 0.62, so a threshold outside that gap fails."""
    everyone, half = VoiceLibrary(tmp_path / "everyone.sqlite"), VoiceLibrary(tmp_path / "half.sqlite")
    speakers = {}
    for number, folder in enumerate(sorted(p for p in (media / "librispeech-test-other").iterdir() if p.is_dir())):
        files = sorted(folder.glob("*.flac"))
        voice = enroll_files(folder.name, files[:2], everyone)
        if number % 2:
            half.enroll(voice.name, voice.embedding, voice.speech_seconds, voice.model)
        embedding, seconds = voice_embedding(decode_audio(files[-1]), embedder)
        speakers[folder.name] = Speaker(folder.name, embedding=embedding.tolist(), speech_seconds=seconds)
    document = Document(MediaInfo("all.wav", 60.0), speakers=speakers)
    assert {(f.label, f.name) for f in identify_speakers(document, everyone.path)} == {(v, v) for v in speakers}
    enrolled = {v.name for v in half.voices()}
    strangers = Document(MediaInfo("strangers.wav", 60.0), speakers={k: v for k, v in speakers.items() if k not in enrolled})
    assert len(strangers.speakers) == 5 and identify_speakers(strangers, half.path) == []

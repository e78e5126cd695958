"""Transcription with the bundled faster-whisper base model (int8, CPU)."""

from __future__ import annotations

import subprocess

import jiwer
import pytest

from castscript.asr import AsrOptions, transcribe
from castscript.core.errors import InvalidOption
from castscript.media import decode_audio

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
NORMALISE = jiwer.Compose(
    [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip(), jiwer.ReduceToListOfListOfWords()]
)


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(reference, hypothesis, reference_transform=NORMALISE, hypothesis_transform=NORMALISE)


@pytest.fixture(scope="session")
def jfk_result(media):
    return transcribe(decode_audio(media / "faster-whisper/jfk.flac"), AsrOptions())


def test_jfk_text_is_exact(jfk_result):
    text = " ".join(s.text for s in jfk_result.segments)
    assert wer(JFK, text) == 0
    assert jfk_result.language == "en"


def test_word_timestamps_are_monotonic_and_inside_audio(jfk_result):
    words = [w for s in jfk_result.segments for w in s.words]
    assert len(words) == 22
    assert all(0 <= w.start <= w.end <= 11.0 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert words[-1].text.startswith("country")


@pytest.mark.parametrize("container", ["mp4", "mkv", "opus", "stereo.wav"])
def test_same_text_from_every_container(tmp_path, media, jfk_result, container):
    target = tmp_path / f"jfk.{container}"
    extra = ["-f", "lavfi", "-i", "color=c=black:s=160x120:r=10", "-shortest"] if container in ("mp4", "mkv") else []
    audio_args = ["-ac", "2"] if container == "stereo.wav" else []
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(media / "faster-whisper/jfk.flac"), *extra, *audio_args, str(target)],
        check=True,
    )
    result = transcribe(decode_audio(target), AsrOptions())
    assert wer(JFK, " ".join(s.text for s in result.segments)) == 0


@pytest.fixture(scope="session")
def multilingual_audio(media):
    return decode_audio(media / "faster-whisper/multilingual.mp3")


def test_multilingual_detects_english_then_german(multilingual_audio):
    result = transcribe(multilingual_audio, AsrOptions(multilingual=True))
    languages = [s.language for s in result.segments]
    assert languages[0] == "en" and "de" in languages
    german = " ".join(s.text for s in result.segments if s.language == "de").lower()
    assert "software" in german and "jeden" in german


def test_forced_german_on_the_german_part(multilingual_audio):
    result = transcribe(multilingual_audio[31 * 16000 :], AsrOptions(language="de"))
    assert result.language == "de"
    assert "dokumentation" in " ".join(s.text for s in result.segments).lower()


def test_translate_task_gives_english(multilingual_audio):
    result = transcribe(multilingual_audio[31 * 16000 :], AsrOptions(task="translate"))
    text = " ".join(s.text for s in result.segments).lower()
    assert result.language == "de"
    assert "software" in text and "rights" in text and "distribute" in text


def test_silence_gives_an_empty_transcript():
    import numpy as np

    assert transcribe(np.zeros(16000 * 3, dtype=np.float32), AsrOptions()).segments == []
    assert transcribe(np.zeros(0, dtype=np.float32), AsrOptions()).segments == []


def test_unknown_language_is_a_clear_error(jfk_result, media):
    with pytest.raises(InvalidOption, match="Unknown language 'xx'"):
        transcribe(decode_audio(media / "faster-whisper/jfk.flac"), AsrOptions(language="xx"))


def test_long_audio_is_transcribed_in_blocks_cut_in_quiet_moments(media):
    import numpy as np

    from castscript.asr.transcribe import block_bounds

    jfk = decode_audio(media / "faster-whisper/jfk.flac")
    audio = np.concatenate([jfk, np.zeros(8000, dtype=np.float32), jfk])
    bounds = block_bounds(audio, 12.0)
    assert len(bounds) == 2 and bounds[0][1] == bounds[1][0]
    assert 10.4 < bounds[0][1] / 16000 < 11.6  # the cut falls in the pause between the two speeches
    words = [w for s in transcribe(audio, AsrOptions(block_seconds=12.0)).segments for w in s.words]
    one_shot = [w for s in transcribe(audio, AsrOptions()).segments for w in s.words]
    assert NORMALISE([w.text for w in words]) == NORMALISE([w.text for w in one_shot])  # blocks change only memory
    shifts = sorted(abs(a.start - b.start) for a, b in zip(words, one_shot))
    assert shifts[len(shifts) // 2] < 0.1 and shifts[-1] < 1.5  # only words after a pause move (Whisper's timing)
    assert wer(JFK + " " + JFK, " ".join(w.text for w in words)) == 0
    assert all(a.start <= b.start for a, b in zip(words, words[1:])) and words[-1].end <= len(audio) / 16000


def test_batch_size_fills_a_gpu_and_stays_small_on_the_cpu():
    from castscript.asr.transcribe import CPU_BATCH_SIZE, GPU_BATCH_SIZE, resolve_batch_size

    assert resolve_batch_size(AsrOptions(), "cpu") == CPU_BATCH_SIZE
    assert resolve_batch_size(AsrOptions(), "cuda") == GPU_BATCH_SIZE > CPU_BATCH_SIZE
    assert resolve_batch_size(AsrOptions(batch_size=1), "cuda") == 1

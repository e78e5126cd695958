"""Media ingest: every container decodes to the same 16 kHz mono audio; bad input gets a specific error."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from castscript.core.errors import CorruptMedia, InputNotFound, NoAudioStream, NotMediaError
from castscript.media import SAMPLE_RATE, decode_audio, iter_audio_chunks, probe


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def test_decodes_flac_to_16k_mono(media):
    audio = decode_audio(media / "faster-whisper/jfk.flac")
    assert audio.dtype == np.float32
    assert abs(len(audio) / SAMPLE_RATE - 11.0) < 0.05
    assert 0.05 < np.abs(audio).max() <= 1.0


def test_stereo_is_mixed_down(media):
    info = probe(media / "faster-whisper/stereo_diarization.wav")
    assert info.audio_channels == 2
    audio = decode_audio(media / "faster-whisper/stereo_diarization.wav")
    assert audio.ndim == 1 and abs(len(audio) / SAMPLE_RATE - 5.0) < 0.05


def test_chunks_stream_in_bounded_pieces(media):
    chunks = list(iter_audio_chunks(media / "faster-whisper/multilingual.mp3", chunk_seconds=10))
    assert len(chunks) == 6
    assert all(len(c) <= 10 * SAMPLE_RATE for c in chunks)


def test_video_probe_reports_geometry(tmp_path, media):
    video = tmp_path / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=320x240:r=25:d=2", "-i", str(media / "faster-whisper/jfk.flac"),
           "-shortest", "-c:v", "libx264", "-c:a", "aac", str(video))
    info = probe(video)
    assert info.has_video and (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(25)


def test_missing_file(tmp_path):
    with pytest.raises(InputNotFound, match="not found"):
        probe(tmp_path / "nope.mp4")


def test_text_file_named_mp4(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 20)
    with pytest.raises(NotMediaError, match="notes.mp4"):
        probe(fake)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(NotMediaError, match="empty"):
        decode_audio(empty)


def test_video_without_audio(tmp_path):
    video = tmp_path / "silent-film.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=160x120:r=10:d=1", "-c:v", "libx264", str(video))
    with pytest.raises(NoAudioStream, match="silent-film.mp4"):
        decode_audio(video)


def test_truncated_file_is_reported_and_its_remux_decodes_partially(tmp_path, media):
    """A cut-off mp3 is named truncated (not silently shortened); remuxed as the hint says, its part decodes."""
    data = (media / "faster-whisper/multilingual.mp3").read_bytes()
    truncated = tmp_path / "truncated.mp3"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptMedia, match=r"truncated.mp3 is truncated: its header declares 59.9 s of audio, but it "
                                           r"ends after 19.\d s"):
        decode_audio(truncated)
    remuxed = tmp_path / "remuxed.mp3"
    ffmpeg("-i", str(truncated), "-c", "copy", str(remuxed))
    audio = decode_audio(remuxed)
    assert 10 < len(audio) / SAMPLE_RATE < 30
    mangled = tmp_path / "mangled.flac"
    flac = (media / "faster-whisper/jfk.flac").read_bytes()
    mangled.write_bytes(flac[:64] + bytes(4096) + flac[4160:8000])
    with pytest.raises((CorruptMedia, NotMediaError)):
        decode_audio(mangled)


def test_eight_channel_96khz_audio_is_mixed_down(bad_media, media):
    """Eight copies of jfk.flac at 96 kHz average back to jfk.flac (PyAV used to crash on planar 8-channel frames)."""
    info = probe(bad_media["8ch-96khz"])
    assert (info.audio_channels, info.audio_sample_rate) == (8, 96000)
    mixed, original = decode_audio(bad_media["8ch-96khz"]), decode_audio(media / "faster-whisper/jfk.flac")
    assert len(mixed) == len(original) and np.abs(mixed - original).max() < 0.05


def test_six_hours_of_silence_decode_into_one_array(bad_media):
    """About 90 kB of FLAC: 6 h at 16 kHz is 1.4 GB of float32, allocated once (no joined copy)."""
    audio = decode_audio(bad_media["6h-silence"])
    assert len(audio) == 6 * 3600 * SAMPLE_RATE and not audio.any()

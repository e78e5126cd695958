"""Burning subtitles in with ffmpeg/libass: same duration and audio packets, text where the speaker is, every script
drawn with real glyphs, audio-only input, and input without audio."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pysubs2
import pytest

from castscript.document import Document, SpeakerTurn
from castscript.core.errors import NoAudioStream
from castscript.faces import FaceAnalysis, FaceBox, FaceMatch, FaceTrack
from castscript.media import probe
from castscript.pipeline import VideoOptions
from castscript.render import AssOptions, build_ass, burn, burn_subtitles


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The first frame at or after ``seconds``, RGB as int16 (so differences do not wrap)."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time >= seconds - 1e-3:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds} s in {path}")


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pixels that differ clearly (more than video coding noise)."""
    return np.abs(a - b).max(axis=2) > 48


def audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(audio=0) if p.size]


def stream_durations(path: Path) -> dict[str, float]:
    with av.open(str(path)) as container:
        return {s.type: float(s.duration * s.time_base) for s in container.streams if s.type in ("audio", "video")}


@pytest.fixture(scope="module")
def burned(clip, clip_document, tmp_path_factory):
    fractions: list[float] = []
    outputs = burn_subtitles(clip_document, clip.video, tmp_path_factory.mktemp("burned"), VideoOptions(burn=True),
                             fractions.append)
    return outputs, fractions


def test_writes_the_video_and_the_ass_it_burned(burned, clip_document):
    (video, ass), fractions = burned
    assert video.name == "talking-heads.castscript.mp4" and ass.name == "talking-heads.castscript.ass"
    assert pysubs2.load(str(ass)).to_string("ass") == build_ass(clip_document, AssOptions(language="pt"), (640, 360)).to_string("ass")
    assert fractions == sorted(fractions) and fractions[-1] > 0.95


def test_duration_and_audio_are_untouched(burned, clip):
    video = burned[0][0]
    assert audio_packets(video) == audio_packets(clip.video)
    before, after = stream_durations(clip.video), stream_durations(video)
    assert after["audio"] == pytest.approx(before["audio"], abs=1e-3)
    assert after["video"] == pytest.approx(before["video"], abs=0.07)


def centre_x(mask: np.ndarray) -> float:
    return float(np.nonzero(mask)[1].mean())


def test_text_appears_next_to_the_speaking_face(burned, clip, clip_document):
    faces = FaceAnalysis.from_dict(clip_document.faces)
    for segment in clip_document.segments[:2]:
        at = segment.words[-1].end + 0.3
        mask = changed(frame_at(burned[0][0], at), frame_at(clip.video, at))
        face = faces.person_box(faces.person_of(segment.speaker).person, segment.start, segment.end)
        assert mask.sum() > 1500, "the line and its translation are drawn"
        assert abs(centre_x(mask) - face.center_x) < 220, "by the speaker's face"
        assert not mask[int(face.y): int(face.y + face.h), int(face.x): int(face.x + face.w)].any(), "not over it"


def test_the_line_types_out_then_the_translation_appears(burned, clip, clip_document):
    segment = clip_document.segments[0]
    ink = [changed(frame_at(burned[0][0], t), frame_at(clip.video, t)).sum()
           for t in (segment.start + 0.15, segment.words[-1].end - 0.1, segment.words[-1].end + 0.3)]
    assert ink[0] < 0.5 * ink[1], "a few letters, then most of the line"
    assert ink[2] > 0.5 * ink[1], "then the translation in its place"


@pytest.fixture(scope="module")
def blank_video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("blank") / "blank.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x303030:s=640x360:r=10:d=3.5",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "3.5", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", str(path)], check=True)
    return path


LINES = [("ja", SpeakerTurn(0.1, 0.6, "ja"), "こんにちは、世界の皆さん"), ("ar", SpeakerTurn(1.2, 1.7, "ar"), "مرحبا بكم في العالم"),
         ("ru", SpeakerTurn(2.3, 2.8, "ru"), "Привет всем в мире")]


@pytest.fixture(scope="module")
def latin_only_fonts(tmp_path_factory) -> Path:
    """A fontconfig setup that knows one font without Japanese, Arabic or Cyrillic letters."""
    folder = tmp_path_factory.mktemp("latin-font")
    font = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Math TeX Gyre"], capture_output=True, text=True).stdout
    assert font.endswith("DejaVuMathTeXGyre.ttf"), "fonts-dejavu-extra is missing (scripts/setup.sh installs it)"
    (folder / "font.ttf").symlink_to(font)
    config = folder / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{folder}</dir>'
                      f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>")
    return config


def test_japanese_arabic_and_russian_render_as_glyphs(blank_video, spoken_segment, latin_only_fonts, tmp_path, monkeypatch):
    document = Document(media=probe(blank_video), segments=[spoken_segment(turn, text) for _, turn, text in LINES])
    ass = build_ass(document, AssOptions(font_size=90, speaker_labels=False), (640, 360)).to_string("ass")
    noto = burn(blank_video, ass, tmp_path / "noto.mp4", 3.5, has_video=True, size=(640, 360))
    monkeypatch.setenv("FONTCONFIG_FILE", str(latin_only_fonts))
    tofu = burn(blank_video, ass, tmp_path / "tofu.mp4", 3.5, has_video=True, size=(640, 360))
    for name, turn, _ in LINES:
        at = turn.end + 0.2
        background = frame_at(blank_video, at)
        glyphs, boxes = changed(frame_at(noto, at), background), changed(frame_at(tofu, at), background)
        assert glyphs.sum() > 800, f"the {name} line is drawn"
        assert (glyphs ^ boxes).sum() > 0.3 * (glyphs | boxes).sum(), f"the {name} line differs from missing-glyph boxes"


def test_long_lines_stay_inside_the_frame(blank_video, spoken_segment, tmp_path):
    """A speaker whose face is at the right edge says something long, in wide capitals."""
    text = "WHAT A WONDERFULLY WIDE MOUTHFUL OF WORDS WE HAVE HERE"
    segments = [spoken_segment(SpeakerTurn(0.2, 2.0, "Ben"), text, text)]
    edge = FaceAnalysis(640, 360, 4.0, [FaceTrack(0, [FaceBox(t / 4, 590, 40, 45, 60) for t in range(14)], "FACE_00")],
                        mapping=[FaceMatch("Ben", "FACE_00", 0.9, 0.9, 3.0)])
    document = Document(media=probe(blank_video), segments=segments, faces=edge.to_dict(), translation_languages=["pt"])
    video = burn_subtitles(document, blank_video, tmp_path, VideoOptions(burn=True, font_size=60), lambda _: None)[0]
    mask = changed(frame_at(video, 1.6), frame_at(blank_video, 1.6))
    columns = np.nonzero(mask.any(axis=0))[0]
    assert mask.sum() > 300 and columns.min() > 2 and columns.max() < 637
    assert columns.mean() > 320, "still on the speaker's side"


def test_audio_only_input_gets_classic_subtitles_on_a_plain_video(clip, clip_document, tmp_path):
    document = replace(clip_document, media=probe(clip.audio), faces=None)
    video, ass = burn_subtitles(document, clip.audio, tmp_path, VideoOptions(burn=True, style="live"), lambda _: None)
    assert r"\ko" not in ass.read_text() and r"\pos" not in ass.read_text()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
    assert stream_durations(video)["audio"] == pytest.approx(clip.duration, abs=0.05)
    frame = frame_at(video, clip_document.segments[0].start + 1.0)
    lower, upper = frame[500:], frame[:400]
    assert np.ptp(upper, axis=(0, 1)).max() < 10, "plain background above the subtitles"
    assert (np.abs(lower - upper[0, 0]).max(axis=2) > 60).sum() > 2000, "subtitle text at the bottom"


def test_video_without_audio_is_a_clear_error(tmp_path, clip_document):
    silent = tmp_path / "silent.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=320x240:r=10:d=1",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(silent)], check=True)
    document = replace(clip_document, media=probe(silent))
    with pytest.raises(NoAudioStream, match="silent.mp4"):
        burn_subtitles(document, silent, tmp_path, VideoOptions(burn=True), lambda _: None)
    assert not list(tmp_path.glob("*.castscript.*"))

"""Probe a media file: streams, duration, video geometry; turn every PyAV failure into a specific error."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import av

from ..document import MediaInfo
from ..errors import CorruptMedia, InputNotFound, NotMediaError

SUPPORTED_HINT = "castscript reads any file ffmpeg reads (mp4, mkv, webm, mov, wav, mp3, flac, ogg/opus, m4a, ...)."


def check_input_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputNotFound(f"Input file not found: {path}", hint="Check the path and spelling.")
    if path.is_dir():
        raise InputNotFound(f"Input is a folder, not a file: {path}", hint="Pass one media file.")
    if path.stat().st_size == 0:
        raise NotMediaError(f"Input file is empty (0 bytes): {path}", hint="The upload or copy may have failed.")
    return path


@contextmanager
def open_container(path: str | Path) -> Iterator[av.container.InputContainer]:
    """Open ``path`` with PyAV, raising NotMediaError / CorruptMedia with the file name on failure."""
    path = check_input_path(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError:
        raise NotMediaError(f"Not a media file (ffmpeg cannot read it): {path}", hint=SUPPORTED_HINT) from None
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"Cannot open {path}: {exc}", hint="The file may be truncated or damaged.") from None
    try:
        yield container
    finally:
        container.close()


def probe(path: str | Path) -> MediaInfo:
    """Describe the media at ``path`` without decoding it."""
    with open_container(path) as container:
        audio = next(iter(container.streams.audio), None)
        video = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        if audio is None and video is None:
            raise NotMediaError(f"No audio or video stream in {path}", hint=SUPPORTED_HINT)
        duration = _duration(container, audio or video)
        return MediaInfo(
            path=str(Path(path).resolve()),
            duration=duration,
            has_video=video is not None,
            width=video.codec_context.width if video is not None else None,
            height=video.codec_context.height if video is not None else None,
            fps=float(video.average_rate) if video is not None and video.average_rate else None,
            audio_channels=audio.codec_context.channels if audio is not None else None,
            audio_sample_rate=audio.codec_context.sample_rate if audio is not None else None,
            format_name=container.format.name,
        )


def _is_cover_art(stream: av.video.stream.VideoStream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container: av.container.InputContainer, stream) -> float:
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0

"""Probe a media file: streams, duration, video geometry; turn every PyAV failure into a specific error."""

from __future__ import annotations

import codecs
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import av

from ..core.settings import settings
from ..document import MediaInfo
from ..core.errors import CorruptMedia, InputNotFound, InvalidOption, MediaTooLong, NoAudioStream, NotMediaError

SUPPORTED_HINT = "castscript reads any file ffmpeg reads (mp4, mkv, webm, mov, wav, mp3, flac, ogg/opus, m4a, ...)."
DAMAGED_HINT = "Re-download or re-export the file; 'ffmpeg -v error -i FILE -f null -' shows the damage."

MAX_DURATION_ENV = "CASTSCRIPT_MAX_DURATION"
DEFAULT_MAX_DURATION = 12 * 3600.0
"""Seconds of audio a file may hold (or decode to): bounds memory and time against decompression bombs."""

SIGNATURES = ((4, b"ftyp", "MP4/QuickTime"), (0, b"\x1aE\xdf\xa3", "Matroska/WebM"), (0, b"RIFF", "WAV/AVI"),
              (0, b"fLaC", "FLAC"), (0, b"OggS", "Ogg"), (0, b"ID3", "MP3"), (0, b"FORM", "AIFF"))
"""(offset, magic bytes, kind) of containers whose damaged copies deserve 'damaged', not 'not media'."""
LOCAL_ONLY = {"protocol_whitelist": "file"}
"""A media file never makes ffmpeg open network URLs (playlists and references inside containers)."""


def max_duration() -> float:
    """The longest media accepted, in seconds (CASTSCRIPT_MAX_DURATION, default 12 hours)."""
    seconds = settings().max_duration
    if seconds is None:
        return DEFAULT_MAX_DURATION
    if not 0 < seconds < float("inf"):
        raise InvalidOption(f"{MAX_DURATION_ENV} must be a positive number of seconds, got {seconds:g}.")
    return seconds


def too_long(path: str | Path, limit: float, declared: float | None = None) -> MediaTooLong:
    """The error for media over the limit: by its declared duration, or found while decoding (``declared`` None)."""
    what = (f"lasts {_hours(declared)}" if declared is not None
            else "decodes to more audio than its header declares")
    return MediaTooLong(
        f"{path} {what}, more than the limit of {_hours(limit)}.",
        hint=f"Split the media into shorter parts, or raise {MAX_DURATION_ENV} (seconds) if it is genuine.",
    )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.0f} s"


def no_audio(path: str | Path) -> NoAudioStream:
    return NoAudioStream(f"No audio stream in {path}",
                         hint="castscript needs speech to transcribe; add an audio track or pass the audio file.")


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
    if _is_text(_head(path)):  # also keeps playlists (HLS, ffconcat, SDP) from making ffmpeg open other files
        raise NotMediaError(f"Not a media file: {path} holds text, not audio or video (whatever its name says).",
                            hint=SUPPORTED_HINT)
    try:
        container = av.open(str(path), metadata_errors="ignore", container_options=LOCAL_ONLY)
    except av.error.InvalidDataError:
        raise unreadable(path) from None
    except av.error.EOFError:
        raise CorruptMedia(f"{path} ends before its first audio or video data: it is truncated (an incomplete "
                           "download or recording).", hint=DAMAGED_HINT) from None
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"Cannot open {path}: {exc.strerror}", hint="The file may be truncated or damaged.") from None
    try:
        yield container
    finally:
        container.close()


def unreadable(path: Path) -> NotMediaError | CorruptMedia:
    """Why ffmpeg cannot open ``path``: a damaged file of a known container, a text file, or not media at all."""
    head = _head(path)
    kind = next((kind for offset, magic, kind in SIGNATURES if head[offset:offset + len(magic)] == magic), None)
    if kind is not None:
        return CorruptMedia(f"{path} starts like a media file ({kind}) but cannot be opened: it is probably truncated "
                            "(an incomplete download or recording) or damaged.", hint=DAMAGED_HINT)
    return NotMediaError(f"Not a media file (ffmpeg cannot read it): {path}", hint=SUPPORTED_HINT)


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096)


def _is_text(head: bytes) -> bool:
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head)  # a character cut at the end is no error
    except UnicodeDecodeError:
        return False
    return sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * len(text)


def probe(path: str | Path) -> MediaInfo:
    """Describe the media at ``path`` without decoding it."""
    with open_container(path) as container:
        audio = next(iter(container.streams.audio), None)
        video = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        if audio is None and video is None:
            raise NotMediaError(f"No audio or video stream in {path}", hint=SUPPORTED_HINT)
        if audio is not None and not (audio.codec_context.sample_rate and audio.codec_context.channels):
            raise NotMediaError(f"{path} has no readable audio: ffmpeg finds a {container.format.name} header but no "
                                "sample rate or channels, so it is not a real recording.", hint=SUPPORTED_HINT)
        duration = _duration(container, audio or video)
        if duration > (limit := max_duration()):
            raise too_long(path, limit, duration)
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


def stream_seconds(stream) -> float | None:
    """The duration a stream's header declares, if it declares one."""
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _duration(container: av.container.InputContainer, stream) -> float:
    if (seconds := stream_seconds(stream)) is not None:
        return seconds
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0

"""Burned-in "live translation" subtitles: styled ASS (pysubs2) rendered by libass through ffmpeg."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..document import Document
from ..core.errors import NoAudioStream
from ..subtitles import CueRules, write_atomic
from ..subtitles.ass_style import AUDIO_ONLY_SIZE
from .ass import AssOptions, build_ass
from .burn import EncodeOptions, burn

if TYPE_CHECKING:
    from ..core.options import VideoOptions

__all__ = ["AssOptions", "EncodeOptions", "build_ass", "burn", "burn_subtitles"]

def burn_subtitles(
    document: Document, input_path: Path, output_dir: Path, options: VideoOptions, progress: Callable[[float], None],
    rules: CueRules | None = None,
) -> list[Path]:
    """Write ``{stem}.castscript.mp4`` (subtitles burned in) and the ``{stem}.castscript.ass`` it burned; ``rules``:
    the run's subtitle profile (reading speed and minimum duration of the live translations)."""
    media = document.media
    _check(options, input_path, media.audio_channels is not None)
    size = (media.width, media.height) if media.has_video else AUDIO_ONLY_SIZE
    style = options.style if media.has_video else "classic"  # no faces to follow
    language = document.translation_languages[0] if document.translation_languages else None
    ass = build_ass(document, AssOptions(style, options.font_size, options.max_lines, language, rules=rules), size)
    text = ass.to_string("ass")
    stem = Path(input_path).stem
    ass_path = Path(output_dir) / f"{stem}.castscript.ass"
    write_atomic(ass_path, text)
    video = burn(Path(input_path), text, Path(output_dir) / f"{stem}.castscript.mp4", media.duration,
                 has_video=media.has_video, size=size, progress=progress)
    return [video, ass_path]


def _check(options: VideoOptions, input_path: Path, has_audio: bool) -> None:
    options.validate()
    if not has_audio:
        raise NoAudioStream(
            f"No audio stream in {input_path}: there is no speech to subtitle.",
            hint="Pass the video with its soundtrack (castscript burns subtitles of what is said).",
        )

"""Burn an ASS file into video with the ffmpeg CLI (libass) in one encoding pass; the audio is copied untouched.

Audio-only input gets a plain dark video of the same length behind the subtitles. Audio whose codec MP4 cannot hold
(PCM, Vorbis...) is the one case that is re-encoded (AAC), since the output is always MP4.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..core.files import atomic_path
from ..core.settings import settings
from ..core.errors import OutputError
from ..media.probe import open_container

log = logging.getLogger(__name__)

MP4_AUDIO = {"aac", "mp3", "ac3", "eac3", "alac", "flac", "opus", "mp2"}
"""Audio codecs the MP4 muxer takes as they are."""
BACKGROUND = "0x141a22"
AUDIO_ONLY_FPS = 10


@dataclass(frozen=True)
class EncodeOptions:
    preset: str = field(default_factory=lambda: settings().x264_preset)
    crf: int = 20
    fonts_dir: str | Path | None = field(default_factory=lambda: settings().fonts)
    """Extra fonts for libass besides the system's (fontconfig)."""


def burn(
    input_path: Path, ass_text: str, output: Path, duration: float, *, has_video: bool, size: tuple[int, int],
    progress: Callable[[float], None] | None = None, options: EncodeOptions | None = None,
) -> Path:
    """Write ``output`` (MP4): ``input_path``'s video (or a plain one) with ``ass_text`` burned in, audio copied."""
    options = options or EncodeOptions()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise OutputError("ffmpeg is not installed; burning subtitles needs it.",
                          hint="Install ffmpeg (apt-get install ffmpeg; scripts/setup.sh does it).")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="castscript-burn-") as work, atomic_path(output) as partial:
        # ffmpeg runs inside ``work`` so the filter graph names only plain relative paths (no escaping).
        Path(work, "subs.ass").write_text(ass_text, encoding="utf-8")
        subtitle_filter = "ass=subs.ass"
        if options.fonts_dir:
            os.symlink(Path(options.fonts_dir).expanduser().resolve(), Path(work, "fonts"))
            subtitle_filter += ":fontsdir=fonts"
        command = [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(input_path.resolve())]
        if has_video:
            command += ["-map", "0:v:0", "-map", "0:a?"]
        else:
            width, height = size
            command += ["-f", "lavfi", "-i", f"color=c={BACKGROUND}:s={width}x{height}:r={AUDIO_ONLY_FPS}:d={duration:.3f}",
                        "-map", "1:v", "-map", "0:a", "-tune", "stillimage"]
        command += [
            "-vf", subtitle_filter, "-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf),
            "-pix_fmt", "yuv420p", *_audio_codec(input_path), "-map_metadata", "0", "-movflags", "+faststart",
            "-progress", "pipe:1", "-nostats", "-f", "mp4", str(partial.resolve()),
        ]
        _run(command, Path(work), duration, progress, input_path)
    return output


def _audio_codec(input_path: Path) -> list[str]:
    with open_container(input_path) as container:
        codecs = {s.codec_context.name for s in container.streams.audio}
    if codecs <= MP4_AUDIO:
        return ["-c:a", "copy"]
    log.warning("%s: audio codec %s cannot go into MP4 as it is; encoding it to AAC", input_path, ", ".join(codecs))
    return ["-c:a", "aac", "-b:a", "192k"]


def _run(command: list[str], cwd: Path, duration: float, progress, input_path: Path) -> None:
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=errors, text=True)
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and progress and duration and value.isdigit():
                progress(min(1.0, int(value) / 1e6 / duration))
        process.wait()
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip().splitlines()[-5:]
            partial = Path(command[-1])
            partial.unlink(missing_ok=True)
            raise OutputError(f"ffmpeg could not burn subtitles into {input_path}: {' / '.join(message)}",
                              hint="Check free disk space; 'ffmpeg -i FILE' shows whether the video decodes.")

"""Synthetic talking-head video with a known answer, for tests and benchmarks: each speaker's photo is shown (in its
own place, left to right; the upper square of the photo, where a portrait's face is) from the start of each of its turns until the next speaker's turn, over the dialogue audio."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..document import SpeakerTurn
from ..synthetic import DEMO_LINES, SAMPLE_RATE, Line, dialogue, write_wav


def visible_windows(turns: list[SpeakerTurn], speaker: str, duration: float) -> list[tuple[float, float]]:
    """When ``speaker``'s face is on screen: from each of its turns until another speaker's turn begins."""
    ordered = sorted(turns, key=lambda t: t.start)
    windows = []
    for i, turn in enumerate(ordered):
        if turn.speaker == speaker:
            following = next((t.start for t in ordered[i + 1:] if t.speaker != speaker), duration)
            windows.append((turn.start, following))
    return windows


def talking_heads(
    audio: Path,
    turns: list[SpeakerTurn],
    photos: dict[str, Path],
    output: Path,
    duration: float,
    size: tuple[int, int] = (640, 360),
    fps: int = 15,
    all_visible_until: float = 0.0,
) -> Path:
    """Write ``output`` (H.264 + AAC mp4); ``photos`` maps speaker label -> photo, placed left to right."""
    width, height = size
    face_height = int(height * 0.5) // 2 * 2
    slot = width / len(photos)
    inputs = ["-f", "lavfi", "-i", f"color=c=0x2b3a4a:s={width}x{height}:r={fps}:d={duration:.3f}"]
    graph, previous = [], "0:v"
    for number, (speaker, photo) in enumerate(photos.items(), start=1):
        inputs += ["-i", str(photo)]
        windows = [(0.0, all_visible_until)] if all_visible_until else []
        windows += visible_windows(turns, speaker, duration)
        enable = "+".join(f"between(t,{a:.3f},{b:.3f})" for a, b in windows)
        x = f"{slot * (number - 1) + slot / 2:.0f}-w/2"
        graph += [
            f"[{number}:v]crop=iw:min(iw\\,ih):0:0,scale=-2:{face_height},loop=-1:1,fps={fps}[face{number}]",
            f"[{previous}][face{number}]overlay=x={x}:y={int(height * 0.06)}:shortest=1:enable='{enable}'[v{number}]",
        ]
        previous = f"v{number}"
    audio_input = len(photos) + 1
    command = [
        "ffmpeg", "-v", "error", "-y", *inputs, "-i", str(audio), "-filter_complex", ";".join(graph),
        "-map", f"[{previous}]", "-map", f"{audio_input}:a", "-t", f"{duration:.3f}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(output),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return output


@dataclass
class TalkingHeadsClip:
    video: Path
    audio: Path
    turns: list[SpeakerTurn]
    lines: list[Line]
    duration: float


def make_clip(
    folder: Path, photos: dict[str, Path], lines: list[Line] = DEMO_LINES, size: tuple[int, int] = (640, 360),
    fps: int = 15, lead_in: float = 1.5,
) -> TalkingHeadsClip:
    """An espeak-ng dialogue of ``lines`` as ``folder/talking-heads.mp4``; every photo is on screen during the lead-in,
    then each voice's photo (``photos``: voice label -> photo) while that voice speaks."""
    audio, turns = dialogue(lines, lead_in=lead_in)
    wav = write_wav(audio, Path(folder) / "talking-heads.wav")
    duration = len(audio) / SAMPLE_RATE
    video = talking_heads(wav, turns, photos, Path(folder) / "talking-heads.mp4", duration, size, fps, lead_in)
    return TalkingHeadsClip(video, wav, turns, list(lines), duration)

"""Synthetic speech with exact references (espeak-ng + sox), for the demo, tests and benchmarks.

espeak-ng voices sound alike to speaker-embedding models, so each synthetic speaker also gets its own pitch shift
(see DESIGN.md): cross-speaker similarity then drops to about 0.56 while same-speaker stays about 0.92.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .document import SpeakerTurn
from .core.errors import CastscriptError
from .media import SAMPLE_RATE, decode_audio
from .media import wav as media_wav


@dataclass(frozen=True)
class Voice:
    label: str
    espeak_voice: str = "en-us"
    pitch_cents: int = 0
    speed: int = 165


ANNA = Voice("Anna", "en-us+f3", 300)
BEN = Voice("Ben", "en-gb", -300)
CARL = Voice("Carl", "en-us+m3", 0, 150)


@dataclass
class Line:
    voice: Voice
    text: str
    pause_after: float = 0.6


SHOTS = (("d6.mp4", 8.0), ("d10.mp4", 7.5), ("d12.mp4", 7.3), ("d14.mp4", 7.2))
"""Talking-head clips of the shared media (talking-heads/) and the seconds of each that shot_changes_video uses."""
SHOT_CUTS = (8.0, 15.5, 22.8)
"""The hard cuts of shot_changes_video, in seconds."""


def shot_changes_video(media: Path, out: Path) -> Path:
    """Four talking-head shots of the shared ``media`` cut together (hard cuts at SHOT_CUTS), 320x320 at 25 fps, under
    sample.wav's two-speaker conversation."""
    inputs, chains, labels = [], [], ""
    for i, (name, seconds) in enumerate(SHOTS):
        inputs += ["-i", str(media / "talking-heads" / name)]
        chains.append(f"[{i}:v]trim=0:{seconds},setpts=PTS-STARTPTS,scale=320:320,fps=25[v{i}]")
        labels += f"[v{i}]"
    chains.append(f"{labels}concat=n={len(SHOTS)}:v=1:a=0[v]")
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-i", str(media / "pyannote-sample/sample.wav"),
                    "-filter_complex", ";".join(chains), "-map", "[v]", "-map", f"{len(SHOTS)}:a", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)], check=True)
    return out


def require_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise CastscriptError(
            f"Synthetic speech needs {', '.join(missing)}, which is not installed.",
            hint="Install them: apt-get install espeak-ng sox (scripts/setup.sh does it).",
        )


def speak(voice: Voice, text: str) -> np.ndarray:
    """One utterance as 16 kHz mono float32."""
    require_tools()
    with tempfile.TemporaryDirectory() as tmp:
        raw, shifted = Path(tmp) / "raw.wav", Path(tmp) / "shifted.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice.espeak_voice, "-s", str(voice.speed), "-w", str(raw), text],
            check=True, capture_output=True,
        )
        effects = ["pitch", str(voice.pitch_cents)] if voice.pitch_cents else []
        subprocess.run(
            ["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(shifted), *effects, "rate", str(SAMPLE_RATE)],
            check=True, capture_output=True,
        )
        return decode_audio(shifted)


def dialogue(lines: list[Line], lead_in: float = 0.5) -> tuple[np.ndarray, list[SpeakerTurn]]:
    """Audio of the lines spoken in turn, and the exact reference turns."""
    pieces = [np.zeros(int(lead_in * SAMPLE_RATE), dtype=np.float32)]
    turns = []
    cursor = lead_in
    for line in lines:
        speech = _trim(speak(line.voice, line.text))
        duration = len(speech) / SAMPLE_RATE
        turns.append(SpeakerTurn(round(cursor, 3), round(cursor + duration, 3), line.voice.label))
        pieces += [speech, np.zeros(int(line.pause_after * SAMPLE_RATE), dtype=np.float32)]
        cursor += duration + line.pause_after
    return np.concatenate(pieces), turns


def _trim(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def write_wav(audio: np.ndarray, path: str | Path) -> Path:
    return media_wav.write_wav(path, [audio])


def write_rttm(turns: list[SpeakerTurn], path: str | Path, uri: str) -> Path:
    path = Path(path)
    path.write_text(
        "".join(
            f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n" for t in turns
        )
    )
    return path


DEMO_LINES = [
    Line(ANNA, "Good morning. Did you read the script for the new episode?"),
    Line(BEN, "Yes, I read it last night. The second scene is very funny."),
    Line(ANNA, "I agree. We should record it this afternoon."),
    Line(BEN, "Perfect. I will call the studio and book a room for three o'clock."),
]

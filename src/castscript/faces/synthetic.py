"""Synthetic talking-head video with a known answer, for tests and benchmarks: each speaker's photo is shown (in its
own place, left to right; the upper square of the photo, where a portrait's face is) from the start of each of its turns until the next speaker's turn, over the dialogue audio."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
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


@dataclass
class Composition:
    """A video composed from real talking-head clips, and who speaks when (label -> [(start, end)])."""

    video: Path
    turns: list[SpeakerTurn]
    duration: float


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


_ENCODE = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k")


def side_by_side(left: Path, right: Path, output: Path, turn: float = 4.0, right_from: float = 2.0) -> Composition:
    """``left`` and ``right`` (from ``right_from`` s) side by side in a 640x360 frame, both moving all the time, the
    first ``turn`` seconds with the left clip's own audio and the next ``turn`` with the right clip's."""
    graph = (
        "[0:v]fps=25,scale=240:240,setsar=1[a];[1:v]fps=25,scale=240:240,setsar=1[b];"
        "[a][b]hstack,pad=640:360:80:60:color=0x202830[v];"
        f"[0:a]atrim=0:{turn},asetpts=PTS-STARTPTS[x];"
        f"[1:a]atrim={turn}:{2 * turn},asetpts=PTS-STARTPTS,adelay={turn * 1000:.0f}:all=1[y];"
        "[x][y]amix=inputs=2:normalize=0[aud]"
    )
    _ffmpeg("-t", f"{2 * turn}", "-i", str(left), "-ss", f"{right_from}", "-t", f"{2 * turn}", "-i", str(right),
            "-filter_complex", graph, "-map", "[v]", "-map", "[aud]", "-t", f"{2 * turn}", *_ENCODE, str(output))
    return Composition(output, [SpeakerTurn(0.0, turn, "LEFT"), SpeakerTurn(turn, 2 * turn, "RIGHT")], 2 * turn)


def cut_between(first: Path, second: Path, output: Path, shot: float = 4.0, second_from: float = 6.0) -> Composition:
    """A shot of ``first`` (its face in the left part of a 640x360 frame) then a hard cut to ``second`` (from
    ``second_from`` s, its face in the right part), each with its own audio."""
    graph = (
        f"[0:v]trim=0:{shot},setpts=PTS-STARTPTS,fps=25,scale=300:300,setsar=1,pad=640:360:30:30:color=0x303a28[a];"
        f"[1:v]trim={second_from}:{second_from + shot},setpts=PTS-STARTPTS,fps=25,scale=300:300,setsar=1,"
        "pad=640:360:310:30:color=0x2a2a3a[b];"
        f"[0:a]atrim=0:{shot},asetpts=PTS-STARTPTS[x];"
        f"[1:a]atrim={second_from}:{second_from + shot},asetpts=PTS-STARTPTS[y];"
        "[a][x][b][y]concat=n=2:v=1:a=1[v][aud]"
    )
    _ffmpeg("-i", str(first), "-i", str(second), "-filter_complex", graph, "-map", "[v]", "-map", "[aud]",
            *_ENCODE, str(output))
    return Composition(output, [SpeakerTurn(0.0, shot, "FIRST"), SpeakerTurn(shot, 2 * shot, "SECOND")], 2 * shot)


def with_narrator(clip: Path, voice: Path, output: Path, seconds: float = 8.0) -> Composition:
    """``clip``'s picture (640x360) with its audio replaced by ``voice`` (another person, off screen)."""
    _ffmpeg("-t", f"{seconds}", "-i", str(clip), "-i", str(voice), "-filter_complex",
            "[0:v]fps=25,scale=260:260,setsar=1,pad=640:360:190:10[v]", "-map", "[v]", "-map", "1:a",
            "-t", f"{seconds}", *_ENCODE, str(output))
    return Composition(output, [SpeakerTurn(0.2, seconds - 0.2, "NARRATOR")], seconds)


def composition(kind: str, media: Path, folder: Path) -> Composition:
    """One of the test compositions of the shared talking heads (``media``: the shared media folder), made once in
    ``folder`` (its turns kept beside it): "side-by-side" (d10 left, d6 right), "cut" (d10, then d6), "narrator"
    (d14, who does not speak, under a LibriSpeech reader)."""
    heads = media / "talking-heads"
    makers = {
        "side-by-side": lambda out: side_by_side(heads / "d10.mp4", heads / "d6.mp4", out),
        "cut": lambda out: cut_between(heads / "d10.mp4", heads / "d6.mp4", out),
        "narrator": lambda out: with_narrator(
            heads / "d14.mp4", sorted((media / "librispeech-test-other" / "1688").glob("*.flac"))[0], out),
    }
    output = Path(folder) / f"{kind}.mp4"
    notes = output.with_suffix(".json")
    if not (output.exists() and notes.exists()):
        output.parent.mkdir(parents=True, exist_ok=True)
        made = makers[kind](output)
        notes.write_text(json.dumps({"turns": [asdict(t) for t in made.turns], "duration": made.duration}))
    data = json.loads(notes.read_text())
    return Composition(output, [SpeakerTurn(**t) for t in data["turns"]], data["duration"])

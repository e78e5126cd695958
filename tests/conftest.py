"""Shared fixtures: the offline model bundle, the shared media, a per-session cache, synthetic dialogues, and the
robustness tally (bad inputs tried, faults injected, jobs submitted and lost) printed at the end of the run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("CASTSCRIPT_MODELS", str(ROOT.parent / "shared" / "models"))
os.environ.setdefault("CASTSCRIPT_MEDIA", str(ROOT.parent / "shared" / "media"))
os.environ["CASTSCRIPT_OFFLINE"] = "1"

MEDIA = Path(os.environ["CASTSCRIPT_MEDIA"])
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Stage cache and downloads go to a fresh folder per test session."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["CASTSCRIPT_CACHE"] = str(folder)
    os.environ["CASTSCRIPT_VOICES"] = str(folder / "voices.sqlite")
    return folder


@pytest.fixture(scope="session")
def media() -> Path:
    assert MEDIA.is_dir(), f"shared media not found at {MEDIA}; set CASTSCRIPT_MEDIA"
    return MEDIA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_dialogue(tmp_path_factory):
    """A two-voice espeak-ng dialogue (Anna, Ben) with its exact reference turns."""
    from castscript.synthetic import DEMO_LINES, dialogue, write_rttm, write_wav

    folder = tmp_path_factory.mktemp("demo")
    audio, turns = dialogue(DEMO_LINES)
    wav = write_wav(audio, folder / "dialogue.wav")
    rttm = write_rttm(turns, folder / "dialogue.rttm", "dialogue")
    return wav, rttm, turns


@dataclass
class Robustness:
    """What the reliability tests threw at castscript; a job is lost when a test waited for it and it never ended."""

    bad_inputs: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    submitted: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)

    def bad_input(self, surface: str, what: str) -> None:
        self.bad_inputs.append(f"{surface}: {what}")

    def fault(self, what: str) -> None:
        self.faults.append(what)

    def lines(self) -> list[str]:
        return [
            f"bad inputs tried: {len(self.bad_inputs)} ({len(set(self.bad_inputs))} distinct)",
            f"faults injected: {len(self.faults)} ({'; '.join(dict.fromkeys(self.faults)) or 'none'})",
            f"jobs submitted: {len(self.submitted)} ({len(self.finished)} followed to a final state)",
            f"jobs lost: {len(self.lost)}" + (f" ({', '.join(sorted(self.lost))})" if self.lost else ""),
        ]


ROBUSTNESS = Robustness()


@pytest.fixture(scope="session")
def robustness() -> Robustness:
    return ROBUSTNESS


def pytest_terminal_summary(terminalreporter):
    if ROBUSTNESS.bad_inputs or ROBUSTNESS.faults or ROBUSTNESS.submitted:
        terminalreporter.section("robustness")
        for line in ROBUSTNESS.lines():
            terminalreporter.write_line(line)


def ffmpeg(*args: str) -> None:
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def silence_flac(path: Path, seconds: float, declare: bool = True) -> Path:
    """Digital silence as FLAC with 65535-sample frames: a few bytes a second (a 6 h file is about 90 kB).

    ``declare=False`` zeroes the STREAMINFO sample count, so the header no longer says how long the audio is.
    """
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", str(seconds), "-c:a", "flac", "-frame_size", "65535",
           str(path))
    if not declare:
        data = bytearray(path.read_bytes())
        data[21] &= 0xF0  # the 36-bit total-samples field spans the low nibble of byte 21 and bytes 22-25
        data[22:26] = bytes(4)
        path.write_bytes(bytes(data))
    return path


def declare_hours(path: Path, hours: float) -> Path:
    """Rewrite a FLAC header to claim ``hours`` of audio (at its 8 kHz rate), whatever the file holds."""
    data = bytearray(path.read_bytes())
    total = int(hours * 3600 * 8000)
    data[21] = (data[21] & 0xF0) | (total >> 32)
    data[22:26] = (total & 0xFFFFFFFF).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="session")
def bad_media(tmp_path_factory, media) -> dict[str, Path]:
    """Awkward and broken inputs, made with ffmpeg in a few seconds (name -> file)."""
    folder = tmp_path_factory.mktemp("bad-media")
    jfk = media / "faster-whisper" / "jfk.flac"
    files: dict[str, Path] = {}

    def path(name: str) -> Path:
        return folder / name

    files["empty"] = path("empty.mp4")
    files["empty"].touch()
    files["text-as-mp4"] = path("notes.mp4")
    files["text-as-mp4"].write_text("Minutes of the meeting\n" * 40)
    files["unknown-binary-format"] = path("model.xyz")
    files["unknown-binary-format"].write_bytes(bytes(range(256)) * 64)
    files["16-byte-text-as-flac"] = path("tiny.flac")
    files["16-byte-text-as-flac"].write_bytes(b"sixteen bytes!!\n")
    files["flac-header-only"] = path("header-only.flac")
    files["flac-header-only"].write_bytes(jfk.read_bytes()[:42])  # fLaC + STREAMINFO, not one audio frame
    files["wav-without-samples"] = path("no-samples.wav")
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", str(files["wav-without-samples"]))
    video = path("clip.mp4")
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x240:r=25", "-i", str(jfk), "-shortest", "-c:v", "libx264",
           "-preset", "ultrafast", "-c:a", "aac", str(video))
    files["truncated-mp4"] = path("cut.mp4")  # the index (moov) is at the end, so it is lost
    files["truncated-mp4"].write_bytes(video.read_bytes()[:20000])
    faststart = path("faststart.mp4")
    ffmpeg("-i", str(video), "-c", "copy", "-movflags", "+faststart", str(faststart))
    files["truncated-faststart-mp4"] = path("cut-faststart.mp4")  # index first: opens, then the data stops
    files["truncated-faststart-mp4"].write_bytes(faststart.read_bytes()[: faststart.stat().st_size // 3])
    mp3 = path("speech.mp3")
    ffmpeg("-i", str(jfk), str(mp3))
    files["truncated-mp3"] = path("cut.mp3")
    files["truncated-mp3"].write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 4])
    files["video-without-audio"] = path("mute.mp4")
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=1", "-c:v", "libx264", "-preset", "ultrafast",
           str(files["video-without-audio"]))
    files["0.1s-audio"] = path("blip.wav")
    ffmpeg("-i", str(jfk), "-t", "0.1", str(files["0.1s-audio"]))
    files["6h-silence"] = silence_flac(path("six-hours.flac"), 6 * 3600)
    files["8ch-96khz"] = path("eight-channels.flac")
    ffmpeg("-i", str(jfk), "-af", "aresample=96000,pan=7.1|" + "|".join(f"c{i}=c0" for i in range(8)),
           str(files["8ch-96khz"]))
    files["vfr-video"] = path("vfr.mp4")  # 30 fps for 2 s, then 10 fps
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x240:r=30", "-i", str(jfk), "-shortest",
           "-vf", "setpts='if(lt(N,60),N/30,2+(N-60)/10)/TB'", "-fps_mode", "vfr", "-c:v", "libx264",
           "-preset", "ultrafast", "-c:a", "aac", str(files["vfr-video"]))
    files["8192x8192-video"] = path("huge.mp4")
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=8192x8192:r=1:d=1", "-i", str(jfk), "-c:v", "libx264",
           "-preset", "ultrafast", "-c:a", "aac", str(files["8192x8192-video"]))
    files["unicode-spaces-name"] = path("ünï côde … name ✓.flac")
    files["unicode-spaces-name"].write_bytes(jfk.read_bytes())
    files["bomb-declared-100h"] = declare_hours(silence_flac(path("declared.flac"), 60), 100)
    files["bomb-undeclared-1h"] = silence_flac(path("undeclared.flac"), 3600, declare=False)
    return files

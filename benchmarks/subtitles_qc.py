"""Subtitle QC on the project's media: cues by the netflix profile, checked by castscript's own QC.

Media: sample.wav (30 s, two speakers), multilingual.mp3 (60 s, English then German), the five AMI meeting excerpts
joined into one 2.5-minute conversation, and a video composed of three talking-head clips with two hard cuts.
Prints, per file, the cue count, every error-level rule count (targets: all 0), the share of cues over 20 cps
(target for English conversation: at most 10 %) and cues crossing a detected cut.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/subtitles_qc.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from castscript.pipeline import PipelineOptions, run_pipeline
from castscript.subtitles import CueRules, OutputOptions
from castscript.subtitles.qc import check_file

MEDIA = Path(os.environ.get("CASTSCRIPT_MEDIA", "../shared/media"))
CLIPS = (("d6.mp4", 3.0), ("d10.mp4", 2.5), ("d12.mp4", 3.0))


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def ami_conversation(folder: Path) -> Path:
    parts = sorted((MEDIA / "ami-train").glob("trn0*.wav"))
    listing = folder / "ami.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = folder / "ami-meeting.wav"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c:a", "pcm_s16le", str(out))
    return out


def composed_video(folder: Path) -> Path:
    inputs, chains, labels = [], [], ""
    for i, (name, seconds) in enumerate(CLIPS):
        inputs += ["-i", str(MEDIA / "talking-heads" / name)]
        chains.append(f"[{i}:v]trim=0:{seconds},setpts=PTS-STARTPTS,scale=320:320,fps=25[v{i}]")
        chains.append(f"[{i}:a]atrim=0:{seconds},asetpts=PTS-STARTPTS,aresample=16000[a{i}]")
        labels += f"[v{i}][a{i}]"
    chains.append(f"{labels}concat=n=3:v=1:a=1[v][a]")
    out = folder / "two-cuts.mp4"
    ffmpeg(*inputs, "-filter_complex", ";".join(chains), "-map", "[v]", "-map", "[a]", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out))
    return out


def main() -> None:
    rules = CueRules()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        media = [MEDIA / "pyannote-sample/sample.wav", MEDIA / "faster-whisper/multilingual.mp3",
                 ami_conversation(folder), composed_video(folder)]
        print(f"{'file':<20} {'cues':>5} {'errors':>7} {'>20cps':>7} {'cross cut':>9}  rules")
        for path in media:
            options = PipelineOptions(formats=("srt",), output=OutputOptions(rules=rules))
            result = run_pipeline(path, options, folder)
            document = result.document
            report = check_file(result.outputs[0], rules, fps=document.media.fps, cuts=document.cuts)
            errors = Counter(v.rule for v in report.violations if v.level == "error")
            crossing = sum(v.rule == "crosses_shot_change" for v in report.violations)
            fast = report.fast_cues / max(1, report.cues)
            print(f"{path.name:<20} {report.cues:>5} {report.errors:>7} {fast:>7.0%} {crossing:>9}  "
                  f"{dict(errors) or '-'}; cuts {document.cuts}" if document.cuts else
                  f"{path.name:<20} {report.cues:>5} {report.errors:>7} {fast:>7.0%} {crossing:>9}  {dict(errors) or '-'}")


if __name__ == "__main__":
    main()

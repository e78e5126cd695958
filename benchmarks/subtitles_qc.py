"""Subtitle QC on the project's media: cues by the netflix profile, checked by castscript's own QC.

Media: sample.wav (30 s, two speakers), multilingual.mp3 (60 s, English then German), the five AMI meeting excerpts
joined into one 2.5-minute conversation, a simulated 5-minute file of LibriSpeech speakers taking turns, and a video
of four talking-head shots (three hard cuts) under sample.wav's conversation.
Prints, per file, the cue count, every error-level rule count (targets: all 0), the share of cues over 20 cps
(target for English conversation: at most 10 %), cues crossing a detected cut, and of those the ones whose speech
does not cross it (target 0).

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/subtitles_qc.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from castscript.pipeline import PipelineOptions, run_pipeline
from castscript.subtitles import CueRules, OutputOptions, build_cues
from castscript.subtitles.qc import check_file
from castscript.synthetic import shot_changes_video

MEDIA = Path(os.environ.get("CASTSCRIPT_MEDIA", "../shared/media"))


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def ami_conversation(folder: Path) -> Path:
    parts = sorted((MEDIA / "ami-train").glob("trn0*.wav"))
    listing = folder / "ami.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = folder / "ami-meeting.wav"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c:a", "pcm_s16le", str(out))
    return out


def long_conversation(folder: Path, minutes: float = 5.0) -> Path:
    """A simulated long file: LibriSpeech utterances of ten speakers taken in turns (round robin) up to ``minutes``."""
    root = MEDIA / "librispeech-test-other"
    speakers = [sorted(p.glob("*.flac")) for p in sorted(root.iterdir()) if p.is_dir()]
    parts, total = [], 0.0
    for turn in range(max(map(len, speakers))):
        for files in speakers:
            if turn < len(files) and total < minutes * 60:
                parts.append(files[turn])
                total += float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                               "csv=p=0", str(files[turn])], capture_output=True, text=True).stdout)
    listing = folder / "long.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = folder / "librispeech-turns.wav"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c:a", "pcm_s16le", str(out))
    return out


def crossings(cues, cuts: list[float]) -> tuple[int, int]:
    """Cues crossing a cut, and those of them whose speech does not (no word spans the cut)."""
    crossing = [(c, cut) for c in cues for cut in cuts if c.start < cut < c.end]
    silent = [(c, cut) for c, cut in crossing if not any(w.start < cut < w.end for w in c.words)]
    return len(crossing), len(silent)


def main() -> None:
    rules = CueRules()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        media = [MEDIA / "pyannote-sample/sample.wav", MEDIA / "faster-whisper/multilingual.mp3",
                 ami_conversation(folder), long_conversation(folder),
                 shot_changes_video(MEDIA, folder / "four-shots.mp4")]
        print(f"{'file':<20} {'cues':>5} {'errors':>7} {'>20cps':>7} {'crossing':>8} {'silent':>6}  rules")
        for path in media:
            options = PipelineOptions(formats=("srt",), output=OutputOptions(rules=rules))
            result = run_pipeline(path, options, folder)
            document = result.document
            report = check_file(result.outputs[0], rules, fps=document.media.fps, cuts=document.cuts)
            errors = Counter(v.rule for v in report.violations if v.level == "error")
            crossing, silent = crossings(build_cues(document, rules), document.cuts)
            fast = report.fast_cues / max(1, report.cues)
            cuts = f"; cuts at {', '.join(f'{c:.2f}' for c in document.cuts)} s" if document.cuts else ""
            print(f"{path.name:<20} {report.cues:>5} {report.errors:>7} {fast:>7.0%} {crossing:>8} {silent:>6}  "
                  f"{dict(errors) or '-'}{cuts}")


if __name__ == "__main__":
    main()

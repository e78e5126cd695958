"""Video benchmark: face analysis and burn-in speed at 720p, and the whole pipeline's real-time factor.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/video.py [--minutes 2]

The input is a synthetic 1280x720, 25 fps talking-heads video (two face photos, each shown while its espeak-ng voice
speaks, H.264 + AAC) of about --minutes. Face analysis and burn-in are timed on their own (frames of video per second
of wall time); the pipeline run is `castscript run VIDEO --translate-to pt --burn` (transcription, diarization,
Portuguese translation, faces, outputs, burn-in) from a cold stage cache. Target: at least 1x real time on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from castscript.cache import StageCache
from castscript.faces import FaceOptions, analyse_faces
from castscript.faces.synthetic import make_clip
from castscript.media import probe
from castscript.pipeline import PipelineOptions, TranslationOptions, VideoOptions, run_pipeline
from castscript.render import burn_subtitles
from castscript.synthetic import ANNA, BEN, Line

MEDIA = Path(os.environ.get("CASTSCRIPT_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "media"))
SUBJECTS = ["The director", "My sister", "Our neighbour", "The new intern", "The taxi driver", "A journalist", "The baker"]
ACTIONS = ["called about the schedule", "forgot the keys to the studio", "wants to change the ending of the film",
           "booked the train tickets", "found an old camera in the attic", "asked for more coffee and biscuits"]
TIMES = ["this morning", "after lunch", "last Friday", "before the meeting", "during the storm"]


def conversation(seconds: float) -> list[Line]:
    """Alternating Anna / Ben lines, every one different (identical synthetic lines would sound identical too)."""
    count = max(2, round(seconds / 4.2))
    return [Line((ANNA, BEN)[i % 2], f"{SUBJECTS[i % 7]} {ACTIONS[(i + i // 7) % 6]} {TIMES[i % 5]}.")
            for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the generated video")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="castscript-video-bench-") as work:
        folder = Path(work)
        lines = conversation(args.minutes * 60)
        started = time.perf_counter()
        clip = make_clip(folder, {"Anna": MEDIA / "faces/obama.jpg", "Ben": MEDIA / "faces/biden.jpg"}, lines,
                         size=(1280, 720), fps=25)
        media = probe(clip.video)
        frames = round(media.duration * media.fps)
        print(f"input: {media.width}x{media.height} {media.fps:.0f} fps, {media.duration:.1f} s, {frames} frames "
              f"(made in {time.perf_counter() - started:.1f} s); {os.cpu_count()} CPU cores")

        started = time.perf_counter()
        faces = analyse_faces(clip.video, FaceOptions())
        elapsed = time.perf_counter() - started
        print(f"face analysis: {frames / elapsed:.0f} video frames/s ({FaceOptions().sample_fps:g} analysed per second "
              f"of video), {media.duration / elapsed:.1f}x real time; {len(faces.people)} people in {len(faces.tracks)} tracks")

        options = PipelineOptions(translation=TranslationOptions(targets=("pt",)), video=VideoOptions(burn=True))
        started = time.perf_counter()
        result = run_pipeline(clip.video, options, folder / "out", cache=StageCache(folder / "cache"))
        elapsed = time.perf_counter() - started
        print(f"pipeline (transcribe, diarize, translate to pt, faces, burn): {elapsed:.1f} s for {media.duration:.1f} s "
              f"= {media.duration / elapsed:.2f}x real time")
        mapping = ", ".join(f"{m['speaker']}->{m['person']} ({m['confidence']:.2f})" for m in result.document.faces["mapping"])
        print(f"  faces <-> speakers: {mapping or 'none'}")

        started = time.perf_counter()
        burn_subtitles(result.document, clip.video, folder / "burn", options.video, lambda _: None)
        elapsed = time.perf_counter() - started
        print(f"burn-in pass (libass + x264 veryfast, audio copied): {frames / elapsed:.0f} frames/s, "
              f"{media.duration / elapsed:.1f}x real time")


if __name__ == "__main__":
    main()

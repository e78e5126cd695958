"""Video benchmark on real footage at 720p: face analysis with speaker detection, and the whole --burn pipeline.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media nice -n 5 python benchmarks/video.py [--minutes 1]

The input is 1280x720, 25 fps, H.264 + AAC: two real talking heads of the shared media (d10 and d6) side by side,
looped to about --minutes, with d10's voice. Timed: (1) the face stage alone (shot changes with PySceneDetect, YuNet
detection on sampled frames, tracking, SFace embeddings, Light-ASD speaker detection of every track; audio decoded
beforehand, as the pipeline hands it over) and (2) `castscript run VIDEO --translate-to pt --burn` from a cold stage
cache (transcription, diarization, faces, cuts, translation, outputs, burn-in). Target: at least 1x real time each on
2 cores; CPU seconds per second of video are printed too, since wall time on a shared machine says little.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from castscript.cache import StageCache
from castscript.faces import analyse_faces
from castscript.media import decode_audio, probe
from castscript.pipeline import PipelineOptions, TranslationOptions, VideoOptions, run_pipeline

MEDIA = Path(os.environ.get("CASTSCRIPT_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "media"))


def footage(output: Path, seconds: float) -> Path:
    """Two real talking heads side by side at 720p, looped to ``seconds``."""
    heads = MEDIA / "talking-heads"
    graph = ("[0:v]fps=25,scale=560:560,setsar=1[a];[1:v]fps=25,scale=560:560,setsar=1[b];"
             "[a][b]hstack,pad=1280:720:80:80:color=0x202830[v]")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(heads / "d10.mp4"),
                    "-stream_loop", "-1", "-i", str(heads / "d6.mp4"), "-filter_complex", graph,
                    "-map", "[v]", "-map", "0:a", "-t", f"{seconds:.1f}", "-c:v", "libx264", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(output)], check=True)
    return output


def _cpu() -> float:
    """CPU seconds used so far by this process (every thread) and its finished child processes (ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="length of the generated video")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="castscript-video-bench-") as work:
        folder = Path(work)
        video = footage(folder / "talking-heads-720p.mp4", args.minutes * 60)
        media = probe(video)
        print(f"input: {media.width}x{media.height} {media.fps:.0f} fps, {media.duration:.1f} s, real talking heads; "
              f"{os.cpu_count()} CPU cores")

        samples = decode_audio(video)
        started, cpu = time.perf_counter(), _cpu()
        faces = analyse_faces(video, audio=lambda: samples)
        elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
        print(f"faces (cuts, detection, tracking, embeddings, speaker detection): {elapsed:.1f} s = "
              f"{media.duration / elapsed:.2f}x real time; {cpu:.1f} CPU s = {cpu / media.duration:.2f} CPU s per "
              f"second of video; {len(faces.people)} people in {len(faces.tracks)} tracks")

        options = PipelineOptions(translation=TranslationOptions(targets=("pt",)), video=VideoOptions(burn=True))
        started, cpu = time.perf_counter(), _cpu()
        result = run_pipeline(video, options, folder / "out", cache=StageCache(folder / "cache"))
        elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
        print(f"pipeline --translate-to pt --burn: {elapsed:.1f} s for {media.duration:.1f} s = "
              f"{media.duration / elapsed:.2f}x real time; {cpu:.1f} CPU s (ffmpeg included) = "
              f"{cpu / media.duration:.2f} CPU s per second of video")
        print("  stages (wall s, side by side overlap): "
              + ", ".join(f"{name} {seconds:.1f}" for name, seconds in result.stage_seconds.items()))
        mapping = ", ".join(f"{m['speaker']}->{m['person']} ({m['method']}, {m['confidence']:.2f})"
                            for m in result.document.faces["mapping"])
        print(f"  faces <-> speakers: {mapping or 'none'}")


if __name__ == "__main__":
    main()

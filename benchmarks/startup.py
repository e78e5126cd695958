"""Start-up cost of ``castscript run`` in one fresh process: CPU seconds of its imports and model loads.

    python benchmarks/startup.py [MEDIA] [--repeat 3]

Each repeat is a fresh interpreter that times, with the process's CPU clock (all threads), the CLI's imports and
parser, the pipeline's imports, the Whisper load, the Silero VAD load and the two diarization ONNX sessions, then
runs the whole pipeline once without the stage cache (``--no-cache``; the model cache, where the int8 copy of
the Whisper model is written on first use, is the usual one) and prints what the run itself cost. The figures are the start-up the issue
bounds (imports + model loads <= 1.5 s of CPU on an 11 s file).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, os, sys, time
clock = time.process_time
marks, t = {}, 0.0  # the interpreter's own start-up counts too
def mark(name):
    global t
    now = clock(); marks[name] = round(now - t, 3); t = now
from castscript.cli import build_parser
argv = ["-q", "run", sys.argv[1], "-o", sys.argv[2], "--no-cache"]
args = build_parser(argv[1]).parse_args(argv)
mark("cli")
import castscript.pipeline, castscript.asr.transcribe, castscript.diarization  # what run_pipeline imports
import scipy.cluster.hierarchy  # what diarization's clustering imports when it runs
mark("pipeline imports")
from castscript.asr.transcribe import load_whisper
load_whisper("base", "cpu", "int8", os.cpu_count())
mark("whisper load")
from faster_whisper.vad import get_vad_model
get_vad_model()
mark("vad load")
from castscript.diarization.embedding import SpeakerEmbedder
from castscript.diarization.segmentation import Segmenter
Segmenter(threads=1); SpeakerEmbedder(threads=1)
mark("onnx sessions")
marks["imports + model loads"] = round(sum(marks.values()), 3)
before = set(sys.modules)
args.func(args)
mark("run (models loaded)")
marks["imported during the run"] = sorted(m.split(".")[0] for m in set(sys.modules) - before if "." not in m)
print(json.dumps(marks))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("media", nargs="?", default=str(Path(os.environ.get("CASTSCRIPT_MEDIA", "../shared/media"))
                                                       / "faster-whisper" / "jfk.flac"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="castscript-startup-") as scratch:
        for _ in range(args.repeat):
            child = subprocess.run([sys.executable, "-c", CHILD, args.media, str(Path(scratch) / "out")],
                                   capture_output=True, text=True)
            if child.returncode:
                sys.exit(child.stderr)
            print(child.stdout.splitlines()[-1])


if __name__ == "__main__":
    main()

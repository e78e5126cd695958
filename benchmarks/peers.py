"""castscript against plain faster-whisper and its peers, whole process against whole process, in one interleaved run.

    python benchmarks/peers.py [INPUT] [--minutes 10] [--rounds 2] [--no-whisperx]

Times plain faster-whisper batched (batch 8, beam 5, word timestamps, VAD: the baseline), castscript's ASR alone,
castscript's whole audio pipeline, and once each (they are slow) sherpa-onnx diarization with the same models and
WhisperX's ASR where benchmarks/setup_peers.sh installed them: wall and CPU seconds, peak RSS, ratios to the baseline.
Without INPUT, real speech (LibriSpeech test-other from CASTSCRIPT_MEDIA) is generated to --minutes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from castscript.benchmark import (
    comparison_contenders, format_comparison, generate_long_media, peers_python, ratio_lines, run_interleaved,
)
from castscript.concurrency import threads_or_all
from castscript.core.options import AsrOptions
from castscript.core.settings import settings
from castscript.media import probe
from castscript.pipeline import PipelineOptions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="media file (default: generated real speech)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the generated input")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each fast contender (A B C, C B A, ...)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for every contender (0: all cores)")
    parser.add_argument("--peers-python", default=None, help="the peers' Python (default .venv-peers/bin/python)")
    parser.add_argument("--no-whisperx", action="store_true", help="leave WhisperX out (it takes ~25x longer)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="castscript-peers-") as scratch:
        scratch = Path(scratch)
        media = Path(settings().media or "../shared/media")
        source = Path(args.input) if args.input else generate_long_media(
            scratch / f"speech-{args.minutes:g}min.wav", args.minutes, media)
        seconds = probe(source).duration
        print(f"input: {source.name} ({seconds / 60:.1f} min), {threads_or_all(args.threads)} CPU cores")
        options = PipelineOptions(asr=AsrOptions(), threads=args.threads)
        peers = None if args.no_whisperx else peers_python(args.peers_python)
        contenders, notes = comparison_contenders(source, options, scratch, peers=peers)
        if args.no_whisperx:
            notes = [n for n in notes if not n.startswith("WhisperX")] + ["WhisperX: left out (--no-whisperx)"]
        results = run_interleaved(contenders, args.rounds)
        print(format_comparison(results, seconds))
        for line in ratio_lines(results) + notes:
            print(line)


if __name__ == "__main__":
    main()

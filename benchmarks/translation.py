"""Bergamot translation speed: sentences per second (target >= 15 on 2 cores) and its share of a pipeline run.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/translation.py [--minutes 2]

The sentences are the English transcripts of the shared media (and the demo dialogue), split into sentences; the
pipeline run transcribes generated English-and-German media and translates it into Portuguese, with a cold cache.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from fxtranslate import discovery

from castscript.asr import AsrOptions
from castscript.benchmark import format_table, generate_long_media, measure_pipeline
from castscript.media import probe
from castscript.pipeline import PipelineOptions, SpeakerOptions, TranslationOptions, run_pipeline
from castscript.synthetic import DEMO_LINES
from castscript.translation import Batch, Line
from castscript.translation.bergamot import BergamotTranslator, load_engine


def english_sentences(media: Path, scratch: Path) -> list[str]:
    """Sentences of the shared English recordings' transcripts and the demo dialogue."""
    texts = [line.text for line in DEMO_LINES]
    stm = (media / "pyannote-sample/sample.stm").read_text().splitlines()
    texts.append(" ".join(row.split(maxsplit=5)[5] for row in stm))
    options = PipelineOptions(asr=AsrOptions(language="en"), speakers=SpeakerOptions(enabled=False), formats=("txt",))
    for name in ("faster-whisper/jfk.flac", "faster-whisper/multilingual.mp3"):
        texts += [s.text for s in run_pipeline(media / name, options, scratch).document.segments]
    return [s.strip() for text in texts for s in discovery.segment_sentences(text) if s.strip()]


def sentences_per_second(sentences: list[str], rounds: int) -> float:
    translator = BergamotTranslator()
    load_engine("en", "pt")  # model load is not translation speed
    batch = Batch(tuple(Line(s, 0.0, 0.0) for s in sentences))
    started = time.perf_counter()
    for _ in range(rounds):
        translator.translate(batch, "en", "pt")
    return rounds * len(sentences) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the generated pipeline input")
    parser.add_argument("--rounds", type=int, default=10, help="passes over the sentences")
    args = parser.parse_args()
    media = Path(os.environ.get("CASTSCRIPT_MEDIA", "../shared/media"))
    with tempfile.TemporaryDirectory(prefix="castscript-bench-") as scratch:
        scratch = Path(scratch)
        os.environ["CASTSCRIPT_CACHE"] = str(scratch / "cache")  # cold caches: every stage and sentence really runs
        sentences = english_sentences(media, scratch)
        speed = sentences_per_second(sentences, args.rounds)
        print(f"bergamot en->pt: {len(sentences)} sentences x {args.rounds}: {speed:.1f} sentences/s "
              f"on {os.cpu_count()} CPU cores (target >= 15)")

        source = generate_long_media(scratch / "long.wav", args.minutes, media)
        options = PipelineOptions(speakers=SpeakerOptions(enabled=False), formats=("srt", "json"),
                                  translation=TranslationOptions(targets=("pt",)))
        figures = measure_pipeline(source, options, scratch / "out", probe(source).duration)
        print(format_table(figures))
        translate = next(s.wall for s in figures.stages if s.name == "translate")
        print(f"translation share of the pipeline run: {100 * translate / figures.wall:.1f} % "
              f"({translate:.2f} s of {figures.wall:.2f} s)")


if __name__ == "__main__":
    main()

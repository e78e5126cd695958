"""CAM++'s activation ranges for its int8 version, from clips of the speaker dev set's tuning half.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/quantize_campplus.py

Writes src/castscript/diarization/campplus_int8_ranges.json (onnxruntime's calibration cache: MinMax ranges of every
Conv's input and output) from 36 clips (0.4, 1.2 and 3 s, as the pieces castscript embeds) of 12 tuning files;
castscript builds the int8 model from it on first use (castscript.diarization.onnx.int8_model). The test half is
never read.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devset  # noqa: E402

from castscript.diarization.embedding import INT8_RANGES, MODEL_NAME, _prepared, fbank  # noqa: E402
from castscript.diarization.onnx import model_file, quantize_conv  # noqa: E402
from castscript.media import decode_audio  # noqa: E402

LENGTHS = (40, 120, 300)
"""Fbank frames per calibration clip."""


class Clips(CalibrationDataReader):
    def __init__(self, clips: list[np.ndarray]):
        self._clips = iter(clips)

    def get_next(self) -> dict | None:
        clip = next(self._clips, None)
        return None if clip is None else {"x": clip[np.newaxis]}


def calibration_clips(root: Path, files: int = 12, seed: int = 17) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    clips = []
    for path in sorted((root / "tuning").glob("tuning*.wav"))[:files]:
        features = fbank(decode_audio(path))
        for length in LENGTHS:
            start = int(rng.integers(0, len(features) - length))
            clips.append(_prepared(features[start : start + length]))
    return clips


def main() -> None:
    devset.build(devset.DEFAULT_OUT, text=False)
    INT8_RANGES.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        clips = Clips(calibration_clips(devset.DEFAULT_OUT))
        quantize_conv(model_file(MODEL_NAME, None), Path(scratch) / "int8.onnx", INT8_RANGES, clips)
    print(f"wrote {INT8_RANGES}")


if __name__ == "__main__":
    main()

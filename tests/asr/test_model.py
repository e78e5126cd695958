"""The encoder one 30 s window at a time: the same output to the bit as CTranslate2's batch, at a fraction of the
batch's memory (the self-attention scores of one window instead of four)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim

from castscript.asr import load_whisper
from castscript.media import decode_audio

PEAK = r"""
import sys
import numpy as np
from faster_whisper import WhisperModel
from castscript.asr import load_whisper

def peak_mb():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024

whisper = load_whisper("base", "cpu", "int8", 2)
windows = np.random.default_rng(0).normal(0, 1, (4, 80, 3000)).astype(np.float32)
encode = whisper.encode if sys.argv[1] == "castscript" else lambda x: WhisperModel.encode(whisper, x)
encode(windows[:1])
open("/proc/self/clear_refs", "w").write("5")  # the peak RSS starts again from the current RSS
before = peak_mb()
encode(windows)
print(peak_mb() - before)
"""


def _windows(media) -> np.ndarray:
    whisper = load_whisper("base", "cpu", "int8", 2)
    audio = np.concatenate([decode_audio(media / "faster-whisper/jfk.flac"),
                            decode_audio(media / "multilingual/test_de.wav")])
    return np.stack([pad_or_trim(whisper.feature_extractor(audio[i * 40000:])) for i in range(2)]).astype(np.float32)


def test_windows_one_at_a_time_give_the_batch_output_to_the_bit(media):
    whisper = load_whisper("base", "cpu", "int8", 2)
    windows = _windows(media)
    alone = np.asarray(whisper.encode(windows))
    batched = np.asarray(WhisperModel.encode(whisper, windows))
    assert alone.shape == (2, 1500, 512)
    assert np.array_equal(alone, batched)


def test_encoding_four_windows_holds_a_quarter_of_the_batch_memory():
    grown = {}
    for how in ("castscript", "batch"):
        out = subprocess.run([sys.executable, "-c", PEAK, how], capture_output=True, text=True, check=True).stdout
        grown[how] = float(out.split()[-1])
    assert grown["batch"] > 250  # 4 windows x 8 heads x 1500 x 1500 float32 scores: 288 MB
    assert grown["castscript"] < 0.5 * grown["batch"]

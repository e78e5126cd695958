"""castscript bench prints per-stage figures and the ratios the performance targets are stated in."""

from __future__ import annotations

import re
import subprocess
import sys


def test_bench_on_a_generated_file_prints_stages_ratios_and_rerun(media):
    run = subprocess.run(
        [sys.executable, "-m", "castscript", "bench", "--generate-minutes", "0.5", "--rerun", "--compare",
         "--media-dir", str(media)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for stage in ("probe", "decode", "transcribe+diarize", "write", "TOTAL"):
        assert re.search(rf"^{re.escape(stage)}\s+[\d.]+\s+[\d.]+", out, re.M), f"no row for {stage}:\n{out}"
    side = re.search(r"together ([\d.]+) s = ([\d.]+) x the slower stage", out)
    assert side and float(side.group(2)) < 1.6, out
    assert float(re.search(r"re-run with cached stages: ([\d.]+) s", out).group(1)) < 10
    ratio = float(re.search(r"/ plain faster-whisper: ([\d.]+)", out).group(1))
    assert 0.3 < ratio < 3, out  # same engine and settings: far from either bound unless the comparison broke

"""castscript bench: per-stage figures, and whole processes timed interleaved against plain faster-whisper."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from castscript.benchmark import Contender, format_comparison, ratio_lines, run_interleaved


def test_interleaved_runs_abba_and_measures_each_whole_process(tmp_path):
    log = tmp_path / "order.txt"

    def child(name: str, code: str) -> Contender:
        return Contender(name, (sys.executable, "-c", f"open({str(log)!r}, 'a').write({name!r}); {code}"))

    contenders = [
        child("small", "pass"),
        child("big", "x = bytearray(300_000_000); sum(range(3_000_000)); import time; time.sleep(0.2)"),
        child("broken", "raise SystemExit('no model here')"),
    ]
    ballast = bytearray(200_000_000)  # the children's peaks must not start from this process's (fork inherits it)
    results = run_interleaved(contenders, rounds=2)
    del ballast
    assert log.read_text() == "smallbigbrokenbigsmall"  # A B C, then C B A; a failed contender is not run again
    small, big, broken = results
    assert len(small.wall) == len(big.wall) == 2 and broken.wall == []
    assert big.peak_rss > 300e6 and small.peak_rss < 100e6
    assert big.mean_cpu > small.mean_cpu > 0
    assert broken.error == "exit 1: no model here"
    table = format_comparison(results, media_seconds=60)
    assert re.search(r"^big\s+2\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+3\d\d\s+[\d.]+\s+([\d.]+)$", table, re.M)
    assert "broken" in table and "not run: exit 1: no model here" in table
    [line] = ratio_lines(results)
    cpu = float(re.search(r"^big / small: wall [\d.]+, cpu ([\d.]+)$", line).group(1))
    assert abs(cpu - big.mean_cpu / small.mean_cpu) < 0.01 and cpu > 1


@pytest.mark.slow
def test_bench_on_a_generated_file_prints_stages_rerun_and_whole_process_ratios(media):
    run = subprocess.run(
        [sys.executable, "-m", "castscript", "bench", "--generate-minutes", "0.5", "--rerun", "--compare",
         "--compare-rounds", "1", "--media-dir", str(media)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for stage in ("probe", "decode", "write", "TOTAL"):
        assert re.search(rf"^{re.escape(stage)}\s+[\d.]+\s+[\d.]+", out, re.M), f"no row for {stage}:\n{out}"
    rerun = re.search(r"re-run with cached stages: ([\d.]+) s \(cpu ([\d.]+) s\)", out)
    assert float(rerun.group(1)) < 5 and float(rerun.group(2)) < 2  # the cached re-run target: under 2 s
    for name in ("plain faster-whisper (batch 8)", "castscript ASR alone (--no-diarize)", "castscript whole audio pipeline"):
        row = re.search(rf"^{re.escape(name)}\s+1\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+(\d+)", out, re.M)
        assert row, f"no whole-process row for {name}:\n{out}"
        assert 100 < int(row.group(3)) < 3000  # peak RSS in MB of a process that loaded Whisper
    asr = re.search(r"castscript ASR alone \(--no-diarize\) / plain faster-whisper \(batch 8\): wall [\d.]+, cpu ([\d.]+)", out)
    assert asr and 0.3 < float(asr.group(1)) < 3, out  # same engine and model: far from either bound unless broken
    whole = re.search(r"castscript whole audio pipeline / plain faster-whisper \(batch 8\): wall [\d.]+, cpu ([\d.]+)", out)
    assert whole and float(whole.group(1)) > float(asr.group(1)) * 0.9, out  # diarization is extra work
    assert re.search(r"^sherpa-onnx diarization \(same models\)\s+1\s+[\d.]+", out, re.M) or "sherpa-onnx: not" in out
    assert re.search(r"^WhisperX( ASR|: not compared)", out, re.M), out

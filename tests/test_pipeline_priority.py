"""Beside the ASR, diarization runs at a lower CPU priority (its own thread only), so it takes the cores' idle moments
rather than pre-empting the ASR's threads; alone, or one stage after the other, it keeps the process's priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from castscript import pipeline
from castscript.pipeline import DIARIZE_NICE, PipelineOptions, run_pipeline

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")


def _priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.parametrize("parallel", [True, False])
def test_diarization_beside_the_asr_yields_the_cpu(media, tmp_path, monkeypatch, parallel):
    seen = []
    run = pipeline.DIARIZE.run

    def spy(context, progress):
        seen.append(_priority())
        return run(context, progress)

    monkeypatch.setattr(pipeline.DIARIZE, "run", spy)
    before = _priority()
    result = run_pipeline(media / "faster-whisper/jfk.flac", PipelineOptions(formats=("json",), use_cache=False,
                                                                              parallel=parallel), tmp_path)
    assert result.document.speakers and _priority() == before
    assert seen == [min(19, before + DIARIZE_NICE) if parallel else before]

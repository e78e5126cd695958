"""The stages a job is expected to run (for its time left), and a job store made before a column was added."""

from __future__ import annotations

from sqlalchemy import inspect, text

from castscript.core.options import SpeakerOptions, TranslationOptions, VideoOptions
from castscript.core.progress import JobEstimate, stage_seconds
from castscript.document import MediaInfo
from castscript.pipeline import PipelineOptions
from castscript.service.jobs import job_steps
from castscript.service.store import Store

AUDIO = MediaInfo("talk.wav", 600.0)
VIDEO = MediaInfo("talk.mp4", 600.0, has_video=True, width=1280, height=720, fps=25.0)


def test_job_steps_follow_the_options():
    plain = PipelineOptions(speakers=SpeakerOptions(enabled=False))
    assert job_steps(plain, AUDIO) == ["probe", "decode", "transcribe", "write", "store"]
    full = PipelineOptions(translation=TranslationOptions(targets=("pt",)), video=VideoOptions(burn=True))
    assert job_steps(full, VIDEO) == ["probe", "decode", "faces+transcribe+diarize", "translate", "write", "burn",
                                      "store"]
    assert job_steps(PipelineOptions(parallel=False), VIDEO) == ["probe", "decode", "cuts", "transcribe", "diarize",
                                                                 "write", "store"]
    burn, audio_only = JobEstimate(job_steps(full, VIDEO), 600.0), JobEstimate(job_steps(plain, AUDIO), 600.0)
    assert burn.remaining() - audio_only.remaining() > stage_seconds("burn", 600.0)  # faces and burn cost more


def test_a_store_made_before_a_column_was_added_gets_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    with Store(url).engine.begin() as connection:
        connection.execute(text("ALTER TABLE jobs DROP COLUMN expected_end"))
    store = Store(url)
    assert "expected_end" in {column["name"] for column in inspect(store.engine).get_columns("jobs")}

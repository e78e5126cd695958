"""Request and response bodies of the job API (pydantic: validated early, documented in the OpenAPI schema)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, PositiveInt, StringConstraints, model_validator

from ..core.options import (
    CLUSTERING_HELP,
    CLUSTERING_METHODS,
    SPEAKER_ACCURACY,
    CUE_OPTIONS,
    PROFILES,
    STYLES,
    TASKS,
    AsrOptions,
    CueRules,
    OutputOptions,
    SpeakerOptions,
    TranslationOptions,
    VideoOptions,
    profile_from_options,
)
from ..core.progress import label
from ..pipeline import DEFAULT_FORMATS, PipelineOptions
from .store import JobRow, VideoRow

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
State = Literal["queued", "running", "done", "failed", "cancelled"]

class JobOptions(BaseModel):
    """Pipeline options; the same meaning, defaults and choices as the `castscript run` flags of the same name
    (both come from castscript.core.options). Every value is checked by the core before the job is queued."""

    model_config = ConfigDict(extra="forbid")

    language: Annotated[str, StringConstraints(pattern=r"^(auto|[a-z]{2,3})$")] = Field(
        "auto", description="spoken language: auto or a code (en, pl, ...)")
    multilingual: bool = Field(AsrOptions.multilingual, description="detect the language of every segment")
    task: Literal[TASKS] = AsrOptions.task  # type: ignore[valid-type]
    model: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)] = Field(
        AsrOptions.model, description="Whisper model name (folders are not accepted over the API)")
    diarize: bool = Field(SpeakerOptions.enabled, description="find who speaks when")
    num_speakers: PositiveInt | None = SpeakerOptions.num_speakers
    min_speakers: PositiveInt | None = SpeakerOptions.min_speakers
    max_speakers: PositiveInt | None = SpeakerOptions.max_speakers
    clustering: Literal[CLUSTERING_METHODS] = Field(  # type: ignore[valid-type]
        SpeakerOptions.clustering, description=CLUSTERING_HELP)
    speaker_accuracy: Literal[tuple(SPEAKER_ACCURACY)] = Field(  # type: ignore[valid-type]
        SpeakerOptions.accuracy, description="standard, or high: fewer speaker errors, diarization half as fast")
    speaker_names: dict[str, str] = Field({}, description='names for labels, e.g. {"SPEAKER_00": "Anna"}')
    identify: bool = Field(SpeakerOptions.identify, description="label speakers whose voice is enrolled on the server")
    translate_to: list[LanguageCode] = Field([], description="target languages, e.g. ['pt']")
    translator: Annotated[str, StringConstraints(max_length=100)] = Field(
        TranslationOptions.translator, description="bergamot, whisper, deepl, openai or openai:MODEL")
    burn: bool = Field(VideoOptions.burn, description="also render the video with burned-in subtitles")
    faces: bool | None = VideoOptions.faces
    style: Literal[STYLES] = VideoOptions.style  # type: ignore[valid-type]
    font_size: PositiveInt | None = VideoOptions.font_size
    max_lines: int = VideoOptions.max_lines
    formats: list[str] = Field(list(DEFAULT_FORMATS), min_length=1, description="output formats (srt, vtt, ass, txt, json...)")
    bilingual: bool = OutputOptions.bilingual
    speaker_labels: bool = OutputOptions.speaker_labels
    max_line_chars: int | None = Field(None, description="characters per subtitle line (null: the default)")
    max_cue_lines: int | None = None
    max_cps: float | None = Field(None, description="reading speed limit, characters per second")
    min_cue_duration: float | None = None
    max_cue_duration: float | None = None
    subtitle_profile: Literal[tuple(PROFILES)] = Field(  # type: ignore[valid-type]
        "netflix", description="subtitle rules: netflix (42 characters, 20 cps) or bbc (37, 17 cps)")
    fps: float | None = Field(None, description="frame rate of subtitle timing (null: the video's, 25 for audio)")
    start_timecode: str | None = Field(None, description="programme start of timecoded outputs, e.g. 01:00:00:00")
    use_cache: bool = True

    def to_pipeline_options(self, voices: Path | None = None) -> PipelineOptions:
        """The pipeline's options, validated by the core (raises InvalidOption with a readable message).

        ``voices`` is the voice library identification uses: the job owner's own on a server.
        """
        options = PipelineOptions(
            asr=AsrOptions(model=self.model, language=self.language, task=self.task, multilingual=self.multilingual),
            speakers=SpeakerOptions(
                enabled=self.diarize, num_speakers=self.num_speakers, min_speakers=self.min_speakers,
                max_speakers=self.max_speakers, names=tuple(self.speaker_names.items()), identify=self.identify,
                library=str(voices) if voices else None, clustering=self.clustering, accuracy=self.speaker_accuracy,
            ),
            translation=TranslationOptions(targets=tuple(self.translate_to), translator=self.translator),
            video=VideoOptions(faces=self.faces, burn=self.burn, style=self.style, font_size=self.font_size,
                               max_lines=self.max_lines),
            formats=tuple(self.formats),
            output=OutputOptions(rules=profile_from_options(self.subtitle_profile, self),
                                 speaker_labels=self.speaker_labels, bilingual=self.bilingual,
                                 start_timecode=self.start_timecode),
            use_cache=self.use_cache,
        )
        options.validate()
        return options

    @classmethod
    def from_pipeline_options(cls, options: PipelineOptions) -> JobOptions:
        """The API form of core options (``castscript watch`` forwards its run-style flags this way)."""
        rules = options.output.rules
        defaults = PROFILES.get(rules.name, CueRules())
        cues = {name: getattr(rules, field) for name, field in CUE_OPTIONS.items()
                if getattr(rules, field) != getattr(defaults, field)}
        asr, speakers, video = options.asr, options.speakers, options.video
        return cls(
            language=asr.language or "auto", multilingual=asr.multilingual, task=asr.task, model=asr.model,
            diarize=speakers.enabled, num_speakers=speakers.num_speakers, min_speakers=speakers.min_speakers,
            max_speakers=speakers.max_speakers, clustering=speakers.clustering, speaker_accuracy=speakers.accuracy,
            speaker_names=dict(speakers.names),
            identify=speakers.identify,
            translate_to=list(options.translation.targets), translator=options.translation.translator,
            burn=video.burn, faces=video.faces, style=video.style, font_size=video.font_size,
            max_lines=video.max_lines, formats=list(options.formats), bilingual=options.output.bilingual,
            speaker_labels=options.output.speaker_labels, use_cache=options.use_cache, **cues,
            subtitle_profile=rules.name if rules.name in PROFILES else "netflix",
            start_timecode=options.output.start_timecode,
        )


class JobCreate(BaseModel):
    """A new job: the input is an upload (POST /uploads) or a URL the worker downloads."""

    model_config = ConfigDict(extra="forbid")

    upload_id: str | None = Field(None, description="id returned by POST /uploads")
    url: AnyHttpUrl | None = Field(None, description="http(s) URL of the media, e.g. a presigned S3 URL")
    options: JobOptions = JobOptions()
    webhook_url: AnyHttpUrl | None = Field(None, description="POSTed the job when it finishes, fails or is cancelled")
    webhook_secret: Annotated[str, StringConstraints(min_length=16, max_length=200)] | None = Field(
        None, description="key of the X-Castscript-Signature HMAC-SHA256 header")

    @model_validator(mode="after")
    def _one_input(self) -> JobCreate:
        if (self.upload_id is None) == (self.url is None):
            raise ValueError("give exactly one of upload_id or url")
        if self.webhook_secret and not self.webhook_url:
            raise ValueError("webhook_secret needs webhook_url")
        return self


class SpeakerNames(BaseModel):
    names: dict[str, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = Field(
        description='label -> new name, e.g. {"SPEAKER_00": "Anna"}')


class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable code")
    message: str
    hint: str | None = None


class OutputFile(BaseModel):
    name: str
    url: str


class UploadView(BaseModel):
    id: str
    name: str
    size: int


class VideoView(BaseModel):
    """The burned video of a job run with burn: re-rendered in the background after each edit."""

    state: Literal["current", "rendering", "failed"] = Field(
        description="current: it shows the current revision; rendering: being re-rendered after an edit")
    revision: int = Field(description="the transcript revision the stored video shows")
    wanted: int | None = Field(None, description="the revision being rendered (or that failed to render)")
    percent: int | None = Field(None, description="percent of the re-render done")
    error: str | None = None

    @classmethod
    def of(cls, row: JobRow, video: VideoRow | None) -> VideoView | None:
        if row.state != "done" or not any(name.endswith(".castscript.mp4") for name in row.outputs):
            return None
        if video is None or video.rendered >= video.wanted:
            return cls(state="current", revision=video.rendered if video else 0)
        if video.error is not None:
            return cls(state="failed", revision=video.rendered, wanted=video.wanted, error=video.error)
        return cls(state="rendering", revision=video.rendered, wanted=video.wanted, percent=round(100 * video.progress))


class JobView(BaseModel):
    id: str
    state: State
    stage: str | None = Field(None, description="current stage id while running (probe, decode, transcribe+diarize...)")
    stage_label: str | None = Field(None, description='the stage in words, e.g. "Transcribing and finding speakers"')
    percent: int | None = Field(None, description="percent of the current stage done while running")
    seconds_left: int | None = Field(None, description="estimated seconds until the whole job is done, while running "
                                     "(the stages still to run at this machine's speed, refined as they go)")
    error: ErrorBody | None = None
    attempts: int = Field(0, description="times a worker started the job (more than 1 after a crash or restart)")
    input_name: str
    options: JobOptions
    outputs: list[OutputFile]
    video: VideoView | None = Field(None, description="the burned video's state (jobs run with burn)")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, row: JobRow, video: VideoRow | None = None) -> JobView:
        running = row.state == "running"
        return cls(
            id=row.id, state=row.state, stage=row.stage if running else None,
            stage_label=label(row.stage) if running and row.stage else None,
            percent=round(100 * row.progress) if running else None,
            seconds_left=max(0, round(row.expected_end - time.time())) if running and row.expected_end else None,
            error=ErrorBody(**row.error) if row.error else None, attempts=row.attempts, input_name=row.input_name,
            options=JobOptions(**row.options),
            outputs=[OutputFile(name=name, url=f"/jobs/{row.id}/outputs/{name}") for name in row.outputs],
            video=VideoView.of(row, video),
            created_at=_time(row.created_at), started_at=_time(row.started_at), finished_at=_time(row.finished_at),
        )


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None

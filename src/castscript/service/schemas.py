"""Request and response bodies of the job API (pydantic: validated early, documented in the OpenAPI schema)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, PositiveInt, StringConstraints, model_validator

from ..cli.run import add_pipeline_arguments, options_from_args, parse_speaker_names, split_list
from ..pipeline import DEFAULT_FORMATS, PipelineOptions
from ..validation import check_language, check_targets
from .store import JobRow

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
State = Literal["queued", "running", "done", "failed", "cancelled"]

_RENAMED = {"diarize", "speaker_names", "translate_to", "formats", "speaker_labels", "use_cache"}


class JobOptions(BaseModel):
    """Pipeline options; the same meaning as the `castscript run` flags of the same name."""

    model_config = ConfigDict(extra="forbid")

    language: Annotated[str, StringConstraints(pattern=r"^(auto|[a-z]{2,3})$")] = Field(
        "auto", description="spoken language: auto or a code (en, pl, ...)")
    multilingual: bool = Field(False, description="detect the language of every segment")
    task: Literal["transcribe", "translate"] = "transcribe"
    model: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)] = Field(
        "base", description="Whisper model name (folders are not accepted over the API)")
    diarize: bool = Field(True, description="find who speaks when")
    num_speakers: PositiveInt | None = None
    min_speakers: PositiveInt | None = None
    max_speakers: PositiveInt | None = None
    speaker_names: dict[str, str] = Field({}, description='names for labels, e.g. {"SPEAKER_00": "Anna"}')
    identify: bool = Field(False, description="label speakers whose voice is enrolled on the server")
    translate_to: list[LanguageCode] = Field([], description="target languages, e.g. ['pt']")
    translator: Literal["bergamot", "whisper", "deepl", "openai"] = "bergamot"
    burn: bool = Field(False, description="also render the video with burned-in subtitles")
    faces: bool | None = None
    style: Literal["live", "classic"] = "live"
    font_size: PositiveInt | None = None
    max_lines: int = Field(2, ge=1, le=6)
    formats: list[str] = Field(list(DEFAULT_FORMATS), min_length=1, description="output formats (srt, vtt, ass, txt, json...)")
    bilingual: bool = False
    speaker_labels: bool = True
    max_line_chars: int = Field(42, ge=10, le=200)
    max_cue_lines: int = Field(2, ge=1, le=6)
    max_cps: float = Field(17.0, gt=0)
    min_cue_duration: float = Field(0.8, ge=0)
    max_cue_duration: float = Field(7.0, gt=0)
    use_cache: bool = True

    def to_pipeline_options(self, voices: Path | None = None) -> PipelineOptions:
        """The pipeline's options, validated (raises InvalidOption with a readable message).

        ``voices`` is the voice library --identify uses: the job owner's own on a server.
        """
        check_language(self.language)
        check_targets(self.translate_to)
        parser = argparse.ArgumentParser(add_help=False)
        add_pipeline_arguments(parser)
        args = parser.parse_args([])
        for name, value in self.model_dump(exclude=_RENAMED).items():
            setattr(args, name, value)
        args.no_diarize, args.no_speaker_labels, args.no_cache = not self.diarize, not self.speaker_labels, not self.use_cache
        args.translate_to, args.formats = ",".join(self.translate_to), ",".join(self.formats)
        options = options_from_args(args)
        speakers = replace(options.speakers, names=tuple(self.speaker_names.items()),
                           library=str(voices) if voices else options.speakers.library)
        options = replace(options, speakers=speakers)
        options.validate()
        return options

    @classmethod
    def from_cli_args(cls, args: argparse.Namespace) -> JobOptions:
        """Options from `castscript run`-style flags (the watch command forwards its flags this way)."""
        values = {name: getattr(args, name) for name in cls.model_fields if name not in _RENAMED and hasattr(args, name)}
        return cls(
            **values,
            diarize=not args.no_diarize,
            speaker_names=dict(parse_speaker_names(args.speaker_names)),
            translate_to=list(split_list(args.translate_to)),
            formats=list(split_list(args.formats)),
            speaker_labels=not args.no_speaker_labels,
            use_cache=not args.no_cache,
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


class JobView(BaseModel):
    id: str
    state: State
    stage: str | None = Field(None, description="current stage while running (probe, decode, transcribe, ...)")
    percent: int | None = Field(None, description="percent of the current stage done while running")
    error: ErrorBody | None = None
    attempts: int = Field(0, description="times a worker started the job (more than 1 after a crash or restart)")
    input_name: str
    options: JobOptions
    outputs: list[OutputFile]
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, row: JobRow) -> JobView:
        running = row.state == "running"
        return cls(
            id=row.id, state=row.state, stage=row.stage if running else None,
            percent=round(100 * row.progress) if running else None,
            error=ErrorBody(**row.error) if row.error else None, attempts=row.attempts, input_name=row.input_name,
            options=JobOptions(**row.options),
            outputs=[OutputFile(name=name, url=f"/jobs/{row.id}/outputs/{name}") for name in row.outputs],
            created_at=_time(row.created_at), started_at=_time(row.started_at), finished_at=_time(row.finished_at),
        )


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None

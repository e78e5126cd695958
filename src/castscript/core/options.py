"""The options of a run, each default and each choice list declared once, each group validating itself completely.

The CLI flags (cli/run.py) and the API's JobOptions (service/schemas.py) take their defaults and choices from here
and are checked against these dataclasses by tests. ``validate()`` raises InvalidOption (exit 2, HTTP 422) before
any media is decoded. Checks that need a registry above the core (output formats, translation models) are done by
the pipeline's ``PipelineOptions.validate``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from .errors import InvalidOption

TASKS = ("transcribe", "translate")
DEVICES = ("auto", "cpu", "cuda")
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
                 "bfloat16", "float32")
"""CTranslate2 compute types."""
TRANSLATORS = ("bergamot", "whisper", "deepl", "openai")
"""Translation backends; ``openai:MODEL`` picks the chat model."""
STYLES = ("live", "classic")
"""Burned subtitle styles: live (boxes near each speaker's face), classic (bottom lines)."""
MAX_BURN_LINES = 6
DEFAULT_FORMATS = ("srt", "vtt", "txt", "json")
"""Output formats of a run unless --formats says otherwise."""


@functools.cache
def whisper_languages() -> tuple[str, ...]:
    """The language codes Whisper knows (ISO 639-1, plus a few 639-2 like haw and yue)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(sorted(_LANGUAGE_CODES))


def _codes_hint(first: str) -> str:
    return f"{first} one of Whisper's language codes: {', '.join(whisper_languages())}."


def check_language(code: str | None) -> None:
    """The spoken language: auto (or nothing) or a code Whisper knows."""
    if code in (None, "", "auto"):
        return
    if code not in whisper_languages():
        raise InvalidOption(f"Unknown language '{code}' (--language).", hint=_codes_hint("Use 'auto' or"))


def check_targets(targets: tuple[str, ...] | list[str]) -> None:
    """Translation targets: language codes (a region is allowed: pt-BR) whose language Whisper knows."""
    unknown = [t for t in targets if t.split("-")[0].lower() not in whisper_languages()]
    if unknown:
        raise InvalidOption(f"Unknown translation target language(s): {', '.join(unknown)} (--translate-to).",
                            hint=_codes_hint("Use"))


def _choice(flag: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InvalidOption(f"{flag} must be one of {', '.join(choices)}, got '{value}'.")


def _whole(flag: str, value: int | None, minimum: int, meaning: str = "") -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
        raise InvalidOption(f"{flag} must be a whole number of at least {minimum}{meaning}, got {value}.")


def _positive(flag: str, value: float | None) -> None:
    if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InvalidOption(f"{flag} must be a positive number, got {value}.")


@dataclass(frozen=True)
class AsrOptions:
    model: str = "base"
    """A bundled size name (base -> faster-whisper-base), any faster-whisper model name, or a model folder."""
    language: str | None = None
    """None or "auto" detects the language."""
    task: str = "transcribe"
    """"transcribe", or "translate" (any language -> English)."""
    multilingual: bool = False
    """Detect the language of every stretch of speech (for media that switch language)."""
    device: str = "auto"
    compute_type: str | None = None
    """Default: int8 on CPU, float16 on CUDA."""
    batch_size: int = 0
    """Segments decoded together: 0 picks 4 on the CPU and 32 on a GPU; 1 decodes sequentially."""
    beam_size: int = 5
    cpu_threads: int = 0
    """0: all cores."""
    vad_filter: bool = True
    initial_prompt: str | None = None
    block_seconds: float = 300.0
    """Long audio is transcribed in blocks of at most this length, cut in quiet moments: memory stays flat however
    long the input (Silero VAD's working memory grows with the block, about 0.4 MB a second)."""

    def validate(self) -> None:
        if not self.model or not self.model.strip():
            raise InvalidOption("--model must name a Whisper model or a model folder.")
        check_language(self.language)
        _choice("--task", self.task, TASKS)
        _choice("--device", self.device, DEVICES)
        if self.compute_type is not None:
            _choice("--compute-type", self.compute_type, COMPUTE_TYPES)
        _whole("--batch-size", self.batch_size, 0, " (0: automatic)")
        _whole("beam size", self.beam_size, 1)
        _whole("--threads", self.cpu_threads, 0, " (0: every core)")
        _positive("block seconds", self.block_seconds)


@dataclass(frozen=True)
class SpeakerOptions:
    enabled: bool = True
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    names: tuple[tuple[str, str], ...] = ()
    """(label, name) pairs, e.g. (("SPEAKER_00", "Anna"),)."""
    identify: bool = False
    """Label speakers that match a voice enrolled in the voice library."""
    library: str | None = None
    """Voice library path (default: CASTSCRIPT_VOICES or ~/.local/share/castscript/voices.sqlite)."""
    voice_threshold: float | None = None
    """Cosine score an enrolled voice must reach (default: CASTSCRIPT_VOICE_THRESHOLD, else the calibrated 0.75)."""

    def validate(self) -> None:
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                flag = "--" + name.replace("_", "-")
                raise InvalidOption(f"{flag} must be a positive whole number, got {value}.")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise InvalidOption(
                f"--min-speakers ({self.min_speakers}) is larger than --max-speakers ({self.max_speakers})."
            )
        for label, name in self.names:
            if not label.strip() or not name.strip():
                raise InvalidOption(f"--speaker-names: '{label}={name}' is not LABEL=Name.",
                                    hint="Example: SPEAKER_00=Anna,SPEAKER_01=Ben")
        if self.voice_threshold is not None and not (
            math.isfinite(self.voice_threshold) and -1.0 <= self.voice_threshold <= 1.0
        ):
            raise InvalidOption(f"--voice-threshold is a cosine score in [-1, 1], got {self.voice_threshold}.")
        if self.identify and not self.enabled:
            raise InvalidOption("--identify needs diarization: drop --no-diarize.")


@dataclass(frozen=True)
class TranslationOptions:
    targets: tuple[str, ...] = ()
    translator: str = "bergamot"
    """One of TRANSLATORS; ``openai:MODEL`` picks the model."""

    def validate(self, task: str = "transcribe") -> None:
        check_targets(self.targets)
        name, colon, model = self.translator.partition(":")
        if name not in TRANSLATORS or (colon and (name != "openai" or not model.strip())):
            raise InvalidOption(f"Unknown translator '{self.translator}' (--translator).",
                                hint=f"Choose one of: {', '.join(TRANSLATORS)}, or openai:MODEL.")
        if name == "whisper" and any(t.split("-")[0].lower() != "en" for t in self.targets):
            raise InvalidOption("--translator whisper translates into English only.",
                                hint="Use --translate-to en, or another --translator (bergamot, deepl, openai).")


@dataclass(frozen=True)
class VideoOptions:
    faces: bool | None = None
    """None: analyse faces when burning subtitles into a video."""
    burn: bool = False
    style: str = "live"
    """One of STYLES."""
    font_size: int | None = None
    """Burned subtitle font size in px at 1080 lines (None: the style's default)."""
    max_lines: int = 2
    """Lines per burned subtitle."""

    @property
    def wants_faces(self) -> bool:
        return self.faces if self.faces is not None else self.burn

    def validate(self) -> None:
        _choice("--style", self.style, STYLES)
        _whole("--font-size", self.font_size, 1, " (px)")
        _whole("--max-lines", self.max_lines, 1)
        if self.max_lines > MAX_BURN_LINES:
            raise InvalidOption(f"--max-lines must be at most {MAX_BURN_LINES}, got {self.max_lines}.")


@dataclass(frozen=True)
class RunSettings:
    """How a run uses the machine: never part of a stage's cache key (results do not depend on it)."""

    threads: int = 0
    """CPU threads for the model stages together (0: every core); shared out when stages run side by side."""
    parallel: bool = True
    """Run transcription, diarization and face analysis side by side rather than one after the other."""
    use_cache: bool = True

    def validate(self) -> None:
        _whole("--threads", self.threads, 0, " (0: every core)")

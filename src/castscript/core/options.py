"""The options of a run, each default and each choice list declared once, each group validating itself completely.

The CLI flags (cli/run.py) and the API's JobOptions (service/schemas.py) take their defaults and choices from here
and are checked against these dataclasses by tests. ``validate()`` raises InvalidOption (exit 2, HTTP 422) before
any media is decoded. Subtitle profiles (CueRules, PROFILES) and OutputOptions are here too. Checks that need a
registry above the core (output format names, translation models, the voice library) are done by the pipeline's
``PipelineOptions.validate``, which holds these groups.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, fields, replace
from fractions import Fraction

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
CLUSTERING_METHODS = ("vbx", "ahc", "spectral")
"""How diarization links speech into speakers: VBx started from agglomerative clusters (the default), agglomerative
clustering alone, or spectral clustering."""
CLUSTERING_HELP = "how speech is linked into speakers: vbx (default), ahc (agglomerative) or spectral"
SPEAKER_ACCURACY = {"standard": 5.0, "high": 2.5}
"""--speaker-accuracy -> seconds between the starts of the 10 s windows diarization analyses: standard hears each
moment in two windows, high in four (fewer speaker errors; diarization about half as fast)."""
VOICE_THRESHOLD = 0.68
"""Cosine score an enrolled voice must reach to name a diarized speaker (benchmarks/calibrate_voices.py, castscript.voices)."""
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
    """Cosine score an enrolled voice must reach (default: CASTSCRIPT_VOICE_THRESHOLD, else VOICE_THRESHOLD)."""
    clustering: str = CLUSTERING_METHODS[0]
    """One of CLUSTERING_METHODS."""
    accuracy: str = next(iter(SPEAKER_ACCURACY))
    """One of SPEAKER_ACCURACY."""

    def validate(self) -> None:
        _choice("--clustering", self.clustering, CLUSTERING_METHODS)
        _choice("--speaker-accuracy", self.accuracy, tuple(SPEAKER_ACCURACY))
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
        if not self.enabled and (given := self._diarization_only()):
            raise InvalidOption(f"{', '.join(given)} need{'s' if len(given) == 1 else ''} diarization: drop --no-diarize.")

    def _diarization_only(self) -> list[str]:
        """The flags given that only diarization reads (refused with --no-diarize rather than ignored)."""
        defaults = SpeakerOptions()
        given = [f"--{name.replace('_', '-')}" for name in ("num_speakers", "min_speakers", "max_speakers")
                 if getattr(self, name) is not None]
        given += ["--clustering"] if self.clustering != defaults.clustering else []
        given += ["--speaker-accuracy"] if self.accuracy != defaults.accuracy else []
        return given + (["--identify"] if self.identify else [])


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


# Subtitle profiles: the limits a delivery's QC checks (Netflix by default, BBC, or custom values).
STANDARD_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                  Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60))
AUDIO_ONLY_FPS = Fraction(25)


@dataclass(frozen=True)
class CueRules:
    """One subtitle profile. Times in seconds unless named in frames; frames are at the media's frame rate."""

    name: str = "netflix"
    max_chars_per_line: int = 42
    max_lines: int = 2
    max_chars_per_second: float = 20.0
    """Reading-speed limit: cues are extended into free time to stay under it; faster speech is reported."""
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    min_gap_frames: int = 2
    """Cues are never closer than this; smaller gaps up to ``extend_frames`` are closed to exactly this."""
    lead_in: float = 0.0
    lag_out: float = 0.0
    extend_frames: int = 12
    """A cue may stay up this many frames past its speech (into free time) to lower its reading speed."""
    snap_frames: int = 12
    """In and out times this close to a shot change move onto it."""
    pause_split: float = 0.7
    """A silence between words at least this long (s) ends a cue."""
    dash: str = "-"
    """Opens each line of a cue holding two speakers (Netflix: a hyphen without a space)."""
    fps: float | None = None
    """Frame rate for timing (None: the media's, 25 when audio-only)."""

    @property
    def max_chars(self) -> int:
        return self.max_chars_per_line * self.max_lines

    def validate(self) -> CueRules:
        for flag, value in (("--max-cps", self.max_chars_per_second), ("--min-cue-duration", self.min_duration),
                            ("--max-cue-duration", self.max_duration)):
            if value is None:
                raise InvalidOption(f"{flag} must be a positive number, got {value}.")
            _positive(flag, value)
        if self.max_chars_per_line < 10 or self.max_lines < 1:
            raise InvalidOption(f"--max-line-chars must be at least 10 and --max-cue-lines at least 1, got "
                                f"{self.max_chars_per_line} and {self.max_lines}.")
        if self.min_duration > self.max_duration:
            raise InvalidOption(f"--min-cue-duration ({self.min_duration:g} s) is above --max-cue-duration "
                                f"({self.max_duration:g} s).")
        if self.min_gap_frames < 0:
            raise InvalidOption(f"The minimum gap must not be negative, got {self.min_gap_frames} frames.")
        if self.fps is not None and not 1 <= self.fps <= 240:
            raise InvalidOption(f"--fps must be between 1 and 240, got {self.fps:g}.")
        return self


PROFILES: dict[str, CueRules] = {
    "netflix": CueRules(),
    # BBC subtitle guidelines: 37 characters a line (teletext), 160-180 words a minute (~17 characters a second).
    "bbc": CueRules(name="bbc", max_chars_per_line=37, max_chars_per_second=17.0, min_duration=1.0, dash="- "),
}


def profile(name: str = "netflix", **overrides) -> CueRules:
    """The named profile with any non-None ``overrides`` (field names of CueRules) applied and checked."""
    if name not in PROFILES:
        raise InvalidOption(f"Unknown subtitle profile '{name}'.", hint=f"Choose from: {', '.join(PROFILES)}.")
    known = {f.name for f in fields(CueRules)}
    unknown = set(overrides) - known
    if unknown:
        raise InvalidOption(f"Unknown subtitle setting(s): {', '.join(sorted(unknown))}.")
    values = {k: v for k, v in overrides.items() if v is not None}
    return replace(PROFILES[name], **values).validate()


CUE_OPTIONS = {"max_line_chars": "max_chars_per_line", "max_cue_lines": "max_lines", "max_cps": "max_chars_per_second",
               "min_cue_duration": "min_duration", "max_cue_duration": "max_duration", "fps": "fps"}
"""`run` flag and API field -> CueRules field; an option left unset (None) keeps the subtitle profile's value."""


def profile_from_options(name: str, source) -> CueRules:
    """The named profile with the CUE_OPTIONS that ``source`` (parsed flags or API options) sets, checked."""
    return profile(name, **{field: getattr(source, option) for option, field in CUE_OPTIONS.items()})


def frame_rate(fps: float | None) -> Fraction:
    """The exact frame rate for ``fps`` (29.97 -> 30000/1001); 25 when there is no video."""
    if not fps:
        return AUDIO_ONLY_FPS
    for rate in STANDARD_RATES:
        if abs(float(rate) - fps) < 0.005:
            return rate
    return Fraction(round(fps * 1000), 1000)


TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})[:;.](\d{2})$")


def check_timecode(text: str, fps: Fraction) -> tuple[int, int, int, int]:
    """Hours, minutes, seconds and frames of an HH:MM:SS:FF (or HH:MM:SS;FF) start timecode at ``fps``."""
    match = TIMECODE.match(text.strip())
    if not match:
        raise InvalidOption(f"--start-timecode '{text}' is not HH:MM:SS:FF.", hint="Example: 01:00:00:00")
    hours, minutes, seconds, frames = map(int, match.groups())
    if minutes > 59 or seconds > 59 or frames >= -(-fps.numerator // fps.denominator):
        raise InvalidOption(f"--start-timecode '{text}' is out of range at {float(fps):g} fps.")
    return hours, minutes, seconds, frames


@dataclass(frozen=True)
class OutputOptions:
    rules: CueRules = CueRules()
    """The subtitle profile (netflix by default; see PROFILES)."""
    speaker_labels: bool = False
    """Prefix subtitle cues with the speaker's name (names are always in the dialogue list, JSON and HTML)."""
    bilingual: bool = False
    """Translated subtitle files show the original line above the translation."""
    start_timecode: str | None = None
    """Programme start (HH:MM:SS:FF) added to every timecoded format, e.g. 01:00:00:00."""

    def validate(self) -> None:
        """The profile's values and the start timecode (its frames are checked again at the media's rate)."""
        self.rules.validate()
        if self.start_timecode:
            check_timecode(self.start_timecode, frame_rate(self.rules.fps or 60))

"""Subtitle profiles: the limits a delivery's QC checks, declared once (Netflix by default, BBC, or custom values)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from fractions import Fraction

from ..errors import InvalidOption

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
        if self.max_chars_per_line < 10 or self.max_lines < 1:
            raise InvalidOption("Subtitle limits: a line needs at least 10 characters and a cue at least 1 line.")
        if not 0 < self.min_duration <= self.max_duration:
            raise InvalidOption(f"Subtitle limits: minimum duration {self.min_duration:g} s must be positive and "
                                f"not above the maximum {self.max_duration:g} s.")
        if self.max_chars_per_second <= 0 or self.min_gap_frames < 0:
            raise InvalidOption("Subtitle limits: characters per second must be positive and the gap not negative.")
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


def frame_rate(fps: float | None) -> Fraction:
    """The exact frame rate for ``fps`` (29.97 -> 30000/1001); 25 when there is no video."""
    if not fps:
        return AUDIO_ONLY_FPS
    for rate in STANDARD_RATES:
        if abs(float(rate) - fps) < 0.005:
            return rate
    return Fraction(round(fps * 1000), 1000)

"""SMPTE timecodes for the timecoded deliverables: frames at the media's rate, drop-frame at 29.97 and 59.94."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ttconv.time_code import SmpteTimeCode

from ..core.errors import InvalidOption

TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})[:;.](\d{2})$")
DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))


@dataclass(frozen=True)
class Clock:
    """Frame rate and programme start: seconds of media time -> frames and HH:MM:SS:FF."""

    fps: Fraction
    start_frames: int = 0

    @property
    def drop_frame(self) -> bool:
        return self.fps in DROP_FRAME_RATES

    @classmethod
    def at(cls, fps: Fraction, start_timecode: str | None) -> Clock:
        if not start_timecode:
            return cls(fps)
        return cls(fps, parse_timecode(start_timecode, fps).to_frames())

    def frames(self, seconds: float) -> int:
        """Programme frames of a media time (media frame boundaries plus the start timecode)."""
        return int(round(seconds * self.fps)) + self.start_frames

    def seconds(self, seconds: float) -> float:
        """A media time as programme time in seconds, on a frame boundary."""
        return float(self.frames(seconds) / self.fps)

    def timecode(self, seconds: float) -> SmpteTimeCode:
        return SmpteTimeCode.from_frames(self.frames(seconds), self.fps, self.drop_frame)


def parse_timecode(text: str, fps: Fraction) -> SmpteTimeCode:
    """HH:MM:SS:FF (or HH:MM:SS;FF) at ``fps``; drop-frame at 29.97 and 59.94."""
    match = TIMECODE.match(text.strip())
    nominal = -(-fps.numerator // fps.denominator)
    if not match:
        raise InvalidOption(f"--start-timecode '{text}' is not HH:MM:SS:FF.", hint="Example: 01:00:00:00")
    hours, minutes, seconds, frames = map(int, match.groups())
    if minutes > 59 or seconds > 59 or frames >= nominal:
        raise InvalidOption(f"--start-timecode '{text}' is out of range at {float(fps):g} fps.")
    return SmpteTimeCode(hours, minutes, seconds, frames, fps, fps in DROP_FRAME_RATES)

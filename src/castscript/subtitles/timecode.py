"""SMPTE timecodes for the timecoded deliverables: frames at the media's rate, drop-frame at 29.97 and 59.94."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ttconv.time_code import SmpteTimeCode

from ..core.options import OutputOptions, check_timecode, frame_rate
from ..document import Document

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
    return SmpteTimeCode(*check_timecode(text, fps), fps, fps in DROP_FRAME_RATES)


def output_clock(options: OutputOptions, document: Document) -> Clock:
    """Frame rate (--fps, else the media's, 25 when audio-only) and start timecode of the timecoded outputs."""
    return Clock.at(frame_rate(options.rules.fps or document.media.fps), options.start_timecode)

"""Subtitle QC: read SRT, WebVTT, TTML or EBU-STL and check every cue against a profile (and a video's shot changes).

Error-level rules (a delivery QC rejects them): line length, line count, minimum and maximum duration, overlap,
minimum gap, empty cue. Warnings: reading speed over the profile's limit (fast speech: fixing it means changing
words, so it is reported, not hidden), a cue crossing a shot change, an in or out time just off a shot change.
"""

from __future__ import annotations

import csv
import io
import json
import math
import struct
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from ..core.errors import InputNotFound, InvalidOption, NotMediaError
from ..core.options import CueRules, frame_rate
from .timecode import output_clock

ERROR, WARNING = "error", "warning"
FAST_CPS = 20.0
"""Reading speed above which speech counts as fast in the summary (or the profile's limit, when higher)."""
READERS = {".srt": "srt", ".vtt": "vtt", ".ttml": "ttml", ".xml": "ttml", ".dfxp": "ttml", ".stl": "stl"}


@dataclass(frozen=True)
class QcCue:
    start: float
    end: float
    lines: list[str]


@dataclass(frozen=True)
class Violation:
    cue: int
    """1-based cue number."""
    start: float
    rule: str
    level: str
    value: str
    limit: str


@dataclass
class Report:
    path: str
    cues: int
    violations: list[Violation] = field(default_factory=list)
    fast_cues: int = 0
    fast_cps: float = FAST_CPS

    @property
    def errors(self) -> int:
        return sum(v.level == ERROR for v in self.violations)

    def summary(self) -> str:
        counts = Counter((v.level, v.rule) for v in self.violations)
        parts = [f"{n} {rule}" for (level, rule), n in sorted(counts.items())]
        fast = f"{self.fast_cues / self.cues:.0%}" if self.cues else "0%"
        return (f"{Path(self.path).name}: {self.cues} cues, {self.errors} error(s), "
                f"{len(self.violations) - self.errors} warning(s), {fast} over {self.fast_cps:g} cps"
                + (f" [{', '.join(parts)}]" if parts else ""))

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(Violation.__dataclass_fields__))
        writer.writeheader()
        for violation in self.violations:
            writer.writerow(asdict(violation))
        return out.getvalue()

    def as_json(self) -> str:
        return json.dumps({"file": self.path, "cues": self.cues, "errors": self.errors, "fast_cues": self.fast_cues,
                           "violations": [asdict(v) for v in self.violations]}, ensure_ascii=False, indent=1)


def read_cues(path: str | Path) -> list[QcCue]:
    """Cues of a subtitle file, by extension: .srt, .vtt (pysubs2), .ttml/.xml/.dfxp, .stl (ttconv)."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFound(f"Subtitle file not found: {path}")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InvalidOption(f"Cannot check {path.name}: unknown subtitle format.",
                            hint=f"Supported: {', '.join(sorted(READERS))}.")
    try:
        if kind in ("srt", "vtt"):
            return _read_pysubs2(path, kind)
        return _read_ttconv(path, kind)
    except (ValueError, KeyError, IndexError, UnicodeDecodeError, OSError, struct.error) as exc:
        raise NotMediaError(f"{path.name} is not a readable {kind.upper()} file: {exc}") from None


def _read_pysubs2(path: Path, kind: str) -> list[QcCue]:
    import pysubs2

    subs = pysubs2.load(str(path), format_=kind, encoding="utf-8")
    return [QcCue(e.start / 1000, e.end / 1000, e.plaintext.split("\n")) for e in subs if not e.is_comment]


def _read_ttconv(path: Path, kind: str) -> list[QcCue]:
    from ttconv import model

    if kind == "ttml":
        import xml.etree.ElementTree as ET

        from ttconv.imsc.reader import to_model

        try:
            doc = to_model(ET.parse(path))
        except ET.ParseError as exc:
            raise ValueError(str(exc)) from None
    else:
        from ttconv.stl.reader import to_model

        with path.open("rb") as handle:
            doc = to_model(handle)
    if doc is None or doc.get_body() is None:
        return []
    cues: list[QcCue] = []

    def walk(element, offset: Fraction) -> None:
        begin = offset + (element.get_begin() or 0)
        if isinstance(element, model.P):
            end = offset + element.get_end() if element.get_end() is not None else begin
            cues.append(QcCue(float(begin), float(end), _lines(element)))
            return
        for child in element:
            walk(child, begin)

    walk(doc.get_body(), Fraction(0))
    return sorted(cues, key=lambda c: c.start)


def _lines(paragraph) -> list[str]:
    from ttconv import model

    lines = [""]

    def walk(element) -> None:
        if isinstance(element, model.Br):
            lines.append("")
        elif isinstance(element, model.Text):
            lines[-1] += element.get_text()
        else:
            for child in element:
                walk(child)

    walk(paragraph)
    return lines


def check_cues(cues: list[QcCue], rules: CueRules, *, fps: float | None = None, cuts: list[float] = (),
               path: str = "") -> Report:
    """Every violation of ``rules`` (at ``fps``, 25 by default) and of the shot changes ``cuts``, cue by cue."""
    rate = frame_rate(rules.fps or fps)
    frames = lambda t: int(round(t * rate))  # noqa: E731
    min_frames = math.ceil(rules.min_duration * rate - 1e-6)
    max_frames = math.floor(rules.max_duration * rate + 1e-6)
    cut_frames = sorted(frames(c) for c in cuts)
    report = Report(path, len(cues), fast_cps=max(FAST_CPS, rules.max_chars_per_second))
    previous = None
    for number, cue in enumerate(cues, start=1):
        found = []
        start, end = frames(cue.start), frames(cue.end)
        text = "".join(line.strip() for line in cue.lines)
        duration = end - start
        seconds = max(cue.end - cue.start, 1e-3)
        if not text:
            found.append(("empty", ERROR, "no text", "text"))
        longest = max((len(line) for line in cue.lines), default=0)
        if longest > rules.max_chars_per_line:
            found.append(("line_length", ERROR, f"{longest} chars", f"{rules.max_chars_per_line}"))
        if len(cue.lines) > rules.max_lines:
            found.append(("line_count", ERROR, f"{len(cue.lines)} lines", f"{rules.max_lines}"))
        if duration < min_frames:
            found.append(("min_duration", ERROR, f"{seconds:.3f} s", f"{rules.min_duration:.3f} s"))
        if duration > max_frames:
            found.append(("max_duration", ERROR, f"{seconds:.3f} s", f"{rules.max_duration:.3f} s"))
        if previous is not None:
            gap = start - frames(previous.end)
            if gap < 0:
                found.append(("overlap", ERROR, f"{-gap} frames", "0"))
            elif gap < rules.min_gap_frames:
                found.append(("min_gap", ERROR, f"{gap} frames", f"{rules.min_gap_frames} frames"))
        cps = len(text) / seconds
        if cps > rules.max_chars_per_second:
            found.append(("reading_speed", WARNING, f"{cps:.1f} cps", f"{rules.max_chars_per_second:g} cps"))
        report.fast_cues += cps > report.fast_cps
        found += _shot_changes(start, end, cut_frames, rules)
        report.violations += [Violation(number, round(cue.start, 3), *item) for item in found]
        previous = cue
    return report


def _shot_changes(start: int, end: int, cuts: list[int], rules: CueRules) -> list[tuple[str, str, str, str]]:
    found = []
    for cut in cuts:
        if start < cut < end:
            found.append(("crosses_shot_change", WARNING, f"cut at frame {cut}", "in or out on the cut"))
        if 0 < abs(start - cut) <= rules.snap_frames:
            found.append(("in_near_shot_change", WARNING, f"{start - cut:+d} frames", "0"))
        if 0 < abs(end - cut) <= rules.snap_frames and not 0 <= cut - end <= rules.min_gap_frames:
            found.append(("out_near_shot_change", WARNING, f"{end - cut:+d} frames", f"0 to -{rules.min_gap_frames}"))
    return found


def check_file(path: str | Path, rules: CueRules, *, fps: float | None = None, cuts: list[float] = ()) -> Report:
    return check_cues(read_cues(path), rules, fps=fps, cuts=cuts, path=str(path))


def summarize_outputs(paths, document, options) -> list[str]:
    """One QC summary line per subtitle file a run wrote (``options``: its OutputOptions); bilingual translations
    are checked with twice the lines and characters a second (original above translation, each read alone)."""
    clock = output_clock(options, document)
    offset = clock.start_frames / clock.fps
    cuts = [c + float(offset) for c in document.cuts]
    lines = []
    for path in map(Path, paths):
        if path.suffix.lower() not in READERS:
            continue
        translated = len(path.suffixes) > 1 and path.suffixes[-2][1:] in document.translation_languages
        rules = options.rules
        if translated and options.bilingual:
            rules = replace(rules, max_lines=rules.max_lines * 2, max_chars_per_second=rules.max_chars_per_second * 2)
        lines.append(check_file(path, rules, fps=float(clock.fps), cuts=cuts).summary())
    return lines

"""castscript check FILE: subtitle QC against a profile (and a video's shot changes); exit 1 on an error-level rule."""

from __future__ import annotations

import argparse

from ..core.options import PROFILES, profile
from ..subtitles.qc import check_file
from . import add_command


def register(subparsers) -> None:
    parser = add_command(subparsers, "check")
    parser.add_argument("file", help="subtitle file: .srt, .vtt, .ttml/.xml, .stl")
    parser.add_argument("--profile", default="netflix", choices=sorted(PROFILES), help="subtitle profile (netflix)")
    parser.add_argument("--media", default=None, help="the video: its frame rate and shot changes are checked too")
    parser.add_argument("--fps", type=float, default=None, help="frame rate (default: the video's, else 25)")
    parser.add_argument("--report", choices=["text", "csv", "json"], default="text", help="output (text)")
    parser.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    rules = profile(args.profile, fps=args.fps)
    fps, cuts = None, []
    if args.media:
        from ..media import probe
        from ..media.scenes import detect_cuts

        fps = probe(args.media).fps
        cuts = detect_cuts(args.media)
    report = check_file(args.file, rules, fps=fps, cuts=cuts)
    if args.report == "csv":
        print(report.as_csv(), end="")
    elif args.report == "json":
        print(report.as_json())
    else:
        for v in report.violations:
            print(f"cue {v.cue:>5}  {v.start:>9.3f} s  {v.level:<7}  {v.rule:<22} {v.value} (limit {v.limit})")
        print(report.summary())
    return 1 if report.errors else 0

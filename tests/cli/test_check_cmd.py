"""castscript check: each violation seeded in a hand-made bad SRT is found, and the exit code is 1."""

from __future__ import annotations

import csv
import io
import json

from castscript.cli import main

BAD_SRT = """1
00:00:01,000 --> 00:00:03,000
This first line is far too long for any broadcast profile.

2
00:00:03,500 --> 00:00:06,000
One
two
three lines

3
00:00:06,040 --> 00:00:06,400
Short.

4
00:00:07,000 --> 00:00:15,000
Eight seconds on screen.

5
00:00:14,000 --> 00:00:16,000
Overlaps the one before.

6
00:00:17,000 --> 00:00:18,000
Far too many words to read in one second.
"""
SEEDED = {1: "line_length", 2: "line_count", 3: "min_gap", 4: "max_duration", 5: "overlap", 6: "reading_speed"}

GOOD_SRT = """1
00:00:01,000 --> 00:00:03,000
A calm line.

2
00:00:03,080 --> 00:00:05,000
And another one.
"""


def test_check_finds_every_seeded_violation(tmp_path, capsys):
    path = tmp_path / "bad.srt"
    path.write_text(BAD_SRT)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "bad.srt: 6 cues" in out
    assert main(["check", str(path), "--report", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    found = {(v["cue"], v["rule"]) for v in report["violations"]}
    assert set(SEEDED.items()) <= found
    assert (3, "min_duration") in found  # 0.36 s
    assert report["fast_cues"] == 2  # cues 1 (29 cps) and 6 (41 cps)
    assert main(["check", str(path), "--report", "csv"]) == 1
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(int(r["cue"]), r["rule"]) for r in rows} == found


def test_check_passes_a_clean_file_and_reads_other_formats(tmp_path, capsys):
    path = tmp_path / "good.srt"
    path.write_text(GOOD_SRT)
    assert main(["check", str(path)]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    assert main(["check", str(path), "--profile", "bbc"]) == 0  # 37 characters, 17 cps: still fine


def test_check_bad_inputs(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.srt")]) == 3
    junk = tmp_path / "junk.stl"
    junk.write_bytes(b"\x00" * 10)
    assert main(["check", str(junk)]) == 4
    other = tmp_path / "notes.docx"
    other.write_text("x")
    assert main(["check", str(other)]) == 2
    assert "unknown subtitle format" in capsys.readouterr().err


def test_check_with_media_reports_shot_changes(media, tmp_path, capsys):
    from tests.media.test_scenes import compose_cuts

    video = compose_cuts(media, tmp_path / "two-cuts.mp4")  # cuts at 3.0 and 5.5 s, 25 fps
    path = tmp_path / "scene.srt"
    path.write_text("1\n00:00:02,000 --> 00:00:04,000\nAcross the first cut.\n\n"
                    "2\n00:00:05,680 --> 00:00:07,000\nFour frames after the second.\n")
    assert main(["check", str(path), "--media", str(video), "--report", "json"]) == 0  # warnings only
    found = {(v["cue"], v["rule"]) for v in json.loads(capsys.readouterr().out)["violations"]}
    assert {(1, "crosses_shot_change"), (2, "in_near_shot_change")} <= found

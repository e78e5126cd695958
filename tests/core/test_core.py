"""The core layer: its helpers, and the import contract that keeps every layer above it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from castscript.core.palette import SPEAKER_COLOURS, colours_by_label, speaker_rgb
from castscript.core.progress import label
from castscript.core.text import clock
from castscript.core.vectors import l2_normalise

ROOT = Path(__file__).resolve().parents[2]


def test_layers_contract_is_kept():
    result = subprocess.run(["lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 kept, 0 broken" in result.stdout


def test_importing_the_cache_loads_no_output_or_engine_code():
    code = ("import sys, castscript.cache; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('jinja2', 'jsonschema', 'pysubs2', 'cv2') or m.startswith(('castscript.subtitles', 'castscript.render', "
            "'castscript.faces'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_clock_rounds_once_and_formats_each_use():
    assert clock(59.9996) == "00:01:00.000"
    assert clock(3723.25) == "01:02:03.250"
    assert clock(62.9, 0, short=True, down=True) == "1:02"
    assert clock(3723.5, 0, short=True, down=True) == "1:02:03"
    assert clock(1.5, 6, hour_width=1) == "0:00:01.500000"


def test_l2_normalise_rows_and_zero_vectors():
    rows = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32))
    assert rows.dtype == np.float32
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 0.0]])


def test_one_palette_for_page_and_video():
    assert colours_by_label(["B", "A", "B"]) == {"B": SPEAKER_COLOURS[0], "A": SPEAKER_COLOURS[1]}
    page, video = speaker_rgb(0), speaker_rgb(0, on_video=True)
    assert all(v > p for p, v in zip(page, video))  # lighter over video, same hue order


def test_stage_labels_are_words():
    assert label("transcribe+diarize") == "Transcribing and finding speakers"
    assert label("faces+transcribe+diarize") == "Finding faces, transcribing and finding speakers"
    assert label("burn") == "Burning in subtitles"


def test_readme_exit_codes_and_error_body_match_the_code():
    import re

    import castscript.editing  # noqa: F401  (registers their errors in the tree)
    import castscript.voices  # noqa: F401
    from castscript.core.errors import InvalidOption, all_errors

    readme = (ROOT / "README.md").read_text()
    listed = {int(code) for code in re.findall(r"(\d+) [a-z]", readme.split("exit with a code per kind of problem:")[1]
                                                .split("The service")[0])}
    assert listed == {error.exit_code for error in all_errors() if error.exit_code > 1}
    body = InvalidOption("bad", hint="fix").to_dict()
    assert f'`{{"error": "{body["error"]}", "message": "...", "hint": "..."}}`' in readme


def test_one_rule_names_a_speaker():
    from castscript.document import Document, MediaInfo, Speaker

    document = Document(MediaInfo("f.wav", 1.0), speakers={
        label: Speaker(label, name) for label, name in (("SPEAKER_00", "Anna"), ("SPEAKER_01", None), ("SPEAKER_02", "anna"))})
    assert document.speakers_called("SPEAKER_01") == ["SPEAKER_01"]
    assert document.speakers_called("ANNA") == ["SPEAKER_00", "SPEAKER_02"]  # ambiguous: edits refuse, names skip
    assert document.speakers_called("B") == ["SPEAKER_01"] and document.speakers_called("2") == ["SPEAKER_02"]
    assert document.speakers_called("Z") == [] and document.speakers_called("Carl") == []


def test_every_stage_has_one_name_and_a_label():
    from castscript.core.progress import STAGE_LABELS
    from castscript.pipeline import STAGES

    names = [stage.name for stage in STAGES]
    assert len(set(names)) == len(names)
    assert set(names) | {"fetch", "probe", "decode", "write", "store"} <= set(STAGE_LABELS)


def test_every_setting_is_documented():
    from dataclasses import fields

    from castscript.core.settings import Settings, env_name

    readme = (ROOT / "README.md").read_text()
    assert [env_name(f.name) for f in fields(Settings) if env_name(f.name) not in readme] == []


def test_help_and_an_audio_only_run_load_no_service_web_or_opencv(tmp_path):
    import wave

    with wave.open(str(tmp_path / "quiet.wav"), "wb") as audio:  # 2 s of digital silence: the run is quick
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(16000)
        audio.writeframes(b"\0\0" * 32000)
    heavy = "('cv2', 'fastapi', 'castscript.service', 'castscript.web', 'castscript.faces', 'castscript.pipeline')"
    code = ("import sys\nfrom castscript.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {heavy} if m in sys.modules))\n"
            f"main(['-q', 'run', {str(tmp_path / 'quiet.wav')!r}, '--no-diarize', '--formats', 'srt,json',"
            f" '-o', {str(tmp_path / 'out')!r}])\n"
            f"print(sorted(m for m in {heavy} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    loaded = [line for line in out if line.startswith("[")]
    assert loaded[0] == "[]"  # --help: not even the pipeline
    assert loaded[-1] == "['castscript.pipeline']" and (tmp_path / "out" / "quiet.srt").is_file()

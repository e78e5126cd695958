"""DER against a hand computation, WER/cpWER, reference parsing, and the eval command."""

from __future__ import annotations

import pytest

from castscript.cli import main
from castscript.document import SpeakerTurn
from castscript.core.errors import InvalidOption
from castscript.evaluation import (
    DerSettings, annotation, cp_word_errors, load_rttm, load_stm, score_der, word_errors,
)
from castscript.synthetic import write_rttm

REFERENCE = [SpeakerTurn(0.0, 10.0, "A"), SpeakerTurn(10.0, 20.0, "B")]
HYPOTHESIS = [SpeakerTurn(0.0, 8.0, "x"), SpeakerTurn(8.0, 20.0, "y"), SpeakerTurn(20.0, 22.0, "z")]


def test_der_matches_a_hand_computation():
    # No collar: 20 s of speech; 8-10 s is A's but labelled y (2 s confusion); 20-22 s is false alarm (2 s).
    plain = score_der(annotation(REFERENCE), annotation(HYPOTHESIS), DerSettings(collar=0.0))
    assert (plain.total, plain.confusion, plain.false_alarm, plain.missed) == pytest.approx((20, 2, 2, 0))
    assert plain.der == pytest.approx(4 / 20)
    # Collar 0.5 s total removes +/-0.25 s around 0, 10 and 20 s: 19 s scored, 8-9.75 s confused, 20.25-22 s false alarm.
    collared = score_der(annotation(REFERENCE), annotation(HYPOTHESIS), DerSettings(collar=0.5))
    assert collared.total == pytest.approx(19.0)
    assert collared.der == pytest.approx((1.75 + 1.75) / 19.0)
    assert collared.percentages()["correct"] == pytest.approx(100 * 17.25 / 19.0)


def test_skip_overlap_ignores_overlapped_reference_speech():
    reference = [SpeakerTurn(0, 10, "A"), SpeakerTurn(5, 10, "B")]
    hypothesis = [SpeakerTurn(0, 10, "x")]
    scored = score_der(annotation(reference), annotation(hypothesis), DerSettings(collar=0.0))
    skipped = score_der(annotation(reference), annotation(hypothesis), DerSettings(collar=0.0, skip_overlap=True))
    assert scored.missed == pytest.approx(5.0) and scored.total == pytest.approx(15.0)
    assert skipped.der == 0.0 and skipped.total == pytest.approx(5.0)


def test_word_error_rates():
    assert word_errors("Hello, world!", "hello there world").errors == 1
    assert word_errors("one two", "").errors == 2
    speakers = cp_word_errors({"A": "good morning", "B": "yes I read it"}, {"1": "yes I read it", "2": "good morning to"})
    assert (speakers.errors, speakers.words) == (1, 6)


def test_reference_parsing(tmp_path):
    stm = tmp_path / "a.stm"
    stm.write_text("a 1 Diane 6.68 7.16 Hello?\na 1 Sheila 7.6 8.1 <o,f0,female> Hi there\n")
    lines = load_stm(stm)["a"]
    assert [(l.speaker, l.text) for l in lines] == [("Diane", "Hello?"), ("Sheila", "Hi there")]
    bad = tmp_path / "bad.rttm"
    bad.write_text("SPEAKER a 1 zero 1.0 <NA> <NA> A <NA> <NA>\n")
    with pytest.raises(InvalidOption, match="line 1"):
        load_rttm(bad)


def test_eval_command_prints_the_breakdown(tmp_path, capsys):
    reference = write_rttm(REFERENCE, tmp_path / "ref.rttm", "talk")
    hypothesis = write_rttm(HYPOTHESIS, tmp_path / "hyp.rttm", "talk")
    assert main(["eval", str(reference), str(hypothesis), "--collar", "0"]) == 0
    out = capsys.readouterr().out
    assert "collar 0 s" in out and "overlap scored" in out
    for line in ("DER           20.00 %", "confusion     10.00 %", "false alarm   10.00 %", "missed         0.00 %"):
        assert line in out
    assert main(["eval", str(reference)]) == 2


def test_eval_dataset_scores_each_file(demo_dialogue, tmp_path, capsys):
    wav, rttm, _ = demo_dialogue
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "dialogue.wav").write_bytes(wav.read_bytes())
    (folder / "refs.rttm").write_text(rttm.read_text())
    (folder / "other.wav").write_bytes(b"")
    assert main(["eval", "--dataset", str(folder)]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert rows["dialogue"][1:3] == ["2", "2"]
    assert float(rows["dialogue"][3]) <= 10.0
    assert "TOTAL" in rows and "other" not in rows

"""Speech to translated subtitles through the pipeline: English -> Portuguese, Portuguese and German -> English."""

from __future__ import annotations

import json
import subprocess

import pysubs2
import pytest

from castscript.asr import AsrOptions
from castscript.pipeline import PipelineOptions, SpeakerOptions, TranslationOptions, run_pipeline
from castscript.subtitles import OutputOptions, write_outputs
from castscript.synthetic import Line, Voice, dialogue, write_wav

RITA = Voice("Rita", "pt", 0, 130)
PORTUGUESE_LINES = [
    Line(RITA, "Bom dia. O meu nome é Rita e eu moro em Lisboa."),
    Line(RITA, "Hoje o tempo está muito bonito e vamos à praia."),
    Line(RITA, "A minha casa fica perto do rio."),
]


def run(path, out, *targets, translator="bergamot", **asr):
    options = PipelineOptions(
        asr=AsrOptions(**asr),
        speakers=SpeakerOptions(enabled=False),
        translation=TranslationOptions(targets=targets, translator=translator),
        formats=("srt", "json"),
    )
    return run_pipeline(path, options, out).document


def translated(document, language: str) -> str:
    return " ".join(s.translations[language] for s in document.segments)


@pytest.fixture(scope="module")
def jfk_cli(media, tmp_path_factory):
    """castscript run jfk.flac --translate-to pt: Portuguese has an offline model."""
    out = tmp_path_factory.mktemp("jfk")
    result = subprocess.run(
        ["castscript", "run", str(media / "faster-whisper/jfk.flac"), "--no-diarize", "--translate-to", "pt",
         "-o", str(out), "--formats", "srt,vtt,json"],
        capture_output=True, text=True, timeout=300,
    )
    return result, out


def test_jfk_to_portuguese_from_the_cli(jfk_cli):
    result, out = jfk_cli
    assert result.returncode == 0, result.stderr
    text = " ".join(e.plaintext.replace("\n", " ") for e in pysubs2.load(str(out / "jfk.pt.srt")))
    assert "país" in text and "pergunte" in text and "americanos" in text
    document = json.loads((out / "jfk.json").read_text())
    assert document["translation_languages"] == ["pt"]
    assert "seu país" in document["segments"][0]["translations"]["pt"]
    assert (out / "jfk.pt.vtt").is_file()


def test_unknown_pair_offline_exits_8_before_transcribing(media, tmp_path):
    """German has no model offline: exit 8 naming it, before any transcription, nothing written."""
    result = subprocess.run(
        ["castscript", "run", str(media / "faster-whisper/jfk.flac"), "--no-diarize", "--translate-to", "pt,de",
         "-o", str(tmp_path)], capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 8 and "No offline Bergamot model translates into de" in result.stderr
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


def test_bilingual_subtitles_show_the_original_above(jfk_cli, tmp_path):
    from castscript.document import Document

    document = Document.load(jfk_cli[1] / "jfk.json")
    [path] = write_outputs(document, tmp_path, "jfk", ["srt"], OutputOptions(bilingual=True))[1:]
    first = pysubs2.load(str(path))[0].plaintext.split("\n")
    assert first[0].startswith("And so my fellow Americans") and any("americanos" in line for line in first[1:])


def test_english_dialogue_to_portuguese(demo_dialogue, tmp_path):
    document = run(demo_dialogue[0], tmp_path, "pt")
    text = translated(document, "pt")
    assert all(word in text for word in ("Bom dia", "episódio", "cena", "estúdio"))
    assert (tmp_path / "dialogue.pt.srt").is_file()


def test_portuguese_speech_to_english(tmp_path):
    audio, _ = dialogue(PORTUGUESE_LINES)
    document = run(write_wav(audio, tmp_path / "rita.wav"), tmp_path, "en", language="pt")
    text = translated(document, "en").lower()
    assert document.language == "pt"
    assert all(word in text for word in ("good morning", "my name is rita", "beach", "river"))


def test_german_part_to_english_with_whisper(media, tmp_path):
    document = run(media / "faster-whisper/multilingual.mp3", tmp_path, "en", translator="whisper", multilingual=True)
    german = [s for s in document.segments if s.language == "de"]
    english = [s for s in document.segments if s.language == "en"]
    assert german and english
    assert all(s.translations["en"] == s.text for s in english)
    text = " ".join(s.translations["en"] for s in german).lower()
    assert all(word in text for word in ("software", "rights", "distribute")) and " und " not in text
    assert "Software" in " ".join(s.text for s in german)


def test_whisper_translates_only_into_english(media, tmp_path):
    """Refused before any transcription (exit 2), nothing written."""
    from castscript.core.errors import InvalidOption

    with pytest.raises(InvalidOption, match="into English only"):
        run(media / "faster-whisper/jfk.flac", tmp_path, "pt", translator="whisper")
    assert list(tmp_path.iterdir()) == []

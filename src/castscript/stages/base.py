"""One shape for every stage: typed hyper-parameters (the cache key), a separate runtime (threads, device: never in
the key), ``run(context, progress) -> result`` and ``apply(document, result)``; results have to_dict/from_dict."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Protocol, TypeVar

import numpy as np

from ..cache import StageCache, stage_key
from ..document import Document, MediaInfo
from ..media import decode_audio

Report = Callable[[float], None]


@dataclass(frozen=True)
class Runtime:
    """How a stage uses the machine; results do not depend on it, so it is never part of a cache key."""

    threads: int = 0
    device: str = "cpu"


class AudioSource:
    """The input's audio, decoded once when a stage first needs it (a fully cached re-run never decodes)."""

    def __init__(self, path: Path, duration: float):
        self.path, self.duration = path, duration
        self._samples: np.ndarray | None = None
        self._lock = threading.Lock()

    def samples(self, progress: Report | None = None) -> np.ndarray:
        with self._lock:
            if self._samples is None:
                seconds = (lambda t: progress(t / self.duration if self.duration else 1.0)) if progress else None
                self._samples = decode_audio(self.path, progress=seconds)
        return self._samples


@dataclass
class StageContext:
    """What a stage may read: the input, its fingerprint and audio, the options, the document so far, the cache."""

    input_path: Path
    media: MediaInfo
    fingerprint: str
    audio: AudioSource
    options: Any
    """The run's PipelineOptions."""
    cache: StageCache
    output_dir: Path
    document: Document | None = None
    runtime: dict[str, Runtime] = field(default_factory=dict)
    """Stage name -> its share of the machine."""
    cuts: list[float] | None = None
    """Shot changes already known (the cuts stage's cached result): the faces stage does not look for them again."""


class Result(Protocol):
    """What a stage returns: stored in the stage cache as ``to_dict()``, read back by the stage's ``decode``."""

    def to_dict(self) -> dict: ...


R = TypeVar("R", bound=Result)


class Stage(Protocol[R]):
    name: ClassVar[str]
    """The one name of the stage: in progress reports, stage times, cache files and the README."""
    version: ClassVar[str]
    """Bumped when the stage's results change for the same parameters (old cache entries are then ignored)."""
    cached: ClassVar[bool]

    def params(self, context: StageContext) -> Any:
        """Typed hyper-parameters: everything the result depends on besides the media."""

    def run(self, context: StageContext, progress: Report) -> R: ...
    def apply(self, document: Document, result: R) -> None: ...
    def decode(self, data: dict) -> R: ...


def cache_key(stage: Stage, context: StageContext) -> str:
    """Key of a stage's result: its name, version, the media fingerprint and its typed parameters."""
    params = stage.params(context)
    return stage_key(stage.name, stage.version, context.fingerprint, asdict(params) if params is not None else None)


def cached_result(stage: Stage, context: StageContext) -> Any | None:
    """The stored result of ``stage`` for this input and parameters, or None."""
    if not stage.cached:
        return None
    return context.cache.load(stage.name, cache_key(stage, context), stage.decode)


def run_and_store(stage: Stage, context: StageContext, progress: Report) -> Any:
    return store(stage, context, stage.run(context, progress))


def store(stage: Stage, context: StageContext, result: R) -> R:
    """``result`` kept in the stage cache as ``stage``'s result for this input and parameters."""
    if stage.cached:
        context.cache.store(stage.name, cache_key(stage, context), result, lambda r: r.to_dict())
    return result

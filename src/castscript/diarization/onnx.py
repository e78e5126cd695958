"""onnxruntime sessions for the diarization models, one per (model file, thread count) per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import onnxruntime as ort

from .. import models
from ..concurrency import threads_or_all
from ..core.errors import ModelNotFound


def model_file(name: str, model_dir: str | Path | None) -> Path:
    """The ONNX file of registry model ``name``, from ``model_dir`` when given, else the usual resolution."""
    return models.resolve(name, model_dir) / models.get_model(name).main_file()


def providers_for(device: str, available: list[str] | None = None) -> list[str]:
    """onnxruntime execution providers for ``device`` (cpu, cuda, auto): CUDA first when asked for and installed
    (the onnxruntime-gpu package), the CPU always as the fallback."""
    available = ort.get_available_providers() if available is None else available
    if device in ("cuda", "auto") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def uses_gpu(device: str) -> bool:
    return providers_for(device)[0] != "CPUExecutionProvider"


@lru_cache(maxsize=8)
def session(path: Path, threads: int, device: str = "cpu") -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads_or_all(threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=providers_for(device))
    except Exception as exc:  # onnxruntime raises its own untyped errors for unreadable models
        raise ModelNotFound(
            f"Could not load the ONNX model {path}: {exc}",
            hint="The file may be damaged; fetch it again with 'castscript models fetch DIR'.",
        ) from None

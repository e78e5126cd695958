"""onnxruntime sessions for the diarization models, one per (model file, thread count) per process; int8 versions
of a model, built once from the float model and shipped activation ranges."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import onnxruntime as ort

from .. import models
from ..concurrency import threads_or_all
from ..core.errors import ModelNotFound


def model_file(name: str, model_dir: str | Path | None) -> Path:
    """The ONNX file of registry model ``name``, from ``model_dir`` when given, else the usual resolution."""
    return models.resolve(name, model_dir) / models.get_model(name).main_file()


log = logging.getLogger(__name__)


def int8_model(path: Path, ranges: Path) -> Path:
    """``path``'s model with its Conv layers quantized to int8 (static: per-channel weights, activations from the
    ranges in ``ranges``, onnxruntime's calibration cache format; QDQ), built on first use (seconds) into castscript's
    model cache. Where it cannot be built (onnxruntime too old, a read-only cache), the float model, with a warning."""
    stat = path.stat()
    key = hashlib.sha256(f"{stat.st_size}|{stat.st_mtime_ns}|{ort.__version__}|".encode() + ranges.read_bytes())
    target = models.cache_dir() / "int8" / f"{path.parent.name}-{key.hexdigest()[:12]}.onnx"
    if target.is_file():
        return target
    try:
        _quantize(path, ranges, target)
    except Exception as exc:  # onnxruntime.quantization raises many kinds; the float model always works
        log.warning("Using the float %s: could not build its int8 version (%s).", path.parent.name, exc)
        return path
    return target


def quantize_conv(source: Path, target: Path, ranges: Path, reader=None) -> None:
    """``source``'s Conv layers quantized to int8 into ``target`` (QDQ, per-channel int8 weights, uint8 activations,
    MinMax ranges): the ranges are read from ``ranges``, or, given a calibration ``reader``, measured on its inputs
    and written there (benchmarks/quantize_campplus.py)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    quantize_static(source, target, reader, quant_format=QuantFormat.QDQ, op_types_to_quantize=["Conv"],
                    per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, calibration_cache_path=ranges)


def _quantize(path: Path, ranges: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".onnx", dir=target.parent)
    os.close(handle)
    partial = Path(name)  # one per builder: jobs of the service may build at the same time
    quiet = _Quiet()  # quantize_static logs advice on the root logger
    logging.getLogger().addFilter(quiet)
    try:
        quantize_conv(path, partial, ranges)
        os.replace(partial, target)
    finally:
        logging.getLogger().removeFilter(quiet)
        partial.unlink(missing_ok=True)


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname


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
    # Idle worker threads sleep instead of spinning between the many short model calls: on 2 busy cores, diarization
    # with 2 threads took 20.7 s of CPU (35.2 s wall) for 10 min of speech spinning, 12.0 s (24.7 s wall) without.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=providers_for(device))
    except Exception as exc:  # onnxruntime raises its own untyped errors for unreadable models
        raise ModelNotFound(
            f"Could not load the ONNX model {path}: {exc}",
            hint="The file may be damaged; fetch it again with 'castscript models fetch DIR'.",
        ) from None

"""A pre-quantised int8 copy of a float CTranslate2 Whisper model, written once into the model cache.

CTranslate2 quantises a float16 model's weights at every load with ``compute_type="int8"`` (1.4 s of CPU for Whisper
base on 2 cores); the copy holds the same int8 weights and scales, so it loads in a fraction of that and transcribes
identically (tests/asr/test_quantized.py). The copy is keyed by the source model.bin's sha256; its digest is
remembered by path, size and modification time, so a load does not re-hash 145 MB.

model.bin layout (ctranslate2/specs/model_spec.py, binary version 6): version, spec name, spec revision, the
variables (name, rank, shape, dtype id, byte count, bytes), then the aliases (name -> variable name).
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..core.errors import OutputError
from ..core.files import AtomicFile, sha256_file, write_atomic

log = logging.getLogger(__name__)

BINARY_VERSION = 6
DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
"""CTranslate2's DataType ids, in order."""
FLOATS = ("float32", "float16")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json", "preprocessor_config.json")
DIGESTS = "digests.json"


@dataclass
class Variable:
    name: str
    shape: tuple[int, ...]
    dtype: str
    data: bytes | np.ndarray


@dataclass
class ModelFile:
    spec: str
    revision: int
    variables: list[Variable]
    aliases: list[tuple[str, str]]


def read_model(path: Path) -> ModelFile:
    """Every variable and alias of a CTranslate2 model.bin."""
    with open(path, "rb") as handle:
        version = _unpack(handle, "I")
        if version != BINARY_VERSION:
            raise ValueError(f"model.bin binary version {version}, expected {BINARY_VERSION}")
        spec, revision = _string(handle), _unpack(handle, "I")
        variables = []
        for _ in range(_unpack(handle, "I")):
            name = _string(handle)
            shape = tuple(_unpack(handle, "I") for _ in range(_unpack(handle, "B")))
            dtype = DTYPES[_unpack(handle, "B")]
            variables.append(Variable(name, shape, dtype, handle.read(_unpack(handle, "I"))))
        aliases = [(_string(handle), _string(handle)) for _ in range(_unpack(handle, "I"))]
    return ModelFile(spec, revision, variables, aliases)


def write_model(model: ModelFile, path: Path) -> None:
    """``model`` as a model.bin, written atomically."""
    out = AtomicFile(path)
    out.write(struct.pack("I", BINARY_VERSION) + _packed(model.spec) + struct.pack("II", model.revision,
                                                                                     len(model.variables)))
    for var in model.variables:
        data = var.data.tobytes() if isinstance(var.data, np.ndarray) else var.data
        out.write(_packed(var.name) + struct.pack("B", len(var.shape)) + struct.pack(f"{len(var.shape)}I", *var.shape)
                  + struct.pack("=BI", DTYPES.index(var.dtype), len(data)))
        out.write(data)
    out.write(struct.pack("I", len(model.aliases)))
    for alias, name in model.aliases:
        out.write(_packed(alias) + _packed(name))
    out.commit()


def quantize_int8(model: ModelFile) -> ModelFile:
    """Float ``*weight`` matrices (linear layers, embeddings) as int8 with a per-row float32 ``*_scale``, as
    ctranslate2.specs' ``ModelSpec.optimize("int8")`` does; every other variable is kept as it is. The convolutions
    stay float: CTranslate2 quantises no Whisper convolution at load (an int8 copy of them changes the encoder's
    output), so the copy matches what it builds from the float model."""
    variables = []
    for var in model.variables:
        if _quantizable(var):
            values = np.frombuffer(var.data, dtype=var.dtype).astype(np.float32).reshape(var.shape[0], -1)
            amax = np.abs(values).max(axis=1)
            amax[amax == 0] = 127.0
            amax = np.maximum(amax, np.float32(127) / np.finfo(np.float32).max)
            scale = np.float32(127.0) / amax
            quantized = np.rint(values * scale[:, None]).astype(np.int8)
            variables += [Variable(var.name, var.shape, "int8", quantized),
                          Variable(f"{var.name}_scale", (var.shape[0],), "float32", scale.astype(np.float32))]
        else:
            variables.append(var)
    variables.sort(key=lambda v: v.name)  # the order ctranslate2's writer uses
    return ModelFile(model.spec, model.revision, variables, model.aliases)


def int8_copy(source: str | Path, cache: Path) -> Path:
    """The folder of an int8 copy of the model in ``source`` under ``cache`` (made on first use), or ``source``
    itself when it is already quantised or the copy cannot be written."""
    source = Path(source)
    digest = source_digest(source / "model.bin", cache / DIGESTS)
    target = cache / digest
    if (target / "model.bin").is_file():
        return target
    try:
        model = read_model(source / "model.bin")
    except (ValueError, IndexError, struct.error) as exc:  # another layout: CTranslate2 loads it as it is
        log.info("no int8 copy of %s: %s", source, exc)
        return source
    if not any(_quantizable(v) for v in model.variables):
        return source
    log.info("writing an int8 copy of %s into %s (once)", source, target)
    try:
        for name in SIDE_FILES:
            if (source / name).is_file():
                write_atomic(target / name, (source / name).read_bytes())
        write_model(quantize_int8(model), target / "model.bin")  # last: its presence marks a complete copy
    except OutputError as exc:
        log.warning("using %s as it is: %s", source, exc.message)
        shutil.rmtree(target, ignore_errors=True)
        return source
    return target


def source_digest(path: Path, index: Path) -> str:
    """sha256 of ``path``, remembered in ``index`` under its path, size and modification time."""
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    try:
        known = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known[key] = sha256_file(path)
        try:
            write_atomic(index, json.dumps(known, indent=1))
        except OutputError:
            pass  # a read-only cache: hashed again next time
    return known[key]


def _quantizable(var: Variable) -> bool:
    return var.name.endswith("weight") and "/conv" not in var.name and var.dtype in FLOATS and len(var.shape) == 2


def _unpack(handle: BinaryIO, fmt: str) -> int:
    return struct.unpack(fmt, handle.read(struct.calcsize(fmt)))[0]


def _string(handle: BinaryIO) -> str:
    return handle.read(_unpack(handle, "H"))[:-1].decode("utf-8")


def _packed(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("H", len(data) + 1) + data + b"\0"

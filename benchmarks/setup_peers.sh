#!/usr/bin/env bash
# Benchmark-only peers for `castscript bench --compare` / benchmarks/peers.py, in their own virtual environment (never
# castscript's runtime dependencies): WhisperX (on the CPU torch wheel) and sherpa-onnx.
# Usage: benchmarks/setup_peers.sh [VENV]   (default .venv-peers; bench finds it there or via CASTSCRIPT_PEERS_PYTHON)
set -euo pipefail
venv="${1:-.venv-peers}"
python3 -m venv "$venv"
pip() { "$venv/bin/python" -m pip --disable-pip-version-check -q "$@"; }
pip install --upgrade pip wheel
pip install "torch==2.13.0"
# WhisperX 3.8.6 pins torch~=2.8 and pyannote-audio wants torchaudio/torchcodec built for other torch releases (only
# CUDA builds of those are on PyPI): install them without their dependencies so pip cannot swap the CPU torch out.
pip install --no-deps "whisperx==3.8.6" "pyannote-audio==4.0.7" "torchaudio==2.11.1" torch-audiomentations \
    torch-pitch-shift julius primePy torchmetrics
# torchaudio's compiled extension is built against torch 2.11 and cannot load into 2.13; without it torchaudio runs
# its pure-Python functions, all that WhisperX's VAD (pyannote) needs.
rm -f "$("$venv/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("torchaudio").origin))')"/lib/*.so
pip install "faster-whisper>=1.2.0" "ctranslate2>=4.5" nltk "numpy>=2.1" omegaconf "pandas>=2.2.3" \
    "huggingface-hub<1.0" "transformers>=4.48" sherpa-onnx asteroid-filterbanks einops lightning lightning-utilities \
    matplotlib opentelemetry-api opentelemetry-sdk opentelemetry-exporter-otlp pyannote-core pyannote-database \
    pyannote-metrics pyannote-pipeline pyannoteai-sdk pytorch-metric-learning rich safetensors soundfile
"$venv/bin/python" - <<'PY'
import importlib
for name in ("torch", "whisperx.asr", "sherpa_onnx"):
    try:
        importlib.import_module(name)
        print(f"{name}: importable")
    except Exception as exc:  # report every peer, whatever breaks
        print(f"{name}: NOT importable: {type(exc).__name__}: {exc}")
PY

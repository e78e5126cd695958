"""Model registry: local bundle first, then download (here from a mirror on 127.0.0.1) with sha256 checks."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from castscript import models
from castscript.cli import main
from castscript.core.errors import ModelNotFound

SMALL = "yunet-2023mar"


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving a copy of the small models, laid out like the bundle."""
    root = tmp_path / "mirror"
    bundle = Path(models.bundle_dir())
    for name in (SMALL, "pyannote-segmentation-3.0"):
        shutil.copytree(bundle / name, root / name)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CASTSCRIPT_MODEL_MIRROR", f"http://127.0.0.1:{server.server_port}")
    yield root
    server.shutdown()


def test_bundle_is_found_first():
    assert models.resolve("faster-whisper-base") == models.bundle_dir() / "faster-whisper-base"


def test_fetch_downloads_and_verifies(mirror, tmp_path, capsys):
    target = tmp_path / "offline-models"
    assert main(["models", "fetch", str(target), "--only", f"{SMALL},pyannote-segmentation-3.0"]) == 0
    fetched = target / SMALL / "face_detection_yunet_2023mar.onnx"
    assert hashlib.sha256(fetched.read_bytes()).hexdigest() == models.REGISTRY[SMALL].files[0].sha256
    assert (target / "pyannote-segmentation-3.0/model.onnx").stat().st_size == 5916439
    assert "CASTSCRIPT_MODELS=" in capsys.readouterr().out
    assert not list(target.rglob(".part-*"))


def test_corrupted_download_is_rejected_and_discarded(mirror, tmp_path):
    (mirror / SMALL / "face_detection_yunet_2023mar.onnx").write_bytes(b"not the model")
    with pytest.raises(ModelNotFound, match="checksum mismatch"):
        models.fetch(SMALL, tmp_path / "dl")
    assert not list((tmp_path / "dl").rglob("*.onnx")) and not list((tmp_path / "dl").rglob(".part-*"))


def test_resolve_downloads_into_cache_when_missing_locally(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("CASTSCRIPT_MODELS", str(tmp_path / "empty-bundle"))
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path / "cache"))
    folder = models.resolve(SMALL, download=True)
    assert folder == tmp_path / "cache" / "models" / SMALL
    assert (folder / "face_detection_yunet_2023mar.onnx").is_file()


def test_missing_model_error_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("CASTSCRIPT_MODELS", str(tmp_path / "empty-bundle"))
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelNotFound) as error:
        models.resolve("campplus-zh-en-common", download=False)
    message = str(error.value)
    assert "campplus-zh-en-common" in message and "empty-bundle" in message and "models fetch" in message


def test_explicit_path_without_files(tmp_path):
    with pytest.raises(ModelNotFound, match="does not hold its files"):
        models.resolve(SMALL, tmp_path)


def test_models_list_shows_location_and_size(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "faster-whisper-base" in out and "147.9 MB" in out and str(models.bundle_dir()) in out

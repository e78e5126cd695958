"""Model registry: each model's files, public source, and where it resolves on this machine.

Resolution order for a model: an explicit path -> the local bundle directory (``CASTSCRIPT_MODELS``, the layout of
``shared/models``) -> the download cache (``CASTSCRIPT_CACHE``) -> download from the public source into the cache.
``CASTSCRIPT_MODEL_MIRROR`` replaces every public source with one base URL laid out like the bundle
(``{mirror}/{model-name}/{file}``), for air-gapped sites that host their own copy.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .core.files import atomic_path, sha256_file
from .core.settings import settings
from .core.errors import ModelNotFound

log = logging.getLogger(__name__)

HF = "https://huggingface.co/{repo}/resolve/main/{file}"
OPENCV_ZOO = "https://github.com/opencv/opencv_zoo/raw/main/models/{path}"
MOZILLA = "https://media.githubusercontent.com/media/mozilla/firefox-translations-models/main/models/{path}"


@dataclass(frozen=True)
class ModelFile:
    name: str
    url: str
    sha256: str | None = None
    """Pinned digest; checked after every download when set."""
    gzipped: bool = False
    """The public source serves this file gzip-compressed (the mirror serves it plain)."""


@dataclass(frozen=True)
class Model:
    name: str
    kind: str
    description: str
    source: str
    license: str
    files: tuple[ModelFile, ...] = field(default_factory=tuple)

    def main_file(self) -> str:
        return self.files[0].name


def _hf(repo: str, *files: tuple[str, str | None]) -> tuple[ModelFile, ...]:
    return tuple(ModelFile(name, HF.format(repo=repo, file=name), sha) for name, sha in files)


def _bergamot(pair: str, digests: dict[str, str]) -> Model:
    src, tgt = pair[:2], pair[2:]
    names = [
        f"model.{pair}.intgemm.alphas.bin",
        f"lex.50.50.{pair}.s2t.bin",
        f"vocab.{pair}.spm",
        "config.intgemm8bitalpha.yml",
    ]
    files = tuple(
        ModelFile(n, MOZILLA.format(path=f"prod/{pair}/{n}.gz"), digests.get(n), gzipped=not n.endswith(".yml"))
        for n in names
    )
    return Model(
        name=f"bergamot-{src}-{tgt}",
        kind="translation",
        description=f"Firefox Translations (Marian int8) {src}->{tgt}",
        source=f"mozilla/firefox-translations-models prod/{pair}",
        license="MPL-2.0",
        files=files,
    )


REGISTRY: dict[str, Model] = {
    m.name: m
    for m in [
        Model(
            name="faster-whisper-base",
            kind="asr",
            description="Whisper base, multilingual, CTranslate2",
            source="Systran/faster-whisper-base",
            license="MIT",
            files=_hf(
                "Systran/faster-whisper-base",
                ("model.bin", "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
                ("config.json", None),
                ("tokenizer.json", None),
                ("vocabulary.txt", None),
            ),
        ),
        Model(
            name="pyannote-segmentation-3.0",
            kind="diarization",
            description="pyannote segmentation-3.0 (powerset, 3 local speakers), ONNX",
            source="csukuangfj/sherpa-onnx-pyannote-segmentation-3-0",
            license="MIT",
            # The public ONNX export is the same network but not byte-identical to the bundle's: no pinned digest.
            files=_hf("csukuangfj/sherpa-onnx-pyannote-segmentation-3-0", ("model.onnx", None)),
        ),
        Model(
            name="campplus-zh-en-common",
            kind="diarization",
            description="3D-Speaker CAM++ speaker embedding (192-d), ONNX",
            source="csukuangfj/speaker-embedding-models",
            license="Apache-2.0",
            files=(
                ModelFile(
                    "model.onnx",
                    HF.format(
                        repo="csukuangfj/speaker-embedding-models",
                        file="3dspeaker_speech_campplus_sv_zh_en_16k-common_advanced.onnx",
                    ),
                ),
            ),
        ),
        Model(
            name="yunet-2023mar",
            kind="faces",
            description="YuNet face detector, ONNX",
            source="opencv/opencv_zoo",
            license="MIT",
            files=(
                ModelFile(
                    "face_detection_yunet_2023mar.onnx",
                    OPENCV_ZOO.format(path="face_detection_yunet/face_detection_yunet_2023mar.onnx"),
                    "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
                ),
            ),
        ),
        Model(
            name="sface-2021dec-int8bq",
            kind="faces",
            description="SFace face embedding (128-d), block-quantized int8, ONNX",
            source="opencv/opencv_zoo",
            license="Apache-2.0",
            files=(
                ModelFile(
                    "face_recognition_sface_2021dec_int8bq.onnx",
                    OPENCV_ZOO.format(path="face_recognition_sface/face_recognition_sface_2021dec_int8bq.onnx"),
                    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
                ),
            ),
        ),
        Model(
            name="light-asd",
            kind="faces",
            description="Light-ASD active speaker detection (AVA and TalkSet weights), ONNX",
            source="Junhua-Liao/Light-ASD (torch weights; the ONNX export ships only in model bundles and mirrors)",
            license="MIT",
            files=(
                ModelFile("light-asd-ava.onnx", "",
                          "10c81362c98830f5c5f632574eb22adab0c211a171a9c244be0b97d35ca91516"),
                ModelFile("light-asd-talkset.onnx", "",
                          "031542bd110a52d64deafae63590daa7852ebb0fdb0aef03e48de2b64a91dc4f"),
            ),
        ),
        _bergamot(
            "enpt",
            {
                "model.enpt.intgemm.alphas.bin": "d968735704c75e33c2e183b9241f14c0b2a560d01d88a2728e5c0119a4d7fb22",
                "lex.50.50.enpt.s2t.bin": "1e96599123d275afa37353dfe84677a4070f013494fbdc9c52a28445cc9bc38d",
                "vocab.enpt.spm": "633a3d782c79f7d5e4b94ab96848f47c2fdf8ba82dd99efd1742b8a696bbd0cc",
            },
        ),
        _bergamot(
            "pten",
            {
                "model.pten.intgemm.alphas.bin": "6c3b7af01772022a19712410c63342ba581468c2f1aac34d7488409c4043e697",
                "lex.50.50.pten.s2t.bin": "212ed0ae44a6f920cd6d17ca02f0a523ba6c4b0ef5078ae310c20bc4c51484c5",
                "vocab.pten.spm": "8389979e3c965688b07aeb712a7e44406e5dcdb2b84087229d26fcc71448c4ed",
            },
        ),
    ]
}

PIPELINE_MODELS = [
    "faster-whisper-base",
    "pyannote-segmentation-3.0",
    "campplus-zh-en-common",
    "yunet-2023mar",
    "sface-2021dec-int8bq",
    "light-asd",
]


def bundle_dir() -> Path | None:
    return settings().models


def cache_dir() -> Path:
    return settings().cache / "models"


def get_model(name: str) -> Model:
    """A registry entry, or ``bergamot-{src}-{tgt}`` for any Firefox Translations pair (two-letter codes)."""
    if name in REGISTRY:
        return REGISTRY[name]
    parts = name.split("-")
    if len(parts) == 3 and parts[0] == "bergamot" and all(len(p) == 2 and p.isalpha() for p in parts[1:]):
        return _bergamot(parts[1] + parts[2], {})
    known = ", ".join(sorted(REGISTRY))
    raise ModelNotFound(f"Unknown model '{name}'.", hint=f"Known models: {known}, bergamot-SRC-TGT.")


def _complete(folder: Path, model: Model) -> bool:
    return all((folder / f.name).is_file() for f in model.files)


def candidate_dirs(model: Model) -> list[Path]:
    """Folders searched for a model, in order, before any download."""
    dirs = []
    if (bundle := bundle_dir()) is not None:
        dirs.append(bundle / model.name)
    dirs.append(cache_dir() / model.name)
    return dirs


def find_local(name: str) -> Path | None:
    """The folder that holds every file of the model, or None."""
    model = get_model(name)
    return next((d for d in candidate_dirs(model) if _complete(d, model)), None)


def resolve(name: str, explicit: str | Path | None = None, *, download: bool | None = None) -> Path:
    """Folder holding every file of model ``name``; downloads into the cache when allowed and needed.

    ``download`` defaults to the ``CASTSCRIPT_OFFLINE`` setting (downloads allowed unless it is "1").
    """
    model = get_model(name)
    if explicit is not None:
        path = Path(explicit).expanduser()
        if path.is_dir() and _complete(path, model):
            return path
        raise ModelNotFound(
            f"Model '{name}': the path {path} does not hold its files ({', '.join(f.name for f in model.files)}).",
            hint=f"Point it at a folder with those files, or run 'castscript models fetch DIR'.",
        )
    if (found := find_local(name)) is not None:
        return found
    if download is None:
        download = not settings().offline
    looked = ", ".join(str(d) for d in candidate_dirs(model))
    if not download:
        raise ModelNotFound(
            f"Model '{name}' was not found (looked in: {looked}) and downloads are off (CASTSCRIPT_OFFLINE=1).",
            hint="Set CASTSCRIPT_MODELS to a model bundle folder, or run 'castscript models fetch DIR' on a "
            "machine with internet and copy DIR here.",
        )
    try:
        return fetch(name, cache_dir())
    except ModelNotFound as exc:
        raise ModelNotFound(
            f"Model '{name}' was not found locally (looked in: {looked}) and could not be downloaded: {exc.message}",
            hint="Set CASTSCRIPT_MODELS to a folder holding the model bundle, or run 'castscript models fetch DIR' "
            "on a machine with internet and point CASTSCRIPT_MODELS at DIR.",
        ) from None


def source_url(file: ModelFile, model: Model) -> tuple[str, bool]:
    """(URL, gzipped) for one file: the mirror when configured, else the public source."""
    mirror = settings().model_mirror
    if mirror:
        return f"{mirror.rstrip('/')}/{model.name}/{file.name}", False
    return file.url, file.gzipped


def fetch(name: str, target_root: Path, progress=None) -> Path:
    """Download every file of model ``name`` into ``target_root/name``, verifying pinned digests."""
    model = get_model(name)
    folder = Path(target_root) / model.name
    folder.mkdir(parents=True, exist_ok=True)
    for file in model.files:
        destination = folder / file.name
        if destination.is_file() and (file.sha256 is None or sha256_file(destination) == file.sha256):
            continue
        url, gzipped = source_url(file, model)
        if not url:
            raise ModelNotFound(
                f"Model '{name}' has no public download of {file.name} (source: {model.source}).",
                hint="Copy its folder from a castscript model bundle, or set CASTSCRIPT_MODEL_MIRROR to a copy.",
            )
        _download(url, destination, gzipped=gzipped, expected_sha256=file.sha256, progress=progress)
    return folder


def _download(url: str, destination: Path, *, gzipped: bool, expected_sha256: str | None, progress=None) -> None:
    """Stream ``url`` beside ``destination``, unpack and check it, then rename it into place (core.files.atomic_path:
    never a half-written or wrong model under the final name)."""
    import gzip

    import httpx  # 0.1 s to import: only when a model is downloaded

    log.info("downloading %s", url)
    with atomic_path(destination) as tmp:
        try:
            with httpx.stream("GET", url, follow_redirects=True, timeout=60) as response, open(tmp, "wb") as out:
                if response.status_code != 200:
                    raise ModelNotFound(f"{url} answered HTTP {response.status_code}")
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
                    if progress:
                        progress(len(chunk))
        except httpx.HTTPError as exc:
            raise ModelNotFound(f"could not download {url}: {exc}") from None
        if gzipped:
            plain = tmp.with_suffix(".plain")
            try:
                with gzip.open(tmp, "rb") as src, open(plain, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (OSError, EOFError) as exc:
                plain.unlink(missing_ok=True)
                raise ModelNotFound(f"{url} is not the gzip file it should be: {exc}") from None
            os.replace(plain, tmp)
        if expected_sha256 is not None and (actual := sha256_file(tmp)) != expected_sha256:
            raise ModelNotFound(
                f"checksum mismatch for {url}: expected sha256 {expected_sha256}, got {actual}; the file was discarded"
            )


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

"""What this server can do, for the upload form: spoken languages, installed translation pairs, output formats,
and the waveform peaks of a job's media (computed once, then kept beside its outputs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import models
from ..media import decode_audio
from ..core.options import whisper_languages
from .jobs import Services, job_prefix

FORMAT_DESCRIPTIONS = {
    "srt": "SubRip subtitles, what every player and editor reads",
    "vtt": "WebVTT subtitles for web players",
    "ass": "styled subtitles, speaker colours (Aegisub, VLC, mpv)",
    "txt": "plain script: one line per speaker turn",
    "json": "the whole document: words, times, speakers, translations",
    "whisperx-json": "WhisperX-compatible JSON (segments with words)",
    "rttm": "who spoke when, for diarization tools",
    "diarization-json": "speaker turns as JSON",
    "html": "interactive transcript page that plays the media",
    "ttml": "TTML / IMSC subtitles, the broadcast and streaming deliverable",
    "ebu-stl": "EBU-STL binary subtitles for broadcast",
    "dialogue-list": "as-broadcast dialogue list (spreadsheet) for dubbing",
    "dialogue-list-docx": "the dialogue list as a Word document",
}
PIVOT = "en"
PEAKS_PER_SECOND = 50
MAX_PEAKS = 200_000


def installed_pairs() -> list[tuple[str, str]]:
    """(source, target) of every Bergamot model found locally (the bundle or the model cache)."""
    roots = [root for root in (models.bundle_dir(), models.cache_dir()) if root is not None and root.is_dir()]
    pairs = set()
    for root in roots:
        for folder in root.glob("bergamot-*-*"):
            _, source, target = folder.name.split("-", 2)
            if models.find_local(folder.name) is not None:
                pairs.add((source, target))
    return sorted(pairs)


def translation_targets(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Source language -> the targets reachable offline, directly or through English."""
    reach: dict[str, set[str]] = {}
    for source, target in pairs:
        reach.setdefault(source, set()).add(target)
    for source in list(reach):
        if source != PIVOT:
            reach[source] |= {t for t in reach.get(PIVOT, set()) if t != source}
    return {source: sorted(targets) for source, targets in sorted(reach.items())}


def languages() -> dict:
    pairs = installed_pairs()
    reach = translation_targets(pairs)
    return {
        "spoken": list(whisper_languages()),
        "pairs": [{"source": s, "target": t} for s, t in pairs],
        "targets_by_source": reach,
        "targets": sorted({t for targets in reach.values() for t in targets}),
    }


def peaks(services: Services, job_id: str, media_key: str) -> dict:
    """{"duration", "per_second", "peaks"}: the loudest sample of each bin of the media's 16 kHz mono audio."""
    key = f"{job_prefix(job_id)}/peaks.json"
    if services.storage.exists(key):
        return json.loads(services.storage.read_bytes(key))
    folder = services.config.work_dir
    audio = decode_audio(services.storage.fetch(media_key, Path(folder)))
    duration = len(audio) / 16000
    per_second = min(PEAKS_PER_SECOND, MAX_PEAKS / max(duration, 1e-3))
    bins = max(1, int(duration * per_second))
    edges = np.linspace(0, len(audio), bins + 1).astype(int)
    values = [float(np.abs(audio[a:b]).max()) if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])]
    top = max(values, default=0.0) or 1.0
    result = {"duration": round(duration, 3), "per_second": per_second, "peaks": [round(v / top, 3) for v in values]}
    services.storage.write_bytes(key, json.dumps(result).encode())
    return result

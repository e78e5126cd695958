"""Shot changes (cuts) in a video, found by PySceneDetect's adaptive content detector over PyAV-decoded frames."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from ..core.errors import CorruptMedia, InputNotFound

CHUNK_SECONDS = 10.0
"""Frames are read in chunks of this many seconds, with a progress report after each."""


def detect_cuts(path: str | Path, progress: Callable[[float], None] | None = None) -> list[float]:
    """Seconds of each cut (the first frame of every shot but the first), sorted; ``progress`` gets 0..1."""
    from scenedetect import AdaptiveDetector, SceneManager, open_video
    from scenedetect.video_stream import VideoOpenFailure

    logging.getLogger("pyscenedetect").setLevel(logging.WARNING)  # it logs each chunk at INFO, past the CLI's level

    path = Path(path)
    if not path.is_file():
        raise InputNotFound(f"Video not found: {path}")
    try:
        video = open_video(str(path), backend="pyav")
    except (VideoOpenFailure, OSError, ValueError) as exc:
        raise CorruptMedia(f"Could not read the video stream of {path.name} to find shot changes: {exc}") from None
    manager = SceneManager()  # frames are downscaled to ~256 px wide before comparison
    manager.add_detector(AdaptiveDetector())
    total = video.duration.get_seconds() if video.duration else 0.0
    while True:
        before = video.frame_number
        manager.detect_scenes(video, end_time=video.position.get_seconds() + CHUNK_SECONDS)
        if progress and total:
            progress(min(1.0, video.position.get_seconds() / total))
        if video.frame_number == before:
            break
    scenes = manager.get_scene_list(start_in_scene=True)
    if progress:
        progress(1.0)
    return sorted(round(start.get_seconds(), 6) for start, _ in scenes[1:])

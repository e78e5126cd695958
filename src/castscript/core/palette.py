"""The one speaker palette: the HTML transcript, the web UI (served by the API) and burned subtitles all colour
speaker N with ``SPEAKER_COLOURS[N % len]``, in order of first speech."""

from __future__ import annotations

SPEAKER_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8e6c8a", "#999933")
"""Colour-blind-safe (Okabe-Ito first), legible on a light page."""
ON_VIDEO_LIGHTEN = 0.45
"""Share of white mixed in for text drawn over video (dark outline, any picture)."""


def speaker_colour(index: int) -> str:
    """Hex colour of the ``index``-th speaker (0-based, in order of first speech)."""
    return SPEAKER_COLOURS[index % len(SPEAKER_COLOURS)]


def speaker_rgb(index: int, *, on_video: bool = False) -> tuple[int, int, int]:
    """(r, g, b) of the ``index``-th speaker; lightened for burned subtitles so every colour reads over video."""
    hex_colour = speaker_colour(index)
    rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    if on_video:
        rgb = tuple(round(c + (255 - c) * ON_VIDEO_LIGHTEN) for c in rgb)
    return rgb  # type: ignore[return-value]


def colours_by_label(labels) -> dict[str, str]:
    """Label -> hex colour for labels in order of first appearance (repeats ignored)."""
    return {label: speaker_colour(i) for i, label in enumerate(dict.fromkeys(labels))}

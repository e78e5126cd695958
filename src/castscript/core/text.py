"""Small text helpers: the one clock formatter family and comma-separated lists."""

from __future__ import annotations


def clock(seconds: float, decimals: int = 3, *, hour_width: int = 2, short: bool = False, down: bool = False) -> str:
    """``seconds`` as H:MM:SS with ``decimals`` fraction digits, rounded once (59.9996 s is 00:01:00.000), or cut
    off with ``down`` (a player position: 62.9 s is still 1:02).

    ``hour_width`` pads the hours (2: 00:01:02.500, 1: 0:01:02.500000 for RTTM-like listings); ``short`` drops zero
    hours and the minutes' padding (1:02, 1:01:02) for reading.
    """
    scale = 10**decimals
    units = int(max(0.0, seconds) * scale) if down else round(max(0.0, seconds) * scale)
    whole, fraction = divmod(units, scale)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    tail = f".{fraction:0{decimals}d}" if decimals else ""
    if short:
        return f"{hours}:{minutes:02d}:{secs:02d}{tail}" if hours else f"{minutes}:{secs:02d}{tail}"
    return f"{hours:0{hour_width}d}:{minutes:02d}:{secs:02d}{tail}"


def split_list(value: str) -> tuple[str, ...]:
    """``"pt, es,"`` -> ``("pt", "es")``."""
    return tuple(item.strip() for item in value.split(",") if item.strip())

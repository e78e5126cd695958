"""castscript: speaker-attributed, translated scripts and subtitles from any video or audio."""

__version__ = "0.1.0"

"""Subtitle and transcript outputs: cue building by broadcast rules, and one registry of format writers."""

from ..core.options import PROFILES, CueRules, profile
from .cues import Cue, build_cues, wrap_lines
from .formats import FORMATS, OutputOptions, register, write_atomic, write_outputs
from . import deliverables  # noqa: F401  (registers ttml, ebu-stl and dialogue-list)
from . import html  # noqa: F401  (registers the html format)
from . import speaker_formats  # noqa: F401  (registers the rttm and diarization-json formats)

__all__ = ["FORMATS", "PROFILES", "Cue", "CueRules", "OutputOptions", "build_cues", "profile", "register", "wrap_lines",
           "write_atomic", "write_outputs"]

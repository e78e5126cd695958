"""The stages of a run, one shape each (see base.py), in pipeline order:

transcribe | diarize | faces or cuts (side by side; faces finds the cuts too) -> identify -> translate -> (outputs written) -> burn.
"""

from .base import AudioSource, Runtime, StageContext, cache_key, cached_result, run_and_store, store
from .burn import BurnStage
from .cuts import Cuts, CutsStage
from .diarize import DiarizeStage
from .faces import FacesStage
from .identify import IdentifyStage, name_speakers
from .transcribe import TranscribeStage, Transcript
from .translate import TranslateStage

__all__ = ["AudioSource", "BurnStage", "Cuts", "CutsStage", "DiarizeStage", "FacesStage", "IdentifyStage", "Runtime",
           "StageContext", "TranscribeStage", "Transcript", "TranslateStage", "cache_key", "cached_result",
           "name_speakers", "run_and_store", "store"]

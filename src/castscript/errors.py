"""Alias of :mod:`castscript.core.errors`, the one error tree (kept so existing imports keep working)."""

from .core.errors import *  # noqa: F401,F403
from .core.errors import __all__  # noqa: F401

"""The browser UI: static HTML, JavaScript and CSS served by the service (no build step)."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"

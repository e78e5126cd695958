"""castscript as a service: asynchronous job API, web UI, in-process or Celery workers, local or S3 storage."""

from .api import create_app
from .config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]

"""python -m castscript: the command line."""

from .cli import main

raise SystemExit(main())

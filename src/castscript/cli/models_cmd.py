"""castscript models list | fetch DIR: where each model resolves, and pre-downloading for offline machines."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import models
from . import add_command


def register(subparsers) -> None:
    parser = add_command(subparsers, "models")
    sub = parser.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="each model, where it resolves, and its size").set_defaults(func=list_models)
    fetch = sub.add_parser("fetch", help="download every model the pipeline needs into DIR")
    fetch.add_argument("dir", help="target folder (then: export CASTSCRIPT_MODELS=DIR)")
    fetch.add_argument("--only", default="", help="comma-separated model names (default: the pipeline's models)")
    fetch.add_argument("--with-translation", action="store_true", help="also the bundled translation models")
    fetch.set_defaults(func=fetch_models)


def list_models(args: argparse.Namespace) -> int:
    print(f"{'model':<28} {'kind':<12} {'size':>9}  location")
    for model in models.REGISTRY.values():
        folder = models.find_local(model.name)
        size = f"{models.folder_size(folder) / 1e6:.1f} MB" if folder else "-"
        where = str(folder) if folder else f"not local; downloads from {model.source}"
        print(f"{model.name:<28} {model.kind:<12} {size:>9}  {where}")
    return 0


def fetch_models(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(models.PIPELINE_MODELS)
    if args.with_translation:
        names += [n for n, m in models.REGISTRY.items() if m.kind == "translation" and n not in names]
    target = Path(args.dir)
    for name in names:
        folder = models.fetch(name, target)
        print(f"{name}: {folder} ({models.folder_size(folder) / 1e6:.1f} MB)")
    print(f"done; use them with: export CASTSCRIPT_MODELS={target.resolve()}")
    return 0

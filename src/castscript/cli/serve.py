"""castscript serve | worker | watch | tokens: the job service, its Celery workers, a folder/bucket watcher, API tokens."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.settings import settings
from ..core.errors import InvalidOption
from .run import add_pipeline_arguments
from . import add_command


def register(subparsers) -> None:
    serve = add_command(subparsers, "serve")
    _add_service_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="in-process job workers (CASTSCRIPT_WORKERS, 2)")
    serve.add_argument("--max-upload", default=None, help="upload size limit, e.g. 10G (CASTSCRIPT_MAX_UPLOAD)")
    serve.add_argument("--max-active-jobs", type=int, default=None,
                       help="queued + running jobs per token (CASTSCRIPT_MAX_ACTIVE_JOBS, 100)")
    serve.add_argument("--cors-origin", action="append", default=None,
                       help="allow browser calls from this origin (repeatable; CORS is off by default)")
    serve.set_defaults(func=serve_command)

    worker = add_command(subparsers, "worker")
    _add_service_arguments(worker)
    worker.add_argument("--concurrency", type=int, default=1, help="jobs at once on this machine")
    worker.set_defaults(func=worker_command)

    watch = add_command(subparsers, "watch")
    watch.add_argument("source", help="a folder, or s3://bucket/prefix")
    watch.add_argument("--server", default=settings().server,
                       help="server URL (CASTSCRIPT_SERVER)")
    watch.add_argument("--token", default=settings().token, help="API token (CASTSCRIPT_TOKEN)")
    watch.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    watch.add_argument("--existing", action="store_true", help="also submit files already there at start")
    add_pipeline_arguments(watch)
    watch.set_defaults(func=watch_command)

    tokens = add_command(subparsers, "tokens")
    _add_service_arguments(tokens)
    actions = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="new token for an owner (printed once, stored hashed)")
    create.add_argument("--owner", required=True, help="who the token's jobs belong to")
    create.add_argument("--name", default="", help="a note, e.g. the machine or person using it")
    create.set_defaults(func=tokens_create)
    actions.add_parser("list", help="tokens and their owners").set_defaults(func=tokens_list)
    revoke = actions.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id")
    revoke.set_defaults(func=tokens_revoke)


def _add_service_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("service")
    group.add_argument("--data", default=None, help="service folder (CASTSCRIPT_DATA)")
    group.add_argument("--db-url", default=None, help="job store SQLAlchemy URL (CASTSCRIPT_DB_URL; SQLite in --data)")
    group.add_argument("--storage", default=None, help="folder or s3://bucket/prefix (CASTSCRIPT_STORAGE)")
    group.add_argument("--broker", default=None, help="redis://... to use Celery workers (CASTSCRIPT_BROKER)")


def _config(args: argparse.Namespace, **extra):
    from ..service.config import ServiceConfig

    data = Path(args.data).expanduser() if args.data else None
    return ServiceConfig.from_env(data_dir=data, db_url=args.db_url, storage=args.storage, broker=args.broker, **extra)


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from ..service import create_app
    from ..service.config import parse_size

    config = _config(
        args, workers=args.workers, max_active_jobs=args.max_active_jobs,
        max_upload_bytes=parse_size(args.max_upload) if args.max_upload else None,
        cors_origins=tuple(args.cors_origin) if args.cors_origin else None,
    )
    mode = f"Celery via {config.broker}" if config.broker else f"{config.workers} in-process worker(s)"
    print(f"castscript serve: http://{args.host}:{args.port}  ({mode}; storage {config.storage_url})", flush=True)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning" if args.quiet else "info")
    return 0


def worker_command(args: argparse.Namespace) -> int:
    from ..service.tasks import start_worker

    config = _config(args)
    if not config.broker:
        raise InvalidOption("castscript worker needs a broker.", hint="Pass --broker redis://HOST:6379/0 or set CASTSCRIPT_BROKER.")
    start_worker(config, args.concurrency, "WARNING" if args.quiet else "INFO")
    return 0


def watch_command(args: argparse.Namespace) -> int:
    from ..service.schemas import JobOptions
    from .run import options_from_args
    from ..service.watch import ApiClient, Watcher, open_source

    if not args.token:
        raise InvalidOption("castscript watch needs an API token.", hint="Pass --token or set CASTSCRIPT_TOKEN.")
    options = JobOptions.from_pipeline_options(options_from_args(args))
    source = open_source(args.source)
    watcher = Watcher(source, ApiClient(args.server, args.token), options, args.existing)
    print(f"castscript watch: {source.description} -> {args.server} ({len(watcher.done)} file(s) there already)",
          flush=True)
    watcher.run(args.interval, lambda entry, job: print(f"submitted {entry.name}: job {job['id']}", flush=True))
    return 0


def tokens_create(args: argparse.Namespace) -> int:
    from ..service.store import Store

    row, secret = Store(_config(args).database_url).create_token(args.owner, args.name)
    print(f"token {row.id} for {row.owner} (shown once, keep it safe):\n{secret}")
    return 0


def tokens_list(args: argparse.Namespace) -> int:
    from datetime import datetime

    from ..service.store import Store

    print(f"{'id':<10} {'owner':<20} {'created':<20} {'state':<8} name")
    for row in Store(_config(args).database_url).tokens():
        created = datetime.fromtimestamp(row.created_at).strftime("%Y-%m-%d %H:%M")
        print(f"{row.id:<10} {row.owner:<20} {created:<20} {'revoked' if row.revoked_at else 'active':<8} {row.name}")
    return 0


def tokens_revoke(args: argparse.Namespace) -> int:
    from ..service.store import Store

    if not Store(_config(args).database_url).revoke_token(args.id):
        raise InvalidOption(f"No active token with id {args.id}.", hint="See: castscript tokens list")
    print(f"revoked token {args.id}")
    return 0

"""Job store (SQLAlchemy: SQLite by default, PostgreSQL by URL): tokens, uploads and jobs, always scoped by owner."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (JSON, Float, ForeignKey, Index, Integer, String, Text, create_engine, delete, event, func,
                        inspect, select, text, update)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE_STATES = (QUEUED, RUNNING)
FINAL_STATES = (DONE, FAILED, CANCELLED)
TOKEN_PREFIX = "cs_"


class Base(DeclarativeBase):
    pass


class TokenRow(Base):
    __tablename__ = "tokens"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class UploadRow(Base):
    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_owner_idempotency", "owner", "idempotency_key", unique=True),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str | None] = mapped_column(String(32), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    """Fraction (0-1) of the current stage done."""
    expected_end: Mapped[float | None] = mapped_column(Float, nullable=True)
    """When the running job is expected to finish (epoch seconds; core.progress.JobEstimate)."""
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    """CastscriptError.to_dict() of a failed job."""
    options: Mapped[dict] = mapped_column(JSON)
    upload_id: Mapped[str | None] = mapped_column(ForeignKey("uploads.id"), nullable=True)
    input_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    input_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Storage key of the media (the upload, or the downloaded URL once fetched)."""
    input_name: Mapped[str] = mapped_column(Text)
    outputs: Mapped[list] = mapped_column(JSON, default=list)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class RevisionRow(Base):
    """One saved state of a finished job's document (0: as the pipeline wrote it); rows are only ever added."""

    __tablename__ = "revisions"
    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    """Storage key of the document of this revision."""
    who: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class VideoRow(Base):
    """The burned video of a finished job that was run with burn: which revision it shows, which one is wanted."""

    __tablename__ = "videos"
    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rendered: Mapped[int] = mapped_column(Integer, default=0)
    """The revision the stored video shows."""
    wanted: Mapped[int] = mapped_column(Integer, default=0)
    """The revision it should show (the current one); rendered < wanted while it is re-rendered."""
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the last re-render failed (None: it did not)."""
    updated_at: Mapped[float] = mapped_column(Float)


def hash_token(token: str) -> str:
    """Tokens are 256-bit random strings, so a plain SHA-256 is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def add_missing_columns(engine: Engine) -> None:
    """Columns declared since the database was made (create_all adds only missing tables), added empty: every column
    added to an existing table is nullable."""
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} "
                                            f"{column.type.compile(engine.dialect)}"))
            except DBAPIError:  # another process (API server, worker) added it first
                if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                    raise


class Store:
    """All reads and writes of service state; methods taking ``owner`` never see another owner's rows."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # tokens
    def create_token(self, owner: str, name: str = "") -> tuple[TokenRow, str]:
        """A new token for ``owner``; the secret is returned once and only its hash is stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = TokenRow(id=secrets.token_hex(4), owner=owner, name=name, token_hash=hash_token(secret),
                       created_at=time.time())
        with self.session() as session:
            session.add(row)
        return row, secret

    def owner_of(self, secret: str) -> str | None:
        with self.session() as session:
            row = session.scalar(select(TokenRow).where(TokenRow.token_hash == hash_token(secret)))
            return row.owner if row and row.revoked_at is None else None

    def revoke_token(self, token_id: str) -> bool:
        with self.session() as session:
            result = session.execute(
                update(TokenRow).where(TokenRow.id == token_id, TokenRow.revoked_at.is_(None)).values(revoked_at=time.time())
            )
            return result.rowcount > 0

    def tokens(self) -> list[TokenRow]:
        with self.session() as session:
            return list(session.scalars(select(TokenRow).order_by(TokenRow.created_at)))

    # uploads
    def add_upload(self, row: UploadRow) -> UploadRow:
        with self.session() as session:
            session.add(row)
        return row

    def upload(self, owner: str, upload_id: str) -> UploadRow | None:
        with self.session() as session:
            row = session.get(UploadRow, upload_id)
            return row if row and row.owner == owner else None

    def delete_upload(self, upload_id: str) -> None:
        with self.session() as session:
            row = session.get(UploadRow, upload_id)
            if row is not None:
                session.delete(row)

    def unused_uploads(self, created_before: float) -> list[UploadRow]:
        """Uploads older than ``created_before`` that no job uses (abandoned after uploading)."""
        used = select(JobRow.upload_id).where(JobRow.upload_id.is_not(None))
        with self.session() as session:
            query = select(UploadRow).where(UploadRow.created_at < created_before, UploadRow.id.not_in(used))
            return list(session.scalars(query))

    def upload_in_use(self, upload_id: str) -> bool:
        with self.session() as session:
            return session.scalar(select(func.count()).where(JobRow.upload_id == upload_id)) > 0

    # jobs
    def add_job(self, row: JobRow) -> JobRow:
        with self.session() as session:
            session.add(row)
        return row

    def job(self, owner: str, job_id: str) -> JobRow | None:
        row = self.job_by_id(job_id)
        return row if row and row.owner == owner else None

    def job_by_id(self, job_id: str) -> JobRow | None:
        with self.session() as session:
            return session.get(JobRow, job_id)

    def job_by_idempotency_key(self, owner: str, key: str) -> JobRow | None:
        with self.session() as session:
            return session.scalar(select(JobRow).where(JobRow.owner == owner, JobRow.idempotency_key == key))

    def jobs(self, owner: str, limit: int = 50, offset: int = 0, state: str | None = None) -> list[JobRow]:
        query = select(JobRow).where(JobRow.owner == owner)
        if state:
            query = query.where(JobRow.state == state)
        with self.session() as session:
            return list(session.scalars(query.order_by(JobRow.created_at.desc()).limit(limit).offset(offset)))

    def active_job_count(self, owner: str) -> int:
        with self.session() as session:
            return session.scalar(
                select(func.count()).where(JobRow.owner == owner, JobRow.state.in_(ACTIVE_STATES))
            )

    def unfinished_job_ids(self) -> list[str]:
        with self.session() as session:
            query = select(JobRow.id).where(JobRow.state.in_(ACTIVE_STATES)).order_by(JobRow.created_at)
            return list(session.scalars(query))

    def delete_job(self, job_id: str) -> None:
        with self.session() as session:
            row = session.get(JobRow, job_id)
            if row is not None:
                session.delete(row)
            session.execute(delete(RevisionRow).where(RevisionRow.job_id == job_id))
            session.execute(delete(VideoRow).where(VideoRow.job_id == job_id))

    # revisions
    def add_revision(self, row: RevisionRow) -> bool:
        """Record a revision; False when its number is taken (another edit won the race)."""
        try:
            with self.session() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    def revisions(self, job_id: str) -> list[RevisionRow]:
        with self.session() as session:
            query = select(RevisionRow).where(RevisionRow.job_id == job_id).order_by(RevisionRow.number)
            return list(session.scalars(query))

    def revision(self, job_id: str, number: int) -> RevisionRow | None:
        with self.session() as session:
            return session.get(RevisionRow, (job_id, number))

    def latest_revision(self, job_id: str) -> RevisionRow | None:
        with self.session() as session:
            query = select(RevisionRow).where(RevisionRow.job_id == job_id).order_by(RevisionRow.number.desc())
            return session.scalars(query.limit(1)).first()

    def delete_revisions(self, job_id: str) -> None:
        with self.session() as session:
            session.execute(delete(RevisionRow).where(RevisionRow.job_id == job_id))

    # burned videos re-rendered after edits
    def video(self, job_id: str) -> VideoRow | None:
        with self.session() as session:
            return session.get(VideoRow, job_id)

    def videos(self, job_ids: list[str]) -> dict[str, VideoRow]:
        with self.session() as session:
            return {row.job_id: row for row in session.scalars(select(VideoRow).where(VideoRow.job_id.in_(job_ids)))}

    def want_video(self, job_id: str, number: int) -> None:
        """The job's video should show revision ``number`` (a later wish is never replaced by an earlier one)."""
        with self.session() as session:
            row = session.get(VideoRow, job_id, with_for_update=True)
            if row is None:
                session.add(VideoRow(job_id=job_id, rendered=0, wanted=number, progress=0.0, updated_at=time.time()))
            elif number > row.wanted:
                row.wanted, row.progress, row.error, row.updated_at = number, 0.0, None, time.time()

    def update_video(self, job_id: str, **values: Any) -> None:
        with self.session() as session:
            session.execute(update(VideoRow).where(VideoRow.job_id == job_id).values(updated_at=time.time(), **values))

    def stale_videos(self) -> list[str]:
        """Jobs whose video shows an older revision than the current one and did not fail (to resume on start)."""
        with self.session() as session:
            query = select(VideoRow.job_id).where(VideoRow.rendered < VideoRow.wanted, VideoRow.error.is_(None))
            return list(session.scalars(query))

    def transition(self, job_id: str, from_states: tuple[str, ...], **values: Any) -> bool:
        """Set ``values`` only if the job is in one of ``from_states`` (atomic: a cancel and a finish cannot both win)."""
        with self.session() as session:
            result = session.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.state.in_(from_states)).values(**values)
            )
            return result.rowcount > 0

    def state_of(self, job_id: str) -> str | None:
        with self.session() as session:
            return session.scalar(select(JobRow.state).where(JobRow.id == job_id))

"""The batch ledger: one SQLite file per output directory (``OUT/ledger.sqlite``).

It records, per episode, which stages of :data:`audio2digest.stages.STAGE_NAMES` are done, with the fingerprint of each stage's inputs, its timing and what it produced; and
for failures the attempts, the last error and when to retry (exponential backoff).

The rule is yt-dlp's download-archive rule: a stage is recorded only *after* its output is
safely on disk (written atomically by the stage). A crash between the two leaves the stage
unrecorded, so it runs again; it can never leave undone work marked as done.

The schema version lives in ``PRAGMA user_version``. A ledger from a newer version, or a file
that is not a readable ledger, raises :class:`LedgerError` naming the file; it is never
recreated or overwritten (no silent data loss). The database runs in WAL mode and every change
is one transaction. One process writes at a time: :meth:`Ledger.open` takes an exclusive lock
(``OUT/ledger.lock``) that the operating system releases if the process dies.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from audio2digest.errors import LedgerError
from audio2digest.files import is_disk_full, os_reason
from audio2digest.stages import STAGE_NAMES

log = logging.getLogger("audio2digest.batch.ledger")

LEDGER_NAME = "ledger.sqlite"
LOCK_NAME = "ledger.lock"
SCHEMA_VERSION = 2

#: Pipeline stages in order; an episode's state is the last stage done. ``failed`` is a state,
#: not a stage.
STAGES = STAGE_NAMES
STATES = ("pending",) + STAGES + ("failed",)
LAST_STAGE = STAGES[-1]


@dataclass(frozen=True)
class StageDone:
    """One finished stage, as a task reports it: what the ledger records."""

    stage: str
    fingerprint: str
    seconds: float = 0.0
    info: dict = field(default_factory=dict)


#: Schema 1 named stages by their state after them and had no normalise/segment records of
#: their own; opening such a ledger for writing renames them (its fingerprints no longer match,
#: so its episodes run again, reusing their transcripts).
_V1_NAMES = {
    "fetched": "fetch",
    "transcribed": "transcribe",
    "corrected": "correct",
    "segmented": "digest",
    "rendered": "render",
}

_SQLITE_MAGIC = b"SQLite format 3\x00"

#: Free space (bytes) under which an SQLite I/O error is taken for a full disk. SQLite reports
#: a full disk as SQLITE_FULL, but in WAL mode often as a plain "disk I/O error": on a full
#: 1-MiB tmpfs opening and writing the ledger both gave SQLITE_IOERR_SHMSIZE (the -shm file
#: could not grow). 64 KiB is two -shm growth steps (32 KiB each).
DISK_FULL_SLACK = 64 * 1024

_MOVE_AWAY = "it was left untouched — move it away to start a new ledger"

# SQLite's primary result codes (https://www.sqlite.org/rescode.html). The ``sqlite3`` module
# exports them, and sets ``sqlite_errorcode`` on its exceptions, only from Python 3.11 on.
SQLITE_READONLY = getattr(sqlite3, "SQLITE_READONLY", 8)
SQLITE_IOERR = getattr(sqlite3, "SQLITE_IOERR", 10)
SQLITE_CORRUPT = getattr(sqlite3, "SQLITE_CORRUPT", 11)
SQLITE_FULL = getattr(sqlite3, "SQLITE_FULL", 13)
SQLITE_CANTOPEN = getattr(sqlite3, "SQLITE_CANTOPEN", 14)
SQLITE_NOTADB = getattr(sqlite3, "SQLITE_NOTADB", 26)

#: Before Python 3.11 an ``sqlite3`` error carries only its message; these are the messages
#: SQLite gives for the codes above (``sqlite3_errstr``), to tell them apart there.
_SQLITE_MESSAGES = (
    ("database or disk is full", SQLITE_FULL),
    ("disk I/O error", SQLITE_IOERR),
    ("attempt to write a readonly database", SQLITE_READONLY),
    ("database disk image is malformed", SQLITE_CORRUPT),
    ("file is not a database", SQLITE_NOTADB),
    ("unable to open database file", SQLITE_CANTOPEN),
)


def sqlite_primary_code(exc: BaseException) -> int | None:
    """The primary SQLite result code of ``exc`` (None: not an SQLite error, or unknown)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    if isinstance(exc, sqlite3.Error):  # Python 3.10: no sqlite_errorcode, only the message
        msg = str(exc)
        for text, primary in _SQLITE_MESSAGES:
            if msg.startswith(text):
                return primary
    return None


def free_bytes(path: Path) -> int | None:
    """Bytes free for unprivileged writes on the file system holding ``path`` (None: unknown)."""
    try:
        st = os.statvfs(path if path.is_dir() else path.parent)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def ledger_error(
    path: Path, exc: BaseException, doing: str, *, free: Callable[[Path], int | None] = free_bytes
) -> LedgerError:
    """One line for a failed ledger operation that names the real cause.

    Only a database SQLite itself calls corrupt (or not a database) is "corrupt … move it
    away"; a full disk, a read-only directory or an I/O error leave a healthy ledger, and the
    message says so, so nobody throws good state away. ``free`` is how free space is measured
    (tests pass a fake)."""
    primary = sqlite_primary_code(exc)
    detail = os_reason(exc) if isinstance(exc, OSError) else str(exc)
    space = free(path) if primary == SQLITE_IOERR else None
    if is_disk_full(exc) or primary == SQLITE_FULL or (space is not None and space < DISK_FULL_SLACK):
        return LedgerError(
            f"{path}: disk full while {doing}; the ledger is intact — free some space and run again"
        )
    if primary == SQLITE_READONLY or (
        isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    ):
        return LedgerError(f"{path}: cannot write ({detail}) while {doing}; OUT must be a writable directory")
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return LedgerError(f"{path}: corrupt ledger ({detail}); {_MOVE_AWAY}")
    if primary == SQLITE_CANTOPEN:
        return LedgerError(f"{path}: cannot open the ledger ({detail}) while {doing}")
    if primary == SQLITE_IOERR:
        return LedgerError(
            f"{path}: disk I/O error while {doing} ({detail}); the ledger was "
            "left as it was — check the disk and run again"
        )
    return LedgerError(f"{path}: {detail} (while {doing})")


_SCHEMA = """
CREATE TABLE episodes (
    key           TEXT PRIMARY KEY,           -- source (+ feed entry): what identifies the episode
    source        TEXT NOT NULL,              -- the line of SOURCES (URL or absolute path)
    entry         TEXT NOT NULL DEFAULT '',   -- feed/playlist entry (guid or media URL), '' if none
    position      INTEGER NOT NULL DEFAULT 0, -- order in SOURCES (for stable listings)
    slug          TEXT UNIQUE,                -- OUT/<slug>/; NULL until the source could be listed
    title         TEXT NOT NULL DEFAULT '',
    meta          TEXT NOT NULL DEFAULT '{}', -- EpisodeMeta as listed (JSON)
    state         TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0, -- failed attempts since the last success
    last_error    TEXT NOT NULL DEFAULT '',
    failed_stage  TEXT NOT NULL DEFAULT '',
    next_retry_at REAL,                       -- unix time; NULL: no retry scheduled
    audio_seconds REAL NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE TABLE stages (
    key         TEXT NOT NULL REFERENCES episodes(key) ON DELETE CASCADE,
    stage       TEXT NOT NULL,
    fingerprint TEXT NOT NULL,                -- of the stage's inputs; a change re-runs it
    info        TEXT NOT NULL DEFAULT '{}',   -- what the stage produced (JSON)
    seconds     REAL NOT NULL DEFAULT 0,
    finished_at REAL NOT NULL,
    PRIMARY KEY (key, stage)
);
CREATE TABLE history (                        -- append-only: every recorded stage and failure
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL,
    stage       TEXT NOT NULL,
    event       TEXT NOT NULL,                -- 'done' | 'failed'
    fingerprint TEXT NOT NULL DEFAULT '',
    seconds     REAL NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    at          REAL NOT NULL
);
CREATE INDEX history_key ON history(key);
"""


@dataclass(frozen=True)
class StageRecord:
    stage: str
    fingerprint: str
    info: dict
    seconds: float
    finished_at: float


@dataclass(frozen=True)
class EpisodeRecord:
    key: str
    source: str
    entry: str
    position: int
    slug: str | None
    title: str
    meta: dict
    state: str
    attempts: int
    last_error: str
    failed_stage: str
    next_retry_at: float | None
    audio_seconds: float
    created_at: float
    updated_at: float
    stages: dict[str, StageRecord] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.state == LAST_STAGE

    @property
    def permanent_failure(self) -> bool:
        """Failed with an error trying again cannot help (no retry scheduled)."""
        return self.state == "failed" and self.next_retry_at is None

    def retry_due(self, now: float, max_attempts: int) -> bool:
        """A failed episode that may be retried automatically now."""
        return (
            self.state == "failed"
            and not self.permanent_failure
            and self.attempts < max_attempts
            and (self.next_retry_at or 0) <= now
        )

    @property
    def seconds(self) -> float:
        """Processing time of the recorded stages."""
        return sum(s.seconds for s in self.stages.values())


def backoff_delay(attempts: int, base: float, cap: float = 3600.0) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2·base, 4·base, … up to ``cap``."""
    if attempts <= 0 or base <= 0:
        return 0.0
    return min(cap, base * (2 ** (attempts - 1)))


class Ledger:
    """An open ledger. Use :meth:`open` (writer, takes the lock) or :meth:`open_readonly`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock_fh=None):
        self.path = path
        self._conn: sqlite3.Connection | None = conn  # None once closed
        self._lock_fh = lock_fh
        #: Seconds spent inside ledger operations (for the benchmark's overhead figure).
        self.op_seconds = 0.0

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, out: str | os.PathLike, *, create: bool = True) -> Ledger:
        """Open (or create) ``OUT/ledger.sqlite`` for writing; one writer per OUT at a time."""
        out = Path(out)
        path = out / LEDGER_NAME
        if create:
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(f"{out}: cannot create the output directory ({os_reason(exc)})") from None
        elif not path.is_file():
            raise LedgerError(f"{path}: no ledger here (has a batch run into {out}?)")
        try:
            lock_fh = open(out / LOCK_NAME, "a+")
        except OSError as exc:
            raise ledger_error(out / LOCK_NAME, exc, "taking the ledger lock") from None
        try:
            fcntl.flock(lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_fh.close()
            raise LedgerError(f"{path}: in use by another batch running into {out}") from None
        try:
            conn = _connect(path, writable=True)
        except BaseException:
            lock_fh.close()
            raise
        return cls(path, conn, lock_fh)

    @classmethod
    def open_readonly(cls, out: str | os.PathLike) -> Ledger:
        """Open an existing ledger to read it (``audio2digest status``); no lock, no writes."""
        path = Path(out) / LEDGER_NAME
        if not path.is_file():
            raise LedgerError(f"{path}: no ledger here (has a batch run into {out}?)")
        return cls(path, _connect(path, writable=False))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock_fh is not None:
            self._lock_fh.close()  # releases the flock
            self._lock_fh = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerError(f"{self.path}: the ledger is closed")
        return self._conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        t0 = time.perf_counter()
        try:
            with conn:  # one transaction: commit on success, roll back on error
                yield conn
        except (sqlite3.DatabaseError, OSError) as exc:
            raise ledger_error(self.path, exc, "recording progress") from exc
        finally:
            self.op_seconds += time.perf_counter() - t0

    def _query(self, sql: str, args=()) -> list[sqlite3.Row]:
        conn = self._connection()
        t0 = time.perf_counter()
        try:
            return conn.execute(sql, args).fetchall()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise ledger_error(self.path, exc, "reading the ledger") from exc
        finally:
            self.op_seconds += time.perf_counter() - t0

    # ------------------------------------------------------------ reading

    def episodes(self) -> list[EpisodeRecord]:
        """Every episode with its stage records, in SOURCES order."""
        rows = self._query("SELECT * FROM episodes ORDER BY position, key")
        stages: dict[str, dict[str, StageRecord]] = {}
        for s in self._query("SELECT * FROM stages"):
            stages.setdefault(s["key"], {})[s["stage"]] = _stage(s)
        return [_episode(r, stages.get(r["key"], {})) for r in rows]

    def episode(self, key: str) -> EpisodeRecord | None:
        rows = self._query("SELECT * FROM episodes WHERE key = ?", (key,))
        if not rows:
            return None
        stages = {s["stage"]: _stage(s) for s in self._query("SELECT * FROM stages WHERE key = ?", (key,))}
        return _episode(rows[0], stages)

    def history(self, key: str | None = None) -> list[dict]:
        if key is None:
            rows = self._query("SELECT * FROM history ORDER BY id")
        else:
            rows = self._query("SELECT * FROM history WHERE key = ? ORDER BY id", (key,))
        return [dict(r) for r in rows]

    def slug_owner(self, slug: str) -> str | None:
        rows = self._query("SELECT key FROM episodes WHERE slug = ?", (slug,))
        return rows[0]["key"] if rows else None

    # ------------------------------------------------------------ writing

    def add_episode(
        self,
        key: str,
        source: str,
        *,
        entry: str = "",
        position: int = 0,
        slug: str | None = None,
        title: str = "",
        meta: dict | None = None,
    ) -> None:
        """Insert an episode, or refresh its listing fields (never its recorded stages)."""
        now = time.time()
        with self._tx() as c:
            c.execute(
                "INSERT INTO episodes (key, source, entry, position, slug, title, meta, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
                " position = excluded.position, slug = COALESCE(episodes.slug, excluded.slug),"
                " title = CASE WHEN excluded.title != '' THEN excluded.title ELSE episodes.title END,"
                " meta = CASE WHEN excluded.meta != '{}' THEN excluded.meta ELSE episodes.meta END",
                (
                    key,
                    source,
                    entry,
                    position,
                    slug,
                    title,
                    json.dumps(meta or {}, ensure_ascii=False, sort_keys=True),
                    now,
                    now,
                ),
            )

    def record_stage(
        self,
        key: str,
        stage: str,
        fingerprint: str,
        *,
        seconds: float = 0.0,
        info: dict | None = None,
        audio_seconds: float | None = None,
    ) -> None:
        """Record ``stage`` as done. Call only once its output is on disk.

        Later stages' records are dropped (they were built on the previous output).
        """
        self.record_stages(key, [StageDone(stage, fingerprint, seconds, info or {})], audio_seconds)

    def record_stages(self, key: str, done: Sequence[StageDone], audio_seconds: float | None = None) -> None:
        """Record the stages one task finished, in order, in one transaction.

        One transaction, because a stage that keeps its result in memory is only resumable
        with the stage after it: a kill between the two records would run it twice."""
        for d in done:
            if d.stage not in STAGES:
                raise ValueError(f"Invalid stage '{d.stage}', expected one of: {', '.join(STAGES)}")
        with self._tx() as c:
            for d in done:
                self._write_stage(c, key, d)
            if done:
                last = done[-1].stage
                now = time.time()
                sets = "state = ?, updated_at = ?"
                args: list = [last, now]
                if last == LAST_STAGE:  # the episode is done: clear its failure bookkeeping
                    sets += ", attempts = 0, last_error = '', failed_stage = '', next_retry_at = NULL"
                if audio_seconds is not None:
                    sets += ", audio_seconds = ?"
                    args.append(audio_seconds)
                c.execute(f"UPDATE episodes SET {sets} WHERE key = ?", (*args, key))

    @staticmethod
    def _write_stage(c: sqlite3.Connection, key: str, d: StageDone) -> None:
        now = time.time()
        later = STAGES[STAGES.index(d.stage) + 1 :]
        c.execute(
            "INSERT OR REPLACE INTO stages (key, stage, fingerprint, info, seconds, finished_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                key,
                d.stage,
                d.fingerprint,
                json.dumps(d.info, ensure_ascii=False, sort_keys=True),
                d.seconds,
                now,
            ),
        )
        if later:
            c.execute(
                f"DELETE FROM stages WHERE key = ? AND stage IN ({','.join('?' * len(later))})",
                (key, *later),
            )
        c.execute(
            "INSERT INTO history (key, stage, event, fingerprint, seconds, at)"
            " VALUES (?, ?, 'done', ?, ?, ?)",
            (key, d.stage, d.fingerprint, d.seconds, now),
        )

    def record_failure(
        self,
        key: str,
        stage: str,
        error: str,
        *,
        backoff_base: float = 60.0,
        backoff_cap: float = 3600.0,
        permanent: bool = False,
    ) -> int:
        """Mark the episode failed at ``stage``; returns its failed-attempt count.

        A ``permanent`` failure (no such file, HTTP 404, not audio) gets no retry time: it is
        not retried automatically, only with ``--retry-failed``."""
        now = time.time()
        with self._tx() as c:
            row = c.execute("SELECT attempts FROM episodes WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise LedgerError(f"{self.path}: unknown episode {key!r}")
            attempts = row["attempts"] + 1
            c.execute(
                "UPDATE episodes SET state = 'failed', attempts = ?, last_error = ?, failed_stage = ?,"
                " next_retry_at = ?, updated_at = ? WHERE key = ?",
                (
                    attempts,
                    error,
                    stage,
                    None if permanent else now + backoff_delay(attempts, backoff_base, backoff_cap),
                    now,
                    key,
                ),
            )
            c.execute(
                "INSERT INTO history (key, stage, event, error, at) VALUES (?, ?, 'failed', ?, ?)",
                (key, stage, error, now),
            )
        return attempts

    def remove_episode(self, key: str) -> None:
        """Drop an episode row (a source's listing-failure row once the source lists fine)."""
        with self._tx() as c:
            c.execute("DELETE FROM stages WHERE key = ?", (key,))
            c.execute("DELETE FROM episodes WHERE key = ?", (key,))

    def forget_stages(self, key: str, from_stage: str) -> None:
        """Drop the records of ``from_stage`` and later (their outputs went missing)."""
        later = STAGES[STAGES.index(from_stage) :]
        with self._tx() as c:
            c.execute(
                f"DELETE FROM stages WHERE key = ? AND stage IN ({','.join('?' * len(later))})", (key, *later)
            )
            prev = STAGES[STAGES.index(from_stage) - 1] if STAGES.index(from_stage) else "pending"
            c.execute(
                "UPDATE episodes SET state = CASE WHEN state = 'failed' THEN state ELSE ? END WHERE key = ?",
                (prev, key),
            )


# ---------------------------------------------------------------- internals


def _connect(path: Path, *, writable: bool) -> sqlite3.Connection:
    """Open ``path`` and check it is a ledger of a version we read; never recreate it."""
    if path.exists():
        if not path.is_file():
            raise LedgerError(f"{path}: not a file")
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise LedgerError(f"{path}: cannot read ledger ({os_reason(exc)})") from exc
        if head and head != _SQLITE_MAGIC:
            raise LedgerError(f"{path}: corrupt ledger (not an SQLite database); {_MOVE_AWAY}")
    conn: sqlite3.Connection | None = None
    doing = "opening the ledger"
    try:
        if writable:
            conn = sqlite3.connect(path, timeout=30.0)
        else:
            conn = _connect_readonly(path)
        conn.row_factory = sqlite3.Row
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{path}: ledger schema version {version} is newer than this audio2digest reads "
                f"(up to {SCHEMA_VERSION}); upgrade audio2digest"
            )
        if version == 0:
            if tables:
                raise LedgerError(
                    f"{path}: an SQLite file but not an audio2digest ledger "
                    f"(tables: {', '.join(sorted(tables))}); it was left untouched"
                )
            if not writable:
                raise LedgerError(f"{path}: empty ledger")
            doing = "creating the ledger"
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript("BEGIN;" + _SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            log.info("%s: new ledger (schema %d)", path, SCHEMA_VERSION)
        else:
            if version == 1 and writable:
                doing = "migrating the ledger to schema 2"
                _migrate_v1(conn)
            missing = {"episodes", "stages", "history"} - tables
            doing = "checking the ledger"
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if missing or check != "ok":
                why = f"missing tables {', '.join(sorted(missing))}" if missing else check
                raise LedgerError(f"{path}: corrupt ledger ({why}); {_MOVE_AWAY}")
            if writable:
                doing = "opening the ledger for writing"
                conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if writable:
            conn.execute("PRAGMA synchronous = FULL")  # a recorded stage survives power loss too
    except LedgerError:
        if conn is not None:
            conn.close()
        raise
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise ledger_error(path, exc, doing) from exc
    return conn


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection; on a read-only directory (a mounted backup, a read-only
    share) SQLite cannot create the WAL's -shm file, so the file is opened as immutable:
    nothing can write there, and a ledger closed cleanly has its WAL checkpointed."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30.0)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if os.access(path.parent, os.W_OK):
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30.0)


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Schema 1 → 2: the stage names (see :data:`_V1_NAMES`)."""
    with conn:
        for old, new in _V1_NAMES.items():
            conn.execute("UPDATE stages SET stage = ? WHERE stage = ?", (new, old))
            conn.execute("UPDATE history SET stage = ? WHERE stage = ?", (new, old))
            conn.execute("UPDATE episodes SET state = ? WHERE state = ?", (new, old))
            conn.execute("UPDATE episodes SET failed_stage = ? WHERE failed_stage = ?", (new, old))
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _stage(row: sqlite3.Row) -> StageRecord:
    return StageRecord(
        stage=row["stage"],
        fingerprint=row["fingerprint"],
        info=json.loads(row["info"] or "{}"),
        seconds=row["seconds"],
        finished_at=row["finished_at"],
    )


def _episode(row: sqlite3.Row, stages: dict[str, StageRecord]) -> EpisodeRecord:
    stages = {s: stages[s] for s in STAGES if s in stages}  # in pipeline order
    return EpisodeRecord(
        key=row["key"],
        source=row["source"],
        entry=row["entry"],
        position=row["position"],
        slug=row["slug"],
        title=row["title"],
        meta=json.loads(row["meta"] or "{}"),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        failed_stage=row["failed_stage"],
        next_retry_at=row["next_retry_at"],
        audio_seconds=row["audio_seconds"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        stages=stages,
    )

"""Embedded SQLite store of computed plans and of the jobs that compute them.

The key is ``sha256(canonical plan JSON + "\\n" + model version)``: the plan
as validated (device presets expanded, so a preset written out in full and the
preset itself hash alike), serialised with sorted keys and no whitespace. The
model version is the resurfacer version and the fingerprint of its code and data
(`resurfacer.common.fingerprint`): new code or a recalibration gives new keys, so a
result is never served from an older model.

Two tables in one file (WAL mode lets readers run beside the one writer):

* ``results``: one row per computed plan: the plan, its summary (JSON), the HTML
  report (gzip), the run time, its size in bytes and when it was last read;
* ``jobs``: every accepted job with its state (queued, running, done, failed),
  error and times, so that a restart can resume the queued ones and fail the
  running ones with a reason (`web.jobs.JobManager` does both).

The store is bounded, in rows (`max_results`) and in bytes (`max_bytes`, default
500 MB): rows of other model versions can never be served (their keys hash another
version), so they go when the store opens; beyond either bound the least recently
used results go first, each together with its job record (a re-post then
recomputes instead of finding a "done" job without a result). The file is created
with ``auto_vacuum = INCREMENTAL`` and freed pages are returned to the file system
after each eviction, and the WAL is truncated at checkpoints, so the file's size
follows what is stored instead of its high-water mark.
"""

import gzip
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

from resurfacer import __version__
from resurfacer.common.fingerprint import model_fingerprint
from resurfacer.plan.schema import Plan

#: file name of the store in the user's data folder
STORE_NAME = "web-results.sqlite"


def default_store_path() -> Path:
    """Where `resurfacer serve` keeps its results unless told (``--store PATH``): the
    user's data folder (platformdirs: ``~/.local/share/resurfacer`` on Linux,
    ``~/Library/Application Support/resurfacer`` on macOS, ``%LOCALAPPDATA%`` on
    Windows), never the working folder. ``$RESURFACER_DATA_DIR`` overrides the folder."""
    import os

    from platformdirs import user_data_dir

    folder = os.environ.get("RESURFACER_DATA_DIR") or user_data_dir("resurfacer", appauthor=False)
    return Path(folder) / STORE_NAME


_RESULTS = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    report_gz BLOB,
    runtime_s REAL NOT NULL,
    created REAL NOT NULL
)
"""
_JOBS = """
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    plan_json TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    submitted REAL NOT NULL,
    started REAL,
    finished REAL
)
"""
#: columns added since the first release of the store (added when an old file opens)
_RESULT_COLUMNS = {"size_bytes": "INTEGER NOT NULL DEFAULT 0", "used": "REAL NOT NULL DEFAULT 0"}

DEFAULT_MAX_RESULTS = 1000
DEFAULT_MAX_BYTES = 500 * 1000**2
#: the write-ahead log's share of the byte cap (at most WAL_LIMIT_BYTES): it is
#: checkpointed and truncated when it grows past this
WAL_SHARE = 0.05
WAL_LIMIT_BYTES = 4 * 1024**2
#: share of the byte cap the results themselves may fill: SQLite pages, the index and
#: the free list take about 10 % more (1,300 results of 4-8 kB: 10.4 %), the WAL the rest
CONTENT_SHARE = 0.8


def canonical_json(plan: Plan) -> str:
    """The plan as compact JSON with sorted keys (what the key hashes)."""
    return json.dumps(plan.to_dict(), sort_keys=True, separators=(",", ":"))


def model_version() -> str:
    """What a stored result depends on besides the plan: the resurfacer version and
    the fingerprint of the code and data it ran with (hashed once per process)."""
    return f"{__version__}+{model_fingerprint()}"


def plan_key(plan: Plan, version: str | None = None) -> str:
    """The store key of a validated plan (for `version`, default `model_version()`):
    64 hex digits."""
    version = model_version() if version is None else version
    text = canonical_json(plan) + "\n" + version
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_key(data: dict, version: str | None = None) -> str:
    """The store key of a job payload other than a plan (a planner request, wrapped as
    ``{"planner": ...}`` so that it never hashes like a plan): 64 hex digits."""
    version = model_version() if version is None else version
    text = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n" + version
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _open(path: Path, max_bytes: int) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("VACUUM")  # takes effect on an existing file only through a vacuum
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses at most the last commits
    wal_bytes = int(min(WAL_LIMIT_BYTES, WAL_SHARE * max_bytes))
    page = db.execute("PRAGMA page_size").fetchone()[0]
    db.execute(f"PRAGMA journal_size_limit = {wal_bytes}")
    db.execute(f"PRAGMA wal_autocheckpoint = {max(wal_bytes // page, 1)}")
    db.execute(_RESULTS)
    db.execute(_JOBS)
    have = {row[1] for row in db.execute("PRAGMA table_info(results)")}
    for name, spec in _RESULT_COLUMNS.items():
        if name not in have:
            db.execute(f"ALTER TABLE results ADD COLUMN {name} {spec}")
    db.execute(
        "UPDATE results SET size_bytes = length(plan_json) + length(summary_json) "
        "+ coalesce(length(report_gz), 0), used = created WHERE size_bytes = 0"
    )
    return db


class ResultStore:
    """Results and jobs on disk (`path`), at most `max_results` results and `max_bytes`
    of them, safe to share between the server's threads."""

    def __init__(
        self,
        path,
        max_results: int = DEFAULT_MAX_RESULTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ):
        if max_results < 1:
            raise ValueError("max_results must be >= 1")
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        self.path = Path(path)
        self.max_results = max_results
        self.max_bytes = int(max_bytes)
        self.content_bytes = int(CONTENT_SHARE * max_bytes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = _open(self.path, self.max_bytes)
        with self._lock:
            self._db.execute("DELETE FROM results WHERE version != ?", (model_version(),))
            self._db.execute(
                "DELETE FROM jobs WHERE status = 'done' AND key NOT IN (SELECT key FROM results)"
            )
            self._evict()
            self._db.commit()

    # --- bounds -------------------------------------------------------------------------

    def _evict(self, keep: str | None = None) -> None:
        """Delete the least recently used results beyond `max_results` rows or
        `max_bytes` bytes, with their job records, and give the freed pages back
        (caller holds the lock). `keep`: a key never evicted (the one just stored)."""
        rows = self._db.execute(
            "SELECT key, size_bytes FROM results ORDER BY used DESC, created DESC"
        ).fetchall()
        total, doomed = 0, []
        for n, (key, size) in enumerate(rows):
            total += size
            if key != keep and (n >= self.max_results or total > self.content_bytes):
                doomed.append((key,))
                total -= size
        if not doomed:
            return
        self._db.executemany("DELETE FROM results WHERE key = ?", doomed)
        self._db.executemany("DELETE FROM jobs WHERE key = ?", doomed)
        self._db.commit()
        self._db.execute("PRAGMA incremental_vacuum")

    def stored_bytes(self) -> int:
        """Bytes of the stored results (plan, summary and compressed report)."""
        with self._lock:
            return self._db.execute("SELECT coalesce(sum(size_bytes), 0) FROM results").fetchone()[
                0
            ]

    def file_bytes(self) -> int:
        """Size of the store on disk: the database file and its write-ahead log."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    # --- results ------------------------------------------------------------------------

    def get(self, key: str) -> dict | None:
        """The stored result without its report: plan, summary, runtime_s, created."""
        with self._lock:
            row = self._db.execute(
                "SELECT plan_json, summary_json, runtime_s, created, report_gz IS NOT NULL "
                "FROM results WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return {
            "plan": json.loads(row[0]),
            "summary": json.loads(row[1]),
            "runtime_s": row[2],
            "created": row[3],
            "has_report": bool(row[4]),
        }

    def report_gz(self, key: str) -> bytes | None:
        """The stored report, gzip-compressed (None if absent); marks the result used."""
        with self._lock:
            row = self._db.execute("SELECT report_gz FROM results WHERE key = ?", (key,)).fetchone()
            if row is not None:
                self._db.execute("UPDATE results SET used = ? WHERE key = ?", (time.time(), key))
                self._db.commit()
        return None if row is None else row[0]

    def put(
        self, key: str, plan: dict, summary: dict, report_html: str | None, runtime_s: float
    ) -> None:
        """Store (or replace) one result; its job record, if any, becomes done."""
        report = None if report_html is None else gzip.compress(report_html.encode("utf-8"), 6)
        plan_json, summary_json = json.dumps(plan, sort_keys=True), json.dumps(summary)
        size = len(plan_json) + len(summary_json) + (len(report) if report else 0)
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results (key, version, plan_json, summary_json, "
                "report_gz, runtime_s, created, size_bytes, used) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, model_version(), plan_json, summary_json, report, float(runtime_s))
                + (now, size, now),
            )
            self._db.execute(
                "UPDATE jobs SET status = 'done', error = NULL, finished = ? WHERE key = ?",
                (now, key),
            )
            self._db.commit()
            self._evict(keep=key)
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    # --- jobs ---------------------------------------------------------------------------

    def save_job(self, job) -> None:
        """Insert or update a job record (a `web.jobs.Job`)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    json.dumps(job.plan, sort_keys=True),
                    job.status,
                    None if job.error is None else _utf8(job.error),
                    job.submitted,
                    job.started,
                    job.finished,
                ),
            )
            self._db.commit()

    def forget_job(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE key = ?", (key,))
            self._db.commit()

    def load_jobs(self) -> list[dict]:
        """Every job record, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, plan_json, status, error, submitted, started, finished "
                "FROM jobs ORDER BY submitted"
            ).fetchall()
        names = ("id", "plan", "status", "error", "submitted", "started", "finished")
        return [{**dict(zip(names, row, strict=True)), "plan": json.loads(row[1])} for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _utf8(text: str) -> str:
    """`text` as SQLite can store it: a lone UTF-16 surrogate (from an exception message
    that echoes a request's text) becomes its backslash escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")

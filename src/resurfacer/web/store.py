"""Embedded SQLite store of computed plans, keyed by the plan's canonical hash.

The key is ``sha256(canonical plan JSON + "\\n" + model version)``: the plan
as validated (device presets expanded, so a preset written out in full and the
preset itself hash alike), serialised with sorted keys and no whitespace. The
model version is the resurfacer version and the fingerprint of its code and data
(`resurfacer.common.fingerprint`): new code or a recalibration gives new keys, so a
result is never served from an older model.

One row per plan: the plan, its summary (JSON), the HTML report (gzip) and the
run time. The file survives a restart; WAL mode lets readers run beside the one
writer. Failed jobs are not stored (a timeout may pass on a quieter machine).

The store is bounded: rows of other model versions can never be served
(their keys hash another version), so they are deleted when the store opens,
and beyond `max_results` rows the oldest are deleted as new ones arrive (a
full-face report is a few MB even compressed).
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

_SCHEMA = """
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


DEFAULT_MAX_RESULTS = 1000


class ResultStore:
    """Results on disk (`path`), at most `max_results` of them, safe to share between
    the server's threads."""

    def __init__(self, path, max_results: int = DEFAULT_MAX_RESULTS):
        if max_results < 1:
            raise ValueError("max_results must be >= 1")
        self.path = Path(path)
        self.max_results = max_results
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            self._db.execute("DELETE FROM results WHERE version != ?", (model_version(),))
            self._evict_oldest()
            self._db.commit()

    def _evict_oldest(self) -> None:
        """Delete the oldest rows beyond `max_results` (caller holds the lock)."""
        self._db.execute(
            "DELETE FROM results WHERE key IN (SELECT key FROM results "
            "ORDER BY created DESC LIMIT -1 OFFSET ?)",
            (self.max_results,),
        )

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
        """The stored report, gzip-compressed (None if absent)."""
        with self._lock:
            row = self._db.execute("SELECT report_gz FROM results WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(
        self, key: str, plan: dict, summary: dict, report_html: str | None, runtime_s: float
    ) -> None:
        """Store (or replace) one result."""
        report = None if report_html is None else gzip.compress(report_html.encode("utf-8"), 6)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    model_version(),
                    json.dumps(plan, sort_keys=True),
                    json.dumps(summary),
                    report,
                    float(runtime_s),
                    time.time(),
                ),
            )
            self._evict_oldest()
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

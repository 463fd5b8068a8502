"""Sentence embeddings kept in a file shared by every process on a machine (issue 18).

Each workspace already keeps the embeddings of its own sentences in its database
(`text_embedding`, `service.CachedEmbedder`), and a process remembers the ones it has
seen. Neither helps a *new* database: a second workspace on the same server, a book
imported again into a fresh database, the demo, or a test suite that builds many
small books, each of which would embed the same sentences again (the model's CPU time is
most of the daily run's first text step). Pointing `RENEWALS_EMBEDDING_CACHE` at a file
shares them:

    export RENEWALS_EMBEDDING_CACHE=/var/lib/renewals/embeddings.sqlite

The file is SQLite (one row per sentence: the key of `semantic.sentence_key`, which
holds the model's id, and the vector as float32, exactly what the model returned), safe
for several processes at once; a sentence's vector is the model's whatever process made
it, so detection reads the same with or without the file. Delete it at any time to
reclaim the space (about 1.5 KB a sentence).

It also keeps the semantic layer's fitted classifiers (issue 20), by the key of
`semantic.fit_key` (the bank's fingerprint, the team's labels included, and the settings):
a workspace whose team labelled sentences would otherwise fit its classifier again in every
process (about 2.5 s of CPU, scikit-learn's import included). The coefficients are stored as
float64, exactly as fitted, so a classifier read back gives the same verdicts.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

ENVIRONMENT = "RENEWALS_EMBEDDING_CACHE"
_CHUNK = 500  # keys per SELECT (below SQLite's bound-parameter limit)


class EmbeddingFile:
    """The shared file: `get` the vectors it holds for some keys, `put` new ones."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS classifier (key TEXT PRIMARY KEY, "
                "kinds INTEGER NOT NULL, coefficients BLOB NOT NULL, intercepts BLOB NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        # several processes write at once (test workers, a worker beside the web server):
        # wait for the other's transaction rather than fail
        return sqlite3.connect(self.path, timeout=60)

    def get(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        with self._connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, vector in conn.execute(
                    f"SELECT key, vector FROM embedding WHERE key IN ({marks})",  # noqa: S608
                    chunk,
                ):
                    found[key] = np.frombuffer(vector, dtype="<f4").copy()
        return found

    def put(self, vectors: Mapping[str, np.ndarray]) -> None:
        if not vectors:
            return
        rows = [(k, np.asarray(v, dtype="<f4").tobytes()) for k, v in vectors.items()]
        with self._connect() as conn:
            conn.executemany("INSERT OR IGNORE INTO embedding (key, vector) VALUES (?, ?)", rows)

    def classifier(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        """A fitted classifier's coefficients (kinds x dimensions) and intercepts, or None."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT kinds, coefficients, intercepts FROM classifier WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        kinds, coefficients, intercepts = row
        return (
            np.frombuffer(coefficients, dtype="<f8").reshape(kinds, -1).copy(),
            np.frombuffer(intercepts, dtype="<f8").copy(),
        )

    def keep_classifier(self, key: str, coefficients: np.ndarray, intercepts: np.ndarray) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO classifier (key, kinds, coefficients, intercepts) "
                "VALUES (?, ?, ?, ?)",
                (
                    key,
                    coefficients.shape[0],
                    np.asarray(coefficients, dtype="<f8").tobytes(),
                    np.asarray(intercepts, dtype="<f8").tobytes(),
                ),
            )


def from_environment(environ: Mapping[str, str] = os.environ) -> EmbeddingFile | None:
    """The file `RENEWALS_EMBEDDING_CACHE` names, or None when it is unset or empty."""
    path = environ.get(ENVIRONMENT, "").strip()
    return EmbeddingFile(Path(path).expanduser()) if path else None

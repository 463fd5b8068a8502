"""Migrations whose effect is not in the models (storage settings): checked on the
migrated database itself."""

from __future__ import annotations

from sqlalchemy import Engine, text

from renewals import migrate


def test_health_snapshot_json_is_compressed_with_lz4_on_postgresql(engine: Engine) -> None:
    """Issue 20 (PostgreSQL parity): a snapshot's JSON is compressed on every insert and
    decompressed on every read; lz4 costs the server about half of pglz's CPU."""
    assert migrate.current(engine) == migrate.head()
    if engine.dialect.name != "postgresql":
        return  # SQLite stores JSON as text, uncompressed
    with engine.connect() as conn:
        lz4 = conn.scalar(
            text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        )
        methods = dict(
            conn.execute(
                text(
                    "SELECT attname, attcompression::text FROM pg_attribute "
                    "WHERE attrelid = 'health_snapshot'::regclass AND attnum > 0"
                )
            ).all()
        )
    expected = "l" if lz4 else ""
    for name in ("components", "drivers", "missing", "reasons", "features", "risk_reasons"):
        assert methods[name] == expected, name
    assert methods["score"] == ""

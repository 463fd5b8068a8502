"""Alembic environment: runs on the engine handed over by renewals.migrate (or alembic.ini)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from alembic import context
from sqlalchemy import engine_from_config, pool

from renewals.db import UTCDateTime
from renewals.models import Base

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from sqlalchemy import Connection

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    section = config.get_section(config.config_ini_section) or {}
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # UTCDateTime only converts in Python; the column itself is a plain timezone-aware DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER constraints, batch mode recreates the table.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()

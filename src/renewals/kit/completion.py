"""Shell completion of account and renewal ids (issue 24; docs/cli.md, "Shell completion").

Typer calls these while the shell waits for a <TAB>, so each is one prefix query over the
primary key's index, in plain SQL: no ORM models, no policy, no migrations, at most
`LIMIT` answers. The database is the one the command line names (--db) or the setting's.
Any failure (no database yet, an old schema) completes nothing rather than printing an error
into the shell.
"""

from __future__ import annotations

import typer

# Enough to pick from, few enough for a shell to list. A product default, not a rule.
LIMIT = 50


def _database_url(ctx: typer.Context) -> str:
    root = ctx.find_root()
    given = root.params.get("db") if root.params else None
    if given:
        return str(given)
    import os

    from renewals.config import Settings

    return os.environ.get("RENEWALS_DATABASE_URL") or Settings.model_fields["database_url"].default


def _query(ctx: typer.Context, sql: str, incomplete: str) -> list[tuple[str, str]]:
    try:
        from pathlib import Path

        from sqlalchemy import create_engine, make_url, text

        url = make_url(_database_url(ctx))
        if url.get_backend_name() == "sqlite":
            if not url.database or not Path(url.database).is_file():
                return []  # a <TAB> never creates an empty database file
            engine = create_engine(url)
        else:  # the driver we install (psycopg 3), and a shell that never hangs on a dead host
            engine = create_engine(
                url.set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 2}
            )
        try:
            with engine.connect() as conn:
                rows = conn.execute(text(sql), {"prefix": incomplete + "%", "limit": LIMIT})
                return [(str(value), str(help_ or "")) for value, help_ in rows]
        finally:
            engine.dispose()
    except Exception:  # completion must never break the shell: no answer instead
        return []


def account_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Account ids starting with `incomplete`, each with the account's name."""
    return _query(
        ctx,
        "SELECT account_id, name FROM account WHERE account_id LIKE :prefix "
        "ORDER BY account_id LIMIT :limit",
        incomplete,
    )


def renewal_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Open renewal ids starting with `incomplete`, each with its account and date."""
    return _query(
        ctx,
        "SELECT renewal_id, account_id || ' ' || renewal_date FROM renewal "
        "WHERE renewal_id LIKE :prefix AND outcome IS NULL ORDER BY renewal_id LIMIT :limit",
        incomplete,
    )

"""Schema migrations (Alembic), run from the package so an installed `renewals` can upgrade."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("renewals") / "migrations"))
    cfg.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    return cfg


def head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (a no-op when already there)."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


_ASSIGNED = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+)$", re.M)
_REVISION_ID = re.compile(r"[\"']([0-9A-Za-z_]+)[\"']")


@lru_cache(maxsize=1)
def head_from_files() -> str | None:
    """The head revision read from the migration files' text, without importing Alembic
    (which costs a command about half a second at start-up, issue 24). None when the files
    do not name exactly one head; tests/test_cli_startup.py checks it against Alembic's."""
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("renewals") / "migrations" / "versions"
    for path in versions.iterdir():
        if not path.name.endswith(".py") or path.name.startswith("__"):
            continue
        text = path.read_text(encoding="utf-8")
        assigned: dict[str, str] = {m[1]: m[2] for m in _ASSIGNED.finditer(text)}
        if "revision" not in assigned:
            return None
        revisions.update(_REVISION_ID.findall(assigned["revision"]))
        parents.update(_REVISION_ID.findall(assigned.get("down_revision", "")))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The revision in alembic_version, by plain SQL; None when there is none (or several)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def ensure_schema(engine: Engine) -> None:
    """Upgrade only if behind: commands that use the database call this first. The common
    case, a database at the head, is checked without importing Alembic."""
    known = head_from_files()
    if known is not None and _stored_revision(engine) == known:
        return
    if current(engine) != head():
        upgrade(engine)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration from the models (developers only)."""
    from alembic import command

    cfg = _config()
    cfg.set_main_option("script_location", "src/renewals/migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)

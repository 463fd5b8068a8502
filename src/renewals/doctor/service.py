"""The doctor's checks: each gathers its facts (without changing anything) and asks
domain.py what they mean. A check never raises: whatever goes wrong is a finding.

Database, schema, data directory, secret key, SMTP, public URL, worker heartbeat, policy
(and, when sources exist, the event spool).
"""

from __future__ import annotations

import os
import shutil
import smtplib
import ssl
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from renewals.config import Settings
from renewals.doctor import domain
from renewals.doctor.domain import Finding, Level
from renewals.kit.i18n import Text
from renewals.kit.secrets import KEY_FILE
from renewals.kit.time import utc_now

TIMEOUT_SECONDS = 3
# Below this much free space in the data directory the usage store and spool may fill it.
MIN_FREE_BYTES = 1 << 30


def _one_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__


def open_engine(url: str) -> tuple[Engine | None, Finding]:
    """Connect to the database without creating it; a finding either way."""
    from renewals.db import make_engine

    check = "database"
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None, Finding(
            check,
            Level.error,
            Text("RENEWALS_DATABASE_URL={url} is not a database URL", url=repr(url)),
            Text(
                "set it like postgresql://renewals@db.example.com/renewals or "
                "sqlite:///./renewals.db"
            ),
        )
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path in ("", ":memory:"):
            return None, Finding(
                check, Level.error, Text("{url} is an in-memory database", url=shown), ""
            )
        if not Path(path).exists():
            return None, Finding(
                check,
                Level.error,
                Text("the SQLite file {path} does not exist", path=path),
                Text("check RENEWALS_DATABASE_URL, or create it with `renewals db upgrade`"),
            )
    elif parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(TIMEOUT_SECONDS)})
        url = parsed.render_as_string(hide_password=False)
    try:
        engine = make_engine(url, timeout_seconds=TIMEOUT_SECONDS)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, ImportError) as exc:
        return None, Finding(
            check,
            Level.error,
            Text("cannot connect to {url}: {reason}", url=shown, reason=_one_line(exc)),
            Text(
                "check RENEWALS_DATABASE_URL (host, port, database name, user, password) and "
                "that the server runs and accepts this machine"
            ),
        )
    if engine.dialect.name == "sqlite":
        return engine, Finding(
            check,
            Level.ok,
            Text(
                "connected to {url} (SQLite: fine for one machine; production runs PostgreSQL, "
                "docs/deploy.md)",
                url=shown,
            ),
        )
    return engine, Finding(check, Level.ok, Text("connected to {url}", url=shown))


def check_schema(engine: Engine) -> Finding:
    from renewals import migrate

    try:
        current, newest = migrate.current(engine), migrate.head()
    except SQLAlchemyError as exc:
        return Finding(
            "schema",
            Level.error,
            Text("cannot read the schema version: {reason}", reason=_one_line(exc)),
        )
    if current is None:
        return Finding(
            "schema",
            Level.error,
            Text("the database is empty"),
            Text("run `renewals db upgrade`"),
        )
    if current != newest:
        return Finding(
            "schema",
            Level.error,
            Text(
                "the schema is at {current}, this release needs {newest}",
                current=current,
                newest=newest,
            ),
            Text("back up, then run `renewals db upgrade` (docs/deploy.md, Upgrades)"),
        )
    return Finding("schema", Level.ok, Text("at the newest version {newest}", newest=newest))


def check_data_dir(data_dir: Path) -> Finding:
    check = "data directory"
    path = Path(data_dir)
    if not path.exists():
        return Finding(
            check,
            Level.error,
            Text("{path} does not exist", path=str(path)),
            Text(
                "create it (`mkdir -p {path}`) and give the service user write access, or set "
                "RENEWALS_DATA_DIR",
                path=str(path),
            ),
        )
    if not path.is_dir():
        return Finding(
            check,
            Level.error,
            Text("{path} is not a directory", path=str(path)),
            Text("set RENEWALS_DATA_DIR"),
        )
    if not os.access(path, os.W_OK | os.X_OK):
        return Finding(
            check,
            Level.error,
            Text("{path} is not writable by this user ({uid})", path=str(path), uid=os.getuid()),
            Text("chown the directory to the service user, or set RENEWALS_DATA_DIR"),
        )
    free = shutil.disk_usage(path).free
    if free < MIN_FREE_BYTES:
        return Finding(
            check,
            Level.warning,
            Text("{path}: only {mib:,.0f} MiB free", path=str(path), mib=free / 2**20),
            Text("free space or move RENEWALS_DATA_DIR: usage events and the event spool grow"),
        )
    return Finding(
        check,
        Level.ok,
        Text("{path} is writable, {gib:,.1f} GiB free", path=str(path.resolve()), gib=free / 2**30),
    )


def check_secret(settings: Settings) -> Finding:
    path = Path(settings.data_dir) / KEY_FILE
    file_text = file_mode = None
    if settings.secret_key is None and path.exists():
        try:
            file_text = path.read_text()
            file_mode = path.stat().st_mode
        except OSError as exc:
            return Finding(
                "secret key",
                Level.error,
                Text("cannot read {path}: {reason}", path=str(path), reason=str(exc)),
            )
    return domain.secret(
        "secret key",
        from_env=settings.secret_key,
        file_text=file_text,
        file_mode=file_mode,
        file_path=str(path),
    )


def check_smtp() -> Finding:
    """Reach the SMTP server, say EHLO (and STARTTLS / log in when configured); send nothing."""
    from renewals.outbox.delivery import OutboxSettings

    check = "SMTP"
    s = OutboxSettings()
    where = f"{s.smtp_host}:{s.smtp_port}"
    fix = Text(
        "set RENEWALS_SMTP_HOST / RENEWALS_SMTP_PORT (and _USER, _PASSWORD, _STARTTLS) to your "
        "mail relay"
    )
    try:
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException) as exc:
        return Finding(
            check,
            Level.error,
            Text("cannot reach the SMTP server {where}: {reason}", where=where, reason=str(exc)),
            fix,
        )
    try:
        code, _ = smtp.ehlo()
        if code != 250:
            return Finding(
                check,
                Level.error,
                Text("{where} answered EHLO with {code}", where=where, code=code),
                fix,
            )
        if s.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if s.smtp_user:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            smtp.login(s.smtp_user, password)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        return Finding(check, Level.error, f"{where}: {exc}", fix)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    if s.smtp_user:
        said = Text(
            "{where} answers, logged in as {user}; mail comes from {sender}",
            where=where,
            user=s.smtp_user,
            sender=s.smtp_from,
        )
    else:
        said = Text("{where} answers; mail comes from {sender}", where=where, sender=s.smtp_from)
    return Finding(check, Level.ok, said)


def check_worker(engine: Engine, now: datetime) -> Finding:
    from renewals.worker.models import WorkerHeartbeat
    from renewals.worker.settings import WorkerSettings

    try:
        from renewals.db import session_scope

        with session_scope(engine) as session:
            last = session.scalars(
                select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc()).limit(1)
            ).first()
    except SQLAlchemyError as exc:
        return Finding(
            "worker",
            Level.error,
            Text("cannot read the heartbeats: {reason}", reason=_one_line(exc)),
        )
    every = timedelta(seconds=WorkerSettings().worker_heartbeat_seconds)
    return domain.heartbeat(
        "worker",
        seen_at=last.seen_at if last else None,
        worker=last.worker if last else None,
        now=now,
        every=every,
    )


def check_spool(settings: Settings, now: datetime) -> Finding:
    """Product events acknowledged but not yet compacted: a few seconds' worth is normal."""
    from renewals.source import spool

    files = spool.waiting(settings.data_dir)
    count, size = spool.backlog(settings.data_dir)
    if not count:
        return Finding("event spool", Level.ok, Text("empty: every acknowledged event is stored"))
    oldest = datetime.fromtimestamp(files[0].stat().st_mtime, tz=now.tzinfo) if files else now
    waited = (now - oldest).total_seconds()
    if waited > 600:
        return Finding(
            "event spool",
            Level.error,
            Text(
                "{count:,} files ({mib:,.1f} MiB) wait; the oldest for {minutes:,.0f} min",
                count=count,
                mib=size / 2**20,
                minutes=waited / 60,
            ),
            Text(
                "no worker compacts them: start `renewals worker`, or run `renewals source compact`"
            ),
        )
    return Finding(
        "event spool",
        Level.ok,
        Text("{count:,} files waiting for the next compaction", count=count),
    )


def check_policy(settings: Settings) -> Finding:
    from renewals.policy.service import PolicyError, load

    try:
        load(settings.policy_file)
    except PolicyError as exc:
        return Finding(
            "policy", Level.error, exc.message, Text("fix the file (`renewals policy check`)")
        )
    where = str(settings.policy_file) if settings.policy_file else Text("the packaged defaults")
    return Finding("policy", Level.ok, Text("valid ({where})", where=where))


def examine(settings: Settings, *, smtp: bool = True, now: datetime | None = None) -> list[Finding]:
    """Every check, in the order a person fixes them."""
    now = now or utc_now()
    findings: list[Finding] = []
    engine, db = open_engine(settings.database_url)
    findings.append(db)
    if engine is not None:
        schema = check_schema(engine)
        findings.append(schema)
    findings.append(check_data_dir(settings.data_dir))
    findings.append(check_secret(settings))
    findings.append(check_policy(settings))
    if smtp:
        findings.append(check_smtp())
    findings.append(domain.public_url("public URL", settings.public_url))
    if engine is not None and schema.level == Level.ok:
        findings.append(check_worker(engine, now))
    findings.append(check_spool(settings, now))
    if engine is not None:
        engine.dispose()
    return findings

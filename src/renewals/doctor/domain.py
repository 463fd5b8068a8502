"""Judgements of the doctor on plain values: what is wrong and what to do about it.

No I/O and no clock: service.py gathers the facts (a connection attempt, a file's mode,
the last heartbeat) and passes them in with `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit


class Level(StrEnum):
    ok = "ok"
    warning = "warning"
    error = "error"


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str
    fix: str = ""


MIN_SECRET_CHARS = 32
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def secret(
    check: str,
    *,
    from_env: str | None,
    file_text: str | None,
    file_mode: int | None,
    file_path: str,
) -> Finding:
    """RENEWALS_SECRET_KEY, else data_dir/secret.key: present, long enough, private."""
    if from_env is not None:
        if len(from_env) < MIN_SECRET_CHARS:
            return Finding(
                check,
                Level.error,
                f"RENEWALS_SECRET_KEY has {len(from_env)} characters; it signs sessions, CSRF "
                f"tokens and signing links, so it needs at least {MIN_SECRET_CHARS}",
                "set RENEWALS_SECRET_KEY to the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`",
            )
        return Finding(check, Level.ok, "RENEWALS_SECRET_KEY is set")
    if file_text is None:
        return Finding(
            check,
            Level.error,
            f"no secret key: RENEWALS_SECRET_KEY is not set and {file_path} does not exist",
            "set RENEWALS_SECRET_KEY (the same value for every server and worker), or start "
            "`renewals serve` once on this machine to create the key file",
        )
    if file_mode is not None and file_mode & 0o077:
        return Finding(
            check,
            Level.error,
            f"{file_path} can be read by others (mode {file_mode & 0o777:o})",
            f"chmod 600 {file_path}",
        )
    if len(file_text.strip()) < MIN_SECRET_CHARS:
        return Finding(
            check,
            Level.error,
            f"{file_path} holds a key that is too short",
            f"delete {file_path}"
            " and start `renewals serve` once to create a new one (signs everyone out)",
        )
    return Finding(
        check,
        Level.ok,
        f"secret key in {file_path} (private); with more than one server set "
        "RENEWALS_SECRET_KEY instead",
    )


def public_url(check: str, url: str | None) -> Finding:
    """Customers' links point here (TECH-4): an absolute https address in production."""
    if not url:
        return Finding(
            check,
            Level.warning,
            "RENEWALS_PUBLIC_URL is not set: signing links point at the address "
            "`renewals serve` listens on, which customers cannot reach behind a proxy",
            "set RENEWALS_PUBLIC_URL=https://renewals.example.com (the proxy's address)",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding(
            check,
            Level.error,
            f"RENEWALS_PUBLIC_URL={url!r} is not an absolute http(s) address",
            "set it like https://renewals.example.com",
        )
    if parts.path not in ("", "/") or parts.query:
        return Finding(
            check,
            Level.warning,
            f"RENEWALS_PUBLIC_URL={url!r} has a path or query; links are built under it",
            "serve the app at the root of its host name, or keep the path without a query",
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return Finding(
            check,
            Level.error,
            f"RENEWALS_PUBLIC_URL={url!r} is plain http on a public name: signing links and "
            "session cookies would travel unencrypted",
            "put the app behind a TLS proxy (docs/deploy.md) and use https://",
        )
    return Finding(check, Level.ok, f"links point at {url}")


def heartbeat(
    check: str, *, seen_at: datetime | None, worker: str | None, now: datetime, every: timedelta
) -> Finding:
    """A worker reports every `every`; silent for three of them means it is not running."""
    if seen_at is None:
        return Finding(
            check,
            Level.warning,
            "no worker has ever reported: the daily job and the outbox run only by hand",
            "start `renewals worker` (the systemd unit in deploy/, docs/deploy.md) or "
            "`renewals serve --worker`",
        )
    silent = now - seen_at
    if silent > 3 * every:
        minutes = silent.total_seconds() / 60
        return Finding(
            check,
            Level.error,
            f"the last worker ({worker}) reported {minutes:,.0f} minutes ago: none is running",
            "`systemctl status renewals-worker` and its log (`journalctl -u renewals-worker`)",
        )
    return Finding(check, Level.ok, f"{worker} reported {silent.total_seconds():.0f} s ago")

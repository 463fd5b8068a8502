"""Judgements of the doctor on plain values: what is wrong and what to do about it.

No I/O and no clock: service.py gathers the facts (a connection attempt, a file's mode,
the last heartbeat) and passes them in with `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from renewals.kit.i18n import Text


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
                Text(
                    "RENEWALS_SECRET_KEY has {n} characters; it signs sessions, CSRF tokens and "
                    "signing links, so it needs at least {minimum}",
                    n=len(from_env),
                    minimum=MIN_SECRET_CHARS,
                ),
                Text(
                    "set RENEWALS_SECRET_KEY to the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                ),
            )
        return Finding(check, Level.ok, Text("RENEWALS_SECRET_KEY is set"))
    if file_text is None:
        return Finding(
            check,
            Level.error,
            Text(
                "no secret key: RENEWALS_SECRET_KEY is not set and {path} does not exist",
                path=file_path,
            ),
            Text(
                "set RENEWALS_SECRET_KEY (the same value for every server and worker), or start "
                "`renewals serve` once on this machine to create the key file"
            ),
        )
    if file_mode is not None and file_mode & 0o077:
        return Finding(
            check,
            Level.error,
            Text(
                "{path} can be read by others (mode {mode})",
                path=file_path,
                mode=format(file_mode & 0o777, "o"),
            ),
            f"chmod 600 {file_path}",
        )
    if len(file_text.strip()) < MIN_SECRET_CHARS:
        return Finding(
            check,
            Level.error,
            Text("{path} holds a key that is too short", path=file_path),
            Text(
                "delete {path} and start `renewals serve` once to create a new one (signs "
                "everyone out)",
                path=file_path,
            ),
        )
    return Finding(
        check,
        Level.ok,
        Text(
            "secret key in {path} (private); with more than one server set RENEWALS_SECRET_KEY "
            "instead",
            path=file_path,
        ),
    )


def public_url(check: str, url: str | None) -> Finding:
    """Customers' links point here (TECH-4): an absolute https address in production."""
    if not url:
        return Finding(
            check,
            Level.warning,
            Text(
                "RENEWALS_PUBLIC_URL is not set: signing links point at the address "
                "`renewals serve` listens on, which customers cannot reach behind a proxy"
            ),
            Text("set RENEWALS_PUBLIC_URL=https://renewals.example.com (the proxy's address)"),
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding(
            check,
            Level.error,
            Text("RENEWALS_PUBLIC_URL={url} is not an absolute http(s) address", url=repr(url)),
            Text("set it like https://renewals.example.com"),
        )
    if parts.path not in ("", "/") or parts.query:
        return Finding(
            check,
            Level.warning,
            Text(
                "RENEWALS_PUBLIC_URL={url} has a path or query; links are built under it",
                url=repr(url),
            ),
            Text("serve the app at the root of its host name, or keep the path without a query"),
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return Finding(
            check,
            Level.error,
            Text(
                "RENEWALS_PUBLIC_URL={url} is plain http on a public name: signing links and "
                "session cookies would travel unencrypted",
                url=repr(url),
            ),
            Text("put the app behind a TLS proxy (docs/deploy.md) and use https://"),
        )
    return Finding(check, Level.ok, Text("links point at {url}", url=url))


def heartbeat(
    check: str, *, seen_at: datetime | None, worker: str | None, now: datetime, every: timedelta
) -> Finding:
    """A worker reports every `every`; silent for three of them means it is not running."""
    if seen_at is None:
        return Finding(
            check,
            Level.warning,
            Text("no worker has ever reported: the daily job and the outbox run only by hand"),
            Text(
                "start `renewals worker` (the systemd unit in deploy/, docs/deploy.md) or "
                "`renewals serve --worker`"
            ),
        )
    silent = now - seen_at
    if silent > 3 * every:
        minutes = silent.total_seconds() / 60
        return Finding(
            check,
            Level.error,
            Text(
                "the last worker ({worker}) reported {minutes:,.0f} minutes ago: none is running",
                worker=worker,
                minutes=minutes,
            ),
            Text(
                "`systemctl status renewals-worker` and its log (`journalctl -u renewals-worker`)"
            ),
        )
    return Finding(
        check,
        Level.ok,
        Text(
            "{worker} reported {seconds:.0f} s ago", worker=worker, seconds=silent.total_seconds()
        ),
    )

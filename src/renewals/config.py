"""Settings: one typed object, read from RENEWALS_* environment variables.

A fresh checkout just runs: SQLite in ./renewals.db, data in ./renewals-data,
the packaged policy unless a policy file is named.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from renewals.errors import RenewalsError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENEWALS_", extra="ignore")

    database_url: str = "sqlite:///./renewals.db"
    data_dir: Path = Path("./renewals-data")
    # A TOML file merged over the packaged defaults (see docs/policy.md).
    policy_file: Path | None = None
    # DuckDB memory cap for imports and analytics; spills to data_dir/tmp beyond it.
    # 1536MB keeps a whole import (DuckDB de-duplicating 50 million events, then the
    # streamed tables) under 2 GiB (issue 20); 1GB is too little for those events.
    duckdb_memory_limit: str = "1536MB"
    # Where the usage-feature expressions run (docs/analytics-backends.md): "duckdb" (embedded,
    # the default), "pyspark" (needs the [spark] extra and Java; analytics_url is the Spark
    # master URL, default local[*]) or "ibis" (any Ibis backend by its connection string in
    # analytics_url, e.g. bigquery://project/dataset; the events are analytics_events_table
    # there, or the stored Parquet parts when that is unset).
    analytics_backend: Literal["duckdb", "pyspark", "ibis"] = "duckdb"
    analytics_url: str | None = None
    analytics_events_table: str | None = None
    # Your copies of the message templates (TIME-5, TIME-6), looked up before the packaged ones.
    templates_dir: Path | None = None
    # Signs session cookies, CSRF tokens, signing links and webhooks. Unset: a random key is
    # created once in data_dir/secret.key (mode 0600) and reused; set it when you run more
    # than one server.
    secret_key: str | None = None
    # The address customers' signing links point at (TECH-4), e.g. https://renewals.example.com.
    # No default: unset, no signing link is sent (a guessed address would be unreachable);
    # only `renewals demo` uses the address it listens on.
    public_url: str | None = None
    # The vendor as the customer reads it on proposals and contracts (TECH-3, TECH-4): the
    # legal name and the postal address. No default: unset, no proposal or contract is
    # generated (an example name must never reach a customer); `renewals demo` sets
    # DEMO_VENDOR for its own book.
    vendor_name: str | None = None
    vendor_address: str | None = None
    # Shared secret an external e-signature provider signs its webhook calls with (HMAC-SHA256);
    # unset: the webhook endpoint refuses every call.
    esign_webhook_secret: str | None = None

    # Serving (docs/deploy.md). Each server process answers at most `web_concurrency`
    # requests at once; each holds at most one database connection, so the process's pool
    # is exactly that size and a request never waits for a connection. Requests beyond it
    # wait up to `web_queue_seconds` for a turn (at most `web_backlog` of them); past that
    # the server answers 503 with Retry-After instead of stalling.
    web_workers: int = Field(1, ge=1, le=64)
    web_concurrency: int = Field(8, ge=1, le=256)
    web_backlog: int = Field(64, ge=0, le=100_000)
    web_queue_seconds: float = Field(5.0, gt=0, le=300)
    # Seconds an idle keep-alive connection stays open. Longer than a person's pause between
    # clicks and than a proxy's own idle time, so that a client never sends a request on a
    # connection the server is closing at that moment (a reset, not an answer).
    web_keep_alive_seconds: int = Field(75, ge=1, le=3600)
    # Milliseconds a computing thread holds the interpreter lock before a waiting request
    # thread gets it (Python's default is 5): shorter keeps quick pages quick while another
    # thread computes a dashboard (docs/deploy.md, benchmarks/results/load_*.md).
    web_switch_interval_ms: float = Field(1.0, ge=0.1, le=100)
    # Seconds a stopping server gives requests under way before it closes them.
    web_shutdown_seconds: float = Field(10.0, ge=0, le=300)
    # Seconds a query waits for a pool connection (PostgreSQL) or for SQLite's write lock
    # before the request fails with 503 Retry-After: seconds, never half a minute.
    db_timeout_seconds: float = Field(5.0, gt=0, le=120)
    # Dashboards computed once per (day, scope) and kept until the data changes (daily run,
    # a person's action) or this many seconds pass; 0 turns the cache off.
    dashboard_cache_seconds: int = Field(900, ge=0, le=86_400)


@lru_cache
def get_settings() -> Settings:
    return Settings()


# The demo's own vendor (never used outside `renewals demo`).
DEMO_VENDOR = ("Example Vendor Ltd (demo)", "1 Example Street, London EC1A 1AA, United Kingdom")


class NotConfigured(RenewalsError):
    """A setting customers depend on is missing: nothing is generated or sent without it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 409)


def public_base(settings: Settings) -> str:
    """Where customers' links point: RENEWALS_PUBLIC_URL, or NotConfigured."""
    if not settings.public_url:
        raise NotConfigured(
            "set RENEWALS_PUBLIC_URL to the address customers open signing links at (e.g. "
            "https://renewals.example.com): no signing link is sent until it is set (TECH-4)"
        )
    return settings.public_url.rstrip("/")


def require_vendor(settings: Settings, *, address: bool = True) -> tuple[str, str]:
    """The vendor's legal name and address (TECH-3, TECH-4), or NotConfigured naming the
    settings to set; proposals need the name only (`address=False`)."""
    wanted = [("RENEWALS_VENDOR_NAME", settings.vendor_name)]
    if address:
        wanted.append(("RENEWALS_VENDOR_ADDRESS", settings.vendor_address))
    missing = [name for name, value in wanted if not (value or "").strip()]
    if missing:
        raise NotConfigured(
            f"set {' and '.join(missing)}: customers read the vendor's legal name"
            f"{' and address' if address else ''} on proposals and contracts (TECH-3, "
            "TECH-4); nothing is generated for a customer until it is set"
        )
    return (settings.vendor_name or "").strip(), (settings.vendor_address or "").strip()


def demo_settings(settings: Settings, host: str, port: int) -> Settings:
    """`renewals demo`'s settings: links follow --host/--port and the demo's example vendor
    names the documents, unless RENEWALS_PUBLIC_URL / RENEWALS_VENDOR_* are set (issue 15:
    a demo on --port 8765 must not send links to port 8000)."""
    update: dict[str, str] = {}
    if not settings.public_url:
        if host in ("0.0.0.0", "::", ""):  # every interface: name the machine, not a wildcard
            import socket

            host = socket.getfqdn()
        shown = f"[{host}]" if ":" in host else host
        update["public_url"] = f"http://{shown}:{port}"
    if not settings.vendor_name:
        update["vendor_name"] = DEMO_VENDOR[0]
    if not settings.vendor_address:
        update["vendor_address"] = DEMO_VENDOR[1]
    return settings.model_copy(update=update) if update else settings

"""Worker settings, read from RENEWALS_* environment variables (docs/worker.md).

Deployment settings, not business policy: when the daily job runs in your time zone,
how often the outbox and the sources are worked, where alerts go.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from renewals.kit.i18n import Text
from renewals.worker import domain


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENEWALS_", extra="ignore")

    # The daily job (`renewals run`) at this local time (HH:MM) in this time zone (IANA name).
    worker_daily_at: str = "06:00"
    worker_timezone: str = "UTC"
    # The outbox is sent every this many minutes; product-event spools compacted every
    # this many seconds; the likelihood model retrained every this many days.
    worker_outbox_minutes: int = Field(5, ge=1, le=1440)
    worker_ingest_seconds: int = Field(30, ge=1, le=86_400)
    worker_retrain_days: int = Field(7, ge=1, le=365)
    # Warehouse sources (`renewals source add --kind warehouse`) are synced this often.
    worker_sync_minutes: int = Field(15, ge=1, le=10_080)
    # A failed job retries after these minutes (1st, 2nd, ... retry); then the admins are
    # alerted and the job waits for its regular next run.
    worker_retry_minutes: str = "5,15,60"
    # SQLite only (PostgreSQL's advisory locks end with the process): a lock row held by a
    # worker that died is taken over after this many minutes.
    worker_lock_minutes: int = Field(180, ge=1, le=10_080)
    # How often a worker records that it is alive (`renewals doctor` checks it).
    worker_heartbeat_seconds: int = Field(30, ge=1, le=3600)
    # Where alerts go besides the active admins' email addresses: more addresses
    # (comma-separated) and/or a webhook (Slack-compatible JSON).
    alert_emails: str = ""
    alert_webhook_url: str | None = None

    @field_validator("worker_daily_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        domain.parse_daily_at(value)
        return value

    @field_validator("worker_retry_minutes")
    @classmethod
    def _delays(cls, value: str) -> str:
        domain.parse_delays(value)
        return value

    @field_validator("worker_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                Text(
                    "unknown time zone {value} (an IANA name like Europe/Berlin)", value=repr(value)
                )
            ) from None
        return value

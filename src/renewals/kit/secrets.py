"""The application's secret key: from settings, or created once under the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from renewals.config import Settings

KEY_FILE = "secret.key"


def secret_key(settings: Settings) -> str:
    """RENEWALS_SECRET_KEY if set; otherwise data_dir/secret.key, created (0600) on first use."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def same_secret(sent: str | None, expected: str) -> bool:
    """Whether `sent` equals `expected`, in constant time. Compares UTF-8 bytes: a token
    typed with non-ASCII characters is simply wrong (hmac.compare_digest refuses such str)."""
    if not isinstance(sent, str):
        return False
    return secrets.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))

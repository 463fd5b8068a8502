"""HTML to PDF with WeasyPrint (Debian: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
fonts-dejavu-core; no network at run time: documents must not reference remote URLs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from renewals.errors import RenewalsError


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render a self-contained HTML document (inline CSS) to PDF bytes."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # the system libraries are missing
        raise RenewalsError(
            "PDF output needs Pango and HarfBuzz: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ({exc})"
        ) from exc
    return bytes(HTML(string=html, base_url=base_url).write_pdf())


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_pdf(html: str, path: Path) -> str:
    """Write the PDF atomically (temp file + rename); returns its SHA-256."""
    data = html_to_pdf(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return sha256_of(data)

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class User(Base):
    __tablename__ = "app_user"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    manager_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by `renewals user add` / the web app (argon2 or bcrypt hash), never imported.
    password_hash: Mapped[str | None] = mapped_column(String(255))

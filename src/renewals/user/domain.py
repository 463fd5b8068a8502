"""Roles of the people who work renewals."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    csm = "csm"
    specialist = "specialist"
    sales = "sales"
    manager = "manager"
    director = "director"
    vp = "vp"
    executive = "executive"
    admin = "admin"

"""Errors that carry their status; interfaces render them in one place."""

from __future__ import annotations


class RenewalsError(Exception):
    """An expected failure with a message meant for a person."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class NotFound(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 404)


class Conflict(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 409)


class Forbidden(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 403)

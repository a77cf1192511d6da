"""The one error type services raise; the API handler turns it into the error shape."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal a user can act on: `code` is stable, `message` is for humans."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", details: dict | None = None,
                 status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code


class Conflict(ServiceError):
    status_code = 409


class QuotaExceeded(ServiceError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, sent as Retry-After when known

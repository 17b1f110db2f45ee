"""weixi's error hierarchy: stable codes and HTTP statuses, mapped once at the edge."""

from __future__ import annotations


class WeixiError(Exception):
    """Base of every error weixi raises on purpose."""

    code = "weixi_error"
    http_status = 400

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ValidationFailed(WeixiError):
    code = "validation_failed"
    http_status = 422


class NotFound(WeixiError):
    """Missing, or outside the caller's scope: the two are indistinguishable on purpose."""

    code = "not_found"
    http_status = 404


class Unauthenticated(WeixiError):
    code = "unauthenticated"
    http_status = 401


class Forbidden(WeixiError):
    code = "forbidden"
    http_status = 403


class Conflict(WeixiError):
    """Someone else changed the object first (compare-and-set lost)."""

    code = "conflict"
    http_status = 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class ImportFailed(WeixiError):
    """An input file cannot be read at all (not a bad row: bad rows are quarantined)."""

    code = "import_failed"
    http_status = 422

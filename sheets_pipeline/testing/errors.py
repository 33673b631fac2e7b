"""Errors in the shapes Google answers with.

Sheets v4 (One Platform): ``{"error": {"code", "message", "status"[, "details"]}}``.
Drive v3 keeps its older shape: ``{"error": {"code", "message", "errors": [{"message", "domain", "reason", ...}]}}``.
"""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ABORTED",
    429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE",
    503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
         "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    500: "Internal error encountered.",
    501: "Operation is not implemented, or supported, or enabled.",
    502: "The service is currently unavailable.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}


class ApiError(Exception):
    """Raised anywhere while handling a request; turned into Google's error body by the server."""

    def __init__(self, code: int, message: str | None = None, details: list[dict] | None = None,
                 status: str | None = None, drive_reason: str | None = None, drive_location: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or DEFAULT_MESSAGES.get(code, "Error"))
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, "Error")
        self.details = details
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.drive_reason = drive_reason
        self.drive_location = drive_location
        self.headers = headers or {}

    def sheets_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def drive_body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.message, "domain": "global",
                                "reason": self.drive_reason or _DRIVE_REASONS.get(self.code, "backendError")}
        if self.drive_location:
            item["location"] = self.drive_location
            item["locationType"] = "parameter"
        return {"error": {"code": self.code, "message": self.message, "errors": [item]}}


_DRIVE_REASONS = {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound", 429: "rateLimitExceeded",
                  500: "backendError", 503: "backendError"}


def invalid(message: str) -> ApiError:
    return ApiError(400, message)


def bad_request(index: int, kind: str, message: str) -> ApiError:
    """An invalid sub-request of spreadsheets.batchUpdate: 'Invalid requests[2].addSheet: ...'."""
    return ApiError(400, f"Invalid requests[{index}].{kind}: {message}")


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.")


def injected(code: int, endpoint: str, method: str, retry_after: float | None) -> ApiError:
    """A fault injected by the test: the body Google sends for that status."""
    headers = {"Retry-After": _retry_after(retry_after)} if retry_after is not None else {}
    if code == 429:
        metric = "read" if method == "GET" else "write"
        label = metric.capitalize()
        service = "drive.googleapis.com" if endpoint.startswith("drive.") else "sheets.googleapis.com"
        message = (f"Quota exceeded for quota metric '{label} requests' and limit '{label} requests per minute per "
                   f"user' of service '{service}' for consumer 'project_number:000000000000'.")
        details = [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {"quota_metric": f"{service}/{metric}_requests",
                         "quota_limit": f"{label}RequestsPerMinutePerUser",
                         "service": service, "consumer": "projects/000000000000",
                         "quota_location": "global", "quota_limit_value": "60"},
        }, {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Request a higher quota limit.",
                       "url": "https://cloud.google.com/docs/quotas/help/request_increase"}],
        }]
        return ApiError(429, message, details, headers=headers, drive_reason="rateLimitExceeded")
    return ApiError(code, DEFAULT_MESSAGES.get(code), headers=headers)


def _retry_after(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)

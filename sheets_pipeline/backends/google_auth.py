"""Who the worker is on Google: a service account, a saved OAuth login, or the OAuth desktop flow; and the
session that sends the API traffic to another endpoint (a local emulator) when configured."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import gspread
import requests

from ..config import GoogleSettings
from ..errors import ConfigError
from .retry import SHARED_QUOTA, QuotaGate, RetryingHTTPClient, RetryPolicy

SCOPES = ["https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.file"]
GOOGLE_BASES = ("https://sheets.googleapis.com", "https://www.googleapis.com")
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
DEFAULT_TIMEOUT = 60.0


class EndpointSession(requests.Session):
    """Sends requests meant for Google's API hosts to `endpoint` instead (same paths and queries)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint.rstrip("/")

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        text = url.decode() if isinstance(url, bytes) else url
        for base in GOOGLE_BASES:
            if text.startswith(base):
                text = self.endpoint + text[len(base):]
                break
        return super().request(method, text, *args, **kwargs)


_GATES: dict[int, QuotaGate] = {}


def _quota(per_minute: int | None) -> QuotaGate:
    """One gate per quota in the process, shared by every pipeline that uses it."""
    if per_minute is None:
        return SHARED_QUOTA
    return _GATES.setdefault(per_minute, QuotaGate(per_minute))


def _client_class(policy: RetryPolicy, quota: QuotaGate) -> type[RetryingHTTPClient]:
    return type("ConfiguredHTTPClient", (RetryingHTTPClient,), {"policy": policy, "quota": quota})


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path}: file not found") from None
    except PermissionError:
        raise ConfigError(f"{what} {path}: not readable (permission denied)") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise ConfigError(f"{what} {path}: not a JSON credentials file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path}: not a JSON credentials file")
    return data


def credentials_path(settings: GoogleSettings) -> Path | None:
    given = settings.credentials or os.environ.get(CREDENTIALS_ENV)
    return Path(given).expanduser() if given else None


def google_client(settings: GoogleSettings, policy: RetryPolicy | None = None) -> gspread.Client:
    """A gspread client with retries, authenticated as configured."""
    http_client = _client_class(policy or RetryPolicy(), _quota(settings.requests_per_minute))
    if settings.api_endpoint:
        client = gspread.Client(auth=None, session=EndpointSession(settings.api_endpoint),  # type: ignore[arg-type]
                                http_client=http_client)
    else:
        client = gspread.Client(auth=_credentials(settings), http_client=http_client)
    client.http_client.timeout = settings.timeout or DEFAULT_TIMEOUT
    return client


def check_credentials(settings: GoogleSettings) -> None:
    """Fail early, with one clear line, when the configured credentials cannot be used (no network needed)."""
    if settings.api_endpoint:
        return
    path = credentials_path(settings)
    if path is not None:
        info = _read_json(path, "credentials")
        if info.get("type") not in ("service_account", "authorized_user") and "installed" not in info \
                and "web" not in info:
            raise ConfigError(f"credentials {path}: neither a service-account key nor an OAuth client file")
        return
    if settings.oauth_client:
        _read_json(Path(settings.oauth_client).expanduser(), "OAuth client")
        return
    raise ConfigError("no Google credentials: set google.credentials (a service-account JSON) or "
                      f"{CREDENTIALS_ENV}, or google.oauth_client for the desktop sign-in")


def _credentials(settings: GoogleSettings) -> Any:
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    path = credentials_path(settings)
    if path is not None:
        info = _read_json(path, "credentials")
        kind = info.get("type")
        try:
            if kind == "service_account":
                return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
            if kind == "authorized_user":
                return user_credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES)
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"credentials {path}: incomplete {kind} credentials ({exc.__class__.__name__})") from None
        if "installed" in info or "web" in info:
            return _oauth(path, settings)
        raise ConfigError(f"credentials {path}: neither a service-account key nor an OAuth client file")
    if settings.oauth_client:
        return _oauth(Path(settings.oauth_client).expanduser(), settings)
    raise ConfigError("no Google credentials: set google.credentials (a service-account JSON) or "
                      f"{CREDENTIALS_ENV}, or google.oauth_client for the desktop sign-in")


def _oauth(client_file: Path, settings: GoogleSettings) -> Any:
    """gspread's desktop flow: the first run opens a browser to sign in, later runs reuse the saved token."""
    _read_json(client_file, "OAuth client")
    token = Path(settings.authorized_user).expanduser() if settings.authorized_user else \
        Path.home() / ".config" / "sheets-pipeline" / "authorized_user.json"
    token.parent.mkdir(parents=True, exist_ok=True)
    client = gspread.oauth(scopes=SCOPES, credentials_filename=client_file, authorized_user_filename=token)
    return client.http_client.auth

"""HTTP plumbing: routes, body decoding, JSON encoding as Google writes it, and the request handler.

The handler knows nothing about faults or counters: it hands each request to a `process` callable (the
emulator) and writes back what it returns, or closes the connection without answering when told to.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from . import errors
from .service import Reply, Service, check_body, check_params

_SID = r"(?P<sid>[^/:]+)"
_FID = r"(?P<fid>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, str]] = [(m, re.compile(p), k) for m, p, k in [
    ("POST", r"^/v4/spreadsheets$", "spreadsheets.create"),
    ("GET", rf"^/v4/spreadsheets/{_SID}$", "spreadsheets.get"),
    ("POST", rf"^/v4/spreadsheets/{_SID}:batchUpdate$", "spreadsheets.batchUpdate"),
    ("GET", rf"^/v4/spreadsheets/{_SID}/values:batchGet$", "values.batchGet"),
    ("POST", rf"^/v4/spreadsheets/{_SID}/values:batchUpdate$", "values.batchUpdate"),
    ("POST", rf"^/v4/spreadsheets/{_SID}/values:batchClear$", "values.batchClear"),
    ("POST", rf"^/v4/spreadsheets/{_SID}/values/(?P<range>.+):append$", "values.append"),
    ("POST", rf"^/v4/spreadsheets/{_SID}/values/(?P<range>.+):clear$", "values.clear"),
    ("GET", rf"^/v4/spreadsheets/{_SID}/values/(?P<range>.+)$", "values.get"),
    ("PUT", rf"^/v4/spreadsheets/{_SID}/values/(?P<range>.+)$", "values.update"),
    ("POST", r"^/drive/v3/files$", "drive.files.create"),
    ("GET", r"^/drive/v3/files$", "drive.files.list"),
    ("GET", rf"^/drive/v3/files/{_FID}$", "drive.files.get"),
    ("DELETE", rf"^/drive/v3/files/{_FID}$", "drive.files.delete"),
    ("PATCH", rf"^/drive/v3/files/{_FID}$", "drive.files.update"),
    ("POST", rf"^/drive/v3/files/{_FID}/copy$", "drive.files.copy"),
    ("GET", rf"^/drive/v3/files/{_FID}/export$", "drive.files.export"),
    ("GET", rf"^/drive/v3/files/{_FID}/comments$", "drive.comments.list"),
    ("POST", rf"^/drive/v3/files/{_FID}/permissions$", "drive.permissions.create"),
    ("GET", rf"^/drive/v3/files/{_FID}/permissions$", "drive.permissions.list"),
    ("GET", rf"^/drive/v3/files/{_FID}/permissions/(?P<pid>[^/]+)$", "drive.permissions.get"),
    ("DELETE", rf"^/drive/v3/files/{_FID}/permissions/(?P<pid>[^/]+)$", "drive.permissions.delete"),
    ("PUT", rf"^/upload/drive/v2/files/{_FID}$", "drive.v2.files.import"),
]]
UNKNOWN = "unknown"


def route(method: str, raw_path: str) -> tuple[str, dict[str, str]]:
    """(endpoint key, decoded path parameters). Unknown routes -> ('unknown', {})."""
    for verb, pattern, key in ROUTES:
        if verb != method:
            continue
        m = pattern.match(raw_path)
        if m:
            return key, {k: unquote(v) for k, v in m.groupdict().items()}
    return UNKNOWN, {}


def is_drive(key: str) -> bool:
    return key.startswith("drive.")


def google_json(value: Any, pretty: bool = True) -> bytes:
    """JSON as Google writes it: UTF-8, two-space indentation unless prettyPrint=false. (Numbers are already in
    Google's form: the emulator stores integral doubles as ints, so 2.0 prints as 2.)"""
    if pretty:
        return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.invalid(f"Invalid JSON payload received. Unexpected token.\n{raw[:80].decode('utf-8', 'replace')}"
                             f"\n{'^':>{min(getattr(exc, 'pos', 0), 80) + 1}}") from None


def dispatch(service: Service, key: str, params: dict[str, str], query: dict[str, list[str]], raw: bytes) -> Reply:
    """Run one request against the service (the caller holds the service lock)."""
    if key == UNKNOWN:
        raise errors.ApiError(404, "Method not found.")
    if key == "drive.v2.files.import":
        return service.drive_v2_import(params["fid"], query, raw)
    needs_body = key in ("spreadsheets.create", "spreadsheets.batchUpdate", "values.update", "values.append",
                         "values.batchUpdate", "values.batchClear", "values.clear", "drive.files.create",
                         "drive.files.copy", "drive.files.update", "drive.permissions.create")
    body = decode_json(raw) if needs_body else {}
    if needs_body and not isinstance(body, dict):
        raise errors.invalid(f"Invalid JSON payload received. Expected an object, got {type(body).__name__}.")
    if not is_drive(key) and service.strict:
        check_params(key, query)
        check_body(key, body)
    sid, rng, fid = params.get("sid", ""), params.get("range", ""), params.get("fid", "")
    handlers: dict[str, Callable[[], Reply]] = {
        "spreadsheets.create": lambda: service.spreadsheets_create(body),
        "spreadsheets.get": lambda: service.spreadsheets_get(sid, query),
        "spreadsheets.batchUpdate": lambda: service.spreadsheets_batch_update(sid, body),
        "values.get": lambda: service.values_get(sid, rng, query),
        "values.batchGet": lambda: service.values_batch_get(sid, query),
        "values.update": lambda: service.values_update(sid, rng, query, body),
        "values.batchUpdate": lambda: service.values_batch_update(sid, body),
        "values.append": lambda: service.values_append(sid, rng, query, body),
        "values.clear": lambda: service.values_clear(sid, rng),
        "values.batchClear": lambda: service.values_batch_clear(sid, body),
        "drive.files.create": lambda: service.files_create(query, body),
        "drive.files.list": lambda: service.files_list(query),
        "drive.files.get": lambda: service.files_get(fid, query),
        "drive.files.delete": lambda: service.files_delete(fid),
        "drive.files.update": lambda: service.files_update(fid, query, body),
        "drive.files.copy": lambda: service.files_copy(fid, query, body),
        "drive.files.export": lambda: service.files_export(fid, query),
        "drive.comments.list": lambda: service.comments_list(fid, query),
        "drive.permissions.create": lambda: service.permissions_create(fid, query, body),
        "drive.permissions.list": lambda: service.permissions_list(fid, query),
        "drive.permissions.get": lambda: service.permissions_get(fid, params["pid"], query),
        "drive.permissions.delete": lambda: service.permissions_delete(fid, params["pid"]),
    }
    return handlers[key]()


def error_reply(key: str, error: errors.ApiError) -> Reply:
    body = error.drive_body() if is_drive(key) else error.sheets_body()
    return Reply(error.code, body, headers=dict(error.headers))


@dataclass
class Outcome:
    """What to do with a request: answer it, close the connection without answering, or close it half-way
    through the answer (`cut`)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    cut: bool = False


Process = Callable[[str, str, str, bytes], Outcome]


def make_handler(process: Process) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ESF"
        sys_version = ""

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACKs cost 40 ms a request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _serve(self) -> None:
            raw = self._body()
            path, _, query = self.path.partition("?")
            outcome = process(self.command, path, query, raw)
            if outcome.drop:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.send_response(outcome.status)
            self.send_header("Content-Type", outcome.content_type)
            self.send_header("Content-Length", str(len(outcome.body)))
            for name, value in outcome.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if outcome.cut:  # the answer's announced length, but half of its bytes
                self.wfile.write(outcome.body[:len(outcome.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if outcome.body and self.command != "HEAD":
                self.wfile.write(outcome.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


class Server:
    def __init__(self, process: Process, host: str = "127.0.0.1", port: int = 0) -> None:
        self.httpd = ThreadingHTTPServer((host, port), make_handler(process))
        self.httpd.daemon_threads = True
        self.thread: Any = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        import threading

        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), name="sheets-emulator", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def parse_query(text: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True)

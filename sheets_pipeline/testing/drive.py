"""The few Drive v3 endpoints the project and gspread use: files create/get/list/delete/copy/export and
permissions create/list/delete. Files of mimeType application/vnd.google-apps.spreadsheet are the emulator's
spreadsheets; other files (folders...) only have metadata.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from . import errors, fieldmask, model

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
ROOT_FOLDER = "0AEmulatorRootFolderUk9PVA"
ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
TYPES = ("user", "group", "domain", "anyone")
DEFAULT_FILE_FIELDS = ("kind", "id", "name", "mimeType")
DEFAULT_PERMISSION_FIELDS = ("kind", "id", "type", "role")


def not_found(file_id: str) -> errors.ApiError:
    return errors.ApiError(404, f"File not found: {file_id}.", drive_reason="notFound", drive_location="fileId")


@dataclass
class File:
    id: str
    name: str
    mime_type: str
    created: str
    modified: str
    parents: list[str] = field(default_factory=lambda: [ROOT_FOLDER])
    trashed: bool = False
    starred: bool = False
    description: str = ""
    permissions: list[dict] = field(default_factory=list)

    def resource(self) -> dict:
        out = {
            "kind": "drive#file", "id": self.id, "name": self.name, "mimeType": self.mime_type,
            "starred": self.starred, "trashed": self.trashed, "explicitlyTrashed": self.trashed,
            "parents": list(self.parents), "spaces": ["drive"], "version": "1",
            "webViewLink": (f"https://docs.google.com/spreadsheets/d/{self.id}/edit?usp=drivesdk"
                            if self.mime_type == SPREADSHEET_MIME else f"https://drive.google.com/file/d/{self.id}"),
            "createdTime": self.created, "modifiedTime": self.modified, "modifiedByMeTime": self.modified,
            "owners": [{"kind": "drive#user", "displayName": "sheets-emulator", "me": True,
                        "permissionId": self.permissions[0]["id"] if self.permissions else "",
                        "emailAddress": model.SERVICE_ACCOUNT}],
            "shared": len(self.permissions) > 1, "ownedByMe": True,
            "capabilities": {"canEdit": True, "canShare": True, "canCopy": True, "canDelete": True,
                             "canRename": True, "canTrash": True},
        }
        if self.description:
            out["description"] = self.description
        return out


def select(resource: dict, fields: str | None, default: tuple[str, ...]) -> dict:
    """Drive's `fields` parameter (its default selection when absent)."""
    if not fields:
        return {k: resource[k] for k in default if k in resource}
    if fields.strip() == "*":
        return resource
    try:
        return fieldmask.apply(resource, fieldmask.parse(fields, spaces=True))
    except fieldmask.MaskError:
        raise errors.ApiError(400, f"Invalid field selection {fields}", drive_reason="invalidParameter",
                              drive_location="fields") from None


# ---------------------------------------------------------------- query language (files.list q)

_Q_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<op>!=|<=|>=|=|<|>|\(|\))"
                      r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


def _q_tokens(q: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(q):
        if q[pos:].strip() == "":
            break
        m = _Q_TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise _invalid_query()
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append((kind, text))
        pos = m.end()
    return out


def _invalid_query() -> errors.ApiError:
    return errors.ApiError(400, "Invalid Value", drive_reason="invalid", drive_location="q")


class _Query:
    """q := or-expr; supports and/or/not, parentheses, = != contains < > on name/mimeType/trashed/starred/...
    and 'x' in parents."""

    def __init__(self, q: str) -> None:
        self.tokens = _q_tokens(q)
        self.pos = 0
        self.tree = self.parse_or() if self.tokens else ("true",)
        if self.pos != len(self.tokens):
            raise _invalid_query()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise _invalid_query()
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse_or(self) -> tuple:
        node = self.parse_and()
        while self.peek() and self.peek()[1].lower() == "or":
            self.take()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self) -> tuple:
        node = self.parse_not()
        while self.peek() and self.peek()[1].lower() == "and":
            self.take()
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self) -> tuple:
        if self.peek() and self.peek()[0] == "word" and self.peek()[1].lower() == "not":
            self.take()
            return ("not", self.parse_not())
        if self.peek() == ("op", "("):
            self.take()
            node = self.parse_or()
            if self.take() != ("op", ")"):
                raise _invalid_query()
            return node
        first = self.take()
        if first[0] == "str":
            if self.take()[1].lower() != "in":
                raise _invalid_query()
            return ("in", first[1], self.take()[1])
        if first[0] != "word":
            raise _invalid_query()
        op = self.take()
        value = self.take()
        if value[0] == "word" and value[1].lower() in ("true", "false"):
            literal: Any = value[1].lower() == "true"
        elif value[0] == "str":
            literal = value[1]
        else:
            raise _invalid_query()
        return ("cmp", first[1], op[1].lower(), literal)

    def matches(self, resource: dict, node: tuple | None = None) -> bool:
        node = node or self.tree
        kind = node[0]
        if kind == "true":
            return True
        if kind == "or":
            return self.matches(resource, node[1]) or self.matches(resource, node[2])
        if kind == "and":
            return self.matches(resource, node[1]) and self.matches(resource, node[2])
        if kind == "not":
            return not self.matches(resource, node[1])
        if kind == "in":
            target = resource.get(node[2], [])
            if node[2] in ("owners", "writers", "readers"):
                return any(node[1] in (p.get("emailAddress"),) for p in resource.get("owners", []))
            return node[1] in target
        _, name, op, literal = node
        key = "name" if name == "fullText" else name
        if key not in resource:
            raise _invalid_query()
        actual = resource[key]
        if op == "contains":
            return isinstance(actual, str) and str(literal).lower() in actual.lower()
        if op == "=":
            return actual == literal
        if op == "!=":
            return actual != literal
        try:
            return {"<": actual < literal, ">": actual > literal, "<=": actual <= literal,
                    ">=": actual >= literal}[op]
        except (KeyError, TypeError):
            raise _invalid_query() from None


def list_files(files: list[File], params: dict) -> dict:
    query = _Query(params.get("q") or "")
    found = [f for f in files if query.matches(f.resource())]
    if not (params.get("q") and "trashed" in params["q"]):
        found = [f for f in found if not f.trashed]
    order = (params.get("orderBy") or "modifiedTime desc,createdTime desc").split(",")
    for key in reversed([o.strip() for o in order if o.strip()]):
        name, _, direction = key.partition(" ")
        attr = {"name": "name", "modifiedTime": "modified", "createdTime": "created", "folder": "mime_type",
                "name_natural": "name"}.get(name, "modified")
        found.sort(key=lambda f: getattr(f, attr), reverse=direction.strip() == "desc")
    size = min(int(params.get("pageSize") or 100), 1000)
    start = int(params.get("pageToken") or 0)
    page = found[start:start + size]
    out: dict[str, Any] = {"kind": "drive#fileList"}
    if start + size < len(found):
        out["nextPageToken"] = str(start + size)
    out["incompleteSearch"] = False
    fields = params.get("fields")
    if fields:
        out["files"] = [f.resource() for f in page]
        try:
            return fieldmask.apply(out, fieldmask.parse(fields, spaces=True))
        except fieldmask.MaskError:
            raise errors.ApiError(400, f"Invalid field selection {fields}", drive_reason="invalidParameter",
                                  drive_location="fields") from None
    out["files"] = [select(f.resource(), None, DEFAULT_FILE_FIELDS) for f in page]
    return out


# ---------------------------------------------------------------- permissions


def permission_resource(perm: dict) -> dict:
    out = {"kind": "drive#permission", "id": perm["id"], "type": perm["type"]}
    for key in ("emailAddress", "domain", "role", "displayName", "allowFileDiscovery"):
        if key in perm:
            out[key] = perm[key]
    out["deleted"] = False
    out["pendingOwner"] = False
    return out


def owner_permission(ids: model.Ids) -> dict:
    return {"id": str(ids.rng.randint(10**19, 10**20 - 1)), "type": "user", "role": "owner",
            "emailAddress": model.SERVICE_ACCOUNT, "displayName": "sheets-emulator"}


def create_permission(file: File, body: dict, params: dict, ids: model.Ids) -> dict:
    role, kind = body.get("role"), body.get("type")
    if role not in ROLES:
        raise errors.ApiError(400, f"The provided value for 'role' is invalid: {role!r}." if role else
                              "The permission role field is required.", drive_reason="required" if not role
                              else "invalid", drive_location="permission.role")
    if kind not in TYPES:
        raise errors.ApiError(400, "The permission type field is required." if not kind else
                              f"The provided value for 'type' is invalid: {kind!r}.",
                              drive_reason="required" if not kind else "invalid", drive_location="permission.type")
    if kind in ("user", "group") and not body.get("emailAddress"):
        raise errors.ApiError(400, "The permission emailAddress field is required.", drive_reason="required",
                              drive_location="permission.emailAddress")
    if kind == "domain" and not body.get("domain"):
        raise errors.ApiError(400, "The permission domain field is required.", drive_reason="required",
                              drive_location="permission.domain")
    if role == "owner" and str(params.get("transferOwnership", "")).lower() != "true":
        raise errors.ApiError(403, "The transferOwnership parameter must be enabled when the permission role is "
                                   "'owner'.", drive_reason="forbidden", drive_location="transferOwnership")
    email = body.get("emailAddress")
    for perm in file.permissions:
        if email and perm.get("emailAddress", "").lower() == email.lower():
            perm["role"] = role
            return perm
        if kind == "anyone" and perm["type"] == "anyone":
            perm["role"] = role
            return perm
    if kind == "anyone":
        perm_id = "anyoneWithLink"
    elif kind == "domain":
        perm_id = str(ids.rng.randint(10**19, 10**20 - 1)) + "k"
    else:
        perm_id = str(ids.rng.randint(10**19, 10**20 - 1))
    perm = {"id": perm_id, "type": kind, "role": role}
    if email:
        perm["emailAddress"] = email
        perm["displayName"] = email.split("@")[0]
    if body.get("domain"):
        perm["domain"] = body["domain"]
    if "allowFileDiscovery" in body:
        perm["allowFileDiscovery"] = body["allowFileDiscovery"]
    file.permissions.append(perm)
    return perm


def export_csv(book: model.Spreadsheet) -> bytes:
    """files.export text/csv: the first sheet's formatted values."""
    from .values_api import render_block

    sheet = book.sheets[0]
    rows = render_block(book, sheet, (0, 0, sheet.row_count, sheet.column_count), "ROWS", "FORMATTED_VALUE",
                        "SERIAL_NUMBER")
    width = max((len(r) for r in rows), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(list(row) + [""] * (width - len(row)))
    return buffer.getvalue().rstrip("\r\n").encode("utf-8")

"""The emulator's endpoints behind HTTP: state, request validation, and one method per endpoint key.

Every write works on a clone of the spreadsheet and swaps it in only when the whole request succeeded, so a
failing request (a bad sub-request of a batchUpdate, a bad range in values.batchUpdate) changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import a1, batch, cellvalues, drive, errors, fieldmask, model, render, schema, values_api
from .batch_sheets import new_sheet_props

batch.import_handlers()

STANDARD_PARAMS = {"$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token", "prettyPrint",
                   "quotaUser", "uploadType", "upload_protocol"}
# Endpoint key -> (discovery method id, body schema, proto path of the body in error messages).
SHEETS_METHODS = {
    "spreadsheets.get": ("spreadsheets.get", None, ""),
    "spreadsheets.create": ("spreadsheets.create", "Spreadsheet", "spreadsheet"),
    "spreadsheets.batchUpdate": ("spreadsheets.batchUpdate", "BatchUpdateSpreadsheetRequest", ""),
    "values.get": ("spreadsheets.values.get", None, ""),
    "values.batchGet": ("spreadsheets.values.batchGet", None, ""),
    "values.update": ("spreadsheets.values.update", "ValueRange", "data"),
    "values.batchUpdate": ("spreadsheets.values.batchUpdate", "BatchUpdateValuesRequest", ""),
    "values.append": ("spreadsheets.values.append", "ValueRange", "data"),
    "values.clear": ("spreadsheets.values.clear", "ClearValuesRequest", ""),
    "values.batchClear": ("spreadsheets.values.batchClear", "BatchClearValuesRequest", ""),
}


@dataclass
class Reply:
    status: int
    body: Any = None  # dict (JSON), bytes, or None
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def _method(method_id: str) -> dict:
    node: Any = schema.document()
    parts = method_id.split(".")
    for part in parts[:-1]:
        node = node["resources"][part]
    return node["methods"][parts[-1]]


def check_params(key: str, query: dict[str, list[str]]) -> None:
    """Query parameters checked against the discovery document, as Google binds them."""
    method = _method(SHEETS_METHODS[key][0])
    params = method.get("parameters", {})
    for name, values in query.items():
        if name in STANDARD_PARAMS:
            continue
        spec = params.get(name)
        if spec is None or spec.get("location") != "query":
            raise errors.invalid(f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                                 f"parameter. Field '{name}' could not be found in request message.")
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                enum = schema.SHARED_ENUMS.get(name, name[:1].upper() + name[1:])
                raise errors.invalid(f"Invalid value at '{schema.snake(name)}' "
                                     f"(type.googleapis.com/google.apps.sheets.v4.{enum}), \"{value}\"")
            if spec.get("type") == "boolean" and value.lower() not in ("true", "false", "1", "0"):
                raise errors.invalid(f"Invalid value at '{schema.snake(name)}' (TYPE_BOOL), \"{value}\"")


def check_body(key: str, body: Any) -> None:
    _, ref, prefix = SHEETS_METHODS[key]
    if ref is None:
        return
    violations = schema.validate(body, ref, prefix)
    if violations:
        message, details = schema.error_details(violations)
        raise errors.ApiError(400, message, details)


def flag(value: str | None) -> bool:
    return bool(value) and value.lower() in ("true", "1")


class Service:
    """All spreadsheets and Drive files, and the endpoint implementations."""

    def __init__(self, seed: int | None = None, strict: bool = True) -> None:
        self.lock = threading.RLock()
        self.ids = model.Ids(seed)
        self.strict = strict
        self.books: dict[str, model.Spreadsheet] = {}
        self.files: dict[str, drive.File] = {}
        self.today: date | None = None
        self.notifications: list[dict] = []
        self.revoked: set[str] = set()  # spreadsheets that exist but are not shared with the caller

    # -- state helpers
    def book(self, spreadsheet_id: str) -> model.Spreadsheet:
        if spreadsheet_id in self.revoked:
            raise errors.ApiError(403, "The caller does not have permission")
        book = self.books.get(spreadsheet_id)
        file = self.files.get(spreadsheet_id)
        if book is None or (file is not None and file.trashed):
            raise errors.not_found()
        book.today = self.today
        return book

    def commit(self, book: model.Spreadsheet) -> None:
        """Swap in a spreadsheet after a successful write; Drive metadata follows."""
        book.touch()
        self.books[book.id] = book
        file = self.files.get(book.id)
        if file is not None:
            file.modified = model.now_rfc3339()
            file.name = book.properties.get("title", file.name)

    def new_spreadsheet(self, title: str, sheets: list[dict] | None = None,
                        properties: dict | None = None, spreadsheet_id: str | None = None) -> model.Spreadsheet:
        sid = spreadsheet_id or self.ids.spreadsheet()
        while sid in self.books or sid in self.files:
            sid = self.ids.spreadsheet()
        props = {"title": title, "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT"}
        props.update({k: v for k, v in (properties or {}).items() if k not in ("defaultFormat", "spreadsheetTheme")})
        props["defaultFormat"] = (properties or {}).get("defaultFormat") or model.DEFAULT_FORMAT
        props["spreadsheetTheme"] = (properties or {}).get("spreadsheetTheme") or model.THEME
        book = model.Spreadsheet(sid, props)
        ctx = batch.Context(book, self.ids, 0, "addSheet")
        for i, sheet_props in enumerate(sheets or [{"sheetId": 0, "title": "Sheet1"}]):
            props_i = new_sheet_props(ctx, dict(sheet_props, index=i))
            book.sheets.append(model.Sheet(props_i))
        book.reindex()
        now = model.now_rfc3339()
        self.books[sid] = book
        self.files[sid] = drive.File(sid, title, drive.SPREADSHEET_MIME, now, now,
                                     permissions=[drive.owner_permission(self.ids)])
        return book

    # -- Sheets endpoints
    def spreadsheets_get(self, sid: str, query: dict[str, list[str]]) -> Reply:
        book = self.book(sid)
        mask = _mask(query)
        ranges = query.get("ranges", [])
        try:
            body = render.spreadsheet_resource(book, flag(_one(query, "includeGridData")), ranges, mask)
        except a1.A1Error as exc:
            raise errors.invalid(f"Unable to parse range: {exc.args[0]}") from None
        return Reply(200, body)

    def spreadsheets_create(self, body: dict) -> Reply:
        given = schema.normalize(body, "Spreadsheet")
        props = given.get("properties", {})
        sheets = []
        for sheet in given.get("sheets", []) or []:
            sheets.append(sheet.get("properties", {}))
        if sheets and "sheetId" not in sheets[0]:
            sheets[0] = dict(sheets[0], sheetId=0)
        book = self.new_spreadsheet(props.get("title") or "Untitled spreadsheet", sheets or None, props)
        for spec, sheet in zip(given.get("sheets", []) or [], book.sheets):
            for data in spec.get("data", []) or []:
                r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
                for i, row in enumerate(data.get("rowData", []) or []):
                    for j, cell in enumerate(row.get("values", []) or []):
                        if cell:
                            if r0 + i >= sheet.row_count or c0 + j >= sheet.column_count:
                                sheet.resize(max(sheet.row_count, r0 + i + 1), max(sheet.column_count, c0 + j + 1))
                            sheet.set_cell(r0 + i, c0 + j, {k: v for k, v in cell.items()
                                                            if k not in ("effectiveValue", "formattedValue",
                                                                         "effectiveFormat")})
        for nr in given.get("namedRanges", []) or []:
            book.named_ranges.append(dict(nr, namedRangeId=nr.get("namedRangeId") or self.ids.digits()))
        return Reply(200, render.spreadsheet_resource(book))

    def spreadsheets_batch_update(self, sid: str, body: dict) -> Reply:
        book = self.book(sid)
        work, replies = batch.apply(book, self.ids, body.get("requests") or [])
        self.commit(work)
        out: dict[str, Any] = {"spreadsheetId": sid, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            try:
                out["updatedSpreadsheet"] = render.spreadsheet_resource(
                    work, bool(body.get("responseIncludeGridData")), body.get("responseRanges") or None)
            except a1.A1Error as exc:
                raise errors.invalid(f"Unable to parse range: {exc.args[0]}") from None
        return Reply(200, out)

    def values_get(self, sid: str, rng: str, query: dict[str, list[str]]) -> Reply:
        return Reply(200, values_api.get(self.book(sid), rng, _single(query)))

    def values_batch_get(self, sid: str, query: dict[str, list[str]]) -> Reply:
        return Reply(200, values_api.batch_get(self.book(sid), query.get("ranges", []), _single(query)))

    def _write(self, sid: str, fn: Callable[[model.Spreadsheet], dict]) -> Reply:
        work = self.book(sid).clone()
        result = fn(work)
        self.commit(work)
        return Reply(200, result)

    def values_update(self, sid: str, rng: str, query: dict[str, list[str]], body: dict) -> Reply:
        return self._write(sid, lambda work: values_api.update(work, rng, _single(query), body))

    def values_append(self, sid: str, rng: str, query: dict[str, list[str]], body: dict) -> Reply:
        return self._write(sid, lambda work: values_api.append(work, rng, _single(query), body))

    def values_batch_update(self, sid: str, body: dict) -> Reply:
        return self._write(sid, lambda work: values_api.batch_update(work, body))

    def values_clear(self, sid: str, rng: str) -> Reply:
        return self._write(sid, lambda work: values_api.clear_one(work, rng))

    def values_batch_clear(self, sid: str, body: dict) -> Reply:
        return self._write(sid, lambda work: values_api.batch_clear(work, body))

    # -- Drive endpoints
    def file(self, file_id: str) -> drive.File:
        file = self.files.get(file_id)
        if file is None or file_id in self.revoked:  # Drive hides what the caller cannot see
            raise drive.not_found(file_id)
        return file

    def files_create(self, query: dict[str, list[str]], body: dict) -> Reply:
        mime = body.get("mimeType") or "application/octet-stream"
        name = body.get("name") or "Untitled"
        if mime == drive.SPREADSHEET_MIME:
            book = self.new_spreadsheet(name if body.get("name") else "Untitled spreadsheet")
            file = self.files[book.id]
        else:
            now = model.now_rfc3339()
            file_id = self.ids.spreadsheet()
            file = drive.File(file_id, name, mime, now, now, permissions=[drive.owner_permission(self.ids)])
            self.files[file_id] = file
        if body.get("parents"):
            file.parents = list(body["parents"])
        if body.get("description"):
            file.description = body["description"]
        return Reply(200, drive.select(file.resource(), _one(query, "fields"), drive.DEFAULT_FILE_FIELDS))

    def files_get(self, file_id: str, query: dict[str, list[str]]) -> Reply:
        file = self.file(file_id)
        return Reply(200, drive.select(file.resource(), _one(query, "fields"), drive.DEFAULT_FILE_FIELDS))

    def files_list(self, query: dict[str, list[str]]) -> Reply:
        visible = [f for f in self.files.values() if f.id not in self.revoked]
        return Reply(200, drive.list_files(visible, _single(query)))

    def files_delete(self, file_id: str) -> Reply:
        self.file(file_id)
        self.files.pop(file_id)
        self.books.pop(file_id, None)
        return Reply(204, None, content_type="text/html")

    def files_update(self, file_id: str, query: dict[str, list[str]], body: dict) -> Reply:
        file = self.file(file_id)
        if body.get("name"):
            file.name = body["name"]
            if file_id in self.books:
                self.books[file_id].properties["title"] = body["name"]
        for key, attr in (("trashed", "trashed"), ("starred", "starred"), ("description", "description")):
            if key in body and body[key] is not None:
                setattr(file, attr, body[key])
        file.modified = model.now_rfc3339()
        return Reply(200, drive.select(file.resource(), _one(query, "fields"), drive.DEFAULT_FILE_FIELDS))

    def files_copy(self, file_id: str, query: dict[str, list[str]], body: dict) -> Reply:
        source = self.file(file_id)
        name = body.get("name") or f"Copy of {source.name}"
        now = model.now_rfc3339()
        if file_id in self.books:
            copy_book = self.books[file_id].clone()
            copy_book.id = self.ids.spreadsheet()
            copy_book.properties["title"] = name
            self.books[copy_book.id] = copy_book
            new_id = copy_book.id
        else:
            new_id = self.ids.spreadsheet()
        file = drive.File(new_id, name, source.mime_type, now, now, parents=list(body.get("parents") or
                                                                                   source.parents),
                          permissions=[drive.owner_permission(self.ids)])
        self.files[new_id] = file
        return Reply(200, drive.select(file.resource(), _one(query, "fields"), drive.DEFAULT_FILE_FIELDS))

    def files_export(self, file_id: str, query: dict[str, list[str]]) -> Reply:
        self.file(file_id)
        mime = _one(query, "mimeType")
        if file_id not in self.books:
            raise errors.ApiError(403, "Export only supports Docs Editors files.", drive_reason="fileNotExportable")
        if mime != "text/csv":
            raise errors.ApiError(400, "The requested conversion is not supported.", drive_reason="badRequest",
                                  drive_location="convertTo")
        return Reply(200, drive.export_csv(self.book(file_id)), content_type="text/csv")

    def comments_list(self, file_id: str, query: dict[str, list[str]]) -> Reply:
        self.file(file_id)
        body = {"kind": "drive#commentList", "comments": []}
        fields = _one(query, "fields")
        return Reply(200, fieldmask.apply(body, fieldmask.parse(fields, spaces=True)) if fields else body)

    def permissions_create(self, file_id: str, query: dict[str, list[str]], body: dict) -> Reply:
        file = self.file(file_id)
        params = _single(query)
        perm = drive.create_permission(file, body, params, self.ids)
        file.modified = model.now_rfc3339()
        if perm["type"] in ("user", "group") and params.get("sendNotificationEmail", "true").lower() != "false":
            self.notifications.append({"file": file_id, "emailAddress": perm.get("emailAddress"),
                                       "role": perm["role"], "message": params.get("emailMessage")})
        return Reply(200, drive.select(drive.permission_resource(perm), _one(query, "fields"),
                                       drive.DEFAULT_PERMISSION_FIELDS))

    def permissions_list(self, file_id: str, query: dict[str, list[str]]) -> Reply:
        file = self.file(file_id)
        body = {"kind": "drive#permissionList",
                "permissions": [drive.permission_resource(p) for p in file.permissions]}
        fields = _one(query, "fields")
        if fields:
            return Reply(200, fieldmask.apply(body, fieldmask.parse(fields, spaces=True)))
        body["permissions"] = [{k: p[k] for k in drive.DEFAULT_PERMISSION_FIELDS if k in p}
                               for p in body["permissions"]]
        return Reply(200, body)

    def permissions_get(self, file_id: str, permission_id: str, query: dict[str, list[str]]) -> Reply:
        file = self.file(file_id)
        perm = next((p for p in file.permissions if p["id"] == permission_id), None)
        if perm is None:
            raise errors.ApiError(404, f"Permission not found: {permission_id}.", drive_reason="notFound",
                                  drive_location="permissionId")
        return Reply(200, drive.select(drive.permission_resource(perm), _one(query, "fields"),
                                       drive.DEFAULT_PERMISSION_FIELDS))

    def permissions_delete(self, file_id: str, permission_id: str) -> Reply:
        file = self.file(file_id)
        perm = next((p for p in file.permissions if p["id"] == permission_id), None)
        if perm is None:
            raise errors.ApiError(404, f"Permission not found: {permission_id}.", drive_reason="notFound",
                                  drive_location="permissionId")
        if perm["role"] == "owner":
            raise errors.ApiError(403, "The owner of a file cannot be removed.", drive_reason="cannotRemoveOwner")
        file.permissions.remove(perm)
        return Reply(204, None, content_type="text/html")

    def drive_v2_import(self, file_id: str, query: dict[str, list[str]], raw: bytes) -> Reply:
        """gspread's import_csv (Drive v2 media upload with convert=true): the CSV replaces the spreadsheet."""
        file = self.file(file_id)
        import csv
        import io

        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
        book = self.book(file_id).clone()
        book.sheets = []
        # A converted upload is a new document: Google gives it a fresh sheet id and its default time zone.
        book.properties["timeZone"] = "America/Los_Angeles"
        ctx = batch.Context(book, self.ids, 0, "addSheet")
        props = new_sheet_props(ctx, {"title": file.name, "index": 0})
        sheet = model.Sheet(props)
        book.sheets.append(sheet)
        sheet.resize(max(1000, len(rows)), max(26, max((len(r) for r in rows), default=0)))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                entered = cellvalues.parse_user_entered(value)[0]
                if entered:
                    sheet.set_cell(r, c, {"userEnteredValue": entered})
        book.named_ranges = []
        self.commit(book)
        return Reply(200, {"kind": "drive#file", "id": file.id, "title": file.name, "mimeType": file.mime_type,
                           "createdDate": file.created, "modifiedDate": file.modified})


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _single(query: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in query.items() if v}


def _mask(query: dict[str, list[str]]) -> fieldmask.Tree | None:
    fields = _one(query, "fields")
    if not fields:
        return None
    try:
        tree = fieldmask.parse(fields)
    except fieldmask.MaskError:
        raise errors.invalid(f"Invalid field selection {fields}") from None
    bad = _mask_problem(tree, "Spreadsheet", ())
    if bad is not None:
        raise errors.invalid(f"Error expanding 'fields' parameter. Cannot find matching fields for path '{bad}'.")
    return tree


def _mask_problem(tree: fieldmask.Tree, ref: str, prefix: tuple[str, ...]) -> str | None:
    """The first path of a response mask that names nothing (Sheets does not ignore it: it is a 400)."""
    props = schema.schemas()[ref].get("properties", {})
    for name, sub in tree.items():
        if name == "*":
            continue
        path = prefix + (name,)
        if name not in props:
            return ".".join(path + (_first_leaf(sub),) if sub is not True else path).rstrip(".")
        if sub is True:
            continue
        prop = props[name]
        child = prop.get("$ref") or prop.get("items", {}).get("$ref")
        if child is None:
            return ".".join(path + (_first_leaf(sub),))
        bad = _mask_problem(sub, child, path)
        if bad is not None:
            return bad
    return None


def _first_leaf(tree: Any) -> str:
    if tree is True or not tree:
        return ""
    name, sub = next(iter(tree.items()))
    rest = _first_leaf(sub)
    return f"{name}.{rest}" if rest else name

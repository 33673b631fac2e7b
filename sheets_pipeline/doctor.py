"""`doctor`: a checklist of what an unattended worker needs, each failure with its fix."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .backends import open_backend
from .config import Config, Pipeline, backend_for_target
from .errors import PipelineError
from .status import StatusStore
from .sync import plan_sync


@dataclass
class Check:
    ok: bool
    what: str
    fix: str = ""
    warning: bool = False  # shown, but not a failure

    def line(self) -> str:
        mark = "✓" if self.ok else ("!" if self.warning else "✗")
        return f"{mark} {self.what}" + (f" — fix: {self.fix}" if self.fix and not self.ok else "")


def _credentials_checks(pipeline: Pipeline) -> list[Check]:
    settings = pipeline.config.google
    if settings.api_endpoint:
        return [Check(True, f"{pipeline.name}: Google API endpoint {settings.api_endpoint}")]
    from .backends.google_auth import credentials_path  # gspread loads only when a Google pipeline is checked

    path = credentials_path(settings)
    if path is None:
        if settings.oauth_client:
            return [Check(Path(settings.oauth_client).expanduser().is_file(),
                          f"{pipeline.name}: OAuth client file {settings.oauth_client}",
                          "download the OAuth client JSON (Desktop app) from Google Cloud")]
        return [Check(False, f"{pipeline.name}: no Google credentials",
                      "set google.credentials to a service-account JSON (or GOOGLE_APPLICATION_CREDENTIALS)")]
    if not path.is_file():
        return [Check(False, f"{pipeline.name}: credentials file {path} not found",
                      "create a service-account key in Google Cloud and save it there")]
    checks = []
    try:
        import json

        json.loads(path.read_text(encoding="utf-8"))
        checks.append(Check(True, f"{pipeline.name}: credentials file {path} is readable JSON"))
    except (OSError, ValueError):
        checks.append(Check(False, f"{pipeline.name}: credentials file {path} is not readable JSON",
                            "download the key again from Google Cloud"))
    mode = stat.S_IMODE(path.stat().st_mode)
    checks.append(Check(not mode & 0o077, f"{pipeline.name}: credentials file readable by its owner only "
                        f"(mode {mode:o})", f"chmod 600 {path}"))
    return checks


def check_pipeline(pipeline: Pipeline, store: StatusStore, today: date) -> list[Check]:
    config: Config = pipeline.config
    target = config.target or ""
    checks: list[Check] = []
    google = (config.backend or backend_for_target(target)) == "gsheets"
    if google:
        checks += _credentials_checks(pipeline)
        if not all(c.ok for c in checks):
            return checks
    try:
        snapshot = open_backend(target, config, read_only=True).read()
        checks.append(Check(True, f"{pipeline.name}: {target} is reachable"))
    except PipelineError as exc:
        fix = f"sheets-pipeline init {target}" if not google and not Path(target).exists() else \
            "check the target and the account's access"
        checks.append(Check(False, f"{pipeline.name}: {exc}", fix))
        return checks
    try:
        result = plan_sync(snapshot, config, today)
        checks.append(Check(True, f"{pipeline.name}: tabs and required columns present "
                                  f"({len(result.checked.leads)} leads)"))
    except PipelineError as exc:
        checks.append(Check(False, f"{pipeline.name}: {exc}", "add the missing tab or column, or run init"))
        return checks
    checks.append(Check(result.plan.dropdowns is None, f"{pipeline.name}: dropdowns in place",
                        "run `sheets-pipeline sync` once: it puts them back"))
    status = store.load(pipeline.name, target)
    if status.result == "never":
        checks.append(Check(False, f"{pipeline.name}: never synced from this machine", "run `sheets-pipeline sync`",
                            warning=True))
    elif status.result == "ok":
        checks.append(Check(True, f"{pipeline.name}: last sync {status.last_success} ok ({status.message})"))
    else:
        checks.append(Check(False, f"{pipeline.name}: last sync {status.last_attempt} failed: {status.message}",
                            "fix the cause above, then run `sheets-pipeline sync`"))
    return checks


def run_checks(config: Config, config_name: str, store: StatusStore, today: date) -> list[Check]:
    checks = [Check(True, f"config {config_name} is valid")]
    pipelines = config.pipeline_list()
    if not pipelines:
        checks.append(Check(False, "no pipeline configured", "set `target`, or list `pipelines`, in the config"))
    for pipeline in pipelines:
        checks += check_pipeline(pipeline, store, today)
    writable = store.directory.parent
    try:
        writable.mkdir(parents=True, exist_ok=True)
        ok = os.access(writable, os.W_OK)
    except OSError:
        ok = False
    checks.append(Check(ok, f"state folder {writable} is writable", f"create {writable} or set state_dir"))
    return checks

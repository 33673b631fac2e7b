"""Configuration: a YAML file validated by pydantic. Every key is documented in config.example.yaml."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .vocabulary import vocabulary

DEFAULT_CONFIG_NAMES = ("sheets-pipeline.yaml", "sheets-pipeline.yml")
CONFIG_ENV = "SHEETS_PIPELINE_CONFIG"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StalePolicy(_Strict):
    follow_ups: int = Field(3, ge=0, description="follow-ups sent before a silent lead can be stale")
    days: int = Field(30, ge=1, description="days without a reply before a lead is stale")


class GoogleSettings(_Strict):
    credentials: str | None = None  # a service-account (or authorized-user) JSON; else GOOGLE_APPLICATION_CREDENTIALS
    oauth_client: str | None = None  # an OAuth client JSON ("Desktop app") for the sign-in flow
    authorized_user: str | None = None  # where the OAuth sign-in is saved
    api_endpoint: str | None = None  # another base URL for the Sheets and Drive APIs (a local emulator)
    timeout: float | None = Field(None, gt=0)  # seconds per request
    requests_per_minute: int | None = Field(None, ge=1)  # per kind (reads, writes); default Google's 60


EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LOOP_KEYS = frozenset({"pipelines", "schedule", "state_dir"})  # keys of the whole config, not of one pipeline


def parse_every(text: str) -> timedelta:
    """'15m' -> 15 minutes. Units: s, m, h, d."""
    match = EVERY.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"'{text}' does not parse as a period (use 15m, 1h or 1d)")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


class ScheduleSettings(_Strict):
    at: str = Field("02:00", description="daily run time, HH:MM, in `timezone`")
    every: str | None = Field(None, description="a period such as 15m or 1h instead of a daily run")

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        match = re.match(r"^([01]?\d|2[0-3]):([0-5]\d)$", value.strip())
        if match is None:
            raise ValueError(f"'{value}' is not a time of day (use HH:MM, e.g. 02:00)")
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            parse_every(value)
        return value


class Pipeline(NamedTuple):
    name: str
    config: Config


class Config(_Strict):
    model: Literal["simple", "advanced"] = "simple"
    language: Literal["en", "fr"] = "en"
    stages: list[str] | None = None
    contacted_stage: str | None = None
    qualified_stage: str | None = None
    outcome_labels: dict[Literal["won", "lost", "no_response", "passed"], str] = Field(default_factory=dict)
    loss_reasons: list[str] | None = None
    pass_reasons: list[str] | None = None
    sources: list[str] | None = None
    cadence: list[int] = Field(default_factory=lambda: [3, 7, 14])
    business_days: bool = False
    holidays: list[date] = Field(default_factory=list)
    stale: StalePolicy = Field(default_factory=StalePolicy)
    auto_close_stale: bool = False
    timezone: str | None = None
    date_order: Literal["dmy", "mdy", "ymd"] | None = None
    id_prefix: str = "L-"
    backend: Literal["xlsx", "gsheets"] | None = None
    target: str | None = None
    google: GoogleSettings = Field(default_factory=GoogleSettings)
    pipelines: list[dict[str, Any]] = Field(default_factory=list)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    state_dir: str | None = None

    _resolved: list[Pipeline] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _pipelines(self) -> Config:
        """Each entry of `pipelines` is the shared settings with its own on top, validated as a whole config."""
        base = self.model_dump(exclude=set(LOOP_KEYS), exclude_unset=True)
        seen: set[str] = set()
        resolved = []
        for i, entry in enumerate(self.pipelines):
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"pipelines.{i}: each pipeline needs a name")
            if name.casefold() in seen:
                raise ValueError(f"pipelines: the name '{name}' is given twice")
            seen.add(name.casefold())
            own = {k: v for k, v in entry.items() if k != "name"}
            for loop_key in LOOP_KEYS & set(own):
                raise ValueError(f"pipelines.{name}.{loop_key}: unknown key (it belongs at the top level)")
            try:
                config = Config.model_validate({**base, **own})
            except ValidationError as exc:
                raise ValueError(f"pipelines.{name}.{_first_error(exc)}") from None
            if not config.target:
                raise ValueError(f"pipelines.{name}: no target (a workbook path or a Google Sheets URL)")
            resolved.append(Pipeline(name.strip(), config))
        self._resolved = resolved
        return self

    def pipeline_list(self) -> list[Pipeline]:
        """The configured pipelines; a config without `pipelines` is one pipeline named after its target."""
        if self._resolved:
            return list(self._resolved)
        return [Pipeline("default", self)] if self.target else []

    def pipeline(self, name: str) -> Pipeline | None:
        return next((p for p in self._resolved if p.name.casefold() == name.casefold()), None)

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("needs at least one number of days")
        if any(days < 1 for days in value):
            raise ValueError("every step must be at least 1 day")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone '{value}' (use an IANA name such as Europe/Paris)") from None
        return value

    @field_validator("stages", "loss_reasons", "pass_reasons", "sources")
    @classmethod
    def _list(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [item.strip() for item in value]
        if any(not item for item in cleaned):
            raise ValueError("holds an empty entry")
        seen: set[str] = set()
        for item in cleaned:
            if item.casefold() in seen:
                raise ValueError(f"lists '{item}' twice")
            seen.add(item.casefold())
        return cleaned

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(value) < 2:
            raise ValueError("needs at least two stages")
        return value

    @field_validator("id_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value[:1] in ("=", "+", "-", "@"):
            raise ValueError("must not start with = + - or @ (it would read as a formula)")
        return value

    @model_validator(mode="after")
    def _anchors(self) -> Config:
        if self.stages is None:
            return self
        for name in ("contacted_stage", "qualified_stage"):
            anchor = getattr(self, name)
            if anchor is not None and anchor.casefold() not in {s.casefold() for s in self.stages}:
                raise ValueError(f"{name}: '{anchor}' is not one of the stages")
        return self

    @property
    def effective_date_order(self) -> str:
        return self.date_order or ("dmy" if self.language == "fr" else "mdy")

    @property
    def effective_backend(self) -> str:
        return self.backend or backend_for_target(self.target)

    def default_list(self, section: str) -> list[str]:
        """The configured list, else the guide's built-in one in the configured language."""
        configured = getattr(self, section)
        if configured is not None:
            return list(configured)
        vocab = vocabulary()
        return [vocab.label(section, role, self.language) for role in vocab.section(section)]


def backend_for_target(target: str | None) -> str:
    if target and (target.startswith("https://") or ("/" not in target and "." not in target and len(target) > 30)):
        return "gsheets"
    return "xlsx"


def _format_location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif message.startswith("Value error, "):
        message = message[len("Value error, "):]
    where = _format_location(first["loc"])
    return f"{where}: {message}" if first["loc"] else message


def parse_config(data: Any, source: str = "config") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the file must hold a mapping of keys (key: value), not {type(data).__name__}")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        more = len(exc.errors()) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ConfigError(f"{source}: {_first_error(exc)}{tail}") from None


def find_config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    for name in DEFAULT_CONFIG_NAMES:
        if Path(name).is_file():
            return Path(name)
    return None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the config at `path` (or the default location); no file at the default location means defaults."""
    found = find_config_file(path)
    if found is None:
        return Config()
    try:
        text = found.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{found}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{found}: cannot read the config file ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{found}: not valid YAML{where}: {problem}") from None
    return parse_config(data, str(found))

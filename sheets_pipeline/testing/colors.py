"""Legacy colours and colour styles kept in step, as Google does.

Setting ``backgroundColor`` also answers ``backgroundColorStyle: {rgbColor: ...}`` and the reverse; the same for
``foregroundColor``, ``tabColor``, ``color`` (borders) and every other ``xColor``/``xColorStyle`` pair. A style
left empty (``{"rgbColor": null}``) clears both.
"""

from __future__ import annotations

from typing import Any


def _style_key(key: str) -> str | None:
    if key in ("rgbColor", "themeColor"):
        return None
    if key == "color" or key.endswith("Color"):
        return key + "Style"
    return None


def sync(obj: Any, prefer_style: bool = False) -> Any:
    """Add the missing half of every colour pair in a (nested) dict, in place; returns obj."""
    if isinstance(obj, list):
        for item in obj:
            sync(item, prefer_style)
        return obj
    if not isinstance(obj, dict):
        return obj
    for key in list(obj.keys()):
        value = obj.get(key)
        style_key = _style_key(key)
        if style_key and isinstance(value, dict) and not _is_color_style(value):
            if style_key not in obj or not prefer_style:
                obj[style_key] = {"rgbColor": value}
        elif key.endswith("ColorStyle") or key == "colorStyle":
            legacy = key[: -len("Style")]
            if isinstance(value, dict) and "rgbColor" in value:
                if legacy not in obj or prefer_style:
                    obj[legacy] = value["rgbColor"]
            elif isinstance(value, dict) and not value:
                obj.pop(key, None)
                obj.pop(legacy, None)
            elif isinstance(value, dict) and "themeColor" in value and prefer_style:
                obj.pop(legacy, None)
        elif isinstance(value, (dict, list)):
            sync(value, prefer_style)
    return obj


def _is_color_style(value: dict) -> bool:
    return "rgbColor" in value or "themeColor" in value


def touched(paths: list[tuple[str, ...]]) -> bool:
    """Did an update mask name a colour style (so the style wins over a stale legacy colour)?"""
    return any(step.endswith("ColorStyle") or step == "colorStyle" for path in paths for step in path)


def paired_paths(paths: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """An update mask naming one half of a colour pair also updates the other half, as Google does."""
    out = list(paths)
    for path in paths:
        last = path[-1]
        if last.endswith("ColorStyle") or last == "colorStyle":
            twin = path[:-1] + (last[: -len("Style")],)
        elif _style_key(last):
            twin = path[:-1] + (last + "Style",)
        else:
            continue
        if twin not in out:
            out.append(twin)
    return out

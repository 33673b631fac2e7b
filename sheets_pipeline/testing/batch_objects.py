"""batchUpdate requests about objects on sheets: charts, basic filters, conditional formats, dimension groups."""

from __future__ import annotations

import copy

from . import colors, model
from .batch import Context, handler
from .batch_cells import check_coordinate
from .batch_sheets import new_sheet_props

# ---------------------------------------------------------------- charts

_CHART_BORDER = {"color": {"red": 1, "green": 1, "blue": 1}, "colorStyle": {"rgbColor": {"red": 1, "green": 1,
                                                                                           "blue": 1}}}


@handler("addChart")
def add_chart(ctx: Context, req: dict) -> dict:
    chart = copy.deepcopy(req.get("chart", {}))
    chart_id = chart.get("chartId") or ctx.ids.int32()
    if _find_chart(ctx, chart_id):
        raise ctx.fail(f"An embedded object with the id {chart_id} already exists.")
    if "spec" not in chart:
        raise ctx.fail("chart.spec must be specified.")
    position = chart.get("position") or {"newSheet": True}
    if "overlayPosition" in position:
        anchor = position["overlayPosition"].get("anchorCell", {})
        sheet = ctx.sheet(anchor.get("sheetId", 0))
        check_coordinate(ctx, sheet, anchor.get("rowIndex", 0), anchor.get("columnIndex", 0))
        position = copy.deepcopy(position)
        position["overlayPosition"].setdefault("widthPixels", 600)
        position["overlayPosition"].setdefault("heightPixels", 371)
    elif "sheetId" in position:
        sheet = ctx.sheet(position["sheetId"])
    else:
        props = new_sheet_props(ctx, {"title": f"Chart{len(ctx.book.sheets) + 1}", "sheetType": "OBJECT"})
        props.pop("gridProperties", None)
        sheet = model.Sheet(props)
        ctx.book.sheets.insert(props["index"], sheet)
        ctx.book.reindex()
        position = {"sheetId": sheet.id}
    _check_sources(ctx, chart["spec"])
    stored = {"chartId": chart_id, "spec": chart["spec"], "position": position,
              "border": chart.get("border", _CHART_BORDER)}
    colors.sync(stored)
    sheet.charts.append(stored)
    return {"chart": stored}


def _check_sources(ctx: Context, spec: object) -> None:
    """Every data source of a chart must name an existing sheet (Google refuses the chart otherwise)."""
    if isinstance(spec, dict):
        if "sources" in spec:
            for rng in spec["sources"]:
                ctx.bounds(rng)
        for value in spec.values():
            _check_sources(ctx, value)
    elif isinstance(spec, list):
        for value in spec:
            _check_sources(ctx, value)


def _find_chart(ctx: Context, chart_id: int | None) -> tuple[model.Sheet, dict] | None:
    for sheet in ctx.book.sheets:
        for chart in sheet.charts:
            if chart.get("chartId") == chart_id:
                return sheet, chart
    return None


@handler("updateChartSpec")
def update_chart_spec(ctx: Context, req: dict) -> None:
    found = _find_chart(ctx, req.get("chartId"))
    if found is None:
        raise ctx.fail(f"No chart with id: {req.get('chartId')}")
    _check_sources(ctx, req.get("spec", {}))
    found[1]["spec"] = req.get("spec", {})


@handler("deleteEmbeddedObject")
def delete_embedded_object(ctx: Context, req: dict) -> None:
    found = _find_chart(ctx, req.get("objectId"))
    if found is None:
        raise ctx.fail(f"No embedded object with id: {req.get('objectId')}")
    sheet, chart = found
    sheet.charts.remove(chart)


# ---------------------------------------------------------------- filters


def _closed_range(ctx: Context, rng: dict) -> dict:
    sheet, r1, c1, r2, c2 = ctx.bounds(rng)
    return {"sheetId": sheet.id, "startRowIndex": r1, "endRowIndex": r2, "startColumnIndex": c1,
            "endColumnIndex": c2}


@handler("setBasicFilter")
def set_basic_filter(ctx: Context, req: dict) -> None:
    flt = copy.deepcopy(req.get("filter", {}))
    if "range" not in flt:
        raise ctx.fail("filter.range must be specified.")
    flt["range"] = _closed_range(ctx, flt["range"])
    ctx.sheet(flt["range"]["sheetId"]).basic_filter = flt


@handler("clearBasicFilter")
def clear_basic_filter(ctx: Context, req: dict) -> None:
    ctx.sheet(req.get("sheetId", 0)).basic_filter = None


# ---------------------------------------------------------------- conditional formats


def _rule_sheet(ctx: Context, rule: dict) -> model.Sheet:
    ranges = rule.get("ranges")
    if not ranges:
        raise ctx.fail("At least one range must be specified.")
    sheets = {ctx.bounds(r)[0].id for r in ranges}
    if len(sheets) > 1:
        raise ctx.fail("All ranges of a conditional format rule must be on the same sheet.")
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise ctx.fail("Exactly one of booleanRule or gradientRule must be specified.")
    if "booleanRule" in rule and "condition" not in rule["booleanRule"]:
        raise ctx.fail("booleanRule.condition must be specified.")
    colors.sync(rule)
    return ctx.sheet(next(iter(sheets)))


@handler("addConditionalFormatRule")
def add_conditional_format_rule(ctx: Context, req: dict) -> None:
    rule = copy.deepcopy(req.get("rule", {}))
    sheet = _rule_sheet(ctx, rule)
    rule["ranges"] = [dict(r, sheetId=sheet.id) for r in rule["ranges"]]
    index = req.get("index", 0)
    if index < 0 or index > len(sheet.conditional_formats):
        raise ctx.fail(f"Invalid index: {index}")
    sheet.conditional_formats.insert(index, rule)


def _rule_at(ctx: Context, sheet: model.Sheet, index: int) -> dict:
    if not 0 <= index < len(sheet.conditional_formats):
        raise ctx.fail(f"No conditional format on sheet: {sheet.id} at index: {index}")
    return sheet.conditional_formats[index]


@handler("updateConditionalFormatRule")
def update_conditional_format_rule(ctx: Context, req: dict) -> dict:
    index = req.get("index", 0)
    if "rule" in req:
        rule = copy.deepcopy(req["rule"])
        sheet = _rule_sheet(ctx, rule)
        rule["ranges"] = [dict(r, sheetId=sheet.id) for r in rule["ranges"]]
        old = _rule_at(ctx, sheet, index)
        sheet.conditional_formats[index] = rule
        return {"newRule": rule, "newIndex": index, "oldRule": old, "oldIndex": index}
    if "newIndex" in req:
        sheet = ctx.sheet(req.get("sheetId", 0))
        old = _rule_at(ctx, sheet, index)
        new_index = req["newIndex"]
        if not 0 <= new_index < len(sheet.conditional_formats):
            raise ctx.fail(f"Invalid newIndex: {new_index}")
        sheet.conditional_formats.pop(index)
        sheet.conditional_formats.insert(new_index, old)
        return {"newRule": old, "newIndex": new_index, "oldRule": old, "oldIndex": index}
    raise ctx.fail("Either rule or newIndex must be specified.")


@handler("deleteConditionalFormatRule")
def delete_conditional_format_rule(ctx: Context, req: dict) -> dict:
    sheet = ctx.sheet(req.get("sheetId", 0))
    rule = _rule_at(ctx, sheet, req.get("index", 0))
    sheet.conditional_formats.remove(rule)
    return {"rule": rule}


# ---------------------------------------------------------------- dimension groups


def _groups(sheet: model.Sheet, dimension: str) -> list[dict]:
    return sheet.row_groups if dimension == "ROWS" else sheet.column_groups


def _recompute_depths(groups: list[dict]) -> None:
    for group in groups:
        rng = group["range"]
        group["depth"] = 1 + sum(1 for other in groups if other is not group
                                 and other["range"]["startIndex"] <= rng["startIndex"]
                                 and other["range"]["endIndex"] >= rng["endIndex"]
                                 and (other["range"]["startIndex"], -other["range"]["endIndex"])
                                 < (rng["startIndex"], -rng["endIndex"]))
    groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))


@handler("addDimensionGroup")
def add_dimension_group(ctx: Context, req: dict) -> dict:
    rng = req.get("range", {})
    sheet, dimension, start, end = ctx.dimension_bounds(rng)
    groups = _groups(sheet, dimension)
    if any(g["range"]["startIndex"] == start and g["range"]["endIndex"] == end for g in groups):
        raise ctx.fail("A group with this range already exists.")
    groups.append({"range": {"sheetId": sheet.id, "dimension": dimension, "startIndex": start, "endIndex": end},
                   "depth": 1})
    _recompute_depths(groups)
    control = "rowGroupControlAfter" if dimension == "ROWS" else "columnGroupControlAfter"
    sheet.grid.setdefault(control, True)
    return {"dimensionGroups": groups}


@handler("deleteDimensionGroup")
def delete_dimension_group(ctx: Context, req: dict) -> dict:
    rng = req.get("range", {})
    sheet, dimension, start, end = ctx.dimension_bounds(rng)
    groups = _groups(sheet, dimension)
    match = [g for g in groups if g["range"]["startIndex"] == start and g["range"]["endIndex"] == end]
    if not match:
        raise ctx.fail("No grouping to remove.")
    groups.remove(match[-1])
    _recompute_depths(groups)
    return {"dimensionGroups": groups}

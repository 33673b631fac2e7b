"""What an .xlsx holds that openpyxl may not write back: measured on the zip, before and after a save."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

# Part-name patterns, counted per workbook. A count that goes down after a save means something was dropped.
_PARTS = {
    "images": re.compile(r"^xl/media/"),
    "charts": re.compile(r"^xl/charts/chart\d+\.xml$"),
    "macros": re.compile(r"^xl/vbaProject\.bin$"),
    "ActiveX controls": re.compile(r"^xl/activeX/.*\.xml$"),
    "form controls": re.compile(r"^xl/ctrlProps/"),
    "slicers": re.compile(r"^xl/slicers/"),
    "timelines": re.compile(r"^xl/timelines/"),
    "threaded comments": re.compile(r"^xl/threadedComments/"),
    "pivot tables": re.compile(r"^xl/pivotTables/pivotTable\d+\.xml$"),
    "tables": re.compile(r"^xl/tables/table\d+\.xml$"),
    "external links": re.compile(r"^xl/externalLinks/externalLink\d+\.xml$"),
    "embedded objects": re.compile(r"^xl/embeddings/"),
}
# Elements counted inside parts: (label, part pattern, element markers).
_ELEMENTS = (
    # counted by element: writers name these parts differently (xl/comments1.xml, xl/comments/comment1.xml)
    ("comments", re.compile(r"^xl/comments[^/]*\.xml$|^xl/comments/[^/]+\.xml$"), (b"<comment ", b"<comment>")),
    ("shapes or text boxes", re.compile(r"^xl/drawings/drawing\d+\.xml$"), (b"<xdr:sp>", b"<xdr:sp ", b"<xdr:grpSp", b"<xdr:cxnSp")),
    ("sparklines", re.compile(r"^xl/worksheets/sheet\d+\.xml$"), (b"<x14:sparklineGroup ", b"<x14:sparklineGroup>")),
    ("Excel 2010 dropdowns", re.compile(r"^xl/worksheets/sheet\d+\.xml$"), (b"<x14:dataValidation ", b"<x14:dataValidation>")),
    ("Excel 2010 conditional formats (data bars, icon sets)", re.compile(r"^xl/worksheets/sheet\d+\.xml$"),
     (b"<x14:conditionalFormatting ", b"<x14:conditionalFormatting>")),
)


def inventory(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            for label, pattern in _PARTS.items():
                if pattern.match(name):
                    counts[label] += 1
            for label, pattern, markers in _ELEMENTS:
                if pattern.match(name):
                    data = archive.read(name)
                    counts[label] += sum(data.count(marker) for marker in markers)
    return counts


def dropped(before: Counter[str], after: Counter[str]) -> list[str]:
    """Human names of what `after` lost compared to `before`, e.g. ['images (2)', 'sparklines']."""
    lost = []
    for label, count in before.items():
        missing = count - after.get(label, 0)
        if missing > 0:
            lost.append(f"{label} ({missing})" if label in _COUNTED else label)
    return lost


_COUNTED = set(_PARTS) | {"comments"}

_UNKNOWN_EXTENSION = "an Excel extension openpyxl cannot keep"

# openpyxl load warnings that announce a loss, and the name to give it. Harmless ones are not listed.
LOSSY_WARNINGS = (
    (re.compile(r"^Conditional Formatting extension"), "Excel 2010 conditional formats (data bars, icon sets)"),
    (re.compile(r"^Data Validation extension"), "Excel 2010 dropdowns (lists pointing at another sheet)"),
    (re.compile(r"^Sparkline Group extension"), "sparklines"),
    (re.compile(r"^Slicer List extension"), "slicers"),
    (re.compile(r"^Timeline Ref extension"), "timelines"),
    (re.compile(r"^Web Extension extension"), "web add-ins"),
    (re.compile(r"^Protected Range extension"), "protected ranges"),
    (re.compile(r"^Unknown extension"), _UNKNOWN_EXTENSION),
    (re.compile(r"^DrawingML support is incomplete"), "shapes or drawings"),
    (re.compile(r"^Unable to read chart"), "a chart"),
    (re.compile(r"image .* will be removed|image format is not supported"), "an image"),
    (re.compile(r"^Failed to load a conditional formatting rule"), "a conditional formatting rule"),
    (re.compile(r"^Cannot parse header or footer"), "the page header or footer"),
    (re.compile(r"contains an invalid specification"), "a sheet"),
)


def lossy(messages: list[str]) -> list[str]:
    found: list[str] = []
    for message in messages:
        for pattern, label in LOSSY_WARNINGS:
            if pattern.search(message) and label not in found:
                found.append(label)
    if len(found) > 1 and _UNKNOWN_EXTENSION in found:  # a named loss says it better
        found.remove(_UNKNOWN_EXTENSION)
    return found

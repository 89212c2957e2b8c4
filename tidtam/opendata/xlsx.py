"""A streaming XLSX writer: sheets of plain values written straight into a ZIP stream, a few hundred rows at a time.

An XLSX file is a ZIP of XML parts. The ZIP is written with data descriptors (no seeking back), so the first bytes
leave as soon as the first rows are read and memory stays flat however many rows follow; a later sheet may depend on
what an earlier one counted (the "about" sheet states the number of rows). Text goes in as inline strings, so nothing
is ever read as a formula; the first row of every sheet is bold and the first sheet's header row is frozen.

Cell values: None (empty), str, bool, int, float, Decimal, date (shown as `yyyy-mm-dd`).
"""

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

CELL_MAX = 32_767  # Excel's limit on the characters of one cell
FLUSH_ROWS = 500

# Characters XML 1.0 (and so XLSX) cannot hold: C0 controls other than tab, newline and carriage return.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system (as it counts, after its 1900 leap day)
_KEEP_CR = {"\r": "&#13;"}  # a raw carriage return would be read back as a line feed
_HEADER, _DATE = 1, 2  # style indexes in STYLES

_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def cell_text(text: str) -> str:
    """Text as a cell can hold it: characters XML cannot hold dropped, cut at Excel's limit."""
    text = _ILLEGAL_XML.sub("", text)
    return text if len(text) <= CELL_MAX else text[: CELL_MAX - 1] + "…"


def _cell(value, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f"<c{s}/>"
    if isinstance(value, str):
        text = cell_text(value)
        return (
            f'<c{s} t="inlineStr"><is><t xml:space="preserve">{escape(text, _KEEP_CR)}</t></is></c>'
            if text
            else f"<c{s}/>"
        )
    if isinstance(value, bool):
        return f'<c{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c{s}><v>{value}</v></c>"
    if isinstance(value, date) and not isinstance(value, datetime):
        return f'<c s="{_DATE}"><v>{value.toordinal() - _EPOCH}</v></c>'
    raise TypeError(f"an XLSX cell cannot hold {type(value).__name__}")


class _Sink:
    """A write-only file that keeps what was written until it is drained."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _sheet_rows(rows: Iterable[Iterable]) -> Iterator[str]:
    for number, row in enumerate(rows, start=1):
        style = _HEADER if number == 1 else 0
        yield f'<row r="{number}">{"".join(_cell(value, style) for value in row)}</row>'


def _sheet_start(frozen_header: bool) -> str:
    pane = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' if frozen_header else ""
    return (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews><sheetData>'
    )


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    return f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>{sheets}</sheets></workbook>'


def _workbook_rels(count: int) -> str:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{kind}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    links += f'<Relationship Id="rId{count + 1}" Type="{kind}/styles" Target="styles.xml"/>'
    return f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}">{links}</Relationships>'


def _content_types(count: int) -> str:
    base = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{base}.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{base}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{base}.styles+xml"/>{sheets}</Types>'
    )


_ROOT_RELS = (
    f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def workbook_chunks(sheets: Iterable[tuple[str, Iterable[Iterable]]], *, flush_rows: int = FLUSH_ROWS):
    """The XLSX bytes of `sheets` — (name, rows) pairs, each row an iterable of cell values, the first row the header
    — in chunks. Sheets are read in order and only when the previous one is written, so a later sheet may depend on
    an earlier one. Names: at most 31 characters, none of `[]:*?/\\`."""
    sink = _Sink()
    names = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, rows in sheets:
            names.append(name)
            with package.open(f"xl/worksheets/sheet{len(names)}.xml", "w") as part:
                part.write(_sheet_start(frozen_header=len(names) == 1).encode())
                lines = []
                for line in _sheet_rows(rows):
                    lines.append(line)
                    if len(lines) >= flush_rows:
                        part.write("".join(lines).encode())
                        lines.clear()
                        yield sink.drain()
                part.write(("".join(lines) + "</sheetData></worksheet>").encode())
            yield sink.drain()
        package.writestr("xl/workbook.xml", _workbook(names))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(names)))
        package.writestr("xl/styles.xml", STYLES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("[Content_Types].xml", _content_types(len(names)))
    yield sink.drain()

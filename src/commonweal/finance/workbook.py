"""Reading .xlsx workbooks as text: streaming, bounded, and never through float.

Every cell comes out as the text the file holds. A number is the digits Excel wrote ("1234.5",
"1E+3"), so an amount becomes a Decimal without binary rounding on the way (openpyxl would hand
back a float). One exception, made in decimal arithmetic: Excel keeps 15 significant digits of
a number, and saves a value its binary form cannot hold exactly with 16 or 17 digits (8453.94
typed may be saved as "8453.9400000000005"; openpyxl saves "%.16g"). Such a number is read to
15 significant digits, which gives back what was typed.

Sheets are parsed with `iterparse`, a row at a time, and each row is taken out of the tree once
read, so memory stays flat however long a sheet is.

A workbook is hostile input. It is refused, with a problem naming the file and no traceback,
when it:

- is not a zip, or is not an .xlsx inside (an encrypted workbook, an old .xls, a Word file);
- is more than 50 MB, unpacks to more than 500 MB, or holds a member over 1 MB that unpacks to
  more than 200 times its packed size (a zip bomb);
- has more than 100 sheets, more than 1,000,000 rows in a sheet or 16,384 cells in a row;
- declares a DTD (`<!DOCTYPE`, `<!ENTITY`): no spreadsheet needs one, and entities are how XML
  is made to expand (and so is in UTF-8, as Excel writes, where the check can see it);
- is damaged (truncated, a member that fails its checksum, XML that is not well formed).

A cell holding an error (#DIV/0!) or a formula whose value was not saved comes out as a
`CellError`, a `str` that says what is wrong with it, for the reader of the rows to report at
the cell.
"""

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, Underflow
from pathlib import Path
from typing import IO, Any

from commonweal.core.errors import Problem, Refused

MAX_BYTES = 50_000_000
MAX_UNPACKED = 500_000_000
MAX_RATIO = 200
# Below this a member cannot do harm whatever its ratio (a sheet of one repeated value
# compresses very well); above it, the ratio is what gives a bomb away.
RATIO_FROM = 1_000_000
MAX_PARTS = 10_000
MAX_SHEETS = 100
MAX_ROWS = 1_000_000
MAX_CELLS = 16_384  # Excel's columns
MAX_ROW_NUMBER = 1_048_576  # Excel's rows
MAX_TEXT = 32_767  # the most Excel keeps in a cell
# Shared strings are held in memory while the sheets are read: bounded by count and by length,
# so a workbook of millions of tiny unused strings cannot take a worker's memory.
MAX_STRINGS = 1_500_000
MAX_STRING_CHARS = 40_000_000
# Elements read and not yet cleared: a row of 16,384 cells is some 50,000; more means a part
# built to pile up in memory.
MAX_PENDING = 200_000

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted workbooks and old .xls files
WORKBOOK_TYPES = (
    "spreadsheetml.sheet.main+xml",
    "spreadsheetml.template.main+xml",
    "ms-excel.sheet.macroEnabled.main+xml",
    "ms-excel.template.macroEnabled.main+xml",
)
# The significant digits Excel keeps of a number; a number out of Decimal's range is refused
# (trapped), never rounded to nothing.
_EXCEL = Context(prec=15, traps=[InvalidOperation, Overflow, Underflow, DivisionByZero])
_COLUMN = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


class CellError(str):
    """A cell that holds no usable value; the text says why, as a sentence about the cell."""

    __slots__ = ()


@dataclass(frozen=True)
class Sheet:
    name: str
    member: str  # its part in the zip
    size: int  # bytes unpacked


def column_letters(index: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    out = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def column_index(letters: str) -> int:
    """ "A" -> 1, "AA" -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _Guarded(io.RawIOBase):
    """A member's bytes as the parser reads them, counted, refused if they declare a DTD, and
    stopped at the size the zip declared (which zipfile also enforces)."""

    def __init__(self, raw: IO[bytes], where: str, limit: int):
        super().__init__()
        self.raw = raw
        self.where = where
        self.limit = limit
        self.count = 0
        self.tail = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.raw.read(-1 if size is None else size)
        # Excel writes UTF-8; another encoding would hide a DTD from the check below.
        if not self.count and (data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data[:4]):
            raise _refused(self.where, "is not UTF-8, as Excel writes: it is refused")
        self.count += len(data)
        if self.count > self.limit:
            raise _refused(self.where, "unpacks to more than its declared size: it is damaged")
        window = self.tail + data
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise _refused(self.where, "declares a DTD, which no workbook needs: it is refused")
        self.tail = data[-8:]
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _refused(where: str, message: str) -> Refused:
    return Refused(f"{where}: {message}", [Problem(where, message)])


def _damaged(where: str, exc: Exception) -> Refused:
    if isinstance(exc, ET.ParseError):
        line, column = getattr(exc, "position", (0, 0))
        return _refused(
            where,
            f"is not well-formed XML (line {line}, column {column}): the workbook is damaged",
        )
    return _refused(where, "could not be read: the workbook is damaged or truncated")


# What a damaged or truncated member raises while it is read.
# (An encrypted member raises RuntimeError; an unknown compression method, NotImplementedError.)
DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ET.ParseError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)
# The parts read whole (content types, relationships, the workbook's list of sheets) are a few
# kilobytes in any real workbook; a larger one is refused before it is parsed into memory.
MAX_SMALL_PART = 2_000_000
MAX_SHEET_NAME = 31  # Excel's own limit


class Workbook:
    """An .xlsx opened for reading; its worksheets in order, their rows on demand."""

    def __init__(self, source: str | Path | IO[bytes], name: str = ""):
        self.name = name or (Path(source).name if isinstance(source, (str, Path)) else "workbook")
        self._own = isinstance(source, (str, Path))
        self._file: IO[bytes] = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
        self.read_bytes = 0  # of sheets' XML, for progress
        self.date1904 = False  # whether date cells count days from 1904 rather than 1900
        self._strings: list[str] | None = None
        try:
            self._zip = self._open()
            self.sheets = self._read_sheets()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if hasattr(self, "_zip"):
            self._zip.close()
        if self._own:
            self._file.close()

    # Opening -----------------------------------------------------------------------------

    def _open(self) -> zipfile.ZipFile:
        f = self._file
        f.seek(0, io.SEEK_END)
        size = f.tell()
        f.seek(0)
        if size > MAX_BYTES:
            raise _refused(self.name, f"is larger than {MAX_BYTES / 1_000_000:g} MB")
        head = f.read(8)
        f.seek(0)
        if head.startswith(OLE):
            raise _refused(
                self.name,
                "is encrypted (password-protected) or an old .xls workbook: save it without a "
                "password as .xlsx",
            )
        try:
            archive = zipfile.ZipFile(f)
            parts = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            raise _refused(
                self.name, "is not an .xlsx workbook (or is truncated): it could not be opened"
            ) from None
        if len(parts) > MAX_PARTS:
            raise _refused(self.name, f"has more than {MAX_PARTS:,} parts inside it")
        if sum(p.file_size for p in parts) > MAX_UNPACKED:
            raise _refused(
                self.name, f"unpacks to more than {MAX_UNPACKED / 1_000_000:g} MB (a zip bomb)"
            )
        for p in parts:
            if p.file_size > RATIO_FROM and p.file_size > MAX_RATIO * max(p.compress_size, 1):
                raise _refused(
                    self.name,
                    f"holds {p.filename}, which unpacks to more than {MAX_RATIO} times its "
                    "packed size (a zip bomb)",
                )
        self._sizes = {p.filename: p.file_size for p in parts}
        names = {p.filename for p in parts}
        if "[Content_Types].xml" not in names:
            raise _refused(self.name, "is not an .xlsx workbook: it has no content types")
        types = self._small(archive, "[Content_Types].xml").decode("utf-8", "replace")
        if not any(t in types for t in WORKBOOK_TYPES):
            raise _refused(self.name, "is not an .xlsx workbook, whatever its name says")
        return archive

    def _small(self, archive: zipfile.ZipFile, member: str) -> bytes:
        """A member read whole (the few small parts that name the others)."""
        if self._sizes.get(member, 0) > MAX_SMALL_PART:
            raise _refused(
                f"{self.name}: {member}",
                f"is larger than {MAX_SMALL_PART // 1_000_000} MB, more than any workbook's "
                "list of parts needs: the workbook is refused",
            )
        try:
            with archive.open(member) as raw:
                guarded = _Guarded(raw, f"{self.name}: {member}", self._sizes.get(member, 0))
                return guarded.read()
        except Refused:
            raise
        except DAMAGE as exc:
            raise _damaged(self.name, exc) from None

    def _parse(self, member: str) -> ET.Element:
        data = self._small(self._zip, member)
        try:
            return ET.fromstring(data)
        except ET.ParseError as exc:
            raise _damaged(f"{self.name}: {member}", exc) from None

    def _relationships(self, member: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (type, the target's member name)."""
        folder, base = posixpath.split(member)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if rels not in self._sizes:
            return {}
        out = {}
        for rel in self._parse(rels):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
        return out

    def _read_sheets(self) -> list[Sheet]:
        root = self._relationships("")
        main = next((t for k, t in root.values() if k.endswith("/officeDocument")), None)
        main = main or "xl/workbook.xml"
        if main not in self._sizes:
            raise _refused(self.name, "is not an .xlsx workbook: it has no workbook part")
        rels = self._relationships(main)
        self._shared = next(
            (t for k, t in rels.values() if k.endswith("/sharedStrings") and t in self._sizes),
            None,
        )
        sheets = []
        seen: set[str] = set()
        for element in self._parse(main).iter():
            if _local(element.tag) == "workbookPr":
                # Dates are days since 1900, or (a workbook made on an old Mac) since 1904.
                self.date1904 = element.get("date1904", "").lower() in ("1", "true")
            if _local(element.tag) != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id" and "}" in k), "")
            kind, target = rels.get(rid, ("", ""))
            # Chart sheets and macro sheets hold no rows.
            if not kind.endswith("/worksheet"):
                continue
            if target not in self._sizes:
                raise _refused(
                    self.name, f"names a sheet '{element.get('name')}' that it does not hold"
                )
            name = element.get("name", "")
            if len(name) > MAX_SHEET_NAME:
                raise _refused(
                    self.name,
                    f"has a sheet whose name ('{name[:40]}…') is longer than the "
                    f"{MAX_SHEET_NAME} characters Excel allows",
                )
            if target in seen:
                # One part named as several sheets would be read again for each.
                raise _refused(self.name, f"names the part {target} as more than one sheet")
            seen.add(target)
            sheets.append(Sheet(element.get("name", ""), target, self._sizes[target]))
            if len(sheets) > MAX_SHEETS:
                raise _refused(self.name, f"has more than {MAX_SHEETS} sheets")
        return sheets

    # Reading -----------------------------------------------------------------------------
    #
    # Parsed with iterparse's start events only: an element is complete once the next one of
    # its kind starts (or the part ends), so a row is read when the next row starts and then
    # removed from the tree. That is half the events of start and end, and memory stays flat.

    def _starts(self, member: str, where: str) -> Iterator[tuple[ET.Element, _Guarded]]:
        """The member's root element, then the starts of those in it: each with the guarded
        stream, for the bytes read so far."""
        try:
            with self._zip.open(member) as raw:
                guarded = _Guarded(raw, where, self._sizes[member])
                for _, element in ET.iterparse(guarded, ("start",)):
                    yield element, guarded
        except Refused:
            raise
        except DAMAGE as exc:
            raise _damaged(where, exc) from None

    def strings(self) -> list[str]:
        """The shared strings, read once."""
        if self._strings is None:
            self._strings = []
            if self._shared is not None:
                self._strings = self._read_strings(self._shared)
        return self._strings

    def _read_strings(self, member: str) -> list[str]:
        out: list[str] = []
        where = f"{self.name}: shared strings"
        root: ET.Element | None = None
        si = t = r = ""
        previous: ET.Element | None = None
        pending = chars = 0
        for element, _ in self._starts(member, where):
            if root is None:
                root = element
                ns = _namespace(root)
                si, t, r = ns + "si", ns + "t", ns + "r"
                continue
            pending += 1
            if element.tag == si:
                if previous is not None:
                    text = _rich_text(previous, t, r)
                    out.append(text)
                    chars += len(text)
                    if len(out) > MAX_STRINGS or chars > MAX_STRING_CHARS:
                        raise _refused(
                            where,
                            f"holds more text than a return can (over {MAX_STRINGS:,} strings "
                            f"or {MAX_STRING_CHARS:,} characters)",
                        )
                    _drop(root, previous, where)
                previous = element
                pending = 0
            elif pending > MAX_PENDING:
                raise _refused(where, "is not as Excel writes it: it is damaged")
        if root is not None and previous is not None:
            out.append(_rich_text(previous, t, r))
        return out

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, dict[str, str]]]:
        """A sheet's rows that hold anything, in order: (row number, {column letter: text})."""
        strings = self.strings()
        where = sheet.name
        base = self.read_bytes
        root: ET.Element | None = None
        data: ET.Element | None = None  # sheetData, the rows' parent
        previous: ET.Element | None = None
        data_tag = row_tag = c_tag = ""
        tags = ("", "", "", "", "")
        pending = count = number = 0
        for element, guarded in self._starts(sheet.member, where):
            if root is None:
                root = element
                ns = _namespace(root)
                data_tag, row_tag, c_tag = ns + "sheetData", ns + "row", ns + "c"
                tags = (ns + "v", ns + "f", ns + "is", ns + "t", ns + "r")
                continue
            pending += 1
            tag = element.tag
            if tag == row_tag:
                if data is None:
                    raise _refused(where, "has a row outside the sheet's data: it is damaged")
                count += 1
                if count > MAX_ROWS:
                    raise _refused(where, f"has more than {MAX_ROWS:,} rows")
                pending = 0
                if previous is not None:
                    number, out = _row(previous, number, where, c_tag, tags, strings)
                    _drop(data, previous, where)
                    self.read_bytes = base + guarded.count
                    if out:
                        yield number, out
                previous = element
            elif tag == data_tag:
                data = element
            elif pending > MAX_PENDING:
                raise _refused(where, "is not a worksheet as Excel writes it: it is damaged")
        if data is not None and previous is not None:
            number, out = _row(previous, number, where, c_tag, tags, strings)
            if out:
                yield number, out
        self.read_bytes = base + self._sizes[sheet.member]


def _drop(parent: ET.Element, done: ET.Element, where: str) -> None:
    """Take a read element (and anything before it) out of its parent, in one cut."""
    if len(parent) and parent[0] is done:
        del parent[0]
        return
    for index, child in enumerate(parent):
        if child is done:
            del parent[: index + 1]
            return
    raise _refused(where, "is not as Excel writes it (an element out of place): it is damaged")


def _namespace(root: ET.Element) -> str:
    """The main namespace, as the root's tag has it: transitional or strict, the same names."""
    return root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""


_DIGITS = "0123456789"
_LETTERS: set[str] = set()  # column letters seen to be valid


def _row(
    element: ET.Element,
    previous: int,
    where: str,
    c_tag: str,
    tags: tuple[str, str, str, str, str],
    strings: list[str],
) -> tuple[int, dict[str, str]]:
    """A complete row: its number and its cells' text by column letter."""
    given = element.get("r")
    number = _row_number(given, where) if given else previous + 1
    if len(element) > MAX_CELLS:
        raise _refused(f"{where}!row {number}", f"has more than {MAX_CELLS:,} cells")
    digits = given or str(number)
    out: dict[str, str] = {}
    letters = ""
    for c in element:
        if c.tag != c_tag:
            continue
        ref = c.get("r")
        if ref:
            letters = ref.rstrip(_DIGITS)
            if ref[len(letters) :] != digits or letters not in _LETTERS:
                if ref[len(letters) :] != digits or not _COLUMN.match(ref):
                    raise _refused(f"{where}!{ref[:20]}", "is not a cell of its row")
                _LETTERS.add(letters)
        else:
            letters = column_letters(column_index(letters) + 1)
        value = _value(c, strings, *tags)
        if value is not None:
            out[letters] = value
    return number, out


def _row_number(given: str, where: str) -> int:
    if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= MAX_ROW_NUMBER:
        raise _refused(f"{where}!row {given[:20]}", "is not a row number Excel allows")
    return int(given)


def _rich_text(element: ET.Element, t: str, r: str) -> str:
    """A string's text: plain, or the runs of rich text (phonetic guides left out)."""
    if len(element) == 1 and element[0].tag == t:
        return element[0].text or ""
    parts = []
    for child in element:
        if child.tag == t:
            parts.append(child.text or "")
        elif child.tag == r:
            parts.extend(run.text or "" for run in child if run.tag == t)
    return "".join(parts)


def _value(
    c: ET.Element, strings: list[str], v_tag: str, f_tag: str, is_tag: str, t_tag: str, r_tag: str
) -> str | None:
    kind = c.get("t")
    if kind == "inlineStr":
        found = c.find(is_tag)
        text = _rich_text(found, t_tag, r_tag) if found is not None else ""
        return _text(text)
    v = c.find(v_tag)
    raw = v.text if v is not None else None
    if raw is None:
        if c.find(f_tag) is not None:
            return CellError(
                "holds a formula whose result was not saved: open the workbook in Excel and "
                "save it again"
            )
        return None
    if kind == "s":
        if not (raw.isascii() and raw.isdigit()) or int(raw) >= len(strings):
            return CellError("refers to text the workbook does not hold: it is damaged")
        return _text(strings[int(raw)])
    if kind == "e":
        return CellError(f"holds the error {raw[:20]}")
    if kind == "b":
        return "TRUE" if raw.strip() == "1" else "FALSE"
    if kind is None or kind == "n":
        return _number(raw)
    return _text(raw)


def _number(raw: str) -> str | None:
    """A number's text as saved, or (past Excel's 15 significant digits) rounded to them."""
    if not raw.isascii():
        return _text(raw)  # not digits Excel writes: the reader of the rows refuses it
    mantissa = raw.strip().lstrip("+-").partition("e")[0].partition("E")[0]
    significant = mantissa.replace(".", "").lstrip("0")
    if len(significant) <= 15 or len(raw) > 40:
        return _text(raw)
    try:
        value = _EXCEL.plus(Decimal(raw))
    except ArithmeticError:  # InvalidOperation, Overflow, Underflow
        return _text(raw)  # not a number in range: the reader of the rows says so
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _text(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return CellError(f"holds more than {MAX_TEXT:,} characters, more than Excel keeps")
    return text or None


def open_workbook(source: str | Path | IO[bytes], name: str = "") -> Workbook:
    """Open a workbook, or refuse it (see the module's docstring for why one is refused)."""
    return Workbook(source, name)


def read_rows(
    source: str | Path | IO[bytes], name: str = ""
) -> Iterator[tuple[str, int, dict[str, str]]]:
    """Every row of every worksheet that holds anything: (sheet, row number, {column: text})."""
    with open_workbook(source, name) as book:
        for sheet in book.sheets:
            for number, cells in book.rows(sheet):
                yield sheet.name, number, cells

"""Reading an import file: bytes to text, the format, and CSV tables.

Nothing here touches the database. A file that cannot be read as contacts
(missing, unreadable, binary, empty, undecodable) raises one clear error before
anything is written.

Encodings: UTF-8 with or without a BOM, UTF-16 with a BOM; bytes that are not
UTF-8 are read as Windows-1252 and say so in a warning (never silent mojibake);
``encoding`` forces one.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prospectr.errors import InvalidInput, NotFound

FORMATS = ("csv", "vcard", "json")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".vcf": "vcard",
    ".vcard": "vcard",
    ".json": "json",
}
DELIMITERS = (",", ";", "\t")
# How many non-blank lines may come before the real header (notes, titles).
MAX_PREAMBLE_LINES = 30
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc) files
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls")


@dataclass
class SourceFile:
    """An import file read into text, with the format and encoding it was read with."""

    path: Path
    format: str
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A CSV file split into its header and its data records (with line numbers)."""

    header: list[str]
    header_line: int
    delimiter: str
    rows: list[tuple[int, list[str]]]
    preamble_lines: int = 0


def load_file(path: Path, *, encoding: str | None = None, fmt: str | None = None) -> SourceFile:
    """Read ``path`` as text and decide its format (``csv``, ``vcard`` or ``json``).

    Raises NotFound for a missing file and InvalidInput for one that is not
    readable contacts text.
    """
    if fmt is not None and fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    data = _read_bytes(path)
    _refuse_archive(path, data)
    text, used, warnings = decode(data, encoding, path.name)
    if "\x00" in text:
        raise InvalidInput(f"{path.name} is not a text file (binary data)")
    if not text.strip():
        raise InvalidInput(f"{path.name} is empty")
    return SourceFile(
        path=path,
        format=fmt or detect_format(path, text),
        text=text,
        encoding=used,
        warnings=warnings,
    )


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder, not a file")
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no such file: {path}") from None
    except PermissionError:
        raise InvalidInput(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


def _refuse_archive(path: Path, data: bytes) -> None:
    """A spreadsheet workbook or a ZIP archive gets a clearer error than "binary data"."""
    suffix = path.suffix.lower()
    if data.startswith(_OLE) and suffix == ".xls":
        raise InvalidInput(f"{path.name} is an Excel workbook: save it as CSV first")
    if not data.startswith(_ZIP):
        return
    # An OpenDocument file stores its "mimetype" first, uncompressed.
    if suffix == ".ods" or b"opendocument.spreadsheet" in data[30:200]:
        raise InvalidInput(f"{path.name} is an OpenDocument spreadsheet: save it as CSV first")
    if suffix in _EXCEL_EXTENSIONS or b"xl/workbook.xml" in data:
        raise InvalidInput(f"{path.name} is an Excel workbook: save it as CSV first")
    raise InvalidInput(f"{path.name} is a ZIP archive: extract the CSV or vCard file first")


def decode(data: bytes, encoding: str | None, name: str) -> tuple[str, str, list[str]]:
    """Text, the encoding used and warnings. Raises InvalidInput when it cannot decode."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(f"unknown encoding {encoding!r}") from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{name} is not valid {encoding} (line {_line_of(data, exc.start)},"
                f" byte {exc.start}); try another --encoding"
            ) from None
        return text.removeprefix("\ufeff"), encoding, []
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", name), "utf-8-sig", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name).removeprefix("\ufeff"), "utf-16", []
    if b"\x00" in data:
        raise InvalidInput(f"{name} is not a text file (binary data)")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    mixed = _mostly_utf8(data, name)
    if mixed is not None:
        return mixed
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{name} is neither UTF-8 nor Windows-1252 text; give --encoding"
        ) from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    if controls > max(8, len(text) // 100):
        raise InvalidInput(f"{name} is not a text file (binary data)")
    warning = f"{name} is not UTF-8: read as Windows-1252 (use --encoding to choose another)"
    return text, "windows-1252", [warning]


def _mostly_utf8(data: bytes, name: str) -> tuple[str, str, list[str]] | None:
    """A UTF-8 file with a few lines in Windows-1252 (rows pasted from another export).

    When at least as many lines with non-ASCII text are valid UTF-8 as are not,
    the file is UTF-8 and only the other lines are read as Windows-1252, with a
    warning that names them; reading the whole file as Windows-1252 would garble
    every UTF-8 name. None otherwise (the caller reads it all as Windows-1252).
    """
    lines = data.splitlines(keepends=True)
    utf8 = 0
    odd: list[int] = []
    parts: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            parts.append(line.decode("utf-8"))
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            odd.append(number)
            try:
                parts.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                return None
    if utf8 < len(odd):
        return None
    shown = ", ".join(map(str, odd[:5])) + (f" and {len(odd) - 5} more" if len(odd) > 5 else "")
    warning = (
        f"{name} is UTF-8 but not on line{'s' if len(odd) > 1 else ''} {shown}:"
        " read as Windows-1252 there (check those names)"
    )
    return "".join(parts), "utf-8", [warning]


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{name} starts like {encoding} but line {_line_of(data, exc.start)}"
            f" (byte {exc.start}) is not; give --encoding"
        ) from None


def detect_format(path: Path, text: str) -> str:
    """The format from the extension, else from the content."""
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    head = text.lstrip()[:200].upper()
    if head.startswith("BEGIN:VCARD"):
        return "vcard"
    if head.startswith("BEGIN:VCALENDAR") or path.suffix.lower() in (".ics", ".ical"):
        raise InvalidInput(
            f"{path.name} is an iCalendar file: prospectr exports calendars but imports"
            " contacts only (CSV, vCard or JSON)"
        )
    if by_ext:
        return by_ext
    if head.startswith(("[", "{")):
        return "json"
    return "csv"


# --- CSV ----------------------------------------------------------------------------


def _split_line(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def find_header(
    lines: list[str], score: Callable[[list[str]], int], delimiter: str | None = None
) -> tuple[int, str]:
    """Index of the header line and its delimiter.

    The header is the first line (of the first ``MAX_PREAMBLE_LINES`` non-blank
    ones) in which at least two cells name known columns; lines before it are a
    preamble. Without such a line, the first non-blank line is the header.
    """
    seen = 0
    first: int | None = None
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if first is None:
            first = index
        if seen > MAX_PREAMBLE_LINES:
            break
        for delim in (delimiter,) if delimiter else DELIMITERS:
            if score(_split_line(line, delim)) >= 2:
                return index, delim
    if first is None:
        raise InvalidInput("the file has no header row")
    return first, delimiter or sniff_delimiter(lines[first])


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most cells (``,`` on a tie)."""
    best, best_n = ",", 1
    for delim in DELIMITERS:
        n = len(_split_line(line, delim))
        if n > best_n:
            best, best_n = delim, n
    return best


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """The physical lines of ``text`` from offset ``start``, ends kept, without a copy."""
    end = len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def read_table(text: str, score: Callable[[list[str]], int], delimiter: str | None = None) -> Table:
    """Split CSV text into header and records, skipping a preamble and blank lines.

    Each record keeps the number of the line it starts on (quoted cells may span
    lines), counted from 1 in the file.
    """
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
    head: list[str] = []
    for line in _lines(text):
        head.append(line)
        if len(head) > 4 * MAX_PREAMBLE_LINES:
            break
    start = 0
    if head and head[0].strip().lower().startswith("sep=") and len(head[0].strip()) == 5:
        delimiter = delimiter or head[0].strip()[4]
        start = 1
    index, delim = find_header(head[start:], score, delimiter)
    index += start
    header = [h.strip() for h in _split_line(head[index], delim)]
    while header and not header[-1]:
        header.pop()
    preamble = sum(1 for line in head[start:index] if line.strip())
    offset = sum(len(line) for line in head[: index + 1])
    rows = list(_records(_lines(text, offset), delim, first_line=index + 2))
    return Table(
        header=header,
        header_line=index + 1,
        delimiter=delim,
        rows=rows,
        preamble_lines=preamble,
    )


def _records(
    lines: Iterator[str], delimiter: str, first_line: int
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    consumed = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(f"line {first_line + consumed}: unreadable CSV ({exc})") from None
        line = first_line + consumed
        consumed = reader.line_num
        if not "".join(cells).strip():
            continue  # a blank line, or a row of empty cells (",,,")
        yield line, cells

"""Import details: empty exports, vobject's log, skipped lines, rows without contact
details, --map errors, spreadsheet workbooks, undone times in ``import list``."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from prospectr.domain.import_vcard import read_vcards
from prospectr.models import ImportBatch, Lead
from tests.conftest import NOW
from tests.io.conftest import run_import, sqlite_dump

Cli = Callable[..., Any]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- 1. a file with a header and no rows ----------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_header_alone_is_nothing_to_import_and_creates_no_database(
    cli: Cli, tmp_path: Path, db_path: Path, dry_run: bool
) -> None:
    path = _write(tmp_path, "header.csv", "Name,Email,Phone\n")
    result = cli("import", str(path), *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 0
    assert result.stdout == "nothing to import: header.csv has a header and no rows\n"
    assert result.stderr == ""
    assert not db_path.exists()
    assert not (tmp_path / "header.rejects.csv").exists()


@pytest.mark.sqlite_only
def test_a_header_with_blank_rows_records_no_batch(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    assert cli("add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    before = sqlite_dump(db_path, journal=True)
    path = _write(tmp_path, "weekly.csv", "Name,Email\n\n,,\n  \n")
    result = cli("import", str(path))
    assert (result.exit_code, result.stdout) == (
        0,
        "nothing to import: weekly.csv has a header and no rows\n",
    )
    assert sqlite_dump(db_path, journal=True) == before
    assert cli("import", "list").stdout == "no imports yet\n"
    assert db_path.exists()  # a database that holds leads stays


@pytest.mark.sqlite_only
def test_an_empty_json_list_is_nothing_to_import(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    path = _write(tmp_path, "leads.json", '{"leads": []}')
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["nothing_to_import"] == "leads.json has no record"
    assert (data["batch"], data["records"], data["imported"]) == (None, 0, 0)
    assert not db_path.exists()
    text = cli("import", str(_write(tmp_path, "none.json", "[]")))
    assert text.stdout == "nothing to import: none.json has no record\n"


def test_the_domain_records_no_batch_for_a_header_alone(engine: Engine, tmp_path: Path) -> None:
    report = run_import(engine, _write(tmp_path, "h.csv", "Name,Email\n"))
    assert report.nothing_to_import == "h.csv has a header and no rows"
    assert (report.batch_id, report.records) == (None, 0)
    with Session(engine) as s:
        assert s.exec(select(ImportBatch)).all() == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("e.csv", b"", "error: e.csv is empty\n"),
        ("b.csv", b" \n\n", "error: b.csv is empty\n"),
        ("e.json", b"", "error: e.json is empty\n"),
        ("x.vcf", b"no cards here\n", "error: no BEGIN:VCARD found: not a vCard file\n"),
    ],
)
def test_empty_files_and_files_without_cards_stay_errors(
    cli: Cli, tmp_path: Path, db_path: Path, name: str, data: bytes, message: str
) -> None:
    result = cli("import", str(_bytes(tmp_path, name, data)))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert not db_path.exists()


# --- 2. vobject's log and the lines of broken cards ------------------------------------

BROKEN_CARDS = """\
BEGIN:VCARD
VERSION:3.0
FN:Ann Good
EMAIL:ann@example.com
END:VCARD

BEGIN:VCARD
VERSION:3.0
FN:Bob Skipped
this line has no colon
EMAIL:bob@example.com
END:VCARD
BEGIN:VCARD
VERSION:2.1
FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Jos=C3=A9 =
Garc=C3=ADa
NOTE:folded
 on two lines
END:VEVENT
EMAIL:jose@example.com
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Never Closed
"""


def test_broken_card_lines_are_named_by_their_file_line(
    cli: Cli, tmp_path: Path, db_path: Path
) -> None:
    path = _write(tmp_path, "phone.vcf", BROKEN_CARDS)
    result = cli("import", str(path))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "imported 2, merged 0, skipped 0, rejected 2 (4 records) - batch #1",
        f"rejected: 2 unreadable vCard (written to {tmp_path / 'phone.rejects.csv'})",
        # The QP soft break (lines 15-16) and the folded NOTE (17-18) count as file lines.
        "  line 13: unreadable vCard: VCARD component wasn't closed (at line 19)",
        "  line 22: unreadable vCard: Component VCARD was never closed (at line 24)",
        "warning: line 10: unreadable vCard line skipped: this line has no colon",
        "undo with: prospectr import undo 1",
    ]


def test_vobject_logs_nothing_while_cards_are_read(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cards = list(read_vcards(BROKEN_CARDS))
    assert [(c.line, c.warnings) for c in cards] == [
        (1, []),
        (7, [(10, "unreadable vCard line skipped: this line has no colon")]),
        (13, []),
        (22, []),
    ]
    assert caplog.records == []
    # vobject's logger is left as it was: its records flow again after the import.
    vobject_logger = logging.getLogger("vobject.base")
    assert vobject_logger.filters == []
    vobject_logger.error("after the import")
    assert [r.getMessage() for r in caplog.records] == ["after the import"]


def test_the_skipped_line_warning_is_in_json(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "phone.vcf", BROKEN_CARDS)
    data = json.loads(cli("import", str(path), "--json").stdout)
    assert data["row_warnings"] == [
        {"line": 10, "warning": "unreadable vCard line skipped: this line has no colon"}
    ]


def test_a_real_run_prints_no_vobject_line_on_stderr(tmp_path: Path) -> None:
    path = _write(tmp_path, "phone.vcf", BROKEN_CARDS)
    env = {**os.environ, "PROSPECTR_NOW": NOW.isoformat(), "CI": "1"}
    env.pop("PROSPECTR_DB", None)
    proc = subprocess.run(
        [sys.executable, "-m", "prospectr", "--db", str(tmp_path / "p.db"), "import", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert "warning: line 10: unreadable vCard line skipped: this line has no colon" in (
        proc.stdout.splitlines()
    )


# --- 3. skipped rows are listed --------------------------------------------------------


def test_skipped_rows_are_listed_like_unchanged_ones(cli: Cli, tmp_path: Path) -> None:
    rows = "".join(f"Person {i},p{i}@example.com\n" for i in range(3))
    first = _write(tmp_path, "first.csv", "Name,Email\n" + rows)
    assert cli("import", str(first)).exit_code == 0
    again = _write(
        tmp_path,
        "again.csv",
        "Name,Email\n" + rows + "New One,new@example.com\nNew Twin,NEW@example.com \n",
    )
    result = cli("import", str(again))
    assert result.stdout.splitlines() == [
        "imported 1, merged 0, skipped 4, rejected 0 (5 records) - batch #2",
        "skipped: 3 already in the database, 1 repeated in the file",
        "  line 2: duplicate of lead #1 (email p0@example.com)",
        "  line 3: duplicate of lead #2 (email p1@example.com)",
        "  line 4: duplicate of lead #3 (email p2@example.com)",
        "  line 6: duplicate of line 5 (email new@example.com)",
        "undo with: prospectr import undo 2",
    ]


def test_only_the_first_20_skipped_rows_are_listed(cli: Cli, tmp_path: Path) -> None:
    rows = "".join(f"Twin {i},twin@example.com\n" for i in range(26))
    result = cli("import", str(_write(tmp_path, "twins.csv", "Name,Email\n" + rows)))
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "imported 1, merged 0, skipped 25, rejected 0 (26 records) - batch #1",
        "skipped: 25 repeated in the file",
        "  line 3: duplicate of line 2 (email twin@example.com)",
    ]
    assert lines[2:23] == [
        *(f"  line {n}: duplicate of line 2 (email twin@example.com)" for n in range(3, 23)),
        "  ... and 5 more",
    ]
    assert lines[23:] == ["undo with: prospectr import undo 1"]


# --- 4. rows without email or phone -----------------------------------------------------

LINKEDIN = """\
First Name,Last Name,Email Address,Company,Position
Ana,Reyes,,Acme,CTO
Ben,Ong,,Globex,CEO
Cy,Lim,cy@example.com,Initech,
Dee,Tan,,Umbrella,COO
"""


def test_rows_without_email_or_phone_are_counted(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Connections.csv", LINKEDIN)
    report = run_import(engine, path)
    assert (report.imported, report.no_contact) == (4, 3)
    warning = "3 rows have no email or phone: a re-import cannot tell them from new leads"
    assert warning in report.all_warnings()
    assert report.as_dict()["warnings"] == [warning]
    assert report.as_dict()["without_email_or_phone"] == 3
    # The warning is right: the same file again creates those three once more.
    again = run_import(engine, path)
    assert (again.imported, again.skipped, again.no_contact) == (3, 1, 3)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Lead)).one() == 7


def test_the_warning_is_printed_and_in_json(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "Connections.csv", LINKEDIN)
    result = cli("import", str(path))
    assert result.stdout.splitlines() == [
        "imported 4, merged 0, skipped 0, rejected 0 (4 records) - batch #1",
        "warning: 3 rows have no email or phone: a re-import cannot tell them from new leads",
        "undo with: prospectr import undo 1",
    ]
    dry = json.loads(cli("import", str(path), "--dry-run", "--json").stdout)
    assert dry["warnings"] == [
        "3 rows have no email or phone: a re-import cannot tell them from new leads"
    ]


def test_no_warning_when_every_imported_row_has_an_email_or_a_phone(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "ok.csv",
        "Name,Email,Phone\nAnn,ann@example.com,\nBob,,+1 555 0100\nCy,,\nCy again,,\n"
        "Bad,not-an-email,\n",
    )
    report = run_import(engine, path)
    assert (report.imported, report.rejected, report.no_contact) == (4, 1, 2)
    clean = run_import(engine, _write(tmp_path, "clean.csv", "Name,Email\nDee,dee@example.com\n"))
    assert clean.no_contact == 0
    assert clean.all_warnings() == []
    assert clean.as_dict()["warnings"] == []


# --- 5. --map names the column as typed ---------------------------------------------------


def test_map_error_shows_the_column_as_typed(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "m.csv", "Name,Email\nAnn,ann@example.com\n")
    result = cli("import", str(path), "--map", " Nope Column =name")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --map: no column 'Nope Column' in the header (columns: Name, Email)\n"
    )


# --- 6. spreadsheet workbooks -----------------------------------------------------------


def _zip(path: Path, entries: dict[str, str], *, stored_first: bool = False) -> bytes:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in entries.items():
            kind = zipfile.ZIP_STORED if stored_first else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(name), text, compress_type=kind)
            stored_first = False
    return path.read_bytes()


XLSX = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}
ODS = {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("leads.xlsx", lambda p: _zip(p, XLSX), "leads.xlsx is an Excel workbook"),
        ("leads.xls", lambda p: _zip(p, XLSX), "leads.xls is an Excel workbook"),
        ("export", lambda p: _zip(p, XLSX), "export is an Excel workbook"),
        (
            "old.xls",
            lambda p: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "old.xls is an Excel workbook",
        ),
        ("leads.ods", lambda p: _zip(p, ODS), "leads.ods is an OpenDocument spreadsheet"),
        (
            "sheet.dat",
            lambda p: _zip(p, ODS, stored_first=True),
            "sheet.dat is an OpenDocument spreadsheet",
        ),
    ],
)
def test_workbooks_are_told_to_be_saved_as_csv(
    cli: Cli,
    tmp_path: Path,
    db_path: Path,
    name: str,
    make: Callable[[Path], bytes],
    message: str,
) -> None:
    path = tmp_path / name
    data = make(path)
    path.write_bytes(data)
    result = cli("import", str(path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {message}: save it as CSV first\n"
    assert not db_path.exists()


@pytest.mark.sqlite_only
def test_other_zips_and_binaries(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    takeout = tmp_path / "takeout.zip"
    _zip(takeout, {"Contacts/All Contacts.vcf": "BEGIN:VCARD\n"})
    result = cli("import", str(takeout))
    assert (result.exit_code, result.stderr) == (
        2,
        "error: takeout.zip is a ZIP archive: extract the CSV or vCard file first\n",
    )
    photo = _bytes(tmp_path, "photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    result = cli("import", str(photo))
    assert (result.exit_code, result.stderr) == (
        2,
        "error: photo.xlsx is not a text file (binary data)\n",
    )
    assert not db_path.exists()


# --- 8. import list shows minutes ----------------------------------------------------


def test_import_list_shows_the_undone_time_in_minutes(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", "Name,Email\nAnn,ann@example.com\n")
    assert cli("import", str(path)).exit_code == 0
    assert cli("import", "undo", "1").exit_code == 0
    assert cli("import", "list").stdout == (
        "#1  2026-11-24 10:00  a.csv (csv)  imported 1, merged 0, skipped 0, rejected 0"
        "  undone 2026-11-24 10:00\n"
    )
    listed = json.loads(cli("import", "list", "--json").stdout)
    assert listed[0]["undone_at"] == "2026-11-24T10:00:00"

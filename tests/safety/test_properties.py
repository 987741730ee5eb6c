"""Property-based tests: parsers and normalisers never crash; imports always add up.

"Never crash" means: the only exception is the ProspectrError family (one clear
line for the user), never a traceback. Runs are derandomised so CI is stable.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospectr.domain import text as t
from prospectr.domain.dates import Birthday, parse_birthday, parse_date
from prospectr.errors import InvalidInput, ProspectrError

from ..conftest import NOW, TODAY
from .conftest import Tally

pytestmark = pytest.mark.sqlite_only

SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
IMPORT_SETTINGS = settings(SETTINGS, max_examples=60)

_MONTHS = ["jan", "January", "feb", "Mar", "sept", "dec", "Mai", "März", "tháng"]
_WORDS = ["today", "tomorrow", "yesterday", "next", "this", "monday", "fri", "in", "days", "week"]
_SEPS = ["-", "/", ".", " ", "--", "+", "", ",", ":", "T"]

# Text shaped like dates: numbers (some huge), separators, month names and words.
date_like = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=99_999).map(str),
        st.sampled_from(["0", "00", "29", "31", "02", "2", "1900", "2100", "9999", "10000"]),
        st.sampled_from(_MONTHS + _WORDS + ["d", "w", "m", "y", "+", "-"]),
        st.sampled_from(_SEPS),
    ),
    max_size=7,
).map("".join)
# Offsets and "in N units", with counts far beyond any calendar.
counts = st.one_of(
    st.integers(min_value=0, max_value=9999),
    st.sampled_from([7974, 8000, 9999, 10_000, 99_999]),
)
offsets = st.builds(
    "{}{}{}".format,
    st.sampled_from(["+", "-", "+ ", ""]),
    counts,
    st.sampled_from(["d", "w", "m", "y", " days", "x"]),
) | st.builds(
    "in {} {}".format,
    counts,
    st.sampled_from(["day", "weeks", "month", "years"]),
)
any_text = st.one_of(st.text(max_size=40), date_like, offsets)


def _only_invalid_input(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except InvalidInput as exc:
        message = str(exc)
        assert message
        assert "\n" not in message
        return None


@SETTINGS
@given(text=any_text)
def test_parse_date_raises_nothing_but_invalid_input(text: str, tally: Tally) -> None:
    tally.add("inputs generated")
    result = _only_invalid_input(parse_date, text, TODAY)
    assert result is None or isinstance(result, date)


@SETTINGS
@given(text=any_text, today=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_parse_date_any_today(text: str, today: date, tally: Tally) -> None:
    tally.add("inputs generated")
    _only_invalid_input(parse_date, text, today)
    past = _only_invalid_input(lambda: parse_date(text, today, past=True))
    assert past is None or isinstance(past, date)


@SETTINGS
@given(text=any_text)
def test_parse_birthday_raises_nothing_but_invalid_input(text: str, tally: Tally) -> None:
    tally.add("inputs generated")
    result = _only_invalid_input(lambda t: parse_birthday(t, today=TODAY), text)
    if result is not None:
        assert isinstance(result, Birthday)
        assert 1 <= result.month <= 12
        assert 1 <= result.day <= 31
        assert result.year is None or 1900 <= result.year <= 2100
        # What is shown can be read back as the same birthday.
        assert parse_birthday(str(result), today=TODAY) == result


def _no_hidden(value: str, multiline: bool) -> None:
    for ch in value:
        if multiline and ch in "\n\t":
            continue
        assert unicodedata.category(ch)[0] != "C", repr(ch)
        assert unicodedata.category(ch) not in ("Zl", "Zp"), repr(ch)


@SETTINGS
@given(value=st.text(max_size=60), multiline=st.booleans())
def test_clean_is_idempotent_and_leaves_nothing_hidden(
    value: str, multiline: bool, tally: Tally
) -> None:
    tally.add("inputs generated")
    once = t.clean(value, multiline=multiline)
    assert t.clean(once, multiline=multiline) == once
    _no_hidden(once, multiline)
    assert once == once.strip()
    if not multiline:
        assert "\n" not in once
        assert "  " not in once


@SETTINGS
@given(value=st.text(max_size=60))
def test_fold_and_labels_are_idempotent(value: str, tally: Tally) -> None:
    tally.add("inputs generated")
    folded = t.fold(value)
    assert t.fold(folded) == folded
    label = t.normalize_label(value)
    assert t.normalize_label(label) == label


emails = st.one_of(
    st.text(max_size=40),
    st.emails().map(lambda e: f"  {e.upper()} "),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=10), st.text(max_size=10)),
)


@SETTINGS
@given(value=emails)
def test_normalize_email(value: str, tally: Tally) -> None:
    tally.add("inputs generated")
    result = _only_invalid_input(t.normalize_email, value)
    if result is not None:
        assert result == result.strip().lower()
        assert t.normalize_email(result) == result
        _no_hidden(result, False)


phones = st.one_of(
    st.text(max_size=30),
    # ASCII, Arabic-Indic and full-width digits.
    st.text(alphabet="0123456789 +-().x\u0660\u0661\u0665\u0669\uff10\uff11\uff19", max_size=25),
)


@SETTINGS
@given(value=phones)
def test_phone_key(value: str, tally: Tally) -> None:
    tally.add("inputs generated")
    result = _only_invalid_input(t.phone_key, value)
    if result is not None:
        assert result.isascii()
        assert result.isdigit()
        assert len(result) >= t.MIN_PHONE_DIGITS
        assert t.phone_key(result) == result


@SETTINGS
@given(
    fields=st.dictionaries(
        st.sampled_from(["name", "email", "phone", "company", "city", "source", "birthday"]),
        st.one_of(st.text(max_size=30), emails, phones, date_like),
        max_size=7,
    )
)
def test_lead_fields_validate_with_one_error_family(fields: dict[str, str], tally: Tally) -> None:
    from prospectr.domain.leads import normalize_fields

    tally.add("inputs generated")
    try:
        normalize_fields(fields, today=TODAY)
    except ProspectrError as exc:
        message = str(exc)
    else:
        message = ""
    assert "\n" not in message


# --- CSV import of random rows and random bytes -----------------------------------------

HEADERS = [
    "Name",
    "First Name",
    "Last Name",
    "E-mail Address",
    "Email",
    "Mobile Phone",
    "Phone",
    "Company",
    "City",
    "Birthday",
    "Tags",
    "Notes",
    "Source",
    "Favourite colour",
    "",
]
CELLS = [
    "",
    " ",
    "Maria Santos",
    "maria@example.com",
    " MARIA@Example.com ",
    "not-an-email",
    "+63 917 123 4567",
    "0917-123-4567",
    "12",
    "03-15",
    "--02-29",
    "1990-02-30",
    "4/31/1980",
    "05/01/1979",
    "29 Feb",
    '=HYPERLINK("x")',
    "\x1b[31mRED\x1b[0m",
    "[bold]x[/]",
    "a ::: b",
    "\u202eevil",
    '"',
    ",",
    ";",
    "\n",
    "line\r\nbreak",
    "Nguyễn Văn An",
    "Иван",
    "王小明",
]
cells = st.one_of(st.sampled_from(CELLS), st.text(max_size=20))


@st.composite
def csv_files(draw: Any) -> tuple[bytes, int]:
    """A CSV file of random rows under a random header; and how many rows it holds."""
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6, unique=True))
    width = len(header)
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 2), min_size=0, max_size=25))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    buf = io.StringIO()
    writer = csv.writer(
        buf, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    )
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return buf.getvalue().encode(encoding, errors="replace"), len(rows)


def _import(tmp_path: Path, data: bytes, name: str, mode: str, tally: Tally) -> None:
    """Import ``data`` into a fresh database; the four counts must add up to the records."""
    from sqlmodel import func, select

    from prospectr.db import open_database, session_scope
    from prospectr.domain.importer import ImportOptions, import_file
    from prospectr.models import ImportBatch, Lead

    path = tmp_path / name
    path.write_bytes(data)
    engine = open_database("sqlite://")
    try:
        try:
            with session_scope(engine) as s:
                report = import_file(
                    s, path, ImportOptions(on_duplicate=mode), now=NOW, today=TODAY
                )
        except ProspectrError as exc:  # the whole file refused: one clear line
            message = str(exc)
            refused = True
        else:
            refused = False
        if refused:
            assert message
            assert "\n" not in message
            with session_scope(engine, write=False) as s:
                assert s.exec(select(func.count()).select_from(Lead)).one() == 0
            return
        counts = (
            report.imported
            + report.merged
            + report.updated
            + report.unchanged
            + report.skipped
            + report.rejected
        )
        assert counts == report.records, report.counts()
        assert len(report.rejects) == report.rejected
        with session_scope(engine, write=False) as s:
            assert s.exec(select(func.count()).select_from(Lead)).one() == report.imported
            if report.imported or report.merged or report.updated:
                assert s.exec(select(func.count()).select_from(ImportBatch)).one() == 1
        tally.add("trials")
    finally:
        engine.dispose()


@IMPORT_SETTINGS
@given(file=csv_files(), mode=st.sampled_from(["skip", "update", "merge"]))
def test_csv_import_of_random_rows_adds_up(
    tmp_path: Path, file: tuple[bytes, int], mode: str, tally: Tally
) -> None:
    pytest.importorskip("prospectr.domain.importer")
    data, _ = file
    tally.add("inputs generated")
    _import(tmp_path, data, "contacts.csv", mode, tally)


@IMPORT_SETTINGS
@given(
    data=st.one_of(
        st.binary(max_size=3000),
        st.binary(max_size=500).map(lambda b: b"Name,Email,Phone\n" + b),
        st.binary(max_size=500).map(lambda b: b"BEGIN:VCARD\nVERSION:3.0\nFN:" + b),
        st.binary(max_size=500).map(lambda b: b"\xef\xbb\xbfName;E-mail\r\n" + b),
    ),
    name=st.sampled_from(["contacts.csv", "contacts.vcf", "contacts.json", "contacts.txt"]),
)
def test_import_of_random_bytes_never_crashes(
    tmp_path: Path, data: bytes, name: str, tally: Tally
) -> None:
    pytest.importorskip("prospectr.domain.importer")
    tally.add("inputs generated")
    _import(tmp_path, data, name, "skip", tally)


# --- the same through the command line: ``prospectr import FILE --json`` -----------------

CLI_SETTINGS = settings(SETTINGS, max_examples=25)


def _cli_import(cli: Any, db_path: Path, tmp_path: Path, data: bytes, name: str) -> None:
    import sqlite3
    from contextlib import closing

    def leads() -> int:
        if not db_path.exists():
            return 0
        with closing(sqlite3.connect(db_path)) as conn:
            return int(conn.execute("SELECT count(*) FROM lead").fetchone()[0])

    path = tmp_path / name
    path.write_bytes(data)
    before = leads()
    result = cli("import", str(path), "--json", "--rejects", str(tmp_path / "rejects.csv"))
    if result.exit_code != 0:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
        assert leads() == before
        return
    summary = json.loads(result.stdout)
    keys = ("imported", "merged", "updated", "unchanged", "skipped", "rejected")
    parts = sum(summary[key] for key in keys)
    assert parts == summary["records"], summary
    assert leads() == before + summary["imported"]


@CLI_SETTINGS
@given(file=csv_files())
def test_cli_import_of_random_rows_adds_up(
    cli: Any, db_path: Path, tmp_path: Path, file: tuple[bytes, int], tally: Tally
) -> None:
    tally.add("inputs generated")
    _cli_import(cli, db_path, tmp_path, file[0], "contacts.csv")


@CLI_SETTINGS
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.vcf", "a.json"]))
def test_cli_import_of_random_bytes_never_crashes(
    cli: Any, db_path: Path, tmp_path: Path, data: bytes, name: str, tally: Tally
) -> None:
    tally.add("inputs generated")
    _cli_import(cli, db_path, tmp_path, data, name)

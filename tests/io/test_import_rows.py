"""Row-level rules: validation, rejects, dates, duplicates, options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from prospectr.db import session_scope
from prospectr.domain import add_lead
from prospectr.domain.import_dates import BirthdayReader, column_order
from prospectr.domain.import_report import rejects_csv
from prospectr.errors import InvalidInput
from tests.conftest import NOW, TODAY
from tests.io.conftest import run_import, stored


def test_messy_spreadsheet_every_row_accounted_for(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("messy.csv"))
    # Blank line 3 and the empty-cells row 15 are not records.
    assert report.records == 12
    assert (report.imported, report.merged, report.skipped, report.rejected) == (4, 0, 2, 6)
    assert report.imported + report.merged + report.skipped + report.rejected == report.records
    assert [(r.line, r.reason) for r in report.rejects] == [
        (4, "invalid email: 'bob@@example'"),
        (5, "not a real date: '1990-02-30'"),
        (8, "not a real date: '1991-02-29'"),
        (10, "wrong number of fields: 8, the header has 6"),
        (11, "wrong number of fields: 2, the header has 6"),
        (12, "a lead needs a name or a company"),
    ]
    assert dict(report.reject_reasons) == {
        "invalid email": 1,
        "not a real date": 2,
        "wrong number of fields": 2,
        "a lead needs a name or a company": 1,
    }
    assert report.skipped_rows == [
        (13, "duplicate of line 2 (email ann@example.com)"),
        (14, "duplicate of line 2 (phone (555) 0100-123)"),
    ]
    assert report.row_warnings == [
        (
            2,
            "birthday '05/01/1979' is ambiguous (day/month order unknown): left empty;"
            " use --dayfirst or --monthfirst",
        ),
        (
            16,
            "birthday '12/11/1970' is ambiguous (day/month order unknown): left empty;"
            " use --dayfirst or --monthfirst",
        ),
    ]
    leads = stored(engine)
    assert list(leads) == ["Ann Smith", 'Dan "The Man" Ortiz', "Fay Wong", "Jo Kim"]
    # Ambiguous dates are not guessed: the lead is imported without a birthday.
    assert leads["Ann Smith"]["bday_month"] is None
    assert leads["Jo Kim"]["bday_month"] is None
    dan = leads['Dan "The Man" Ortiz']
    assert dan["company"] == "Ortiz, Sons & Co"
    assert dan["notes"] == ["line one\nline two, with comma"]
    assert (dan["bday_year"], dan["bday_month"], dan["bday_day"]) == (None, 2, 29)
    fay = leads["Fay Wong"]
    assert (fay["bday_year"], fay["bday_month"], fay["bday_day"]) == (1992, 2, 29)


def test_rejects_csv_keeps_line_reason_and_original_cells(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("messy.csv"))
    lines = rejects_csv(report).splitlines()
    assert lines[0] == "line,reason,Name,Email,Phone,Company,Birthday,Notes"
    assert lines[1] == "4,invalid email: 'bob@@example',Bob Jones,bob@@example,555 0101 123,,,"
    assert (
        lines[4] == '10,"wrong number of fields: 8, the header has 6",'
        "Gus Hall,gus@example.com,555 0106 123,,,,extra,cells"
    )
    assert len(lines) == 7


@pytest.mark.parametrize(
    ("order", "ann", "jo"),
    [("dayfirst", (1979, 1, 5), (1970, 11, 12)), ("monthfirst", (1979, 5, 1), (1970, 12, 11))],
)
def test_dayfirst_or_monthfirst_settles_ambiguous_dates(
    engine: Engine,
    fixture_file: Callable[[str], Path],
    order: str,
    ann: tuple[int, int, int],
    jo: tuple[int, int, int],
) -> None:
    report = run_import(engine, fixture_file("messy.csv"), date_order=order)
    assert report.row_warnings == []
    leads = stored(engine)
    assert tuple(leads["Ann Smith"][k] for k in ("bday_year", "bday_month", "bday_day")) == ann
    assert tuple(leads["Jo Kim"][k] for k in ("bday_year", "bday_month", "bday_day")) == jo


def test_column_order_is_decided_by_its_values() -> None:
    assert column_order(["25/12/1980", "05/01/1979"]) == "dayfirst"
    assert column_order(["12/25/1980", "05/01/1979"]) == "monthfirst"
    assert column_order(["05/01/1979", "1990-01-02", "--03-15"]) is None
    assert column_order(["05/01/1979"], "monthfirst") == "monthfirst"
    # A column with both orders settles nothing: each value decides alone.
    assert column_order(["25/12/1980", "12/25/1980"]) is None


def test_birthday_reader_forms() -> None:
    reader = BirthdayReader(TODAY)
    assert str(reader.read("1986-03-15", None)[0]) == "1986-03-15"
    assert str(reader.read("--03-15", None)[0]) == "--03-15"
    assert str(reader.read("--0315", None)[0]) == "--03-15"
    assert str(reader.read("19850315", None)[0]) == "1985-03-15"
    assert str(reader.read("1985-03-15T00:00:00Z", None)[0]) == "1985-03-15"
    assert str(reader.read("3/15/1985 12:00:00 AM", None)[0]) == "1985-03-15"
    assert str(reader.read("15 March 1985", None)[0]) == "1985-03-15"
    assert str(reader.read("5/1/79", "dayfirst")[0]) == "1979-01-05"
    assert str(reader.read("5/1/05", "dayfirst")[0]) == "2005-01-05"
    assert reader.read("0/0/00", None) == (None, None)
    birthday, warning = reader.read("05/01/1979", None)
    assert birthday is None
    assert warning is not None
    assert "ambiguous" in warning
    with pytest.raises(InvalidInput, match=r"not a real date: '4/31/1980'"):
        reader.read("4/31/1980", None)
    with pytest.raises(InvalidInput, match="not a real date: '1990-02-30'"):
        reader.read("1990-02-30", None)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _seed(engine: Engine) -> int:
    with session_scope(engine) as s:
        lead = add_lead(
            s,
            now=NOW,
            name="Maria Santos",
            email="maria@example.com",
            phone="+63 917 123 4567",
            city="Manila",
            tags=["vip"],
        )
        assert lead.id is not None
        return lead.id


DUPES = (
    "Name,Email,Phone,City,Company,Tags,Notes\n"
    "Maria S.,MARIA@example.com,,Quezon City,Cakes by Maria,fair,wants cakes\n"
    "New Person,new@example.com,555 0199 000,Cebu,,,\n"
    "New P.,,5550199000,Davao,Acme,friends,\n"
)


def test_on_duplicate_skip_is_the_default(engine: Engine, tmp_path: Path) -> None:
    maria_id = _seed(engine)
    report = run_import(engine, _write(tmp_path, "d.csv", DUPES))
    assert (report.imported, report.merged, report.skipped) == (1, 0, 2)
    assert report.skipped_rows == [
        (2, f"duplicate of lead #{maria_id} (email maria@example.com)"),
        (4, "duplicate of line 3 (phone 5550199000)"),
    ]
    assert dict(report.skips) == {"already in the database": 1, "repeated in the file": 1}
    maria = stored(engine)["Maria Santos"]
    assert (maria["city"], maria["company"], maria["tags"]) == ("Manila", None, ["vip"])


def test_on_duplicate_update_takes_the_file_values(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    report = run_import(engine, _write(tmp_path, "d.csv", DUPES), on_duplicate="update")
    assert (report.imported, report.updated, report.merged, report.skipped) == (1, 2, 0, 0)
    leads = stored(engine)
    maria = leads["Maria S."]
    assert (maria["city"], maria["company"]) == ("Quezon City", "Cakes by Maria")
    assert maria["email"] == "maria@example.com"
    assert maria["phone"] == "+63 917 123 4567"
    assert maria["tags"] == ["fair", "vip"]
    assert maria["notes"] == ["wants cakes"]
    new = leads["New P."]
    assert (new["city"], new["company"], new["tags"]) == ("Davao", "Acme", ["friends"])
    assert new["email"] == "new@example.com"


def test_on_duplicate_merge_fills_only_empty_fields(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    report = run_import(engine, _write(tmp_path, "d.csv", DUPES), on_duplicate="merge")
    assert (report.imported, report.merged, report.skipped) == (1, 2, 0)
    leads = stored(engine)
    maria = leads["Maria Santos"]
    assert (maria["city"], maria["company"]) == ("Manila", "Cakes by Maria")
    assert maria["tags"] == ["fair", "vip"]
    new = leads["New Person"]
    assert (new["city"], new["company"], new["tags"]) == ("Cebu", "Acme", ["friends"])


def test_source_and_tag_apply_to_every_row(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "w.csv", "Name,Email,Source\nA One,a@x.com,facebook\nB Two,b@x.com,\n")
    run_import(engine, path, source="Website", tags=["WebForm", "nov, 2026"])
    leads = stored(engine)
    assert [leads[n]["source"] for n in ("A One", "B Two")] == ["website", "website"]
    assert leads["A One"]["tags"] == ["2026", "nov", "webform"]


def test_map_overrides_and_custom_fields(engine: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "m.csv",
        "Who,Mobile No,Gender,Ref,Stage\nAnn Lee,0917 555 0101,f,R-1,qualified\n"
        "Bo Chan,0917 555 0102,m,R-2,nowhere\n",
    )
    report = run_import(
        engine,
        path,
        mapping=["Who=name", "Mobile No=phone", "Gender=custom", "Ref=custom:Reference No"],
    )
    assert report.mapping == [
        ("Who", "name"),
        ("Mobile No", "phone"),
        ("Gender", "custom:Gender"),
        ("Ref", "custom:Reference No"),
        ("Stage", "stage"),
    ]
    assert [(r.line, r.reason) for r in report.rejects] == [(3, "no stage 'nowhere'")]
    ann = stored(engine)["Ann Lee"]
    assert ann["phone_key"] == "09175550101"
    assert ann["custom"] == {"Gender": "f", "Reference No": "R-1"}
    assert ann["stage"] == "qualified"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["Nope=name"], "--map: no column 'Nope' in the header"),
        (["Who=shoe size"], "unknown field 'shoe_size'"),
        (["Who"], "--map needs 'Column Name=field'"),
    ],
)
def test_bad_map_is_one_clear_error(
    engine: Engine, tmp_path: Path, items: list[str], message: str
) -> None:
    path = _write(tmp_path, "m.csv", "Who,Email\nAnn,a@x.com\n")
    with pytest.raises(InvalidInput, match=message):
        run_import(engine, path, mapping=items)
    assert stored(engine) == {}


def test_header_without_known_columns_needs_map(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", "foo,bar\n1,2\n")
    with pytest.raises(InvalidInput, match="no column of the header is known"):
        run_import(engine, path)


def test_tab_delimited_and_spreadsheet_guard_removed(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "t.tsv", "Name\tPhone\tNotes\nAnn Lee\t'+63 917 000 1111\t'=1+1\n")
    report = run_import(engine, path)
    assert report.delimiter == "\t"
    ann = stored(engine)["Ann Lee"]
    assert ann["phone"] == "+63 917 000 1111"
    assert ann["notes"] == ["=1+1"]


def test_outlook_categories_are_separate_tags(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "outlook.csv"
    path.write_text(
        "First Name,Last Name,E-mail Address,Categories\n"
        "Jane,Doe,jane@example.com,Clients;VIP\n"
        "Raj,Patel,raj@example.com,VIP; Fair 2026 ;\n",
        encoding="utf-8",
    )
    report = run_import(engine, path)
    assert report.imported == 2
    leads = stored(engine)
    assert leads["Jane Doe"]["tags"] == ["clients", "vip"]
    assert leads["Raj Patel"]["tags"] == ["fair 2026", "vip"]

"""Imports of real export layouts: Google, Outlook, LinkedIn, HubSpot, Pipedrive, vCard 2.1-4.0."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from tests.io.conftest import run_import, stored


def test_google_contacts_csv(engine: Engine, fixture_file: Callable[[str], Path]) -> None:
    report = run_import(engine, fixture_file("google_contacts.csv"))
    assert (report.records, report.imported, report.merged, report.skipped, report.rejected) == (
        4,
        4,
        0,
        0,
        0,
    )
    assert report.unmapped == ["Nickname", "Website 1 - Value"]
    assert ("E-mail 2 - Value", "email") in report.mapping
    leads = stored(engine)
    maria = leads["Maria Santos"]
    assert maria["given_name"] == "Maria"
    assert maria["family_name"] == "Santos"
    assert maria["email"] == "maria@example.com"
    # Google's multi-value cell: the first is the phone, the rest is kept.
    assert maria["phone"] == "+63 917 123 4567"
    assert maria["phone_key"] == "639171234567"
    assert maria["custom"] == {
        "other emails": "maria.santos@work.example",
        "other phones": "+63 2 8123 4567",
    }
    assert (maria["company"], maria["title"]) == ("Cakes by Maria", "Owner")
    assert (maria["city"], maria["country"]) == ("Quezon City", "Philippines")
    assert (maria["bday_year"], maria["bday_month"], maria["bday_day"]) == (None, 3, 15)
    # System labels ("* myContacts") are not tags.
    assert maria["tags"] == ["fair-2026", "friends"]
    assert maria["notes"] == ['Met at the fair, wants 3 cakes.\nSays "call after 6pm"']
    assert maria["stage"] == "new"
    # First, middle and last names are joined.
    assert leads["Văn An Nguyễn"]["given_name"] == "Văn"
    assert (leads["Văn An Nguyễn"]["bday_year"], leads["Văn An Nguyễn"]["bday_month"]) == (1990, 5)
    anahit = leads["Anahit Sargsyan"]
    assert (anahit["bday_year"], anahit["bday_month"], anahit["bday_day"]) == (1992, 2, 29)
    assert anahit["tags"] == []
    assert report.no_year == 1


def test_markup_and_escape_bytes_in_names_are_stored_as_plain_text(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    run_import(engine, fixture_file("google_contacts.csv"))
    boss = stored(engine)["[bold red]Boss[/] Smith"]
    # The escape sequence is gone whole (domain cleaning); the brackets are kept as typed.
    assert boss["given_name"] == "[bold red]Boss[/]"
    assert boss["family_name"] == "Smith"
    assert "\x1b" not in boss["name"]


def test_outlook_windows_1252_month_first(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("outlook.csv"))
    assert report.encoding == "windows-1252"
    assert report.warnings == [
        "outlook.csv is not UTF-8: read as Windows-1252 (use --encoding to choose another)"
    ]
    assert (report.records, report.imported, report.rejected) == (4, 3, 1)
    assert [(r.line, r.reason) for r in report.rejects] == [(5, "not a real date: '4/31/1980'")]
    leads = stored(engine)
    jose = leads["José Muñoz"]
    # Outlook's "Title" is the honorific; "Job Title" is the job.
    assert jose["title"] == "Gerente"
    assert jose["company"] == "Panadería Muñoz"
    assert jose["phone"] == "+34 91 123 45 67"
    assert (jose["city"], jose["country"]) == ("Sevilla", "Spain")
    assert (jose["bday_year"], jose["bday_month"], jose["bday_day"]) == (1980, 12, 25)
    assert jose["notes"] == ["Café con leche, sin azúcar"]
    # 3/15/1985 in a column that 12/25/1980 settled as month-first.
    jurgen = leads["Jürgen Müller"]
    assert (jurgen["bday_year"], jurgen["bday_month"], jurgen["bday_day"]) == (1985, 3, 15)
    assert jurgen["phone"] == "+49 170 1234567"  # the mobile wins over other phones
    # Outlook's 0/0/00 is no birthday.
    assert leads["Renée Dubois"]["bday_month"] is None
    assert not any(r.reason.startswith("wrong") for r in report.rejects)


def test_linkedin_preamble_is_skipped(engine: Engine, fixture_file: Callable[[str], Path]) -> None:
    report = run_import(engine, fixture_file("linkedin_connections.csv"))
    assert report.warnings == ["skipped 2 line(s) before the header on line 4"]
    assert (report.records, report.imported, report.rejected) == (3, 3, 0)
    assert report.unmapped == ["URL", "Connected On"]
    leads = stored(engine)
    assert leads["Anna Petrova"]["title"] == "Sales Manager"
    assert leads["Anna Petrova"]["email"] == "anna.petrova@example.ru"
    assert leads["Grace Reyes"]["company"] == "Reyes, Cruz & Co."
    assert leads["Grace Reyes"]["email"] is None
    assert leads["Сергей Смирнов"]["family_name"] == "Смирнов"


def test_hubspot_bom_and_duplicates_in_case_and_spaces(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("hubspot.csv"))
    assert report.encoding == "utf-8-sig"
    assert (report.records, report.imported, report.skipped, report.rejected) == (4, 2, 2, 0)
    assert report.skipped_rows == [
        (3, "duplicate of line 2 (email anna.lee@example.com)"),
        (4, "duplicate of line 2 (phone 15550100200)"),
    ]
    assert dict(report.skips) == {"repeated in the file": 2}
    leads = stored(engine)
    assert list(leads) == ["Anna Lee", "Kim Park"]
    anna = leads["Anna Lee"]
    assert anna["source"] == "organic search"
    assert (anna["bday_year"], anna["bday_month"], anna["bday_day"]) == (1979, 5, 1)
    assert anna["phone_key"] == "15550100200"
    assert report.unmapped == ["Lifecycle Stage", "Create Date"]


def test_pipedrive_semicolons_and_day_first_column(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("pipedrive.csv"))
    assert report.delimiter == ";"
    assert (report.records, report.imported) == (3, 3)
    assert report.row_warnings == []
    leads = stored(engine)
    olga = leads["Olga Ivanova"]
    assert olga["company"] == "Ателье «Шик»"
    assert (olga["bday_year"], olga["bday_month"], olga["bday_day"]) == (1980, 12, 25)
    assert olga["tags"] == ["hot lead"]
    # 05.01.1979 is settled by 25.12.1980 in the same column: 5 January.
    pierre = leads["Pierre Martin"]
    assert (pierre["bday_year"], pierre["bday_month"], pierre["bday_day"]) == (1979, 1, 5)
    assert leads["Lucía Gómez"]["tags"] == ["warm lead"]
    assert report.unmapped == ["Person - Owner"]


def test_vcard_21_quoted_printable_utf8(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("phone_v21.vcf"))
    assert report.format == "vcard"
    assert (report.records, report.imported, report.rejected) == (3, 2, 1)
    assert [(r.line, r.reason) for r in report.rejects] == [
        (18, "a lead needs a name or a company")
    ]
    leads = stored(engine)
    lan = leads["Thị Lan Nguyễn"]
    assert (lan["given_name"], lan["family_name"]) == ("Thị Lan", "Nguyễn")
    assert lan["phone"] == "+84 91 234 5678"  # TEL;CELL;PREF first
    assert lan["custom"] == {"other phones": "+84 24 3825 1234"}
    assert lan["email"] == "lan@example.vn"
    # A soft line break and an unescaped comma inside the note.
    assert lan["notes"] == ["Muốn mua bánh, gọi lại vào thứ sáu"]
    assert (lan["bday_year"], lan["bday_month"], lan["bday_day"]) == (1988, 8, 12)
    assert leads["Ольга Петрова"]["phone_key"] == "79120001122"


def test_vcard_30_apple_birthday_without_year(
    engine: Engine, fixture_file: Callable[[str], Path]
) -> None:
    report = run_import(engine, fixture_file("apple_v30.vcf"))
    assert (report.records, report.imported, report.no_year) == (3, 3, 1)
    leads = stored(engine)
    maria = leads["Maria Santos"]
    assert (maria["bday_year"], maria["bday_month"], maria["bday_day"]) == (None, 3, 15)
    assert maria["email"] == "maria@example.com"
    assert maria["tags"] == ["fair-2026", "friends"]
    assert (maria["city"], maria["country"]) == ("Quezon City", "Philippines")
    assert maria["notes"] == ["Wants 3 cakes for December, chocolate."]
    # A company card (X-ABShowAs:COMPANY) is a lead with a company and no person name.
    supplier = leads["Bakery Supplies Inc."]
    assert (supplier["name"], supplier["company"]) == ("", "Bakery Supplies Inc.")
    aram = leads["Aram Hakobyan"]
    assert (aram["bday_year"], aram["bday_month"], aram["bday_day"]) == (1975, 11, 27)


def test_vcard_40_month_day_birthdays(engine: Engine, fixture_file: Callable[[str], Path]) -> None:
    report = run_import(engine, fixture_file("android_v40.vcf"))
    assert (report.records, report.imported, report.rejected, report.no_year) == (3, 2, 1, 2)
    assert [(r.line, r.reason) for r in report.rejects] == [(15, "not a real date: '2001-13-45'")]
    leads = stored(engine)
    anna = leads["Анна Петрова"]
    assert (anna["bday_year"], anna["bday_month"], anna["bday_day"]) == (None, 7, 4)
    assert anna["phone"] == "+7-912-345-67-89"
    # Feb 29 without a year is a valid birthday.
    linh = leads["Linh Tran"]
    assert (linh["bday_year"], linh["bday_month"], linh["bday_day"]) == (None, 2, 29)


def test_google_custom_field_pairs_keep_the_label_as_the_key(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "First Name,Last Name,Custom Field 1 - Label,Custom Field 1 - Value,"
        "Custom Field 2 - Label,Custom Field 2 - Value,Custom Field 3 - Label\n"
        "Linh,Trần,Shoe size,38,,VIP since 2020,Orphan label\n"
        "Олег,Петров,Gender,,Favourite cake,Napoleon,\n",
        encoding="utf-8",
    )
    report = run_import(engine, path)
    assert (report.imported, report.rejected) == (2, 0)
    assert report.unmapped == ["Custom Field 3 - Label"]
    assert ("Custom Field 1 - Value", "custom:<Custom Field 1 - Label>") in report.mapping
    leads = stored(engine)
    assert leads["Linh Trần"]["custom"] == {"Shoe size": "38", "custom field 2": "VIP since 2020"}
    # An empty value keeps nothing, whatever its label.
    assert leads["Олег Петров"]["custom"] == {"Favourite cake": "Napoleon"}


def test_a_utf8_file_with_a_windows_1252_line_reads_only_that_line_so(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "Name,Email\nNguyễn Văn An,an@example.vn\n王小明,ming@example.cn\n".encode()
        + "Café Owner,cafe@example.fr\n".encode("cp1252")
    )
    report = run_import(engine, path)
    assert (report.encoding, report.imported, report.rejected) == ("utf-8", 3, 0)
    assert report.warnings == [
        "mixed.csv is UTF-8 but not on line 4: read as Windows-1252 there (check those names)"
    ]
    assert sorted(stored(engine)) == ["Café Owner", "Nguyễn Văn An", "王小明"]


def test_a_windows_1252_file_with_one_line_that_looks_like_utf8_stays_windows_1252(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "old.csv"
    rows = ["Name,City", "José Muñoz,Málaga", "Zoë Brontë,Köln", "Ã©lan,Paris"]
    path.write_bytes("\n".join(rows).encode("cp1252") + b"\n")
    report = run_import(engine, path)
    assert report.encoding == "windows-1252"
    assert sorted(stored(engine)) == ["José Muñoz", "Zoë Brontë", "Ã©lan"]


def test_lists_in_one_email_or_phone_cell_split(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "pipedrive.csv"
    path.write_text(
        "Person - Name,Person - Email - Work,Person - Phone - Work\n"
        'Kofi Mensah,"kofi@example.gh, kofi.mensah@example.com",'
        '"+233 20 555 0101, +233 30 555 0199"\n'
        "Ama Owusu,ama@example.gh; AMA@example.gh,+233 24 555 0123;+233 24 555 0124\n"
        'Yaw Boateng,yaw@example.gh,"+233 20 555 0155,,9"\n',
        encoding="utf-8",
    )
    report = run_import(engine, path)
    assert (report.imported, report.rejected) == (3, 0)
    leads = stored(engine)
    kofi, ama, yaw = leads["Kofi Mensah"], leads["Ama Owusu"], leads["Yaw Boateng"]
    assert (kofi["email"], kofi["phone"]) == ("kofi@example.gh", "+233 20 555 0101")
    assert kofi["custom"] == {
        "other emails": "kofi.mensah@example.com",
        "other phones": "+233 30 555 0199",
    }
    assert (ama["email"], ama["phone"]) == ("ama@example.gh", "+233 24 555 0123")
    assert ama["custom"] == {"other phones": "+233 24 555 0124"}  # one email, in two cases
    # A comma with no space is a dialling pause, part of the number.
    assert (yaw["phone"], yaw["custom"]) == ("+233 20 555 0155,,9", {})

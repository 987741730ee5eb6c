"""``prospectr import``: summaries, dry runs, rejects files, bad files, list and undo."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.io.conftest import FIXTURES, sqlite_dump

Cli = Callable[..., Any]


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "in" / name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / name, target)
    return target


def test_summary_of_a_real_import(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    source = _copy(tmp_path, "messy.csv")
    result = cli("import", str(source))
    assert result.exit_code == 0, result.stderr
    rejects = source.with_name("messy.rejects.csv")
    assert result.stdout.splitlines() == [
        "imported 4, merged 0, skipped 2, rejected 6 (12 records) - batch #1",
        "skipped: 2 repeated in the file",
        "  line 13: duplicate of line 2 (email ann@example.com)",
        "  line 14: duplicate of line 2 (phone (555) 0100-123)",
        "rejected: 2 not a real date, 2 wrong number of fields, 1 invalid email,"
        f" 1 a lead needs a name or a company (written to {rejects})",
        "  line 4: invalid email: 'bob@@example'",
        "  line 5: not a real date: '1990-02-30'",
        "  line 8: not a real date: '1991-02-29'",
        "  line 10: wrong number of fields: 8, the header has 6",
        "  line 11: wrong number of fields: 2, the header has 6",
        "  line 12: a lead needs a name or a company",
        "warning: line 2: birthday '05/01/1979' is ambiguous (day/month order unknown):"
        " left empty; use --dayfirst or --monthfirst",
        "warning: line 16: birthday '12/11/1970' is ambiguous (day/month order unknown):"
        " left empty; use --dayfirst or --monthfirst",
        "warning: 1 birthday without a year",
        "undo with: prospectr import undo 1",
    ]
    # No progress bar when the output is not a terminal.
    assert result.stderr == ""
    text = rejects.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "line,reason,Name,Email,Phone,Company,Birthday,Notes"
    assert len(text.splitlines()) == 7


def test_rejects_path_option(cli: Cli, tmp_path: Path) -> None:
    source = _copy(tmp_path, "android_v40.vcf")
    target = tmp_path / "bad.csv"
    result = cli("import", str(source), "--rejects", str(target), "--tag", "phone")
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8-sig").splitlines()[:2] == [
        "line,reason,record",
        "15,not a real date: '2001-13-45',\"BEGIN:VCARD",
    ]
    assert not source.with_name("android_v40.rejects.csv").exists()


def test_a_vcard_rejects_file_imports_again_once_fixed(cli: Cli, tmp_path: Path) -> None:
    source = _copy(tmp_path, "android_v40.vcf")
    first = cli("import", str(source))
    assert first.exit_code == 0
    assert "rejected 1 " in first.stdout
    rejects = source.with_name("android_v40.rejects.csv")
    fixed = rejects.read_text(encoding="utf-8-sig").replace("2001-13-45", "2001-12-31")
    # As a spreadsheet saves it again: every header cell quoted.
    fixed = fixed.replace("line,reason,record", '"line","reason","record"', 1)
    rejects.write_text(fixed, encoding="utf-8")
    again = cli("import", str(rejects), "--json")
    assert again.exit_code == 0, again.stderr
    counts = json.loads(again.stdout)
    assert (counts["format"], counts["imported"], counts["rejected"]) == ("vcard", 1, 0)


def test_a_clean_run_rewrites_the_rejects_file_of_an_earlier_one(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "webform.csv"
    source.write_text("Name,Email\nAna,ana@example.com\nBad,bad@@example\n", encoding="utf-8")
    assert cli("import", str(source)).exit_code == 0
    rejects = tmp_path / "webform.rejects.csv"
    assert len(rejects.read_text(encoding="utf-8-sig").splitlines()) == 2
    source.write_text("Name,Email\nBo,bo@example.com\n", encoding="utf-8")
    result = cli("import", str(source))
    assert result.exit_code == 0
    assert f"rejected: none ({rejects} from an earlier import now lists none)" in result.stdout
    assert rejects.read_text(encoding="utf-8-sig") == "line,reason,Name,Email\n"
    # A clean run with no earlier file leaves none behind.
    other = tmp_path / "other.csv"
    other.write_text("Name\nCy\n", encoding="utf-8")
    assert cli("import", str(other)).exit_code == 0
    assert not (tmp_path / "other.rejects.csv").exists()


@pytest.mark.sqlite_only
def test_dry_run_writes_nothing(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    assert cli("import", "list").stdout == "no imports yet\n"
    before = sqlite_dump(db_path, journal=True)
    source = _copy(tmp_path, "apple_v30.vcf")
    result = cli("import", str(source), "--dry-run", "--tag", "phone")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "dry run: nothing was written (apple_v30.vcf: vcard, utf-8)",
        "mapping:",
        "  FN -> name",
        "  N -> given_name, middle_name, family_name",
        "  ORG -> company",
        "  X-ABSHOWAS -> a company's card (its name is the company)",
        "  TITLE -> title",
        "  EMAIL -> email (the others: custom:other emails)",
        "  TEL -> phone (the others: custom:other phones)",
        "  ADR -> city, country",
        "  BDAY -> birthday",
        "  CATEGORIES -> tags",
        "  NOTE -> notes",
        "would import 3, merge 0, skip 0, reject 0 (3 records)",
        "warning: 1 birthday without a year",
        "first rows as they would be stored:",
        "  Maria Santos | maria@example.com | +63 917 123 4567 | Cakes by Maria"
        " | birthday --03-15 | tags fair-2026, friends, phone | [new]",
        "  Bakery Supplies Inc. | +63 2 8700 1234 | Bakery Supplies Inc. | tags phone | [new]",
        "  Aram Hakobyan | aram@example.am | birthday 1975-11-27 | tags phone | [new]",
    ]
    assert sqlite_dump(db_path, journal=True) == before
    assert list(source.parent.iterdir()) == [source]


def test_dry_run_shows_the_mapping(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", str(_copy(tmp_path, "linkedin_connections.csv")), "-n")
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        "dry run: nothing was written (linkedin_connections.csv: csv, utf-8)",
        "mapping:",
        "  First Name -> given_name",
        "  Last Name -> family_name",
        "  Email Address -> email",
        "  Company -> company",
        "  Position -> title",
        "would import 3, merge 0, skip 0, reject 0 (3 records)",
    ]
    assert "warning: skipped 2 line(s) before the header on line 4" in lines
    assert 'columns not imported: URL, Connected On (keep one with --map "URL=custom")' in lines


def test_json_summary(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", str(_copy(tmp_path, "hubspot.csv")), "--json", "--source", "HubSpot")
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("batch", "records", "imported", "merged", "skipped")} == {
        "batch": 1,
        "records": 4,
        "imported": 2,
        "merged": 0,
        "skipped": 2,
    }
    assert data["rejected"] == 0
    assert data["skipped_rows"][0] == {
        "line": 3,
        "reason": "duplicate of line 2 (email anna.lee@example.com)",
    }


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("make", "message", "code"),
    [
        (lambda p: p / "missing.csv", "error: no such file: {path}\n", 3),
        (lambda p: p, "error: {path} is a folder, not a file\n", 2),
        (lambda p: _bytes(p / "empty.csv", b""), "error: empty.csv is empty\n", 2),
        (
            lambda p: _bytes(p / "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20),
            "error: photo.csv is not a text file (binary data)\n",
            2,
        ),
        (
            lambda p: _bytes(p / "blank.csv", b"\n\n  \n"),
            "error: blank.csv is empty\n",
            2,
        ),
        (
            lambda p: _bytes(p / "x.vcf", b"hello\n"),
            "error: no BEGIN:VCARD found: not a vCard file\n",
            2,
        ),
        (
            lambda p: _bytes(p / "x.json", b"{oops"),
            "error: not valid JSON: Expecting property name enclosed in double quotes (line 1)\n",
            2,
        ),
    ],
)
def test_bad_file_is_one_line_and_writes_nothing(
    cli: Cli,
    tmp_path: Path,
    db_path: Path,
    make: Callable[[Path], Path],
    message: str,
    code: int,
) -> None:
    cli("import", "list")
    before = sqlite_dump(db_path, journal=True)
    folder = tmp_path / "files"
    folder.mkdir()
    path = make(folder)
    result = cli("import", str(path))
    assert result.exit_code == code
    assert result.stderr == message.format(path=path)
    assert result.stdout == ""
    assert sqlite_dump(db_path, journal=True) == before
    assert not list(folder.glob("*.rejects.csv"))


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_forced_encoding(cli: Cli, tmp_path: Path) -> None:
    source = _copy(tmp_path, "outlook.csv")
    bad = cli("import", str(source), "--encoding", "utf-8")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: outlook.csv is not valid utf-8 (line 2, byte ")
    good = cli("import", str(source), "--encoding", "cp1252", "--json")
    assert json.loads(good.stdout)["warnings"] == []
    assert json.loads(good.stdout)["imported"] == 3


@pytest.mark.sqlite_only
def test_list_and_undo(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    cli("import", "list")
    before = sqlite_dump(db_path)
    cli("import", str(_copy(tmp_path, "google_contacts.csv")))
    cli("import", str(_copy(tmp_path, "apple_v30.vcf")), "--on-duplicate", "merge")
    listing = cli("import", "list").stdout.splitlines()
    assert listing == [
        "#2  2026-11-24 10:00  apple_v30.vcf (vcard)  imported 2, merged 1, skipped 0, rejected 0",
        "#1  2026-11-24 10:00  google_contacts.csv (csv)  imported 4, merged 0, skipped 0,"
        " rejected 0",
    ]
    refused = cli("import", "undo", "1")
    assert refused.exit_code == 4
    assert refused.stderr == (
        "error: import batch #2 came later and touched the same leads; undo it first\n"
    )
    assert cli("import", "undo", "2").stdout == "undid import #2: deleted 2 lead(s), restored 1\n"
    assert cli("import", "undo", "1").stdout == "undid import #1: deleted 4 lead(s), restored 0\n"
    assert sqlite_dump(db_path) == before
    again = cli("import", "undo", "1")
    assert (again.exit_code, again.stderr) == (4, "error: import batch #1 was already undone\n")
    listed = json.loads(cli("import", "list", "--json").stdout)
    assert [(b["id"], b["undone_at"]) for b in listed] == [
        (2, "2026-11-24T10:00:00"),
        (1, "2026-11-24T10:00:00"),
    ]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("undo",), "error: usage: prospectr import undo BATCH (see 'prospectr import list')\n", 2),
        (
            ("undo", "x"),
            "error: usage: prospectr import undo BATCH (see 'prospectr import list')\n",
            2,
        ),
        (("undo", "99"), "error: no import batch #99 (see 'prospectr import list')\n", 3),
        (("a.csv", "b.csv"), "error: unexpected argument 'b.csv' after the file name\n", 2),
        (
            ("a.csv", "--on-duplicate", "replace"),
            "error: --on-duplicate must be one of skip, update, merge, not 'replace'\n",
            2,
        ),
    ],
)
def test_usage_errors(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str, code: int
) -> None:
    (tmp_path / "a.csv").write_text("Name\nAnn\n", encoding="utf-8")
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = cli("import", *args)
    finally:
        os.chdir(cwd)
    assert (result.exit_code, result.stderr) == (code, message)


def test_help_shows_the_three_forms(cli: Cli) -> None:
    result = cli("import", "--help")
    assert result.exit_code == 0
    assert "prospectr import FILE [options]" in result.stdout
    assert "prospectr import undo BATCH" in result.stdout
    assert "prospectr import list" in result.stdout


def test_markup_and_escapes_in_names_print_literally(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", str(_copy(tmp_path, "google_contacts.csv")), "--dry-run")
    assert "  [bold red]Boss[/] Smith | boss@example.com | [new]" in result.stdout.splitlines()
    assert "\x1b" not in result.stdout


def test_a_calendar_file_is_refused_with_a_reason(cli: Cli, tmp_path: Path) -> None:
    export = tmp_path / "leads.ics"
    assert cli("export", "--format", "ics", "-o", str(export)).exit_code == 0
    result = cli("import", str(export))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: leads.ics is an iCalendar file: prospectr exports calendars but imports"
        " contacts only (CSV, vCard or JSON)\n"
    )
    renamed = tmp_path / "calendar.txt"
    renamed.write_text(export.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("import", str(renamed)).exit_code == 2


def test_no_name_column_says_which_map_to_add(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "fr.csv"
    path.write_text("Nom;Courriel;Téléphone\nDupont;a@example.fr;01 23 45 67 89\n", "utf-8")
    for mode in (["--dry-run"], []):
        result = cli("import", str(path), *mode)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == (
            "error: no column of fr.csv is a name or a company (columns: Nom, Courriel,"
            " Téléphone): map one, e.g. --map 'Nom=name' (or given_name, family_name, company)\n"
        )
    assert cli("import", "list").stdout == "no imports yet\n"  # no empty batch left behind
    fixed = cli("import", str(path), "--map", "Nom=family_name", "--map", "Courriel=email")
    assert fixed.exit_code == 0
    assert fixed.stdout.startswith("imported 1, merged 0, skipped 0, rejected 0")


@pytest.mark.sqlite_only
def test_a_dry_run_on_a_new_database_leaves_no_file(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nRey,rey@example.com\n", encoding="utf-8")
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("dry run")
    assert not db_path.exists()
    assert cli("import", str(path)).exit_code == 0
    assert cli("import", str(path), "--dry-run").exit_code == 0
    assert db_path.exists()  # a database that holds leads is never removed


def test_vcard_and_json_name_what_they_leave_out_without_a_map_hint(
    cli: Cli, tmp_path: Path
) -> None:
    card = tmp_path / "phone.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
        "FN:Trần Thảo\r\nitem1.EMAIL;type=INTERNET:thao@example.vn\r\n"
        "item1.X-ABLabel:_$!<Other>!$_\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\n"
        "URL:https://example.vn\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    result = cli("import", str(card), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:5] == [
        "dry run: nothing was written (phone.vcf: vcard, utf-8)",
        "mapping:",
        "  FN -> name",
        "  EMAIL -> email (the others: custom:other emails)",
        "would import 1, merge 0, skip 0, reject 0 (1 record)",
    ]
    assert "vCard properties not imported: PHOTO, URL" in result.stdout.splitlines()
    data = tmp_path / "leads.json"
    data.write_text('[{"name": "王小明", "zodiac": "leo"}]', encoding="utf-8")
    result = cli("import", str(data), "--dry-run")
    assert "keys not imported: zodiac" in result.stdout.splitlines()
    assert "--map" not in result.stdout


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{db}", "would replace the database: give --rejects another path"),
        ("{db}-wal", "would replace the database: give --rejects another path"),
        ("{src}", "would replace the file being imported: give --rejects another path"),
        ("{dir}", "is a folder: give --rejects a file name"),
        (
            "{dir}/notes.txt",
            "would replace a file that is not an earlier rejects file: give --rejects"
            " another path (or move that file away)",
        ),
    ],
)
def test_rejects_never_replace_a_file_that_is_not_a_rejects_file(
    cli: Cli, tmp_path: Path, db_path: Path, target: str, message: str
) -> None:
    assert cli("add", "Giữ Lại", "-e", "keep@example.com").exit_code == 0
    source = tmp_path / "in.csv"
    source.write_text("Name,Email\nAnn,ann@example.com\nBob,bob@@example\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    path = target.format(db=db_path, src=source, dir=tmp_path)
    before = sqlite_dump(db_path)
    result = cli("import", str(source), "--rejects", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: the rejects file {path} {message}\n"
    assert sqlite_dump(db_path) == before
    assert source.read_text(encoding="utf-8").startswith("Name,Email\n")
    assert notes.read_text(encoding="utf-8") == "my notes\n"


def test_a_rejects_file_imported_again_keeps_one_line_and_reason(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Name,Email\nAnn,ann@example.com\n王小明,bob@@example\n", encoding="utf-8")
    first = tmp_path / "first.csv"
    assert cli("import", str(source), "--rejects", str(first)).exit_code == 0
    again = cli("import", str(first))
    assert again.exit_code == 0, again.stderr
    assert first.with_name("first.rejects.csv").read_text(encoding="utf-8-sig") == (
        "line,reason,Name,Email\n2,invalid email: 'bob@@example',王小明,bob@@example\n"
    )


def test_a_wrong_encoding_gives_a_short_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("First,Last\n" + "Ana,Reyes\n" * 3000 + "x", encoding="utf-8")
    result = cli("import", str(path), "--encoding", "utf-16")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no column of the header is known (")
    assert result.stderr.endswith(
        "…); map them with --map 'Column=field' (or is the --encoding wrong?)\n"
    )
    assert len(result.stderr) < 200


def test_import_from_standard_input(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = "Name,Email\nTrần Thảo,thao@example.vn\nBad,bad@@example\n"
    result = cli("import", "-", "--tag", "piped", input=data)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "imported 1, merged 0, skipped 0, rejected 1 (2 records) - batch #1",
        "rejected: 1 invalid email (written to stdin.rejects.csv)",
    ]
    assert (
        (tmp_path / "stdin.rejects.csv")
        .read_text(encoding="utf-8-sig")
        .startswith("line,reason,Name,Email\n3,")
    )
    assert cli("import", "list").stdout.split("  ")[2] == "stdin (csv)"
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Иван Петров\r\nEND:VCARD\r\n"
    dry = cli("import", "-", "--dry-run", input=card)
    assert dry.stdout.startswith("dry run: nothing was written (stdin: vcard, utf-8)\n")


def test_import_from_a_terminal_instead_of_a_pipe_says_so(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prospectr.cli import io as io_cli

    monkeypatch.setattr(io_cli, "_stdin_is_terminal", lambda: True)
    result = cli("import", "-")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: nothing is piped in: give a file, or pipe one into 'prospectr import -'\n"
    )

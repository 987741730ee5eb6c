"""Missing option values point at the help; birthdays cannot be in the future;
piped lists keep every column."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import lines

Run = Callable[..., Any]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "X", "-e"],
            "error: Option '-e' requires an argument. (see 'prospectr add --help')",
        ),
        (
            ["add", "X", "--email"],
            "error: Option '--email' requires an argument. (see 'prospectr add --help')",
        ),
        (
            ["edit", "maria", "-b"],
            "error: Option '-b' requires an argument. (see 'prospectr edit --help')",
        ),
        (
            ["report", "stale", "--set"],
            "error: Option '--set' requires an argument. (see 'prospectr report stale --help')",
        ),
        (
            ["report", "--since"],
            "error: Option '--since' requires an argument. (see 'prospectr report --help')",
        ),
        (["--db"], "error: Option '--db' requires an argument. (see 'prospectr --help')"),
    ],
)
def test_a_missing_option_value_names_the_help_to_read(
    cli: Run, query: Any, args: list[str], message: str
) -> None:
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert query("SELECT count(*) FROM lead") == [(0,)]


@pytest.mark.parametrize("birthday", ["2030-01-01", "2026-11-25", "25/11/2026", "Nov 25 2026"])
def test_add_refuses_a_birthday_after_today(cli: Run, query: Any, birthday: str) -> None:
    result = cli("add", "X", "-b", birthday)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: birthday in the future: {birthday!r}\n"
    assert query("SELECT count(*) FROM lead") == [(0,)]


def test_edit_refuses_a_birthday_after_today(cli: Run, query: Any) -> None:
    assert cli("add", "Maria", "-b", "1986-03-15").exit_code == 0
    result = cli("edit", "maria", "-b", "2030-01-01")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: birthday in the future: '2030-01-01'\n"
    assert query("SELECT bday_year, bday_month, bday_day FROM lead") == [(1986, 3, 15)]


def test_a_birthday_today_or_without_a_year_is_fine(cli: Run, query: Any) -> None:
    assert cli("add", "Newborn", "-b", "2026-11-24").exit_code == 0
    assert cli("add", "Someone", "-b", "11-25").exit_code == 0
    assert query("SELECT name, bday_year, bday_month, bday_day FROM lead ORDER BY id") == [
        ("Newborn", 2026, 11, 24),
        ("Someone", None, 11, 25),
    ]


def test_import_rejects_a_row_with_a_future_birthday(cli: Run, query: Any, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "Name,Birthday\nAnn Smith,1980-12-25\nBob Future,2030-01-01\nCy Soon,11/25/2026\n",
        encoding="utf-8",
    )
    result = cli("import", str(source), "--monthfirst")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "imported 1, merged 0, skipped 0, rejected 2 (3 records) - batch #1"
    assert "  line 3: birthday in the future: '2030-01-01'" in out
    assert "  line 4: birthday in the future: '11/25/2026'" in out
    assert query("SELECT name, bday_year FROM lead") == [("Ann Smith", 1980)]


def test_piped_list_keeps_every_column(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """No terminal and no COLUMNS: the full table, as at 120 columns or more."""
    cli("add", "Maria Santos", "-c", "Santos Bakery", "-s", "facebook ads autumn campaign 2026")
    monkeypatch.delenv("COLUMNS")
    out = lines(cli("list").stdout)
    assert out[0].split() == [
        *("id", "name", "company", "stage", "temp", "follow-up", "source"),
        *("contacted", "customer"),
    ]
    assert out[2].split() == [
        *("1", "Maria", "Santos", "Santos", "Bakery", "new", "unknown"),
        *("facebook", "ads", "autumn", "campaign", "2026"),
    ]
    assert "…" not in "\n".join(out)


@pytest.mark.parametrize("form", [["--db", "{path}"], ["--db={path}"]])
def test_db_after_the_command_is_read_as_before_it(
    cli: Run, tmp_path: Path, db_path: Path, form: list[str]
) -> None:
    other = tmp_path / "other.db"
    given = [part.format(path=other) for part in form]
    added = cli("add", "Zoë Hakobyan", *given, "-s", "fair")
    assert (added.exit_code, added.stdout, added.stderr) == (0, "#1  Zoë Hakobyan  [new]\n", "")
    where = cli("where", *given)
    assert where.stdout.splitlines() == [str(other), "exists (from --db)"]
    listed = cli("list", *given, "--json")
    assert [lead["name"] for lead in json.loads(listed.stdout)["leads"]] == ["Zoë Hakobyan"]
    assert not db_path.exists()  # the default database was never opened


def test_db_after_a_double_dash_is_text(cli: Run, query: Any) -> None:
    assert cli("add", "Lê Thảo").exit_code == 0
    result = cli("note", "1", "--", "--db")
    assert result.exit_code == 0, result.stderr
    assert query("SELECT text FROM interaction") == [("--db",)]


def test_ctrl_c_says_so_and_rolls_back(
    cli: Run, query: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from prospectr.domain import importer

    assert cli("add", "Giữ Lại").exit_code == 0
    source = tmp_path / "in.csv"
    source.write_text("Name\nAna\nBo\n", encoding="utf-8")

    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(importer, "normalize_fields", stopped)
    result = cli("import", str(source))
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == "interrupted: changes not saved yet were rolled back\n"
    assert query("SELECT name FROM lead") == [("Giữ Lại",)]
    assert query("SELECT count(*) FROM import_batch") == [(0,)]

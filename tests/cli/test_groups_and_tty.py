"""What a first session at the prompt runs into: command groups without their command,
no terminal for the workspace, phones searched as displayed, accented tags, dates as typed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prospectr.domain import add_lead

from ..conftest import NOW
from .conftest import Seed, lines

Run = Callable[..., Any]
NEEDS_TERMINAL = (
    "error: the workspace (TUI) needs a terminal; see 'prospectr --help' for the commands\n"
)


@pytest.fixture
def people(seed: Seed) -> None:
    """Three leads with phones as people write them, and one accented tag (ids 1 to 3)."""
    with seed() as s:
        add_lead(s, now=NOW, name="Maria Santos", phone="+63 917 123 4567", tags=["fair-2026"])
        add_lead(s, now=NOW, name="Иван Петров", phone="+7 916 123-45-67", source="event")
        add_lead(s, now=NOW, name="Nguyễn Văn An", phone="+374 91 123456", city="Hà Nội")


# --- groups without their command ------------------------------------------------------


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("group", ["followup", "stages"])
def test_a_group_alone_runs_its_list(cli: Run, group: str) -> None:
    cli("followup", "add", "maria", "2026-11-27", "call back")
    alone, listed = cli(group), cli(group, "list")
    assert (alone.exit_code, alone.stderr) == (0, "")
    assert alone.stdout == listed.stdout
    assert listed.exit_code == 0


@pytest.mark.usefixtures("people")
def test_followup_alone_is_the_list_of_the_next_seven_days(cli: Run) -> None:
    assert cli("followup").stdout == "No follow-up due in the next 7 days.\n"
    cli("followup", "add", "maria", "2026-11-27", "call back")
    out = lines(cli("followup").stdout)
    assert " ".join(out[2].split()) == "1 2026-11-27 #1 Maria Santos call back in 3 days"


def test_stages_alone_lists_the_pipeline(cli: Run) -> None:
    out = lines(cli("stages").stdout)
    assert [line.split()[1] for line in out[2:]] == [
        "new",
        "qualified",
        "contacted",
        "nurturing",
        "won",
        "lost",
        "not-now",
        "cold",
    ]


@pytest.mark.parametrize("group", ["followup", "stages"])
def test_the_group_help_says_what_it_does_alone(cli: Run, group: str) -> None:
    result = cli(group, "--help")
    assert result.exit_code == 0
    assert f"Without a command: the same as 'prospectr {group} list'." in result.stdout


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (["import"], "error: Missing argument 'FILE|undo|list'. (see 'prospectr import --help')\n"),
        (["db"], "error: Missing command. (see 'prospectr db --help')\n"),
    ],
)
def test_a_command_missing_its_argument_is_one_line(
    cli: Run, db_path: Path, args: list[str], stderr: str
) -> None:
    # As for 'show' without its lead: one line naming the help, exit 2.
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", stderr)
    assert not db_path.exists()


# --- the workspace needs a terminal ----------------------------------------------------


@pytest.mark.parametrize("args", [[], ["tui"], ["--db", "x.db"]])
def test_no_terminal_no_workspace(
    cli: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args)  # CliRunner's stdin and stdout are not terminals
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", NEEDS_TERMINAL)
    assert not db_path.exists()  # refused before the database is opened
    assert not (tmp_path / "x.db").exists()


def test_on_a_terminal_the_workspace_opens_on_the_database(
    cli: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prospectr.cli.tui as tui_cli
    from prospectr.tui.app import ProspectrApp

    opened: list[str] = []

    def run(self: ProspectrApp, *args: Any, **kwargs: Any) -> None:
        opened.append(str(self.engine.url))

    monkeypatch.setattr(tui_cli, "_on_terminal", lambda: True)
    monkeypatch.setattr(ProspectrApp, "run", run)
    result = cli()
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(opened) == 1
    assert opened[0].endswith(str(db_path)) or opened[0].startswith("postgresql")


def test_no_terminal_in_a_pipe_exits_at_once(db_path: Path) -> None:
    # The real case: `prospectr </dev/null | head` used to start the workspace and hang.
    result = subprocess.run(
        [sys.executable, "-m", "prospectr"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, "", NEEDS_TERMINAL)


# --- search a phone as displayed ---------------------------------------------------------


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("words", "ids"),
    [
        (["+63 917 123 4567"], [1]),
        (["+63", "917", "123", "4567"], [1]),
        (["916 123-45-67"], [2]),
        (["+7 (916) 123-45-67"], [2]),
        (["374 91 123456"], [3]),
        (["maria", "+63 917 123 4567"], [1]),
        (["ivan", "+63 917 123 4567"], []),
        (["HA NOI"], [3]),
    ],
)
def test_search_a_phone_as_displayed(cli_json: Run, words: list[str], ids: list[int]) -> None:
    assert [row["id"] for row in cli_json("search", *words, "--json")["leads"]] == ids


@pytest.mark.usefixtures("people")
def test_search_a_phone_table(cli: Run) -> None:
    result = cli("search", "+63 917 123 4567")
    out = lines(result.stdout)
    assert result.exit_code == 0
    assert out[2].split()[:3] == ["1", "Maria", "Santos"]
    assert out[-1] == "1 of 1 lead"


# --- tags fold accents -------------------------------------------------------------------


@pytest.mark.usefixtures("people")
def test_a_tag_filter_ignores_accents(cli: Run, cli_json: Run, query: Any) -> None:
    assert cli("edit", "3", "--add-tag", "Hà Nội").exit_code == 0
    assert query("SELECT tag FROM lead_tag WHERE lead_id = 3") == [("hà nội",)]
    for spelling in ("ha noi", "HA NOI", "Hà Nội"):
        assert [r["id"] for r in cli_json("list", "-t", spelling, "--json")["leads"]] == [3]
        assert [r["id"] for r in cli_json("list", "--city", spelling, "--json")["leads"]] == [3]
        exported = cli_json("export", "--tag", spelling, "--format", "json")
        assert [row["name"] for row in exported] == ["Nguyễn Văn An"]
    assert cli_json("list", "-t", "hanoi", "--json")["leads"] == []


@pytest.mark.usefixtures("people")
def test_a_report_tag_filter_ignores_accents(cli: Run, cli_json: Run) -> None:
    cli("edit", "2", "--add-tag", "Hà Nội")
    report = cli_json("report", "sources", "--tag", "ha noi", "--json")
    assert report["filters"]["tag"] == "hà nội"
    assert [(r["source"], r["leads"]) for r in report["sources"]["sources"]] == [("event", 1)]
    plain = cli("report", "sources", "--tag", "ha noi")
    assert "no lead has the tag" not in plain.stdout + plain.stderr


# --- dates as typed ------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
def test_year_first_dates_with_slashes(cli: Run, query: Any) -> None:
    result = cli("followup", "add", "maria", "2027/01/08", "new year call")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "follow-up #1 for #1  Maria Santos on 2027-01-08\n"
    assert query("SELECT due FROM follow_up") == [("2027-01-08",)]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (["add", "Ana", "-b", "03/15"], "error: not a real date: '03/15' (day first: 15/03)\n"),
        (
            ["edit", "1", "-b", "03/15/1986"],
            "error: not a real date: '03/15/1986' (day first: 15/03/1986)\n",
        ),
        (
            ["followup", "add", "maria", "12/31"],
            "error: not a real date: '12/31' (day first: 31/12)\n",
        ),
        (["add", "Ana", "-b", "31/02"], "error: not a real date: '31/02'\n"),
    ],
)
def test_a_month_first_date_names_the_day_first_form(
    cli: Run, query: Any, args: list[str], stderr: str
) -> None:
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", stderr)
    assert query("SELECT count(*) FROM lead") == [(3,)]
    assert query("SELECT bday_md FROM lead WHERE id = 1") == [(None,)]
    assert query("SELECT count(*) FROM follow_up") == [(0,)]

"""note, log, followup, sale, today: output, exit codes and database effects."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from prospectr.domain import add_followup, add_lead, qualify

from ..conftest import NOW
from .conftest import Seed, lines

Run = Callable[..., Any]


@pytest.fixture
def leads(seed: Seed) -> None:
    """#1 Maria Santos, #2 Nguyễn Văn An."""
    with seed() as s:
        add_lead(s, now=NOW, name="Maria Santos", phone="+63 917 123 4567")
        add_lead(s, now=NOW, name="Nguyễn Văn An")


# --- note and log -----------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_note_joins_words_and_is_searchable(cli: Run, cli_json: Run, query: Any) -> None:
    result = cli("note", "maria", "asked", "about", "gluten-free", "options")
    assert (result.exit_code, result.stdout) == (0, "note #1 on #1  Maria Santos\n")
    assert query("SELECT lead_id, kind, at, text FROM interaction") == [
        (1, "note", "2026-11-24 10:00:00.000000", "asked about gluten-free options")
    ]
    found = cli_json("search", "GLUTEN", "--json")
    assert [row["id"] for row in found["leads"]] == [1]
    # a note is not a contact
    assert cli_json("show", "1", "--json")["last_contact"] is None


@pytest.mark.usefixtures("leads")
def test_empty_note_is_refused(cli: Run, query: Any) -> None:
    result = cli("note", "maria", "  ")
    assert (result.exit_code, result.stderr) == (2, "error: a note needs some text\n")
    assert query("SELECT count(*) FROM interaction") == [(0,)]


@pytest.mark.usefixtures("leads")
def test_log_kind_and_date(cli: Run, cli_json: Run) -> None:
    result = cli("log", "maria", "no answer", "--kind", "call", "--at", "yesterday")
    assert result.stdout == "call #1 logged on #1  Maria Santos  (2026-11-23)\n"
    assert cli("log", "nguyen", "-k", "meeting").stdout == (
        "meeting #2 logged on #2  Nguyễn Văn An  (2026-11-24)\n"
    )
    maria = cli_json("show", "1", "--json")
    assert maria["interactions"] == [
        {"id": 1, "kind": "call", "at": "2026-11-23T00:00:00", "text": "no answer"}
    ]
    assert maria["last_contact"] == "2026-11-23T00:00:00"
    assert cli_json("show", "2", "--json")["last_contact"] == "2026-11-24T10:00:00"


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["maria", "--kind", "fax"], 2, "error: kind must be one of note, call, sms,"),
        (["maria", "--at", "someday"], 2, "error: not a date: 'someday'\n"),
        (["maria", "--at", "2026-02-30"], 2, "error: not a real date: '2026-02-30'\n"),
        (["zed"], 3, "error: no lead matches 'zed'\n"),
        (
            ["maria", "--at", "next fri"],
            2,
            "error: 2026-11-27 is in the future: log a call once it has happened"
            " (plan it with a follow-up)\n",
        ),
    ],
)
def test_log_bad_input_writes_nothing(
    cli: Run, query: Any, args: list[str], code: int, message: str
) -> None:
    result = cli("log", *args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert query("SELECT count(*) FROM interaction") == [(0,)]


# --- follow-ups ----------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_followup_add_done_snooze(cli: Run, query: Any) -> None:
    added = cli("followup", "add", "maria", "friday", "send", "the", "price", "list")
    assert added.stdout == "follow-up #1 for #1  Maria Santos on 2026-11-27\n"
    assert cli("followup", "add", "2", "+3d").stdout == (
        "follow-up #2 for #2  Nguyễn Văn An on 2026-11-27\n"
    )
    assert cli("followup", "snooze", "#1", "+1w").stdout == "follow-up #1 now due 2026-12-01\n"
    assert cli("followup", "done", "2").stdout == "follow-up #2 done\n"
    assert query("SELECT id, due, text, done_at FROM follow_up ORDER BY id") == [
        (1, "2026-12-01", "send the price list", None),
        (2, "2026-11-27", "", "2026-11-24 10:00:00.000000"),
    ]
    twice = cli("followup", "done", "2")
    assert (twice.exit_code, twice.stderr) == (2, "error: follow-up #2 is already done\n")
    snoozed_done = cli("followup", "snooze", "2", "+1d")
    assert snoozed_done.exit_code == 2


@pytest.mark.usefixtures("leads")
def test_a_follow_up_set_in_the_past_is_saved_with_a_warning(cli: Run, query: Any) -> None:
    added = cli("followup", "add", "maria", "2026-11-20")
    assert (added.exit_code, added.stdout) == (
        0,
        "follow-up #1 for #1  Maria Santos on 2026-11-20\n",
    )
    assert added.stderr == "warning: 2026-11-20 was 4 days ago: overdue already\n"
    moved = cli("move", "2", "not-now", "-f", "2026-01-01")
    assert moved.exit_code == 0
    assert moved.stderr == "warning: 2026-01-01 was 327 days ago: overdue already\n"
    snoozed = cli("followup", "snooze", "1", "yesterday")
    assert snoozed.stderr == "warning: 2026-11-23 was 1 day ago: overdue already\n"
    on_time = cli("followup", "add", "maria", "today")
    assert (on_time.exit_code, on_time.stderr) == (0, "")
    assert query("SELECT due FROM follow_up ORDER BY id") == [
        ("2026-11-23",),
        ("2026-01-01",),
        ("2026-11-24",),
    ]


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "maria", "next blursday"], 2, "error: not a date: 'next blursday'\n"),
        (["add", "zed", "friday"], 3, "error: no lead matches 'zed'\n"),
        (["done", "9"], 3, "error: no follow-up #9\n"),
        (["done", "x"], 2, "error: not a follow-up id: 'x'\n"),
        (["snooze", "9", "friday"], 3, "error: no follow-up #9\n"),
    ],
)
def test_followup_bad_input(cli: Run, query: Any, args: list[str], code: int, message: str) -> None:
    result = cli("followup", *args)
    assert (result.exit_code, result.stderr) == (code, message)
    assert query("SELECT count(*) FROM follow_up") == [(0,)]


@pytest.fixture
def due(seed: Seed) -> None:
    """Follow-ups: #1 overdue by 4 days, #2 today, #3 in 3 days, #4 in 20 days."""
    with seed() as s:
        maria = add_lead(s, now=NOW, name="Maria Santos")
        an = add_lead(s, now=NOW, name="Nguyễn Văn An")
        add_followup(s, maria, due=date(2026, 11, 20), now=NOW, text="send the price list")
        add_followup(s, an, due=date(2026, 11, 24), now=NOW, text="call")
        add_followup(s, an, due=date(2026, 11, 27), now=NOW)
        add_followup(s, maria, due=date(2026, 12, 14), now=NOW, text="later")


@pytest.mark.usefixtures("due")
def test_followup_list(cli: Run, cli_json: Run) -> None:
    out = lines(cli("followup", "list").stdout)
    assert out[0].split() == ["id", "due", "lead", "text", "when"]
    assert out[2].split() == [
        "1",
        "2026-11-20",
        "#1",
        "Maria",
        "Santos",
        "send",
        "the",
        "price",
        "list",
        "4",
        "days",
        "overdue",
    ]
    assert out[3].split() == ["2", "2026-11-24", "#2", "Nguyễn", "Văn", "An", "call", "today"]
    assert out[4].split() == ["3", "2026-11-27", "#2", "Nguyễn", "Văn", "An", "in", "3", "days"]
    assert len(out) == 5
    assert [f["id"] for f in cli_json("followup", "list", "--days", "30", "--json")] == [1, 2, 3, 4]
    overdue = cli_json("followup", "list", "--overdue", "--json")
    assert overdue == [
        {
            "id": 1,
            "lead_id": 1,
            "name": "Maria Santos",
            "due": "2026-11-20",
            "text": "send the price list",
            "days_overdue": 4,
        }
    ]


def test_followup_list_when_nothing_is_due(cli: Run) -> None:
    assert cli("followup", "list").stdout == "No follow-up due in the next 7 days.\n"
    assert cli("followup", "list", "--overdue").stdout == "No follow-up overdue.\n"
    assert cli("followup", "list", "--json").stdout == "[]\n"


@pytest.mark.usefixtures("leads")
def test_dates_without_a_year_are_in_the_past_for_what_happened(cli: Run, query: Any) -> None:
    assert cli("log", "maria", "met", "--at", "20 Nov").stdout == (
        "call #1 logged on #1  Maria Santos  (2026-11-20)\n"
    )
    assert cli("sale", "maria", "10", "--date", "12-01").stdout.startswith(
        "sale #1: 10.00 on 2025-12-01"
    )
    assert cli("followup", "add", "maria", "12-01").exit_code == 0  # a follow-up is ahead
    assert query("SELECT due FROM follow_up") == [("2026-12-01",)]
    report = cli("report", "funnel", "--since", "1 Oct", "--until", "today", "--json")
    assert report.exit_code == 0, report.stderr
    assert json.loads(report.stdout)["filters"]["since"] == "2026-10-01"


# --- sales --------------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_first_sale_makes_a_customer_then_a_repeat_customer(
    cli: Run, cli_json: Run, query: Any
) -> None:
    first = cli("sale", "maria", "150", "-d", "3 cakes")
    assert first.exit_code == 0
    assert lines(first.stdout) == [
        "sale #1: 150.00 on 2026-11-24  3 cakes",
        "#1  Maria Santos is a customer (1 sale)",
        "moved: new -> won",
    ]
    second = cli("sale", "maria", "1,200.50", "--date", "yesterday")
    assert lines(second.stdout) == [
        "sale #2: 1200.50 on 2026-11-23",
        "#1  Maria Santos is a repeat customer (2 sales)",
    ]
    assert query("SELECT date, amount_cents, description FROM sale ORDER BY id") == [
        ("2026-11-24", 15000, "3 cakes"),
        ("2026-11-23", 120050, ""),
    ]
    data = cli_json("show", "maria", "--json")
    assert (data["customer"], data["stage"]) == ("repeat customer", "won")
    assert [s["amount"] for s in data["sales"]] == ["1200.50", "150.00"]


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["maria", "12.345"], "error: amount has more than two decimals: '12.345'\n"),
        (["maria", "lots"], "error: not an amount: 'lots'\n"),
        (["maria", "10", "--date", "31/02"], "error: not a real date: '31/02'\n"),
    ],
)
def test_sale_bad_input_writes_nothing(cli: Run, query: Any, args: list[str], message: str) -> None:
    result = cli("sale", *args)
    assert (result.exit_code, result.stderr) == (2, message)
    assert query("SELECT count(*) FROM sale") == [(0,)]
    assert query("SELECT count(*) FROM stage_history") == [(2,)]


# --- today --------------------------------------------------------------------------------


def test_today_when_nothing_is_due(cli: Run) -> None:
    result = cli("today")
    assert result.exit_code == 0
    assert result.stdout == (
        "Nothing due today: no follow-ups, no birthdays in the next 14 days. Enjoy!\n"
    )


@pytest.fixture
def agenda(seed: Seed) -> None:
    """Birthdays, an overdue and a due follow-up, a hot lead with no next step."""
    with seed() as s:
        an = add_lead(s, now=NOW, name="Nguyễn Văn An", birthday="1986-11-30")
        add_lead(s, now=NOW, name="Արամ Խաչատրյան", birthday="12-02")
        add_lead(s, now=NOW, name="Иван", birthday="12-20")
        hot = add_lead(s, now=NOW, name="王小明", phone="+86 138 0013 8000")
        qualify(s, hot, now=NOW, answers={"budget": "y", "need": "y", "timeline": "y"})
        add_followup(s, an, due=date(2026, 11, 21), now=NOW, text="send the price list")
        add_followup(s, an, due=date(2026, 11, 24), now=NOW, text="call back")


@pytest.mark.usefixtures("agenda")
def test_today_sections(cli: Run) -> None:
    result = cli("today")
    assert result.exit_code == 0
    out = lines(result.stdout)
    assert out[0] == "Birthdays in the next 14 days"
    assert out[3].split() == [
        "Mon",
        "2026-11-30",
        "#1",
        "Nguyễn",
        "Văn",
        "An",
        "turns",
        "40",
        "in",
        "6",
        "days",
    ]
    assert out[4].split() == ["Wed", "2026-12-02", "#2", "Արամ", "Խաչատրյան", "in", "8", "days"]
    assert "Иван" not in result.stdout
    assert out[5:7] == ["", "Overdue follow-ups"]
    assert out[9].split()[-3:] == ["3", "days", "overdue"]
    assert "send the price list" in out[9]
    assert out[10:12] == ["", "Due today"]
    assert out[14].split()[-2:] == ["back", "today"]
    assert out[15:17] == ["", "Hot leads with no next step"]
    assert out[19].split()[:2] == ["4", "王小明"]
    assert out[-1] == "give each a next step: prospectr followup add LEAD DATE"


@pytest.mark.usefixtures("agenda")
def test_today_json_and_days(cli_json: Run) -> None:
    data = cli_json("today", "--json", "--days", "30")
    assert data["today"] == "2026-11-24"
    assert [(b["name"], b["date"], b["turns"], b["in_days"]) for b in data["birthdays"]] == [
        ("Nguyễn Văn An", "2026-11-30", 40, 6),
        ("Արամ Խաչատրյան", "2026-12-02", None, 8),
        ("Иван", "2026-12-20", None, 26),
    ]
    assert [(f["id"], f["days_overdue"]) for f in data["overdue"]] == [(1, 3)]
    assert [(f["id"], f["days_overdue"]) for f in data["due_today"]] == [(2, 0)]
    assert data["hot_no_next_step"] == [{"id": 4, "name": "王小明"}]


def test_today_rejects_a_bad_window(cli: Run) -> None:
    result = cli("today", "--days", "-1")
    assert result.exit_code == 2

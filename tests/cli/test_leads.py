"""add, list, search, show, edit, delete: output, exit codes and database effects."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

import prospectr.cli.leads as leads_cli
from prospectr.domain import add_lead

from ..conftest import NOW
from .conftest import Seed, lines

Run = Callable[..., Any]


@pytest.fixture
def people(seed: Seed) -> None:
    """Five leads in four scripts (ids 1 to 5, in this order)."""
    with seed() as s:
        add_lead(
            s,
            now=NOW,
            name="Maria Santos",
            email="maria@example.com",
            phone="+63 917 123 4567",
            source="event",
            tags=["fair-2026"],
            birthday="03-15",
            note="wants 3 cakes for December",
        )
        add_lead(
            s,
            now=NOW,
            name="Nguyễn Văn An",
            email="an@example.com",
            source="referral",
            city="Hà Nội",
            birthday="1986-11-30",
        )
        add_lead(
            s,
            now=NOW,
            name="Иван Петров",
            phone="+7 912 345 67 89",
            source="facebook",
            company="Ромашка",
        )
        add_lead(s, now=NOW, name="Արամ Խաչատրյան", source="event", tags=["vip"])
        add_lead(s, now=NOW, name="王小明", source="website", tags=["vip,cjk"])


# --- add -----------------------------------------------------------------------------


def test_add_answers_with_id_name_stage_and_stores_the_lead(cli: Run, query: Any) -> None:
    result = cli("add", "Maria Santos", "-e", "Maria@Example.com", "-t", "vip", "-b", "03-15")
    assert result.exit_code == 0
    assert result.stdout == "#1  Maria Santos  [new]\n"
    assert query("SELECT name, email, bday_month, bday_day, bday_year FROM lead") == [
        ("Maria Santos", "maria@example.com", 3, 15, None)
    ]
    assert query("SELECT tag FROM lead_tag") == [("vip",)]


def test_add_json_is_the_show_shape(cli_json: Run) -> None:
    data = cli_json("add", "Ana Reyes", "--given-name", "Ana", "--family-name", "Reyes", "--json")
    assert data["id"] == 1
    assert data["name"] == "Ana Reyes"
    assert (data["given_name"], data["family_name"]) == ("Ana", "Reyes")
    assert data["stage"] == "new"
    assert data["temperature"] == "unknown"


def test_duplicate_is_refused_naming_the_existing_lead(cli: Run, query: Any) -> None:
    cli("add", "Maria Santos", "-p", "+63 917 123 4567")
    result = cli("add", "M. Santos", "-p", "(63) 917-123-4567")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.startswith("error: phone +63 917 123 4567 is already on lead #1")
    assert "Maria Santos" in result.stderr
    assert query("SELECT count(*) FROM lead") == [(1,)]
    forced = cli("add", "M. Santos", "-p", "(63) 917-123-4567", "--force")
    assert forced.exit_code == 0
    assert query("SELECT count(*) FROM lead") == [(2,)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-e", "maria@"], "error: invalid email: 'maria@'\n"),
        (["-b", "02-30"], "error: not a real date: '02-30'\n"),
        (["-p", "12345"], "error: invalid phone: '12345' (needs at least 7 digits)\n"),
    ],
)
def test_add_bad_input_writes_nothing(cli: Run, query: Any, args: list[str], message: str) -> None:
    result = cli("add", "Maria", *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert query("SELECT count(*) FROM lead") == [(0,)]


# --- list ----------------------------------------------------------------------------


def test_list_on_an_empty_database_says_how_to_start(cli: Run) -> None:
    result = cli("list")
    assert result.exit_code == 0
    assert result.stdout.startswith("No leads yet. Add one: prospectr add")


@pytest.mark.usefixtures("people")
def test_list_table_and_count_line(cli: Run) -> None:
    result = cli("list")
    assert result.exit_code == 0
    out = lines(result.stdout)
    assert out[0].split() == [
        "id",
        "name",
        "company",
        "stage",
        "temp",
        "follow-up",
        "source",
        "contacted",
        "customer",
    ]
    # sorted by folded name: Latin, Cyrillic, Armenian, CJK
    assert [line.split()[0] for line in out[2:7]] == ["1", "2", "3", "4", "5"]
    assert out[2].split()[:5] == ["1", "Maria", "Santos", "new", "unknown"]
    assert "Ромашка" in out[4]
    assert out[-1] == "5 of 5 leads"


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("columns", "headers"),
    [
        (
            "120",
            [
                *("id", "name", "company", "stage", "temp", "follow-up", "source"),
                *("contacted", "customer"),
            ],
        ),
        # Below 120 columns "contacted" goes, so names and companies keep their room.
        ("119", ["id", "name", "company", "stage", "temp", "follow-up", "source", "customer"]),
        ("90", ["id", "name", "company", "stage", "temp", "follow-up", "source", "customer"]),
        ("70", ["id", "name", "company", "stage", "temp", "follow-up", "customer"]),
        ("60", ["id", "name", "stage", "temp", "follow-up", "customer"]),
    ],
)
def test_list_drops_minor_columns_on_narrow_terminals(
    cli: Run, monkeypatch: pytest.MonkeyPatch, columns: str, headers: list[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    out = lines(cli("list").stdout)
    assert out[0].split() == headers
    assert max(len(line) for line in out) <= int(columns)
    assert out[2].split()[:3] == ["1", "Maria", "Santos"]


@pytest.mark.usefixtures("people")
def test_list_limit_says_there_is_more(cli: Run) -> None:
    out = lines(cli("list", "--limit", "2").stdout)
    assert out[-1] == "2 of 5 leads  (--all or --limit N to see more)"
    assert len(out) == 2 + 2 + 1
    assert lines(cli("list", "--limit", "2", "--all").stdout)[-1] == "5 of 5 leads"


@pytest.mark.usefixtures("people")
def test_list_json_shape_and_sort(cli_json: Run) -> None:
    data = cli_json("list", "--json", "--sort", "name", "--desc")
    assert data["total"] == 5
    assert [row["name"] for row in data["leads"]] == [
        "王小明",
        "Արամ Խաչատրյան",
        "Иван Петров",
        "Nguyễn Văn An",
        "Maria Santos",
    ]
    assert set(data["leads"][0]) == {
        "id",
        "name",
        "company",
        "email",
        "phone",
        "stage",
        "temperature",
        "source",
        "city",
        "next_followup",
        "last_contact",
        "created_at",
        "sales",
    }
    assert cli_json("list", "--json", "--limit", "1")["total"] == 5


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--tag", "VIP"], ["Արամ Խաչատրյան", "王小明"]),
        (["--source", "event"], ["Maria Santos", "Արամ Խաչատրյան"]),
        (["--city", "hà nội"], ["Nguyễn Văn An"]),
        (["--stage", "new", "-q", "cakes"], ["Maria Santos"]),
        (["--temperature", "hot"], []),
        (["--due"], []),
    ],
)
def test_list_filters(cli_json: Run, args: list[str], names: list[str]) -> None:
    data = cli_json("list", "--json", *args)
    assert [row["name"] for row in data["leads"]] == names
    assert data["total"] == len(names)


@pytest.mark.usefixtures("people")
def test_list_filter_with_no_match_says_so(cli: Run) -> None:
    result = cli("list", "--temp", "hot")
    assert (result.exit_code, result.stdout) == (0, "No lead matches.\n")


@pytest.mark.usefixtures("people")
def test_list_csv(cli: Run) -> None:
    result = cli("list", "--csv", "--tag", "vip")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == ["Արամ Խաչատրյան", "王小明"]
    assert rows[0]["company"] == ""
    assert rows[1]["source"] == "website"


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--stage", "nowhere"], 3, "error: no stage 'nowhere' (stages: new, qualified,"),
        (["--sort", "age"], 2, "error: sort must be one of name, created,"),
        (["--temp", "tepid"], 2, "error: temperature must be one of hot, warm, cold, unknown"),
        (["--json", "--csv"], 2, "error: choose one of --json and --csv"),
    ],
)
def test_list_bad_options(cli: Run, args: list[str], code: int, message: str) -> None:
    result = cli("list", *args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert result.stdout == ""


def test_list_shows_customer_and_repeat_customer(cli: Run) -> None:
    cli("add", "Ana")
    cli("add", "Ben")
    cli("add", "Cora")
    cli("sale", "Ana", "10")
    cli("sale", "Ben", "10")
    cli("sale", "Ben", "20")
    out = lines(cli("list").stdout)
    assert out[2].endswith(" customer")
    assert not out[2].endswith("repeat customer")
    assert out[3].endswith("repeat customer")
    assert out[4].split() == ["3", "Cora", "new", "unknown"]


# --- search --------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("nguyen", ["Nguyễn Văn An"]),
        ("ИВАН", ["Иван Петров"]),
        ("ромашка", ["Иван Петров"]),
        ("ԽԱՉԱՏՐՅԱՆ", ["Արամ Խաչատրյան"]),
        ("小明", ["王小明"]),
        ("9123456789", ["Иван Петров"]),
        ("december", ["Maria Santos"]),
        ("nobody", []),
    ],
)
def test_search_folds_case_and_accents(cli_json: Run, text: str, names: list[str]) -> None:
    data = cli_json("search", text, "--json")
    assert [row["name"] for row in data["leads"]] == names


@pytest.mark.usefixtures("people")
def test_search_words_need_no_quotes(cli_json: Run) -> None:
    unquoted = cli_json("search", "nguyen", "van", "--json")
    assert [row["name"] for row in unquoted["leads"]] == ["Nguyễn Văn An"]
    assert cli_json("search", "nguyen van", "--json") == unquoted
    exported = cli_json("export", "nguyen", "van", "--format", "json")
    assert [row["name"] for row in exported] == ["Nguyễn Văn An"]


@pytest.mark.usefixtures("people")
def test_search_table_and_filters(cli: Run) -> None:
    out = lines(cli("search", "an", "--source", "referral").stdout)
    assert out[2].split()[:4] == ["2", "Nguyễn", "Văn", "An"]
    assert out[-1] == "1 of 1 lead"
    empty = cli("search", "  ")
    assert (empty.exit_code, empty.stderr) == (2, "error: give some text to search for\n")


# --- show ----------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
def test_show_every_section(cli: Run) -> None:
    cli("qualify", "maria", "-B", "y", "-N", "y", "--budget-note", "about 5000")
    cli("followup", "add", "maria", "2026-11-27", "call back")
    cli("sale", "maria", "150", "-d", "3 cakes")
    result = cli("show", "maria")
    assert result.exit_code == 0
    out = lines(result.stdout)
    assert out[0] == "#1  Maria Santos  (customer)"
    fields = {
        line.split("  ")[0]: line.split("  ", 1)[1].strip() for line in out[1:] if "  " in line
    }
    assert fields["stage"] == "won (since 2026-11-24)"
    assert fields["temperature"] == "warm, score 50"
    assert fields["customer"] == "customer (1 sale)"
    assert fields["email"] == "maria@example.com"
    assert fields["tags"] == "fair-2026"
    assert fields["birthday"] == "15 March (year unknown)"
    assert fields["do not contact"] == "no"
    assert "budget     yes      about 5000" in out
    assert "authority  unknown" in out
    assert "why: warm: 'yes' on budget, need; hot needs need, budget and timeline" in out
    assert "#1  2026-11-27  in 3 days  call back" in out
    assert "#1  2026-11-24 10:00  note  wants 3 cakes for December" in out
    assert "2026-11-24 10:00  new -> won  sale" in out
    assert "#1  2026-11-24  150.00  3 cakes" in out


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("ref", ["2", "#2", "nguyen", "VĂN AN"])
def test_show_json_by_id_or_fragment(cli_json: Run, ref: str) -> None:
    data = cli_json("show", ref, "--json")
    assert data["id"] == 2
    assert data["name"] == "Nguyễn Văn An"
    assert data["birthday"] == "1986-11-30"
    assert data["city"] == "Hà Nội"
    assert data["history"] == [
        {"at": "2026-11-24T10:00:00", "from": None, "to": "new", "reason": None}
    ]


@pytest.mark.usefixtures("people")
def test_show_ambiguous_fragment_lists_candidates(cli: Run) -> None:
    cli("add", "Maria Clara")
    result = cli("show", "mari")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: 'mari' matches 2 leads; use the id\n  #6  Maria Clara\n  #1  Maria Santos\n"
    )


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("ref", "message"), [("42", "no lead #42"), ("zed", "no lead matches 'zed'")]
)
def test_show_unknown_lead_exits_3(cli: Run, ref: str, message: str) -> None:
    result = cli("show", ref)
    assert (result.exit_code, result.stderr) == (3, f"error: {message}\n")


# --- user text is shown literally ------------------------------------------------------


def test_markup_and_escapes_in_names_are_printed_literally(cli: Run, query: Any) -> None:
    assert (
        cli("add", "[bold red]x[/] \x1b[31mRed", "-c", "[link=http://e.vil]co[/link]").exit_code
        == 0
    )
    # Capture strips escape sequences whole; the ESC byte never reaches the database.
    assert query("SELECT name FROM lead") == [("[bold red]x[/] Red",)]
    listed = cli("list").stdout
    assert "[bold red]x[/] Red" in listed
    assert "[link=http://e.vil]co[/link]" in "".join(listed.split())
    shown = cli("show", "1").stdout
    assert "#1  [bold red]x[/] Red" in shown
    # A row written by another tool with a raw ESC is shown as a visible escape.
    query_update = "UPDATE lead SET name = :n, company = NULL"
    query(query_update, n="Evil \x1b[2J\x1b]0;pwned\x07 Name")
    for args in (["list"], ["show", "1"], ["search", "red"]):
        out = cli(*args).stdout
        assert "\x1b" not in out
        assert "\x07" not in out
        assert "Evil \\x1b[2J\\x1b]0;pwned\\x07 Name" in out


# --- edit ----------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
def test_edit_fields_tags_and_flags(cli: Run, cli_json: Run, query: Any) -> None:
    result = cli(
        "edit",
        "maria",
        "-p",
        "",
        "--city",
        "Cebu",
        "--add-tag",
        "VIP",
        "--remove-tag",
        "fair-2026",
        "--dnc",
        "--name",
        "Maria S. Santos",
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "#1  Maria S. Santos  [new]  updated: name, phone, city, do not contact, tags\n"
    )
    data = cli_json("show", "1", "--json")
    assert (data["phone"], data["city"], data["do_not_contact"]) == (None, "Cebu", True)
    assert data["tags"] == ["vip"]
    assert data["updated_at"] == "2026-11-24T10:00:00"
    cli("edit", "1", "--tag", "a,b", "--add-tag", "c", "--no-dnc")
    data = cli_json("show", "1", "--json")
    assert (data["tags"], data["do_not_contact"]) == (["a", "b", "c"], False)
    assert query("SELECT count(*) FROM lead WHERE phone_key IS NULL AND id = 1") == [(1,)]
    same = cli("edit", "1", "--city", " Cebu ", "--tag", "c,B,a")
    assert same.exit_code == 0
    assert same.stdout == (
        "#1  Maria S. Santos  [new]  unchanged: the values given are the ones stored\n"
    )
    case = cli("edit", "1", "--city", "cebu", "--tag", "c,b,a")
    assert case.stdout == "#1  Maria S. Santos  [new]  updated: city\n"


@pytest.mark.usefixtures("people")
def test_edit_refusals_change_nothing(cli: Run, query: Any) -> None:
    nothing = cli("edit", "maria")
    assert nothing.exit_code == 2
    assert nothing.stderr == (
        "error: nothing to change: give at least one option (see prospectr edit --help)\n"
    )
    dup = cli("edit", "maria", "-e", "AN@example.com", "--city", "Manila")
    assert dup.exit_code == 4
    assert dup.stderr.startswith("error: email an@example.com is already on lead #2 Nguyễn Văn An")
    bad = cli("edit", "maria", "-e", "nope", "--city", "Manila")
    assert (bad.exit_code, bad.stderr) == (2, "error: invalid email: 'nope'\n")
    unnamed = cli("edit", "maria", "--name", "")
    assert (unnamed.exit_code, unnamed.stderr) == (2, "error: a lead needs a name or a company\n")
    assert query("SELECT name, email, city FROM lead WHERE id = 1") == [
        ("Maria Santos", "maria@example.com", None)
    ]
    assert cli("edit", "99", "--city", "x").exit_code == 3
    assert cli("edit", "maria", "-e", "an@example.com", "--force").exit_code == 0


# --- delete --------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
def test_delete_without_yes_off_a_terminal_is_refused(cli: Run, query: Any) -> None:
    result = cli("delete", "maria")
    assert result.exit_code == 2
    assert result.stderr == "error: not deleting #1 Maria Santos without --yes (not a terminal)\n"
    assert query("SELECT count(*) FROM lead") == [(5,)]


@pytest.mark.usefixtures("people")
def test_delete_yes_removes_the_lead_and_what_hangs_on_it(cli: Run, query: Any) -> None:
    cli("followup", "add", "maria", "friday")
    cli("sale", "maria", "10")
    result = cli("delete", "maria", "--yes")
    assert (result.exit_code, result.stdout) == (0, "deleted #1  Maria Santos\n")
    assert query("SELECT count(*) FROM lead WHERE id = 1") == [(0,)]
    for table in ("interaction", "follow_up", "sale", "stage_history", "lead_tag"):
        assert query(f"SELECT count(*) FROM {table} WHERE lead_id = 1") == [(0,)]
    assert cli("delete", "1", "--yes").exit_code == 3


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(("answer", "code", "left"), [("y\n", 0, 4), ("n\n", 1, 5), ("\n", 1, 5)])
def test_delete_asks_on_a_terminal(
    cli: Run, query: Any, monkeypatch: pytest.MonkeyPatch, answer: str, code: int, left: int
) -> None:
    monkeypatch.setattr(leads_cli, "is_tty", lambda: True)
    result = cli("delete", "Արամ", input=answer)
    assert result.exit_code == code
    assert "Delete #4 Արամ Խաչատրյան with its notes, follow-ups and sales? [y/N]" in result.stdout
    assert query("SELECT count(*) FROM lead") == [(left,)]
    if code:
        assert result.stderr == "error: nothing deleted\n"


def test_no_color_is_honoured(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("add", "Ana")
    cli("sale", "Ana", "10")
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = cli("list").stdout
    assert "\x1b[32m" in coloured  # the customer marker is green on a colour terminal
    monkeypatch.setenv("NO_COLOR", "1")
    plain = cli("list").stdout
    assert "\x1b[32m" not in plain
    assert "customer" in plain


@pytest.mark.sqlite_only
def test_a_failed_first_command_leaves_no_database_file(cli: Run, db_path: Any) -> None:
    assert not db_path.exists()
    result = cli("show", "5")
    assert (result.exit_code, result.stderr) == (3, "error: no lead #5\n")
    assert not db_path.exists()
    assert not db_path.parent.exists()  # nor the folder it would have lived in
    assert cli("list").exit_code == 0  # a command that succeeds creates it
    assert db_path.exists()
    assert cli("show", "5").exit_code == 3  # and a later failure keeps it
    assert db_path.exists()

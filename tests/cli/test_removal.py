"""Amounts with a decimal comma, and `sale delete`, `note/log delete`, `followup cancel`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prospectr.domain import add_lead

from ..conftest import NOW
from .conftest import Seed, lines

Run = Callable[..., Any]


@pytest.fixture
def leads(seed: Seed) -> None:
    """#1 Nguyễn Thị Hương, #2 Иван Петров."""
    with seed() as s:
        add_lead(s, now=NOW, name="Nguyễn Thị Hương")
        add_lead(s, now=NOW, name="Иван Петров")


# --- amounts --------------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_a_decimal_comma_is_a_decimal_mark(cli: Run, query: Any) -> None:
    first = cli("sale", "huong", "1,5")
    assert (first.exit_code, first.stderr) == (0, "")
    assert lines(first.stdout) == [
        "sale #1: 1.50 on 2026-11-24",
        "#1  Nguyễn Thị Hương is a customer (1 sale)",
        "moved: new -> won",
    ]
    assert lines(cli("sale", "huong", "12,50").stdout)[0] == "sale #2: 12.50 on 2026-11-24"
    assert lines(cli("sale", "иван", "1.234,50", "-d", "обед").stdout)[0] == (
        "sale #3: 1234.50 on 2026-11-24  обед"
    )
    assert lines(cli("sale", "иван", "1 234 ₽").stdout)[0] == "sale #4: 1234.00 on 2026-11-24"
    assert query("SELECT lead_id, amount_cents FROM sale ORDER BY id") == [
        (1, 150),
        (1, 1250),
        (2, 123450),
        (2, 123400),
    ]


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (
            "1,2345",
            "error: ambiguous amount '1,2345': write up to two decimals after the comma (12,50)"
            " or thousands in groups of three (12,345)\n",
        ),
        (
            "12,345,6",
            "error: ambiguous amount '12,345,6': write up to two decimals after the comma"
            " (12,50) or thousands in groups of three (12,345)\n",
        ),
        ("0", "error: amount must be more than zero: '0'\n"),
        ("1e9", "error: write the amount in full, without an exponent: '1e9'\n"),
        ("inf", "error: amount must be finite: 'inf'\n"),
        ("nan", "error: not a number: 'nan'\n"),
        ("150.000", "error: amount has more than two decimals: '150.000'\n"),
        # a minus makes the amount look like an option: the amount's error, not Click's
        (
            "-5",
            "error: amount cannot be negative: '-5' (a sale recorded by mistake is deleted"
            " instead)\n",
        ),
        (
            "-1,5",
            "error: amount cannot be negative: '-1,5' (a sale recorded by mistake is deleted"
            " instead)\n",
        ),
    ],
)
def test_refused_amounts_write_nothing(cli: Run, query: Any, amount: str, message: str) -> None:
    result = cli("sale", "1", amount)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert query("SELECT count(*) FROM sale") == [(0,)]
    assert query("SELECT stage.name FROM lead JOIN stage ON stage.id = lead.stage_id") == [
        ("new",),
        ("new",),
    ]


@pytest.mark.usefixtures("leads")
def test_other_usage_errors_of_sale_stay_as_they_were(cli: Run) -> None:
    bogus = cli("sale", "1", "10", "--bogus")
    assert (bogus.exit_code, bogus.stderr) == (
        2,
        "error: No such option: --bogus (see 'prospectr sale --help')\n",
    )
    after_dashes = cli("sale", "1", "--", "-5")
    assert after_dashes.exit_code == 2
    assert after_dashes.stderr.startswith("error: amount cannot be negative: '-5'")


# --- sale delete ----------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_deleting_the_last_sale_keeps_the_stage_and_says_so(
    cli: Run, cli_json: Run, query: Any
) -> None:
    cli("sale", "huong", "150", "-d", "bánh kem")
    result = cli("sale", "delete", "1")
    assert (result.exit_code, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "sale #1 deleted from #1  Nguyễn Thị Hương: 150.00 on 2026-11-24  bánh kem  (no sale left)",
        "the lead stays in won: move it if that was wrong",
    ]
    assert query("SELECT count(*) FROM sale") == [(0,)]
    shown = cli_json("show", "1", "--json")
    assert (shown["stage"], shown["customer"], shown["sales"]) == ("won", "", [])


@pytest.mark.usefixtures("leads")
def test_deleting_one_of_two_sales(cli: Run, query: Any) -> None:
    cli("sale", "иван", "10")
    cli("sale", "иван", "20,50")
    result = cli("sale", "delete", "#2")
    assert lines(result.stdout) == [
        "sale #2 deleted from #2  Иван Петров: 20.50 on 2026-11-24  (1 sale left)"
    ]
    assert query("SELECT id, lead_id, amount_cents FROM sale") == [(1, 2, 1000)]


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["sale", "delete", "9"], 3, "error: no sale #9\n"),
        (["sale", "delete", "x"], 2, "error: not a sale id: 'x'\n"),
        (
            ["sale", "delete", "1", "--date", "today"],
            2,
            "error: --date and --description go with a new sale, not with delete\n",
        ),
        (["note", "delete", "9"], 3, "error: no note or contact #9\n"),
        (["log", "delete", "9"], 3, "error: no note or contact #9\n"),
        (
            ["note", "delete", "1", "2"],
            2,
            "error: usage: prospectr note delete ID (a lead named 'delete': use its id)\n",
        ),
        (
            ["log", "delete", "1", "--kind", "call"],
            2,
            "error: --kind and --at go with a new contact, not with delete\n",
        ),
        (["followup", "cancel", "9"], 3, "error: no follow-up #9\n"),
        (["followup", "cancel", "x"], 2, "error: not a follow-up id: 'x'\n"),
    ],
)
def test_removal_errors(cli: Run, query: Any, args: list[str], code: int, message: str) -> None:
    cli("sale", "1", "10")
    cli("note", "1", "ghi chú")
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", message)
    assert query("SELECT count(*) FROM sale") == [(1,)]
    assert query("SELECT count(*) FROM interaction") == [(1,)]


# --- note and log delete --------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_log_and_show_give_the_ids_to_delete(cli: Run) -> None:
    assert cli("log", "huong", "không nghe máy", "--at", "yesterday").stdout == (
        "call #1 logged on #1  Nguyễn Thị Hương  (2026-11-23)\n"
    )
    cli("note", "huong", "hỏi về giá sỉ")
    cli("sale", "huong", "99,90")
    out = lines(cli("show", "huong").stdout)
    assert "#2  2026-11-24 10:00  note  hỏi về giá sỉ" in out
    assert "#1  2026-11-23        call  không nghe máy" in out
    assert "#1  2026-11-24  99.90" in out


@pytest.mark.usefixtures("leads")
def test_deleting_the_last_contact(cli: Run, cli_json: Run, query: Any) -> None:
    cli("log", "иван", "звонок", "--at", "2026-11-20")
    cli("log", "иван", "прайс-лист отправлен", "-k", "email")
    result = cli("log", "delete", "2")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "email #2 deleted from #2  Иван Петров: 2026-11-24  прайс-лист отправлен;"
        " last contact now 2026-11-20\n"
    )
    assert query("SELECT id, kind FROM interaction") == [(1, "call")]
    assert query("SELECT last_contact_at FROM lead WHERE id = 2") == [
        ("2026-11-20 00:00:00.000000",)
    ]
    result = cli("note", "delete", "1")
    assert result.stdout == (
        "call #1 deleted from #2  Иван Петров: 2026-11-20  звонок; no contact left\n"
    )
    assert cli_json("show", "2", "--json")["last_contact"] is None


@pytest.mark.usefixtures("leads")
def test_a_deleted_note_is_not_found_by_search(cli: Run, query: Any) -> None:
    cli("note", "huong", "bánh kem dâu")
    cli("note", "huong", "gói quà\nsecond line of the note")
    assert "Nguyễn Thị Hương" in cli("search", "banh kem").stdout
    result = cli("note", "delete", "1")
    assert result.stdout == "note #1 deleted from #1  Nguyễn Thị Hương: 2026-11-24  bánh kem dâu\n"
    assert cli("search", "banh kem").stdout == "No lead matches.\n"
    assert "Nguyễn Thị Hương" in cli("search", "goi qua").stdout
    assert lines(cli("note", "delete", "2").stdout) == [
        "note #2 deleted from #1  Nguyễn Thị Hương: 2026-11-24  gói quà"
    ]
    assert query("SELECT count(*) FROM interaction") == [(0,)]


# --- followup cancel -----------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_a_cancelled_followup_leaves_today_and_the_lists(cli: Run, query: Any) -> None:
    cli("followup", "add", "huong", "2026-11-20", "gọi lại")
    assert "gọi lại" in cli("today").stdout
    result = cli("followup", "cancel", "1")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "follow-up #1 cancelled for #1  Nguyễn Thị Hương: 2026-11-20  gọi lại\n"
    )
    assert query("SELECT count(*) FROM follow_up") == [(0,)]
    assert cli("today").stdout.startswith("Nothing due today")
    assert cli("followup", "list", "--json").stdout == "[]\n"


@pytest.mark.usefixtures("leads")
def test_a_done_followup_stays(cli: Run, query: Any) -> None:
    cli("followup", "add", "huong", "friday")
    cli("followup", "done", "1")
    result = cli("followup", "cancel", "1")
    assert (result.exit_code, result.stderr) == (2, "error: follow-up #1 is already done\n")
    assert query("SELECT count(*) FROM follow_up") == [(1,)]


@pytest.mark.usefixtures("leads")
def test_cancelling_the_followup_of_a_not_now_lead_warns(cli: Run) -> None:
    cli("move", "иван", "not-now", "--followup", "jan 8")
    result = cli("followup", "cancel", "1")
    assert result.exit_code == 0
    assert result.stdout == (
        "follow-up #1 cancelled for #2  Иван Петров: 2027-01-08  follow up (not-now)\n"
    )
    assert result.stderr == (
        "warning: #2  Иван Петров is in not-now with no follow-up left:"
        " add one with 'prospectr followup add 2 DATE'\n"
    )

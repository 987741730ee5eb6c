"""qualify, move, stages, where: output, exit codes and database effects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import prospectr.cli.pipeline as pipeline_cli
from prospectr.domain import add_lead

from ..conftest import NOW
from .conftest import Seed, lines

Run = Callable[..., Any]


@pytest.fixture
def leads(seed: Seed) -> None:
    """#1 Maria Santos, #2 Nguyễn Văn An, both in the first stage."""
    with seed() as s:
        add_lead(s, now=NOW, name="Maria Santos")
        add_lead(s, now=NOW, name="Nguyễn Văn An")


def stage_of(query: Any, lead_id: int) -> str:
    rows = query(
        "SELECT stage.name FROM lead JOIN stage ON stage.id = lead.stage_id WHERE lead.id = :i",
        i=lead_id,
    )
    return str(rows[0][0])


def history(query: Any, lead_id: int) -> list[tuple[Any, ...]]:
    return query(
        "SELECT f.name, t.name, h.reason FROM stage_history h "
        "LEFT JOIN stage f ON f.id = h.from_stage_id JOIN stage t ON t.id = h.to_stage_id "
        "WHERE h.lead_id = :i ORDER BY h.id",
        i=lead_id,
    )


# --- qualify --------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_qualify_hot_moves_a_new_lead_to_qualified(cli: Run, query: Any) -> None:
    result = cli("qualify", "maria", "-B", "y", "-N", "yes", "-T", "y", "--budget-note", "~5000")
    assert result.exit_code == 0
    assert result.stdout == (
        "#1  Maria Santos: hot, score 75\n"
        "why: hot: need, budget and timeline are all 'yes'\n"
        "moved: new -> qualified\n"
    )
    assert query(
        "SELECT budget, authority, need, timeline, budget_note FROM lead WHERE id = 1"
    ) == [("yes", "unknown", "yes", "yes", "~5000")]
    assert history(query, 1)[-1] == ("new", "qualified", "BANT: three or more yes")


@pytest.mark.usefixtures("leads")
def test_qualify_two_no_goes_cold(cli: Run, query: Any) -> None:
    result = cli("qualify", "nguyen", "-A", "n", "-N", "n", "-B", "?")
    assert result.exit_code == 0
    assert lines(result.stdout) == [
        "#2  Nguyễn Văn An: cold, score 0",
        "why: cold: two or more 'no' (authority, need)",
        "moved: new -> cold",
    ]
    assert stage_of(query, 2) == "cold"


@pytest.mark.usefixtures("leads")
def test_qualify_without_a_move_and_notes_only(cli: Run, query: Any) -> None:
    result = cli("qualify", "1", "-A", "y")
    assert lines(result.stdout) == [
        "#1  Maria Santos: warm, score 25",
        "why: warm: 'yes' on authority; hot needs need, budget and timeline",
    ]
    notes_only = cli("qualify", "1", "--need-note", "needs 3 cakes")
    assert notes_only.exit_code == 0
    assert query("SELECT authority, need, need_note FROM lead WHERE id = 1") == [
        ("yes", "unknown", "needs 3 cakes")
    ]
    assert stage_of(query, 1) == "new"


@pytest.mark.usefixtures("leads")
def test_qualify_bad_answer_writes_nothing(cli: Run, query: Any) -> None:
    result = cli("qualify", "1", "-B", "y", "-N", "maybe")
    assert result.exit_code == 2
    assert result.stderr == "error: BANT answer must be yes, no or unknown, not 'maybe'\n"
    assert query("SELECT budget, need FROM lead WHERE id = 1") == [("unknown", "unknown")]


@pytest.mark.usefixtures("leads")
def test_qualify_without_flags_off_a_terminal_is_refused(cli: Run) -> None:
    result = cli("qualify", "1")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: give at least one answer: --budget/-B, --authority/-A, --need/-N, "
        "--timeline/-T (y, n or ?)\n"
    )


@pytest.mark.usefixtures("leads")
def test_qualify_asks_four_questions_on_a_terminal(
    cli: Run, query: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_cli, "is_tty", lambda: True)
    # "perhaps" is not understood and asked again; an empty answer keeps the default (?).
    result = cli("qualify", "maria", input="y\nperhaps\nn\ny\n\n")
    assert result.exit_code == 0, result.stderr
    assert "Qualify #1 Maria Santos (y = yes, n = no, ? = unknown)" in result.stdout
    assert "Budget: can and will they spend money? [y/n/?] [?]:" in result.stdout
    assert result.stdout.count("Authority: do they make the decision themselves?") == 2
    assert "BANT answer must be yes, no or unknown, not 'perhaps'" in result.stderr
    assert query("SELECT budget, authority, need, timeline FROM lead WHERE id = 1") == [
        ("yes", "no", "yes", "unknown")
    ]
    assert result.stdout.endswith(
        "#1  Maria Santos: warm, score 50\n"
        "why: warm: 'yes' on budget, need; hot needs need, budget and timeline\n"
    )


@pytest.mark.usefixtures("leads")
def test_qualify_unknown_and_ambiguous_leads(cli: Run) -> None:
    assert cli("qualify", "zed", "-B", "y").exit_code == 3
    ambiguous = cli("qualify", "an", "-B", "y")
    assert ambiguous.exit_code == 2
    assert "  #1  Maria Santos\n" in ambiguous.stderr
    assert "  #2  Nguyễn Văn An\n" in ambiguous.stderr


# --- move -------------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_move_records_history(cli: Run, query: Any) -> None:
    result = cli("move", "maria", "Contacted")
    assert (result.exit_code, result.stdout) == (0, "#1  Maria Santos: new -> contacted\n")
    again = cli("move", "maria", "contacted")
    assert again.stdout == "#1  Maria Santos is already in contacted\n"
    assert history(query, 1) == [(None, "new", None), ("new", "contacted", None)]


@pytest.mark.usefixtures("leads")
def test_lost_needs_a_reason(cli: Run, query: Any) -> None:
    refused = cli("move", "maria", "lost")
    assert refused.exit_code == 2
    assert refused.stderr == "error: moving to lost needs a reason (--reason)\n"
    assert stage_of(query, 1) == "new"
    result = cli("move", "maria", "lost", "--reason", "price")
    assert result.stdout == "#1  Maria Santos: new -> lost  (price)\n"
    assert query("SELECT lost_reason FROM lead WHERE id = 1") == [("price",)]


@pytest.mark.usefixtures("leads")
def test_not_now_needs_a_followup_date_and_creates_it(cli: Run, query: Any) -> None:
    refused = cli("move", "maria", "not-now")
    assert refused.exit_code == 2
    assert refused.stderr == "error: moving to not-now needs a follow-up date (--followup)\n"
    assert query("SELECT count(*) FROM follow_up") == [(0,)]
    result = cli("move", "maria", "not-now", "-f", "jan 8", "--followup-text", "after holidays")
    assert lines(result.stdout) == [
        "#1  Maria Santos: new -> not-now",
        "follow-up on 2027-01-08",
    ]
    assert query("SELECT lead_id, due, text, done_at FROM follow_up") == [
        (1, "2027-01-08", "after holidays", None)
    ]


@pytest.mark.usefixtures("leads")
def test_lost_closes_follow_ups_and_a_new_not_now_date_moves_the_follow_up(
    cli: Run, query: Any
) -> None:
    assert cli("move", "maria", "not-now", "-f", "jan 8", "-r", "after the holidays").exit_code == 0
    assert cli("followup", "add", "maria", "+1w", "send", "the", "card").exit_code == 0
    again = cli("move", "maria", "not-now", "-f", "+2w")
    assert lines(again.stdout) == [
        "#1  Maria Santos is already in not-now",
        "follow-up on 2026-12-08 (moved from 2027-01-08)",
    ]
    lost = cli("move", "maria", "lost", "-r", "price")
    assert lines(lost.stdout) == [
        "#1  Maria Santos: not-now -> lost  (price)",
        "closed 2 open follow-ups",
    ]
    assert query("SELECT due, text, done_at IS NOT NULL FROM follow_up ORDER BY id") == [
        ("2026-12-08", "follow up (not-now): after the holidays", 1),
        ("2026-12-01", "send the card", 1),
    ]


@pytest.mark.usefixtures("leads")
def test_move_asks_for_what_the_stage_needs_on_a_terminal(
    cli: Run, query: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_cli, "is_tty", lambda: True)
    result = cli("move", "maria", "not-now", input="someday\n+2w\n")
    assert result.exit_code == 0, result.stderr
    assert "error" not in result.stdout
    assert "not a date: 'someday'" in result.stderr
    assert query("SELECT due FROM follow_up") == [("2026-12-08",)]
    lost = cli("move", "nguyen", "lost", input="too far away\n")
    assert lost.stdout.endswith("#2  Nguyễn Văn An: new -> lost  (too far away)\n")


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["maria", "nowhere"], 3, "error: no stage 'nowhere' (stages: new, qualified, contacted,"),
        (["zed", "won"], 3, "error: no lead matches 'zed'"),
        (["maria", "not-now", "-f", "31/02"], 2, "error: not a real date: '31/02'"),
        (["maria", "not-now", "-f", "soon"], 2, "error: not a date: 'soon'"),
    ],
)
def test_move_bad_input(cli: Run, query: Any, args: list[str], code: int, message: str) -> None:
    result = cli("move", *args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert stage_of(query, 1) == "new"


# --- stages -------------------------------------------------------------------------------


@pytest.mark.usefixtures("leads")
def test_stages_list_text_and_json(cli: Run, cli_json: Run) -> None:
    out = lines(cli("stages", "list").stdout)
    assert out[0].split() == ["#", "stage", "kind", "leads", "needs", "retired"]
    assert out[2].split() == ["1", "new", "open", "2"]
    assert out[7].split() == ["6", "lost", "lost", "0", "reason"]
    assert out[8].split() == ["7", "not-now", "parked", "0", "follow-up"]
    data = cli_json("stages", "list", "--json")
    assert [s["name"] for s in data] == [
        "new",
        "qualified",
        "contacted",
        "nurturing",
        "won",
        "lost",
        "not-now",
        "cold",
    ]
    assert data[0] == {
        "position": 1,
        "name": "new",
        "kind": "open",
        "leads": 2,
        "retired": False,
        "requires_reason": False,
        "requires_followup": False,
    }


@pytest.mark.usefixtures("leads")
def test_stages_add_rename_reorder_retire_restore(cli: Run, cli_json: Run) -> None:
    added = cli("stages", "add", "demo", "--before", "won", "--requires-reason")
    assert added.stdout == "added stage demo (open) at position 5\n"
    assert cli("stages", "add", "meeting").stdout == "added stage meeting (open) at position 6\n"
    assert cli("stages", "rename", "demo", "Démo").stdout == "renamed stage demo to Démo\n"
    reordered = cli("stages", "reorder", "démo", "2")
    assert reordered.stdout.startswith("1. new  2. Démo  3. qualified")
    assert cli("stages", "retire", "meeting").stdout == "retired stage meeting\n"
    names = [s["name"] for s in cli_json("stages", "list", "--json")]
    assert names[:3] == ["new", "Démo", "qualified"]
    assert "meeting" not in names
    every = cli_json("stages", "list", "--all", "--json")
    assert [(s["name"], s["retired"]) for s in every if s["name"] == "meeting"] == [
        ("meeting", True)
    ]
    assert cli("stages", "restore", "meeting").stdout == "restored stage meeting\n"
    demo = next(s for s in cli_json("stages", "list", "--json") if s["name"] == "Démo")
    assert demo["requires_reason"] is True


@pytest.mark.usefixtures("leads")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "Won"], 4, "error: there is already a stage named 'won'"),
        (["add", "demo", "--kind", "maybe"], 2, "error: stage kind must be one of open, won,"),
        (["add", "42"], 2, "error: a stage name cannot be only digits"),
        (["rename", "nowhere", "x"], 3, "error: no stage 'nowhere'"),
        (["reorder", "won", "99"], 2, "error: position must be between 1 and 8"),
        (["retire", "new"], 4, "error: stage 'new' still has 2 lead(s); move them"),
        (["restore", "won"], 3, "error: stage 'won' is not retired"),
    ],
)
def test_stages_refusals(cli: Run, cli_json: Run, args: list[str], code: int, message: str) -> None:
    before = cli_json("stages", "list", "--all", "--json")
    result = cli("stages", *args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert cli_json("stages", "list", "--all", "--json") == before


# --- where -------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_where_before_and_after_the_database_exists(cli: Run, db_path: Path) -> None:
    result = cli("where")
    assert result.exit_code == 0
    assert lines(result.stdout) == [
        str(db_path.resolve()),
        "not created yet; the first command creates it (from PROSPECTR_DB)",
    ]
    assert not db_path.exists()
    cli("add", "Maria")
    assert lines(cli("where").stdout)[1] == "exists (from PROSPECTR_DB)"


def test_where_with_db_option_and_server_url(cli: Run, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert lines(cli("--db", str(other), "where").stdout) == [
        str(other.resolve()),
        "not created yet; the first command creates it (from --db)",
    ]
    server = cli("--db", "postgresql://me:s3cret@db.example/leads", "where")
    assert lines(server.stdout) == [
        "postgresql://me:***@db.example/leads",
        "server or in-memory database (from --db)",
    ]


def test_a_new_not_now_date_moves_the_follow_up_after_a_custom_text_or_a_rename(
    cli: Run, query: Any
) -> None:
    cli("add", "Ana Cruz")
    cli("add", "Ben Ong")
    first = cli("move", "ana", "not-now", "-f", "+1w", "--followup-text", "after the holidays")
    assert first.exit_code == 0
    again = cli("move", "ana", "not-now", "-f", "+2w")
    assert lines(again.stdout)[-1] == "follow-up on 2026-12-08 (moved from 2026-12-01)"
    assert cli("move", "ben", "not-now", "-f", "+1w").exit_code == 0
    assert cli("stages", "rename", "not-now", "later").exit_code == 0
    renamed = cli("move", "ben", "later", "-f", "+2w")
    assert lines(renamed.stdout)[-1] == "follow-up on 2026-12-08 (moved from 2026-12-01)"
    assert query("SELECT lead_id, due, text FROM follow_up WHERE done_at IS NULL ORDER BY id") == [
        (1, "2026-12-08", "after the holidays"),
        (2, "2026-12-08", "follow up (not-now)"),
    ]

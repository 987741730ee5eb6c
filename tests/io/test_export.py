"""``prospectr export``: CSV (with the formula guard), JSON, vCard 3.0, iCalendar; round trips."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import text as sa_text
from sqlmodel import Session, col, select

from prospectr.db import open_database, session_scope
from prospectr.domain import add_followup, add_lead, complete_followup, move_lead, resolve_stage
from prospectr.domain.exporter import iter_export
from prospectr.domain.search import LeadQuery
from prospectr.errors import InvalidInput
from prospectr.models import Lead
from tests.conftest import NOW, TODAY
from tests.io.conftest import run_import, stored


def _seed(s: Session) -> None:
    maria = add_lead(
        s,
        now=NOW,
        name="Maria Santos",
        email="maria@example.com",
        phone="+63 917 123 4567",
        company="Cakes by Maria",
        title="Owner",
        city="Quezon City",
        country="Philippines",
        source="referral",
        tags=["fair-2026", "vip"],
        birthday="03-15",
        custom={"size": "=SUM(A1:A9)", "note, with comma": "x; y"},
        given_name="Maria",
        family_name="Santos",
    )
    add_followup(s, maria, due=date(2026, 12, 1), now=NOW, text="call about cakes")
    done = add_followup(s, maria, due=date(2026, 11, 20), now=NOW, text="old")
    complete_followup(s, done, now=NOW)
    an = add_lead(
        s,
        now=NOW,
        name="Văn An Nguyễn",
        email="an@example.vn",
        birthday="1990-05-17",
        city="Hà Nội",
        tags=["phone"],
    )
    move_lead(s, an, resolve_stage(s, "qualified"), now=NOW)
    add_lead(s, now=NOW, company="Bakery Supplies Inc.", phone="-2 8700 1234")
    add_lead(s, now=NOW, name='=HYPERLINK("http://x")', email="evil@example.com")
    add_lead(s, now=NOW, name="@Leap Day", birthday="1992-02-29", source="event")


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        _seed(s)
    return engine


def export(engine: Engine, fmt: str, **query: Any) -> str:
    with session_scope(engine, write=False) as s:
        alarm = query.pop("alarm_days", 3)
        chunks = iter_export(s, LeadQuery(**query), fmt, today=TODAY, now=NOW, alarm_days=alarm)
        return "".join(chunks)


def test_csv_neutralises_formula_cells(seeded: Engine) -> None:
    rows = list(csv.reader(io.StringIO(export(seeded, "csv"))))
    header = rows[0]
    assert header[:14] == [
        "id", "name", "given_name", "family_name", "email", "phone", "company", "title",
        "city", "country", "source", "tags", "birthday", "stage",
    ]  # fmt: skip
    assert header[-2:] == ["custom.note, with comma", "custom.size"]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(by_name) == [
        '\'=HYPERLINK("http://x")',
        "'@Leap Day",
        "",
        "Maria Santos",
        "Văn An Nguyễn",
    ]
    maria = by_name["Maria Santos"]
    assert maria["phone"] == "'+63 917 123 4567"
    assert maria["birthday"] == "'--03-15"
    assert maria["custom.size"] == "'=SUM(A1:A9)"
    assert maria["custom.note, with comma"] == "x; y"
    assert maria["tags"] == "fair-2026, vip"
    assert maria["next_followup"] == "2026-12-01"
    assert by_name[""]["phone"] == "'-2 8700 1234"
    assert by_name["Văn An Nguyễn"]["stage"] == "qualified"
    for row in rows[1:]:
        assert not any(cell[:1] in "=+-@" for cell in row if cell)


def test_export_uses_the_list_filters(seeded: Engine) -> None:
    names = [r[1] for r in csv.reader(io.StringIO(export(seeded, "csv", tag="vip")))][1:]
    assert names == ["Maria Santos"]
    names = [r[1] for r in csv.reader(io.StringIO(export(seeded, "csv", stage="qualified")))][1:]
    assert names == ["Văn An Nguyễn"]
    assert json.loads(export(seeded, "json", text="nguyen"))[0]["email"] == "an@example.vn"
    assert json.loads(export(seeded, "json", source="nobody")) == []


def test_json_shape(seeded: Engine) -> None:
    data = json.loads(export(seeded, "json", text="maria"))
    assert len(data) == 1
    assert {k: data[0][k] for k in ("name", "phone", "tags", "birthday", "stage", "custom")} == {
        "name": "Maria Santos",
        "phone": "+63 917 123 4567",
        "tags": ["fair-2026", "vip"],
        "birthday": "--03-15",
        "stage": "new",
        "custom": {"note, with comma": "x; y", "size": "=SUM(A1:A9)"},
    }
    assert data[0]["bant"] == {
        "budget": "unknown",
        "authority": "unknown",
        "need": "unknown",
        "timeline": "unknown",
    }


def test_vcard_30(seeded: Engine) -> None:
    import vobject  # type: ignore[import-untyped]

    cards = {c.fn.value: c for c in vobject.readComponents(export(seeded, "vcf"))}
    maria = cards["Maria Santos"]
    assert maria.version.value == "3.0"
    assert maria.bday.value == "--03-15"
    assert maria.tel.value == "+63 917 123 4567"
    assert maria.email.value == "maria@example.com"
    assert maria.org.value == ["Cakes by Maria"]
    assert maria.categories.value == ["fair-2026", "vip"]
    assert cards["Văn An Nguyễn"].bday.value == "1990-05-17"
    assert cards["Bakery Supplies Inc."].x_abshowas.value == "COMPANY"


def _events(text: str) -> dict[str, Any]:
    from icalendar import Calendar

    cal = Calendar.from_ical(text)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_ics_birthdays_and_open_followups(seeded: Engine) -> None:
    events = _events(export(seeded, "ics"))
    birthdays = {uid: e for uid, e in events.items() if "birthday" in uid}
    followups = {uid: e for uid, e in events.items() if "followup" in uid}
    assert len(birthdays) == 3
    assert len(followups) == 1  # the done one is not exported
    maria = next(e for e in birthdays.values() if "Maria" in str(e["SUMMARY"]))
    assert str(maria["SUMMARY"]) == "Birthday: Maria Santos"
    assert maria.decoded("DTSTART") == date(2026, 3, 15)
    assert maria.decoded("DTEND") == date(2026, 3, 16)
    assert maria["RRULE"].to_ical() == b"FREQ=YEARLY"
    alarm = maria.subcomponents[0]
    assert alarm["ACTION"] == "DISPLAY"
    # Three days before, at 09:00.
    assert alarm.decoded("TRIGGER") == timedelta(days=-3, hours=9)
    an = next(e for e in birthdays.values() if "Nguyễn" in str(e["SUMMARY"]))
    assert an.decoded("DTSTART") == date(1990, 5, 17)
    leap = next(e for e in birthdays.values() if "Leap" in str(e["SUMMARY"]))
    assert leap.decoded("DTSTART") == date(1992, 2, 29)
    assert leap["RRULE"].to_ical() == b"FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2"
    (followup,) = followups.values()
    assert str(followup["SUMMARY"]) == "Follow up: Maria Santos: call about cakes"
    assert followup.decoded("DTSTART") == date(2026, 12, 1)


def test_ics_alarm_days(seeded: Engine) -> None:
    events = _events(export(seeded, "ics", alarm_days=7))
    alarms = [e.subcomponents[0].decoded("TRIGGER") for u, e in events.items() if "birthday" in u]
    assert alarms == [timedelta(days=-7, hours=9)] * 3
    with pytest.raises(InvalidInput, match="--alarm-days must be between 0 and 60"):
        export(seeded, "ics", alarm_days=-1)


@pytest.fixture
def empty_engine() -> Iterator[Engine]:
    eng = open_database("sqlite://")
    yield eng
    eng.dispose()


def _comparable(engine: Engine) -> dict[str, dict[str, Any]]:
    return {
        name: {k: v for k, v in lead.items() if k not in ("id", "notes")}
        for name, lead in stored(engine).items()
    }


@pytest.mark.parametrize("fmt", ["vcf", "csv", "json"])
def test_round_trip(seeded: Engine, empty_engine: Engine, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"leads.{fmt}"
    path.write_text(export(seeded, fmt), encoding="utf-8")
    report = run_import(empty_engine, path)
    assert [r.reason for r in report.rejects] == []
    assert (report.imported, report.rejected, report.skipped) == (5, 0, 0)
    assert report.unmapped == []
    assert _comparable(empty_engine) == _comparable(seeded)


def _stage_state(engine: Engine) -> list[tuple[Any, ...]]:
    """Each lead's stage, lost reason and open follow-up dates (what the stage rules keep)."""
    with session_scope(engine, write=False) as s:
        rows = s.execute(
            sa_text(
                "SELECT lead.id, lead.name, stage.name, lead.lost_reason"
                " FROM lead JOIN stage ON stage.id = lead.stage_id ORDER BY lead.name"
            )
        ).all()
        dues = s.execute(
            sa_text("SELECT lead_id, due FROM follow_up WHERE done_at IS NULL ORDER BY due")
        ).all()
    out = []
    for lead_id, name, stage, reason in rows:
        days = [str(due)[:10] for owner, due in dues if owner == lead_id]
        out.append((name, stage, reason, ",".join(days) or None))
    return out


@pytest.mark.parametrize("fmt", ["vcf", "csv", "json"])
def test_round_trip_keeps_lost_reasons_and_follow_ups(
    engine: Engine, empty_engine: Engine, tmp_path: Path, fmt: str
) -> None:
    with session_scope(engine) as s:
        gone = add_lead(s, now=NOW, name="Said No", email="no@example.com")
        move_lead(s, gone, resolve_stage(s, "lost"), now=NOW, reason="price")
        later = add_lead(s, now=NOW, name="After Tết", phone="+84 90 123 4567")
        not_now = resolve_stage(s, "not-now")
        move_lead(s, later, not_now, now=NOW, followup_due=date(2027, 1, 8), reason="holidays")
        add_lead(s, now=NOW, name="Plain")
        back = add_lead(s, now=NOW, name="Came Back")
        move_lead(s, back, resolve_stage(s, "lost"), now=NOW, reason="timing")
        move_lead(s, back, resolve_stage(s, "contacted"), now=NOW)
    exported = {lead["name"]: lead["lost_reason"] for lead in json.loads(export(engine, "json"))}
    assert exported["Came Back"] is None  # lost once, not now
    assert exported["Said No"] == "price"
    with session_scope(engine) as s:
        s.delete(s.exec(select(Lead).where(col(Lead.name) == "Came Back")).one())
    before = _stage_state(engine)
    assert before == [
        ("After Tết", "not-now", None, "2027-01-08"),
        ("Plain", "new", None, None),
        ("Said No", "lost", "price", None),
    ]
    path = tmp_path / f"leads.{fmt}"
    path.write_text(export(engine, fmt), encoding="utf-8")
    report = run_import(empty_engine, path)
    assert (report.imported, report.rejected, report.row_warnings) == (3, 0, [])
    assert _stage_state(empty_engine) == before


def test_import_warns_of_a_stage_that_needs_a_follow_up_date(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "stages.csv"
    path.write_text(
        "name,email,stage,next followup,lost reason\n"
        "Later,later@example.com,not-now,,\n"
        "Soon,,not-now,2027-02-30,\n"
        "Gone,,lost,,too far\n"
        "Open,,new,2026-12-01,ignored: not lost\n"
        "Again,LATER@example.com,not-now,,\n"
        "Unsure,,not-now,03/04/2027,\n"
        "Sure,,not-now,25/04/2027,\n",
        encoding="utf-8",
    )
    report = run_import(empty_engine, path)
    assert (report.imported, report.skipped) == (6, 1)
    needs = (
        "stage not-now without a follow-up date: the lead will not come back on the today"
        " screen (add one with 'prospectr followup add')"
    )
    # The duplicate on line 6 moves nothing, so it has nothing to warn of.
    assert report.row_warnings == [
        (2, needs),
        (3, "follow-up date ignored: not a real date: '2027-02-30'"),
        (3, needs),
        (
            7,
            "follow-up date '03/04/2027' is ambiguous (day/month order unknown): ignored;"
            " write it as YYYY-MM-DD",
        ),
        (7, needs),
    ]
    assert _stage_state(empty_engine) == [
        ("Gone", "lost", "too far", None),
        ("Later", "not-now", None, None),
        ("Open", "new", None, "2026-12-01"),
        ("Soon", "not-now", None, None),
        ("Sure", "not-now", None, "2027-04-25"),
        ("Unsure", "not-now", None, None),
    ]


def test_cli_export_to_stdout_and_file(
    cli: Callable[..., Any], tmp_path: Path, db_path: Path
) -> None:
    cli("add", "Maria Santos", "-b", "03-15", "-e", "maria@example.com")
    result = cli("export", "--format", "ics")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"SUMMARY:Birthday: Maria Santos\r\n" in result.stdout_bytes
    target = tmp_path / "out.vcf"
    assert cli("export", "-o", str(target)).exit_code == 0
    assert "FN:Maria Santos" in target.read_text(encoding="utf-8")
    bad = cli("export", "--format", "xls")
    assert (bad.exit_code, bad.stderr) == (
        2,
        "error: format must be one of csv, json, vcf, ics, not 'xls'\n",
    )
    assert result.stderr == ""  # a calendar with an event: nothing to warn of


def test_an_empty_export_is_written_with_a_warning(cli: Callable[..., Any], tmp_path: Path) -> None:
    cli("add", "Нина Петрова", "-t", "fair")
    calendar = tmp_path / "leads.ics"
    result = cli("export", "--format", "ics", "-o", str(calendar))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "warning: the calendar has no events (no birthday or open follow-up among 1 lead)\n"
    )
    assert calendar.read_bytes().count(b"BEGIN:VEVENT") == 0
    assert calendar.read_bytes().endswith(b"END:VCALENDAR\r\n")
    none = cli("export", "--format", "csv", "--tag", "nope")
    assert (none.exit_code, none.stderr) == (0, "warning: no lead matched: the export holds none\n")
    assert none.stdout.count("\n") == 1  # the header alone
    assert cli("export", "--format", "json", "--tag", "fair").stderr == ""


def test_export_and_rejects_files_are_owner_only(cli: Callable[..., Any], tmp_path: Path) -> None:
    """Exports and rejects hold personal data: 0600 like the database, even over a 0644 file."""
    import stat

    source = tmp_path / "in.csv"
    source.write_text("Name,Email\nAnn,ann@example.com\nBo,not-an-email\n", encoding="utf-8")
    rejects = tmp_path / "in.rejects.csv"
    rejects.write_text("line,reason,Name,Email\n", encoding="utf-8")  # an earlier run's
    rejects.chmod(0o644)
    assert cli("import", str(source)).exit_code == 0
    out = tmp_path / "leads.vcf"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o644)
    assert cli("export", "--format", "vcf", "-o", str(out)).exit_code == 0
    for path in (rejects, out):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "Ann" in out.read_text(encoding="utf-8")
    assert "not-an-email" in rejects.read_text(encoding="utf-8-sig")


def test_cli_export_takes_the_options_of_list(cli: Callable[..., Any]) -> None:
    cli("add", "Maria Santos", "-s", "referral", "--city", "Cebu")
    cli("add", "Mario Rossi", "-s", "referral")
    cli("add", "Ana Reyes", "-s", "event", "--city", "Cebu")
    cli("move", "Ana Reyes", "qualified")
    args = ("-S", "new", "--temp", "unknown", "-s", "referral", "-q", "mar", "--sort", "name")
    listed = cli("list", *args, "--desc", "--json")
    exported = cli("export", *args, "--desc", "--format", "json")
    assert listed.exit_code == exported.exit_code == 0
    names = [lead["name"] for lead in json.loads(listed.stdout)["leads"]]
    assert names == ["Mario Rossi", "Maria Santos"]
    assert [lead["name"] for lead in json.loads(exported.stdout)] == names
    words = cli("export", "cebu", "-q", "ana", "--format", "json")
    assert [lead["name"] for lead in json.loads(words.stdout)] == ["Ana Reyes"]

"""Export of odd data: hostile names, a company alone, escapes that round-trip, chunk edges."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from prospectr.db import open_database, session_scope
from prospectr.domain import add_followup, add_lead
from prospectr.domain import exporter as exporter_module
from prospectr.domain.exporter import ExportedLead, iter_export, json_object
from prospectr.domain.search import LeadQuery
from tests.conftest import NOW, TODAY
from tests.io.conftest import run_import, stored
from tests.io.test_export_cards import lead

# Rich markup is plain text in every format; ESC and C1 controls never reach the output
# (JSON keeps them as \u escapes, so the data survives).
HOSTILE = "[bold red]Boss[/] \x1b[31mRed\x1b[0m \x9b6n"
SHOWN = "[bold red]Boss[/] [31mRed[0m 6n"


def export(engine: Engine, fmt: str, **query: Any) -> str:
    with session_scope(engine, write=False) as s:
        return "".join(iter_export(s, LeadQuery(**query), fmt, today=TODAY, now=NOW))


@pytest.fixture
def hostile(engine: Engine) -> int:
    """One lead whose stored name holds markup and terminal escapes (written behind
    prospectr's back: capture would have removed the escapes)."""
    with session_scope(engine) as s:
        item = add_lead(s, now=NOW, name="Placeholder", birthday="03-15", tags=["[b]x[/b]"])
        assert item.id is not None
        s.execute(text("UPDATE lead SET name = :n WHERE id = :i"), {"n": HOSTILE, "i": item.id})
        return item.id


def test_hostile_name_in_vcard(engine: Engine, hostile: int) -> None:
    assert export(engine, "vcf") == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        f"UID:prospectr-lead-{hostile}\r\n"
        "BDAY:--03-15\r\n"
        "CATEGORIES:[b]x[/b]\r\n"
        f"FN:{SHOWN}\r\n"
        f"N:;{SHOWN};;;\r\n"
        "X-PROSPECTR-STAGE:new\r\n"
        "END:VCARD\r\n"
    )


def test_hostile_name_in_csv_json_and_ics(engine: Engine, hostile: int) -> None:
    rows = list(csv.reader(io.StringIO(export(engine, "csv"))))
    assert rows[1][:2] == [str(hostile), SHOWN]
    raw = export(engine, "json")
    assert '"name": "[bold red]Boss[/] \\u001b[31mRed\\u001b[0m \\u009b6n",' in raw
    assert json.loads(raw)[0]["name"] == HOSTILE
    assert f"SUMMARY:Birthday: {SHOWN}\r\n" in export(engine, "ics")


def test_a_line_separator_in_a_name_keeps_the_json_valid(engine: Engine) -> None:
    with session_scope(engine) as s:
        item = add_lead(s, now=NOW, name="Ann Lee")
        s.execute(
            text("UPDATE lead SET name = :n WHERE id = :i"), {"n": "Ann\u2028Lee", "i": item.id}
        )
    raw = export(engine, "json")
    assert '"name": "Ann\\u2028Lee",' in raw
    assert json.loads(raw)[0]["name"] == "Ann\u2028Lee"


def test_a_company_alone_in_every_format(engine: Engine) -> None:
    with session_scope(engine) as s:
        item = add_lead(s, now=NOW, company="Bakery Supplies, Inc.", phone="-2 8700 1234")
        lead_id = item.id
    assert export(engine, "vcf") == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        f"UID:prospectr-lead-{lead_id}\r\n"
        "FN:Bakery Supplies\\, Inc.\r\n"
        "N:;;;;\r\n"
        "ORG:Bakery Supplies\\, Inc.\r\n"
        "TEL:-2 8700 1234\r\n"
        "X-ABSHOWAS:COMPANY\r\n"
        "X-PROSPECTR-STAGE:new\r\n"
        "END:VCARD\r\n"
    )
    rows = list(csv.reader(io.StringIO(export(engine, "csv"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["name"], row["company"], row["phone"]) == (
        "",
        "Bakery Supplies, Inc.",
        "'-2 8700 1234",
    )
    (data,) = json.loads(export(engine, "json"))
    assert (data["name"], data["company"], data["phone"]) == (
        "",
        "Bakery Supplies, Inc.",
        "-2 8700 1234",
    )
    assert export(engine, "ics") == (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//prospectr//leads//EN\r\n"
        "CALSCALE:GREGORIAN\r\nX-WR-CALNAME:prospectr\r\nEND:VCALENDAR\r\n"
    )


def _odd_leads(engine: Engine) -> None:
    with session_scope(engine) as s:
        add_lead(
            s,
            now=NOW,
            name="Smith, John; \\JJ\\",
            given_name="John",
            family_name="Smith, Jr.",
            email="jj@example.com",
            company="A;B\\C, Ltd",
            title="Head, Sales; North",
            city="Hà Nội",
            country="Việt Nam",
            source="trade fair",
            tags=["fair, 2026", "vip"],
            birthday="1992-02-29",
            custom={"size": "=SUM(A1:A9)", "note, x": "a; b\\c"},
        )
        add_lead(
            s,
            now=NOW,
            company="Công ty TNHH Thương mại và Dịch vụ Xuất Nhập khẩu Bánh kẹo Hà Nội",
            phone="+84 24 3826 1234",
            birthday="--12-31",
        )
        add_lead(s, now=NOW, name="美玲 王 " * 6, email="meiling@example.cn", tags=["東京"])


def _comparable(engine: Engine) -> dict[str, dict[str, Any]]:
    return {
        name: {k: v for k, v in data.items() if k not in ("id", "notes")}
        for name, data in stored(engine).items()
    }


@pytest.mark.parametrize("fmt", ["vcf", "csv", "json"])
def test_escaped_and_folded_values_round_trip(engine: Engine, tmp_path: Path, fmt: str) -> None:
    _odd_leads(engine)
    path = tmp_path / f"leads.{fmt}"
    path.write_text(export(engine, fmt), encoding="utf-8", newline="")
    if fmt == "vcf":
        lines = path.read_bytes().split(b"\r\n")
        assert max(len(line) for line in lines) <= 75
        assert any(line.startswith(b" ") for line in lines)  # something was folded
    target = open_database("sqlite://")
    try:
        report = run_import(target, path)
        assert [r.reason for r in report.rejects] == []
        assert (report.imported, report.rejected, report.skipped) == (3, 0, 0)
        assert _comparable(target) == _comparable(engine)
    finally:
        target.dispose()


def test_chunk_edges_do_not_mix_leads(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(engine) as s:
        for i in range(7):
            item = add_lead(s, now=NOW, name=f"Lead {i}", tags=[f"t{i}", "all"], birthday="05-17")
            for day in range(i % 3):
                add_followup(s, item, due=date(2026, 12, 1 + day), now=NOW, text=f"call {i}")
    whole = {fmt: export(engine, fmt) for fmt in ("csv", "json", "vcf", "ics")}
    monkeypatch.setattr(exporter_module, "_CHUNK", 2)
    assert {fmt: export(engine, fmt) for fmt in whole} == whole
    assert "CATEGORIES:all,t6\r\n" in whole["vcf"]
    assert whole["ics"].count("SUMMARY:Follow up: Lead 5: call 5\r\n") == 2


def _json_dumps_layout(item: ExportedLead) -> str:
    body = json.dumps(item.as_dict(), ensure_ascii=False, indent=2)
    return "\n".join("  " + line for line in body.split("\n"))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"name": "Ann", "tags": ["a", "b"], "custom": {"k": "v"}, "bday_month": 3, "bday_day": 15},
        {
            "name": 'Quote " and \\ backslash\ttab',
            "email": "x@example.com",
            "custom": {"n": 1, "f": 1.5, "b": True, "none": None, "nested": {"l": [1, "é", {}]}},
            "last_contact_at": datetime(2026, 11, 20, 9, 30, 15),
            "next_followup": date(2026, 12, 1),
            "do_not_contact": True,
            "budget": "yes",
            "need": "yes",
            "timeline": "yes",
        },
    ],
)
def test_json_object_is_the_json_dumps_layout(values: dict[str, Any]) -> None:
    item = lead(**values)
    assert json_object(item) == _json_dumps_layout(item)


def test_a_name_captured_whole_fills_the_vcard_n_and_reads_back_without_parts(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Lê Thị Thảo", email="thao@example.vn")
        add_lead(s, now=NOW, name="Ana Reyes", given_name="Ana", family_name="Reyes")
    text = export(engine, "vcf")
    assert "FN:Lê Thị Thảo\r\nN:;Lê Thị Thảo;;;\r\n" in text  # phones show N, not FN
    assert "FN:Ana Reyes\r\nN:Reyes;Ana;;;\r\n" in text
    path = tmp_path / "leads.vcf"
    path.write_text(text, encoding="utf-8")
    empty = open_database("sqlite://")
    run_import(empty, path)
    leads = stored(empty)
    empty.dispose()
    thao, ana = leads["Lê Thị Thảo"], leads["Ana Reyes"]
    assert (thao["given_name"], thao["family_name"]) == (None, None)
    assert (ana["given_name"], ana["family_name"]) == ("Ana", "Reyes")

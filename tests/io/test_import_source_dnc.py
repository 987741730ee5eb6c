"""``--source`` never replaces a lead's source; do-not-contact survives export and import.

``--source`` is the channel of the leads an import brings in: the source of new
leads, and only a filler of an empty source on existing ones. A ``source``
column follows ``--on-duplicate`` like any other field. ``do_not_contact``
travels in CSV, JSON and vCard exports and comes back on import; an import may
set it on an existing lead but never clears it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from prospectr.db import open_database, session_scope
from prospectr.domain import add_lead
from prospectr.domain.exporter import iter_export
from prospectr.domain.import_batches import undo_import
from prospectr.domain.import_report import ImportReport
from prospectr.domain.search import LeadQuery
from prospectr.domain.text import yes_no
from prospectr.errors import InvalidInput
from tests.conftest import NOW, TODAY
from tests.io.conftest import run_import, table_dump

COUNTS = ("records", "imported", "merged", "updated", "unchanged", "skipped", "rejected")


def _counts(report: ImportReport) -> dict[str, int]:
    return {key: getattr(report, key) for key in COUNTS}


def _changed(mode: str, n: int) -> dict[str, int]:
    """The count of changed duplicates under its mode's name (the other is 0)."""
    return {"merged": n if mode == "merge" else 0, "updated": n if mode == "update" else 0}


def _leads(engine: Engine) -> dict[str, tuple[str | None, bool, str | None]]:
    """Every lead's (source, do_not_contact, city) by name."""
    with Session(engine) as s:
        rows = s.execute(
            text("SELECT name, source, do_not_contact, city FROM lead ORDER BY id")
        ).all()
    return {name: (source, bool(dnc), city) for name, source, dnc, city in rows}


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _undo(engine: Engine, batch_id: int | None) -> None:
    assert batch_id is not None
    with session_scope(engine) as s:
        undo_import(s, batch_id, now=NOW)


# --- --source ---------------------------------------------------------------------

WEBFORM = (
    "Name,Email,City\n"
    "Ref Person,ref@x.com,\n"  # 2: a referral already in the database
    "No Source,nos@x.com,\n"  # 3: in the database without a source
    "New Web,new@x.com,\n"  # 4: new
    "New Web,new@x.com,Cebu\n"  # 5: repeats line 4 with a city
)


def _seed_sources(engine: Engine) -> None:
    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Ref Person", email="ref@x.com", source="referral")
        add_lead(s, now=NOW, name="No Source", email="nos@x.com")


@pytest.mark.parametrize("mode", ["update", "merge"])
def test_source_option_fills_an_empty_source_and_never_replaces_one(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    _seed_sources(engine)
    before = table_dump(engine)
    path = _write(tmp_path, "webform.csv", WEBFORM)
    report = run_import(engine, path, source="Website", on_duplicate=mode)
    assert _counts(report) == {
        "records": 4,
        "imported": 1,
        **_changed(mode, 2),  # lines 3 (source filled) and 5 (city)
        "unchanged": 1,  # line 2: the referral keeps its source
        "skipped": 0,
        "rejected": 0,
    }
    assert report.unchanged_rows == [(2, "duplicate of lead #1 (email ref@x.com): no change")]
    assert _leads(engine) == {
        "Ref Person": ("referral", False, None),
        "No Source": ("website", False, None),
        "New Web": ("website", False, "Cebu"),
    }
    _undo(engine, report.batch_id)
    assert table_dump(engine) == before


@pytest.mark.parametrize("mode", ["update", "merge"])
def test_dry_run_counts_the_source_rule_as_the_import_does(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    _seed_sources(engine)
    path = _write(tmp_path, "webform.csv", WEBFORM)
    before = table_dump(engine)
    dry = run_import(engine, path, source="website", on_duplicate=mode, dry_run=True)
    assert table_dump(engine) == before
    real = run_import(engine, path, source="website", on_duplicate=mode)
    assert _counts(dry) == _counts(real)
    assert (
        dry.unchanged_rows
        == real.unchanged_rows
        == [(2, "duplicate of lead #1 (email ref@x.com): no change")]
    )


@pytest.mark.parametrize(("mode", "ref_source"), [("update", "facebook"), ("merge", "referral")])
def test_a_source_column_follows_the_mode(
    engine: Engine, tmp_path: Path, mode: str, ref_source: str
) -> None:
    _seed_sources(engine)
    before = table_dump(engine)
    path = _write(
        tmp_path,
        "crm.csv",
        "Name,Email,Lead Source\n"
        "Ref Person,ref@x.com,Facebook\n"
        "No Source,nos@x.com,Event\n"
        "New Web,new@x.com,Flyer\n",
    )
    report = run_import(engine, path, on_duplicate=mode)
    changed = 2 if mode == "update" else 1  # merge: the referral is already filled
    assert _counts(report) == {
        "records": 3,
        "imported": 1,
        **_changed(mode, changed),
        "unchanged": 2 - changed,
        "skipped": 0,
        "rejected": 0,
    }
    assert _leads(engine) == {
        "Ref Person": (ref_source, False, None),
        "No Source": ("event", False, None),
        "New Web": ("flyer", False, None),
    }
    _undo(engine, report.batch_id)
    assert table_dump(engine) == before


def test_the_source_option_wins_over_a_source_column(engine: Engine, tmp_path: Path) -> None:
    """With both, every row's source is the option's: new leads take it, existing keep theirs."""
    _seed_sources(engine)
    path = _write(
        tmp_path,
        "crm.csv",
        "Name,Email,Source\n"
        "Ref Person,ref@x.com,Facebook\n"
        "No Source,nos@x.com,Facebook\n"
        "New Web,new@x.com,Facebook\n",
    )
    report = run_import(engine, path, source="website", on_duplicate="update")
    assert (report.imported, report.updated, report.unchanged) == (1, 1, 1)
    assert _leads(engine) == {
        "Ref Person": ("referral", False, None),
        "No Source": ("website", False, None),
        "New Web": ("website", False, None),
    }


def test_cli_update_import_keeps_a_referral(cli: Callable[..., Any], tmp_path: Path) -> None:
    assert cli("add", "Ref Person", "-e", "ref@x.com", "-s", "referral").exit_code == 0
    path = _write(tmp_path, "webform.csv", "Name,Email\nRef Person,ref@x.com\nNew Web,new@x.com\n")
    result = cli("import", str(path), "--source", "website", "--on-duplicate", "update")
    assert result.exit_code == 0, result.stderr
    assert json.loads(cli("show", "ref", "--json").stdout)["source"] == "referral"
    assert json.loads(cli("show", "new web", "--json").stdout)["source"] == "website"


# --- do not contact: values and headers ---------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True), ("YES", True), ("y", True), ("True", True), ("1", True), ("x", True),
        (" X ", True), ("no", False), ("No", False), ("n", False), ("FALSE", False),
        ("0", False), ("", None), ("  ", None), (None, None),
    ],
)  # fmt: skip
def test_yes_no_reads_the_usual_spellings(cell: str | None, expected: bool | None) -> None:
    assert yes_no(cell, "do_not_contact") is expected


@pytest.mark.parametrize("cell", ["maybe", "yes please", "2", "-", "oui"])
def test_yes_no_refuses_anything_else(cell: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        yes_no(cell, "do_not_contact")
    assert str(caught.value) == f"do_not_contact must be yes or no, not {cell!r}"


def test_csv_dnc_values_and_a_bad_one_rejected_with_its_line(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "dnc.csv",
        "Name,Email,Do Not Contact\n"
        "Ann,ann@x.com,yes\n"
        "Bo,bo@x.com,No\n"
        "Cy,cy@x.com,TRUE\n"
        "Di,di@x.com,0\n"
        "Ed,ed@x.com,x\n"
        "Flo,flo@x.com,\n"
        "Gus,gus@x.com,maybe\n"
        "Hal,hal@x.com,N\n",
    )
    report = run_import(engine, path)
    assert _counts(report) == {
        "records": 8,
        "imported": 7,
        "merged": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "rejected": 1,
    }
    assert [(r.line, r.reason, r.cells) for r in report.rejects] == [
        (8, "do_not_contact must be yes or no, not 'maybe'", ["Gus", "gus@x.com", "maybe"])
    ]
    assert ("Do Not Contact", "do_not_contact") in report.mapping
    assert {name: dnc for name, (_, dnc, _) in _leads(engine).items()} == {
        "Ann": True,
        "Bo": False,
        "Cy": True,
        "Di": False,
        "Ed": True,
        "Flo": False,
        "Hal": False,
    }


@pytest.mark.parametrize("header", ["do_not_contact", "Do Not Contact", "DNC", "DoNotContact"])
def test_dnc_headers_are_recognised(engine: Engine, tmp_path: Path, header: str) -> None:
    path = _write(tmp_path, "h.csv", f"Name,{header}\nAnn,yes\nBo,no\n")
    report = run_import(engine, path)
    assert (report.imported, report.rejected, report.unmapped) == (2, 0, [])
    assert {n: dnc for n, (_, dnc, _) in _leads(engine).items()} == {"Ann": True, "Bo": False}


def test_channel_opt_outs_are_not_do_not_contact_unless_mapped(
    engine: Engine, tmp_path: Path
) -> None:
    """An email unsubscribe is not a do-not-contact (and often holds a date): listed, not read."""
    content = "Name,Email Opt Out,Unsubscribed,Opt Out\nAnn,yes,2026-01-05,true\n"
    path = _write(tmp_path, "optout.csv", content)
    report = run_import(engine, path, dry_run=True)
    assert report.unmapped == ["Email Opt Out", "Unsubscribed", "Opt Out"]
    assert report.rejected == 0
    report = run_import(engine, path, mapping=["Email Opt Out=dnc"])
    assert (report.imported, report.rejected) == (1, 0)
    assert _leads(engine)["Ann"][1] is True


# --- do not contact: existing leads -------------------------------------------------

DNC_AGAIN = (
    "Name,Email,City,DNC\n"
    "Ann,ann@x.com,,no\n"  # 2: already do-not-contact: "no" does not clear it
    "Bo,bo@x.com,,yes\n"  # 3: becomes do-not-contact
    "Cy,cy@x.com,Cebu,\n"  # 4: a city; the flag stays off
    "Dee,dee@x.com,,Y\n"  # 5: new, do-not-contact
    "Eve,eve@x.com,,no\n"  # 6: new
    "Eve,eve@x.com,,yes\n"  # 7: repeats line 6 and sets the flag
    "Fay,fay@x.com,,yes\n"  # 8: new, do-not-contact
    "Fay,fay@x.com,,no\n"  # 9: repeats line 8: the flag stays
    "Gil,gil@x.com,,perhaps\n"  # 10: rejected
)


def _seed_dnc(engine: Engine) -> None:
    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Ann", email="ann@x.com", do_not_contact=True)
        add_lead(s, now=NOW, name="Bo", email="bo@x.com")
        add_lead(s, now=NOW, name="Cy", email="cy@x.com")


@pytest.mark.parametrize("mode", ["update", "merge"])
def test_an_import_sets_do_not_contact_but_never_clears_it(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    _seed_dnc(engine)
    path = _write(tmp_path, "again.csv", DNC_AGAIN)
    dry = run_import(engine, path, on_duplicate=mode, dry_run=True)
    report = run_import(engine, path, on_duplicate=mode)
    assert (
        _counts(report)
        == _counts(dry)
        == {
            "records": 9,
            "imported": 3,
            **_changed(mode, 3),  # lines 3, 4 and 7
            "unchanged": 2,  # lines 2 and 9
            "skipped": 0,
            "rejected": 1,
        }
    )
    assert [line for line, _ in report.unchanged_rows] == [2, 9]
    assert [(r.line, r.reason) for r in report.rejects] == [
        (10, "do_not_contact must be yes or no, not 'perhaps'")
    ]
    assert _leads(engine) == {
        "Ann": (None, True, None),
        "Bo": (None, True, None),
        "Cy": (None, False, "Cebu"),
        "Dee": (None, True, None),
        "Eve": (None, True, None),
        "Fay": (None, True, None),
    }


def test_skip_mode_leaves_existing_leads_alone(engine: Engine, tmp_path: Path) -> None:
    _seed_dnc(engine)
    path = _write(tmp_path, "again.csv", DNC_AGAIN)
    report = run_import(engine, path)
    assert (report.imported, report.skipped, report.rejected) == (3, 5, 1)
    flags = {n: dnc for n, (_, dnc, _) in _leads(engine).items()}
    assert flags == {"Ann": True, "Bo": False, "Cy": False, "Dee": True, "Eve": False, "Fay": True}


@pytest.mark.parametrize("mode", ["update", "merge"])
def test_undo_clears_the_do_not_contact_an_import_set(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    _seed_dnc(engine)
    before = table_dump(engine)
    report = run_import(engine, _write(tmp_path, "again.csv", DNC_AGAIN), on_duplicate=mode)
    assert _leads(engine)["Bo"][1] is True
    _undo(engine, report.batch_id)
    assert table_dump(engine) == before


# --- do not contact: round trips ----------------------------------------------------


def _export(engine: Engine, fmt: str) -> str:
    with session_scope(engine, write=False) as s:
        return "".join(iter_export(s, LeadQuery(), fmt, today=TODAY, now=NOW, alarm_days=3))


@pytest.mark.parametrize("fmt", ["csv", "json", "vcf"])
def test_do_not_contact_round_trips(engine: Engine, tmp_path: Path, fmt: str) -> None:
    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Ann Dnc", email="ann@x.com", do_not_contact=True)
        add_lead(s, now=NOW, name="Bob Ok", email="bob@x.com")
        add_lead(s, now=NOW, company="Quiet Corp", phone="+63 2 8700 1234", do_not_contact=True)
    exported = _export(engine, fmt)
    if fmt == "vcf":
        assert exported.count("X-PROSPECTR-DNC:yes\r\n") == 2
        bob = exported.split("BEGIN:VCARD")[2]
        assert "FN:Bob Ok" in bob
        assert "DNC" not in bob
    path = _write(tmp_path, f"leads.{fmt}", exported)
    target = open_database("sqlite://")
    try:
        report = run_import(target, path)
        assert (report.imported, report.rejected, report.unmapped) == (3, 0, [])
        with Session(target) as s:
            rows = s.execute(
                text("SELECT name, company, do_not_contact FROM lead ORDER BY id")
            ).all()
    finally:
        target.dispose()
    assert [(name, company, bool(dnc)) for name, company, dnc in rows] == [
        ("Ann Dnc", None, True),
        ("Bob Ok", None, False),
        ("", "Quiet Corp", True),
    ]


def test_json_dnc_values(engine: Engine, tmp_path: Path) -> None:
    records = [
        {"name": "Ann", "do_not_contact": True},
        {"name": "Bo", "do_not_contact": False},
        {"name": "Cy", "do_not_contact": "yes"},
        {"name": "Di", "do_not_contact": None},
        {"name": "Ed", "do_not_contact": "maybe"},
    ]
    path = _write(tmp_path, "leads.json", json.dumps(records))
    report = run_import(engine, path)
    assert (report.imported, report.rejected, report.unmapped) == (4, 1, [])
    assert [(r.line, r.reason) for r in report.rejects] == [
        (5, "do_not_contact must be yes or no, not 'maybe'")
    ]
    flags = {n: dnc for n, (_, dnc, _) in _leads(engine).items()}
    assert flags == {"Ann": True, "Bo": False, "Cy": True, "Di": False}


def test_vcard_dnc_property(engine: Engine, tmp_path: Path) -> None:
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\n{extra}END:VCARD\r\n"
        for name, extra in (
            ("Ann", "X-PROSPECTR-DNC:yes\r\n"),
            ("Bo", "X-PROSPECTR-DNC:no\r\n"),
            ("Cy", ""),
            ("Di", "X-PROSPECTR-DNC:sometimes\r\n"),
        )
    )
    report = run_import(engine, _write(tmp_path, "cards.vcf", cards))
    assert (report.imported, report.rejected) == (3, 1)
    assert [(r.line, r.reason) for r in report.rejects] == [
        (15, "do_not_contact must be yes or no, not 'sometimes'")
    ]
    flags = {n: dnc for n, (_, dnc, _) in _leads(engine).items()}
    assert flags == {"Ann": True, "Bo": False, "Cy": False}

"""``prospectr report``: CSV cells spreadsheets never run, piped tables that keep
every character, periods whose end has no year, unknown sections."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prospectr.cli.report import csv_cell

Cli = Callable[..., Any]

SECTIONS_LIST = "funnel, sources, velocity, stale, lost, trend, customers"


def _ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return str(result.stdout)


@pytest.fixture
def formulas(cli: Cli) -> None:
    """Leads whose name, source, stage and lost reason look like spreadsheet formulas."""
    _ok(cli, "add", "=cmd|' /C calc'!A0", "-s", '=HYPERLINK("http://x")')
    _ok(cli, "move", "cmd", "lost", "-r", "=1+1")
    _ok(cli, "stages", "add", "+vip")
    _ok(cli, "add", "@Alice", "-s", "-web")
    _ok(cli, "move", "alice", "+vip")


@pytest.mark.usefixtures("formulas")
def test_report_csv_guards_text_cells_like_export(cli: Cli) -> None:
    assert _ok(cli, "report", "sources", "lost", "--csv") == (
        "section,source,leads,qualified,won,conversion,revenue,revenue_cents,median_days_to_sale\n"
        "sources,'-web,1,1,0,0.0,0.00,0,\n"
        'sources,"\'=hyperlink(""http://x"")",1,0,0,0.0,0.00,0,\n'
        "\n"
        "section,source,reason,leads\n"
        'lost,"\'=hyperlink(""http://x"")",\'=1+1,1\n'
    )
    funnel = list(csv.reader(io.StringIO(_ok(cli, "report", "funnel", "--csv"))))
    assert funnel[4:6] == [
        ["nurturing", "open", "1", "0.5", "'+vip", "1.0"],
        ["'+vip", "open", "1", "0.5", "won", "0.0"],
    ]
    velocity = list(csv.reader(io.StringIO(_ok(cli, "report", "velocity", "--csv"))))
    assert ["'+vip", "open", "1", "0.0", "0.0"] in velocity


@pytest.mark.usefixtures("formulas")
def test_stale_csv_guards_names(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROSPECTR_NOW", "2026-12-24T10:00:00")
    assert _ok(cli, "report", "stale", "--csv") == (
        "id,name,stage,source,last_interaction,days,threshold\n"
        "2,'@Alice,'+vip,'-web,2026-11-24T10:00:00,30,14\n"
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+vip", "'+vip"),
        ("-web", "'-web"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("referral", "referral"),
        ("", ""),
        (None, ""),
        # Numbers stay numbers, negative ones included, as numbers or as exact text.
        (-3, -3),
        (0.25, 0.25),
        ("-12.50", "-12.50"),
        ("1234.56", "1234.56"),
        ("-1+1", "'-1+1"),
    ],
)
def test_csv_cell(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


def test_piped_report_keeps_every_character(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """No terminal, no COLUMNS (cron mail): the table is as wide as its content."""
    _ok(cli, "add", "Maria Santos", "-s", "facebook ads autumn campaign 2026")
    monkeypatch.delenv("COLUMNS")
    lines = [line.rstrip() for line in _ok(cli, "report", "sources").splitlines()]
    assert lines == [
        "Sources  best first: conversion to won, then revenue; days = median,"
        " capture to first sale",
        "source                              leads   qualified   won   conversion"
        "      revenue   days to sale",
        "─" * 100,
        "facebook ads autumn campaign 2026       1           0     0         0.0%"
        "         0.00              -",
    ]
    assert "…" not in _ok(cli, "report")


def test_columns_still_sets_the_width_of_piped_output(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok(cli, "add", "Maria Santos", "-s", "facebook ads autumn campaign 2026")
    monkeypatch.setenv("COLUMNS", "60")
    lines = _ok(cli, "report", "sources").splitlines()
    assert max(len(line) for line in lines) == 60
    # Fitted to 60 columns: the long source name wraps onto more lines, whole.
    names = [line.split("  ")[0].strip() for line in lines[-5:]]
    assert " ".join(n for n in names if n.isalnum() or " " in n).endswith(
        "facebook ads autumn campaign 2026"
    )
    assert ["facebook", "1", "0", "0", "0.0%", "0.00", "-"] in [line.split() for line in lines]


def test_a_period_in_december_written_without_years(
    cli: Cli, dataset_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROSPECTR_NOW", "2026-12-20T09:00:00")
    out = _ok(cli, "report", "--since", "dec 1", "--until", "dec 31")
    assert out.splitlines()[0] == "report for 2026-12-01..2026-12-31 (today 2026-12-20)"
    text = _ok(cli, "report", "funnel", "--since", "12-01", "--until", "12-31", "--json")
    assert '"since": "2026-12-01"' in text
    assert '"until": "2026-12-31"' in text
    # An end with a year before the start is still refused.
    bad = cli("report", "--since", "dec 1", "--until", "2025-12-31")
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert bad.stderr == "error: --since 2026-12-01 is after --until 2025-12-31\n"


@pytest.mark.parametrize(
    "args",
    [["bogus"], ["--since", "2026-01-01", "bogus"], ["bogus", "funnel"], ["sources", "bogus"]],
)
def test_an_unknown_section_lists_the_sections(cli: Cli, args: list[str]) -> None:
    result = cli("report", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: no report section 'bogus' (sections: {SECTIONS_LIST})\n"


def test_section_names_ignore_case(cli: Cli, dataset_file: Path) -> None:
    assert _ok(cli, "report", "Sources", "--json") == _ok(cli, "report", "sources", "--json")
    assert _ok(cli, "report", "FUNNEL", "Lost", "--csv") == _ok(
        cli, "report", "funnel", "lost", "--csv"
    )


def test_one_lead_is_counted_in_the_singular(cli: Cli) -> None:
    _ok(cli, "add", "Solo")
    _ok(cli, "move", "solo", "lost", "-r", "price")
    out = _ok(cli, "report", "funnel", "lost")
    assert "Funnel  1 lead; reached = that stage or later" in out
    assert "Lost reasons  1 lead now lost" in out


def test_a_narrow_terminal_keeps_every_number_whole(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        _ok(cli, "add", f"Khách {i}", "-s", "referral")
    _ok(cli, "sale", "1", "1234567.89")
    wide = _ok(cli, "report", "sources")
    assert "█" in wide  # at 120 columns the bars are drawn
    monkeypatch.setenv("COLUMNS", "60")
    narrow = _ok(cli, "report", "sources")
    assert max(len(line) for line in narrow.splitlines()) == 60
    assert "█" not in narrow  # the bars went first
    assert "referral      3       1     1   33.3%   1,234,567.89       0" in narrow
    monkeypatch.setenv("COLUMNS", "50")
    narrower = _ok(cli, "report", "sources").splitlines()
    assert max(len(line) for line in narrower) <= 50
    # Columns that cannot fit are left out and named; the others stay whole.
    assert ["referral", "3", "1", "1", "33.3%"] in [line.split() for line in narrower]
    assert narrower[-1] == "(too narrow for: revenue, days to sale)"

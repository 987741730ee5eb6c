"""The text report: singular counts, and the period header when one end is open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from prospectr.domain.report_base import ReportFilter
from prospectr.report_view import period_text

Cli = Callable[..., Any]


@pytest.mark.parametrize(
    ("flt", "text"),
    [
        (ReportFilter(), ""),
        (ReportFilter(since=date(2026, 11, 1)), "from 2026-11-01"),
        (ReportFilter(until=date(2026, 11, 30)), "up to 2026-11-30"),
        (
            ReportFilter(since=date(2026, 11, 1), until=date(2026, 11, 30)),
            "for 2026-11-01..2026-11-30",
        ),
        (
            ReportFilter(since=date(2026, 11, 1), source="referral", tag="vip"),
            "from 2026-11-01, source referral, tag vip",
        ),
        (ReportFilter(source="referral"), "for source referral"),
        (ReportFilter(tag="vip"), "for tag vip"),
    ],
)
def test_period_text(flt: ReportFilter, text: str) -> None:
    assert period_text(flt) == text


def _one_customer(cli: Cli) -> None:
    assert cli("add", "Zed Buyer", "--email", "zed@example.com").exit_code == 0
    assert cli("sale", "1", "100").exit_code == 0


@pytest.mark.parametrize(
    ("options", "header"),
    [
        (["--until", "2026-11-30"], "report up to 2026-11-30 (today 2026-11-24)"),
        (["--since", "2026-11-01"], "report from 2026-11-01 (today 2026-11-24)"),
        (
            ["--since", "2026-11-01", "--until", "2026-11-30"],
            "report for 2026-11-01..2026-11-30 (today 2026-11-24)",
        ),
    ],
)
def test_the_header_says_from_or_up_to_when_one_end_is_open(
    cli: Cli, options: list[str], header: str
) -> None:
    _one_customer(cli)
    result = cli("report", "customers", *options)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == header
    assert "…" not in result.stdout


def test_one_customer_and_one_sale_are_singular(cli: Cli) -> None:
    _one_customer(cli)
    lines = cli("report", "customers").stdout.splitlines()
    assert lines[0] == (
        "Customers  1 customer, 0 repeat (0.0%), 1 sale, 1.00 per customer, revenue 100.00"
    )
    assert cli("sale", "1", "50").exit_code == 0
    lines = cli("report", "customers").stdout.splitlines()
    assert lines[0] == (
        "Customers  1 customer, 1 repeat (100.0%), 2 sales, 2.00 per customer, revenue 150.00"
    )

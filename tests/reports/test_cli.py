"""``prospectr report``: the --json shape of every section, --csv, text at 100 columns, errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prospectr.domain.reports import SECTIONS

Cli = Callable[..., Any]
EXPECTED_TEXT = Path(__file__).parent / "report_100_columns.txt"

SHAPES: dict[str, dict[str, Any]] = {
    "funnel": {
        "keys": ["leads", "stages"],
        "rows": ("stages", ["stage", "kind", "reached", "share", "next_stage", "to_next"]),
    },
    "sources": {
        "keys": ["sources"],
        "rows": (
            "sources",
            [
                "source",
                "leads",
                "qualified",
                "won",
                "conversion",
                "revenue",
                "revenue_cents",
                "median_days_to_sale",
            ],
        ),
    },
    "velocity": {
        "keys": ["stages"],
        "rows": ("stages", ["stage", "kind", "stays", "median_days", "p90_days"]),
    },
    "stale": {
        "keys": ["thresholds", "total", "by_stage", "leads"],
        "rows": (
            "leads",
            ["id", "name", "stage", "source", "last_interaction", "days", "threshold"],
        ),
    },
    "lost": {
        "keys": ["total", "by_reason", "by_source"],
        "rows": ("by_source", ["source", "leads", "reasons"]),
    },
    "trend": {
        "keys": ["by", "rows"],
        "rows": (
            "rows",
            ["period", "start", "new", "qualified", "won", "revenue", "revenue_cents"],
        ),
    },
    "customers": {
        "keys": [
            "customers",
            "repeat_customers",
            "repeat_share",
            "sales",
            "sales_per_customer",
            "revenue",
            "revenue_cents",
            "sales_per_customer_counts",
            "top_repeat_customers",
            "revenue_by_month",
        ],
        "rows": (
            "top_repeat_customers",
            ["id", "name", "sales", "revenue", "revenue_cents", "first_sale", "last_sale"],
        ),
    },
}


def run_json(cli: Cli, *args: str) -> Any:
    result = cli("report", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", SECTIONS)
def test_json_shape_of_each_section(cli: Cli, dataset_file: Path, name: str) -> None:
    data = run_json(cli, name)
    assert list(data) == ["today", "filters", name]
    assert data["today"] == "2026-11-24"
    assert data["filters"] == {"since": None, "until": None, "source": None, "tag": None}
    shape = SHAPES[name]
    assert list(data[name]) == shape["keys"]
    key, fields = shape["rows"]
    assert data[name][key], f"{name}.{key} is empty"
    for row in data[name][key]:
        assert list(row) == fields


def test_json_values_of_the_full_report(cli: Cli, dataset_file: Path) -> None:
    data = run_json(cli)
    assert list(data) == ["today", "filters", *SECTIONS]
    assert data["funnel"]["leads"] == 12
    assert data["funnel"]["stages"][1] == {
        "stage": "qualified",
        "kind": "open",
        "reached": 8,
        "share": 0.6667,
        "next_stage": "contacted",
        "to_next": 0.75,
    }
    assert data["sources"]["sources"][0] == {
        "source": "referral",
        "leads": 3,
        "qualified": 3,
        "won": 2,
        "conversion": 0.6667,
        "revenue": "430.50",
        "revenue_cents": 43050,
        "median_days_to_sale": 33.0,
    }
    assert data["velocity"]["stages"][2] == {
        "stage": "contacted",
        "kind": "open",
        "stays": 5,
        "median_days": 17.0,
        "p90_days": 49.0,
    }
    assert data["stale"]["leads"][0] == {
        "id": 5,
        "name": "Ana Reyes",
        "stage": "new",
        "source": "facebook",
        "last_interaction": "2026-09-20T10:00:00",
        "days": 65,
        "threshold": 7,
    }
    assert data["lost"]["by_reason"] == [
        {"reason": "price", "leads": 2},
        {"reason": "no budget", "leads": 1},
    ]
    assert data["trend"]["rows"][-2] == {
        "period": "2026-10",
        "start": "2026-10-01",
        "new": 3,
        "qualified": 2,
        "won": 1,
        "revenue": "280.50",
        "revenue_cents": 28050,
    }
    assert data["customers"]["repeat_customers"] == 2
    assert data["customers"]["revenue"] == "1780.74"


def test_filters_reach_the_report(cli: Cli, dataset_file: Path) -> None:
    data = run_json(
        cli, "funnel", "--since", "2026-10-01", "--until", "31.10.2026", "--source", "Event"
    )
    assert data["filters"] == {
        "since": "2026-10-01",
        "until": "2026-10-31",
        "source": "event",
        "tag": None,
    }
    # Event leads captured in October: 7 (nurturing) and 8 (lost from new).
    assert [s["reached"] for s in data["funnel"]["stages"]] == [2, 1, 1, 1, 0, 1, 0, 0]
    tagged = run_json(cli, "--tag", "vip", "sources")  # the group's option reaches the section
    assert [(s["source"], s["leads"]) for s in tagged["sources"]["sources"]] == [("referral", 1)]
    weekly = run_json(
        cli, "trend", "--by", "week", "--since", "2026-10-01", "--until", "2026-10-31"
    )
    assert [r["period"] for r in weekly["trend"]["rows"]] == [
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-W44",
    ]


def test_sections_named_together_make_one_report(cli: Cli, dataset_file: Path) -> None:
    both = run_json(cli, "--source", "referral", "sources", "Funnel", "--since", "2026-08-01")
    assert list(both) == ["today", "filters", "funnel", "sources"]  # in the usual order
    assert both["filters"]["source"] == "referral"
    assert both["filters"]["since"] == "2026-08-01"
    for name in ("funnel", "sources"):
        alone = run_json(cli, "--source", "referral", name, "--since", "2026-08-01")
        assert both[name] == alone[name]
    table = cli("report", "trend", "lost", "lost", "--csv")
    assert table.exit_code == 0, table.stderr
    blocks = table.stdout.strip("\n").split("\n\n")
    assert [list(csv.reader(io.StringIO(b)))[1][0] for b in blocks] == ["lost", "trend"]
    bad = cli("report", "funnel", "sauces")
    assert bad.exit_code == 2
    assert bad.stdout == ""
    assert bad.stderr == (
        "error: no report section 'sauces' (sections: funnel, sources, velocity, stale, lost,"
        " trend, customers)\n"
    )


def test_a_filter_no_lead_matches_names_the_ones_that_exist(cli: Cli, dataset_file: Path) -> None:
    result = cli("report", "sources", "--source", "Facebok", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["sources"]["sources"] == []
    assert result.stderr == (
        "warning: no lead has the source 'facebok' (sources: event, facebook, referral, website)\n"
    )
    result = cli("report", "funnel", "--tag", "VIPS", "--source", "(none)")
    assert result.exit_code == 0
    assert result.stderr == "warning: no lead has the tag 'vips' (tags: fair-2026, vip)\n"
    quiet = cli("report", "funnel", "--tag", "vip", "--source", "referral")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""


def test_csv_of_one_section(cli: Cli, dataset_file: Path) -> None:
    result = cli("report", "funnel", "--csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["stage", "kind", "reached", "share", "next_stage", "to_next"]
    assert rows[1] == ["new", "open", "12", "1.0", "qualified", "0.6667"]
    assert rows[5] == ["won", "won", "3", "0.25", "", ""]
    assert len(rows) == 9


def test_csv_of_the_full_report(cli: Cli, dataset_file: Path) -> None:
    result = cli("report", "--csv")
    assert result.exit_code == 0
    blocks = result.stdout.strip("\n").split("\n\n")
    assert len(blocks) == len(SECTIONS)
    for name, block in zip(SECTIONS, blocks, strict=True):
        rows = list(csv.reader(io.StringIO(block)))
        assert rows[0][0] == "section"
        assert all(row[0] == name for row in rows[1:]), name
    lost = list(csv.reader(io.StringIO(blocks[4])))
    assert lost == [
        ["section", "source", "reason", "leads"],
        ["lost", "event", "price", "1"],
        ["lost", "facebook", "price", "1"],
        ["lost", "website", "no budget", "1"],
    ]


def test_text_report_at_100_columns(
    cli: Cli, dataset_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = cli("report")
    assert result.exit_code == 0
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert max(len(line) for line in lines) <= 100
    expected = EXPECTED_TEXT.read_text(encoding="utf-8").splitlines()
    assert lines == expected


def test_stale_thresholds_from_the_command_line(cli: Cli, dataset_file: Path) -> None:
    result = cli("report", "stale", "--set", "new=15", "--set", "default=21")
    assert result.exit_code == 0, result.stderr
    assert "thresholds in days: new 15, qualified 21, contacted 14, nurturing 30" in result.stdout
    shown = cli("report", "stale", "--thresholds")
    assert shown.stdout == "new\t15\nqualified\t21\ncontacted\t14\nnurturing\t30\n"
    data = run_json(cli, "stale")
    assert [x["id"] for x in data["stale"]["leads"]] == [5, 3]  # 11 (14 days) is not stale at 15
    assert cli("report", "stale", "--reset").exit_code == 0
    assert run_json(cli, "stale", "--thresholds") == {
        "new": 7,
        "qualified": 14,
        "contacted": 14,
        "nurturing": 30,
    }


def test_stale_limit(cli: Cli, dataset_file: Path) -> None:
    data = run_json(cli, "stale", "--limit", "2")
    assert data["stale"]["total"] == 3
    assert [x["id"] for x in data["stale"]["leads"]] == [5, 3]
    text = cli("report", "stale", "--limit", "1").stdout
    assert "… and 2 more (--limit 0 lists all)" in text
    everyone = run_json(cli, "--limit", "1", "stale", "--limit", "0")  # 0 = all, overrides
    assert [x["id"] for x in everyone["stale"]["leads"]] == [5, 3, 11]
    assert [x["id"] for x in run_json(cli, "--limit", "1", "stale")["stale"]["leads"]] == [5]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--since", "2026-12-01", "--until", "2026-11-01"], "is after --until", 2),
        (["funnel", "--since", "someday"], "not a date", 2),
        (["trend", "--by", "year"], "month or week", 2),
        (["funnel", "--json", "--csv"], "choose one of --json and --csv", 2),
        (["stale", "--set", "won=3"], "active open stages", 2),
        (["stale", "--set", "new"], "STAGE=DAYS", 2),
        (["stale", "--set", "nowhere=3"], "no stage 'nowhere'", 3),
    ],
)
def test_bad_input_is_one_line_on_stderr(
    cli: Cli, dataset_file: Path, args: list[str], message: str, code: int
) -> None:
    result = cli("report", *args)
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_report_on_an_empty_database(cli: Cli, db_path: Path) -> None:
    result = cli("report")
    assert result.exit_code == 0
    assert "Funnel  0 leads" in result.stdout
    assert "nobody is forgotten" in result.stdout
    data = run_json(cli)
    assert data["sources"] == {"sources": []}


def test_every_report_command_has_help_with_an_example(cli: Cli) -> None:
    for name in ("", *SECTIONS):
        result = cli("report", *([name] if name else []), "--help")
        assert result.exit_code == 0
        assert "Example: prospectr report" in result.stdout

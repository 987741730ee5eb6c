"""Every report section on the fixed dataset (tests/reports/dataset.py), answers worked out by hand.

The arithmetic behind each literal is written next to it, from the dataset's table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from prospectr.domain.reports import (
    ReportFilter,
    build_report,
    reset_stale_thresholds,
    set_stale_thresholds,
    stale_thresholds,
)
from prospectr.errors import InvalidInput, NotFound

from .dataset import TODAY


def section(session: Session, name: str, **kw: Any) -> Any:
    return build_report(session, today=TODAY, sections=[name], **kw).sections[name]


# --- funnel ----------------------------------------------------------------------------


def test_funnel_counts_from_history_including_skipped_stages(data_session: Session) -> None:
    f = section(data_session, "funnel")
    # Highest path stage reached: won {1, 2, 10}, nurturing {7}, contacted {3, 4},
    # qualified {9, 12}, new {5, 6, 8, 11}. Lead 4 skipped qualified, lead 7 contacted.
    assert f.leads == 12
    rows = [(r.stage, r.kind, r.reached, r.share, r.next_stage, r.to_next) for r in f.rows]
    assert rows == [
        ("new", "open", 12, 1.0, "qualified", 0.6667),  # 8 / 12
        ("qualified", "open", 8, 0.6667, "contacted", 0.75),  # 6 / 8
        ("contacted", "open", 6, 0.5, "nurturing", 0.6667),  # 4 / 6
        ("nurturing", "open", 4, 0.3333, "won", 0.75),  # 3 / 4
        ("won", "won", 3, 0.25, None, None),
        ("lost", "lost", 3, 0.25, None, None),  # leads 4, 8, 12
        ("not-now", "parked", 1, 0.0833, None, None),  # lead 9
        ("cold", "parked", 0, 0.0, None, None),
    ]


def test_funnel_of_one_source(data_session: Session) -> None:
    f = section(data_session, "funnel", flt=ReportFilter(source="Referral"))
    # Leads 1 (won), 2 (won), 3 (contacted).
    assert f.leads == 3
    assert [(r.stage, r.reached, r.to_next) for r in f.rows[:5]] == [
        ("new", 3, 1.0),
        ("qualified", 3, 1.0),
        ("contacted", 3, 0.6667),
        ("nurturing", 2, 1.0),
        ("won", 2, None),
    ]
    assert [r.reached for r in f.rows[5:]] == [0, 0, 0]


def test_funnel_of_a_capture_period(data_session: Session) -> None:
    october = ReportFilter(since=date(2026, 10, 1), until=date(2026, 10, 31))
    f = section(data_session, "funnel", flt=october)
    # Captured in October: 3 (contacted), 7 (nurturing), 8 (new, then lost).
    assert f.leads == 3
    assert [r.reached for r in f.rows] == [3, 2, 2, 1, 0, 1, 0, 0]


# --- sources ---------------------------------------------------------------------------


def test_sources_best_first_with_revenue_and_median_days(data_session: Session) -> None:
    s = section(data_session, "sources")
    rows = [
        (
            r.source,
            r.leads,
            r.qualified,
            r.won,
            r.conversion,
            r.revenue_cents,
            r.median_days_to_sale,
        )
        for r in s.rows
    ]
    assert rows == [
        # 1: 150.00 + 80.50, 2: 200.00; days to first sale 29 (08-03 -> 09-01) and
        # 37 (09-01 -> 10-08): median 33.
        ("referral", 3, 3, 2, 0.6667, 43050, 33.0),
        # 10: 1000.00 + 250.25 + 99.99; 37 days (05-04 -> 06-10). 11 never qualified.
        ("(none)", 2, 1, 1, 0.5, 135024, 37.0),
        # No sales: sorted by leads, then name.
        ("event", 3, 2, 0, 0.0, 0, None),  # 7 and 9 qualified
        ("facebook", 3, 1, 0, 0.0, 0, None),  # 4 reached contacted
        ("website", 1, 1, 0, 0.0, 0, None),
    ]
    assert s.as_dict()["sources"][0]["revenue"] == "430.50"
    assert s.as_dict()["sources"][1]["revenue"] == "1350.24"


def test_sources_with_a_tag_and_the_leads_without_source(data_session: Session) -> None:
    fair = section(data_session, "sources", flt=ReportFilter(tag="FAIR-2026"))
    assert [(r.source, r.leads, r.qualified, r.won) for r in fair.rows] == [("event", 2, 1, 0)]
    none = section(data_session, "sources", flt=ReportFilter(source="(none)"))
    assert [(r.source, r.leads, r.won, r.revenue_cents) for r in none.rows] == [
        ("(none)", 2, 1, 135024)
    ]


# --- velocity --------------------------------------------------------------------------


def test_velocity_medians_and_p90(data_session: Session) -> None:
    v = section(data_session, "velocity")
    rows = [(r.stage, r.stays, r.median_days, r.p90_days) for r in v.rows]
    assert rows == [
        # new: 2 2 1 14 70* 4* 2 15 2 2 21* 9 (* still there today)
        # sorted 1 2 2 2 2 2 | 4 9 14 15 21 70: median (2 + 4) / 2; p90 rank 11 -> 21
        ("new", 12, 3.0, 21.0),
        # qualified: 5 5 4 8 17 5 10 -> 4 5 5 5 8 10 17: median 5, p90 rank 7 -> 17
        ("qualified", 7, 5.0, 17.0),
        # contacted: 10 30 49* 17 14 -> 10 14 17 30 49: median 17, p90 rank 5 -> 49
        ("contacted", 5, 17.0, 49.0),
        # nurturing: 12 35* 16 -> 12 16 35: median 16, p90 rank 3 -> 35
        ("nurturing", 3, 16.0, 35.0),
        # won, lost and parked leads are not "stuck": their last stay is not counted.
        ("won", 0, None, None),
        ("lost", 0, None, None),
        ("not-now", 0, None, None),
        ("cold", 0, None, None),
    ]


def test_velocity_moves_with_today(data_session: Session) -> None:
    later = build_report(data_session, today=date(2026, 12, 4), sections=["velocity"])
    contacted = later.sections["velocity"].rows[2]
    # Lead 3 has now been in contacted 59 days: 10 14 17 30 59.
    assert (contacted.median_days, contacted.p90_days) == (17.0, 59.0)


# --- stale -----------------------------------------------------------------------------


def test_stale_list_oldest_first(data_session: Session) -> None:
    st = section(data_session, "stale")
    assert st.thresholds == {"new": 7, "qualified": 14, "contacted": 14, "nurturing": 30}
    # Open leads: 3 (last 10-20, 35 days), 5 (09-20, 65), 6 (no interaction: capture
    # 11-20, 4 < 7), 7 (11-05, 19 < 30), 11 (11-10, 14 >= 7).
    assert [(x.lead_id, x.name, x.stage, x.days, x.threshold) for x in st.leads] == [
        (5, "Ana Reyes", "new", 65, 7),
        (3, "Иван Петров", "contacted", 35, 14),
        (11, "Sofia Lopez", "new", 14, 7),
    ]
    assert st.leads[0].last_at == datetime(2026, 9, 20, 10, 0)
    assert st.by_stage == [("new", 2), ("contacted", 1)]
    assert st.total == 3


def test_stale_limit_cuts_the_list_not_the_count(data_session: Session) -> None:
    st = build_report(data_session, today=TODAY, sections=["stale"], stale_limit=1)
    assert [x.lead_id for x in st.sections["stale"].leads] == [5]
    assert st.sections["stale"].total == 3


def test_stale_thresholds_are_settings(data_session: Session) -> None:
    # Exactly 14 days without interaction is stale at 14, not at 15.
    assert set_stale_thresholds(data_session, ["new=14", "Default=21"]) == {
        "new": 14,
        "qualified": 21,
        "contacted": 14,
        "nurturing": 30,
    }
    assert [x.lead_id for x in section(data_session, "stale").leads] == [5, 3, 11]
    set_stale_thresholds(data_session, ["NEW=15", "contacted=36"])
    assert [x.lead_id for x in section(data_session, "stale").leads] == [5]
    assert stale_thresholds(data_session)["contacted"] == 36
    reset_stale_thresholds(data_session)
    assert stale_thresholds(data_session) == {
        "new": 7,
        "qualified": 14,
        "contacted": 14,
        "nurturing": 30,
    }


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ("new", InvalidInput),
        ("new=", InvalidInput),
        ("new=-3", InvalidInput),
        ("new=0", InvalidInput),
        ("new=99999", InvalidInput),
        ("won=5", InvalidInput),
        ("nowhere=5", NotFound),
    ],
)
def test_bad_stale_thresholds_are_refused(
    data_session: Session, item: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        set_stale_thresholds(data_session, [item])
    assert stale_thresholds(data_session)["new"] == 7


# --- lost ------------------------------------------------------------------------------


def test_lost_reasons_by_reason_and_source(data_session: Session) -> None:
    lost = section(data_session, "lost")
    # 4 "price" (facebook), 8 "Price" (event), 12 "no budget" (website).
    assert lost.total == 3
    assert lost.by_reason == [("price", 2), ("no budget", 1)]
    assert [(s.source, s.leads, s.reasons) for s in lost.by_source] == [
        ("event", 1, [("price", 1)]),
        ("facebook", 1, [("price", 1)]),
        ("website", 1, [("no budget", 1)]),
    ]


# --- trend -----------------------------------------------------------------------------


def test_trend_by_month(data_session: Session) -> None:
    trend = section(data_session, "trend")
    rows = [(r.period, r.new, r.qualified, r.won, r.revenue_cents) for r in trend.rows]
    assert rows == [
        ("2025-12", 0, 0, 0, 0),
        ("2026-01", 0, 0, 0, 0),
        ("2026-02", 0, 0, 0, 0),
        ("2026-03", 0, 0, 0, 0),
        ("2026-04", 1, 1, 0, 0),  # 12 captured and qualified
        ("2026-05", 1, 1, 0, 0),  # 10
        ("2026-06", 1, 1, 1, 100000),  # 9; 9 qualified; 10 won with 1000.00
        ("2026-07", 1, 1, 0, 0),  # 4; 4 reached contacted
        ("2026-08", 1, 1, 0, 25025),  # 1; 1; 10's 250.25
        ("2026-09", 2, 1, 1, 15000),  # 2 and 5; 2; 1 won with 150.00
        ("2026-10", 3, 2, 1, 28050),  # 3, 7, 8; 3 and 7; 2 won (200.00), 1's 80.50
        ("2026-11", 2, 0, 0, 9999),  # 6 and 11; 10's 99.99
    ]


def test_trend_by_week_in_a_period(data_session: Session) -> None:
    october = ReportFilter(since=date(2026, 10, 1), until=date(2026, 10, 31))
    trend = section(data_session, "trend", flt=october, by="week")
    rows = [(r.period, r.start, r.new, r.qualified, r.won, r.revenue_cents) for r in trend.rows]
    assert rows == [
        ("2026-W40", date(2026, 9, 28), 1, 1, 0, 0),  # Thu 10-01: 3 captured; Fri 10-02 qualified
        ("2026-W41", date(2026, 10, 5), 2, 0, 1, 20000),  # Sat 10-10: 7, 8; Thu 10-08: 2 won
        ("2026-W42", date(2026, 10, 12), 0, 1, 0, 8050),  # Mon 10-12: 7 qualified; 1's 80.50
        ("2026-W43", date(2026, 10, 19), 0, 0, 0, 0),
        ("2026-W44", date(2026, 10, 26), 0, 0, 0, 0),
    ]


def test_trend_counts_a_win_on_the_one_day_of_its_period(data_session: Session) -> None:
    # Lead 2 was won on Thu 10-08 (its sale the same day): the period's first and last day.
    one_day = ReportFilter(since=date(2026, 10, 8), until=date(2026, 10, 8))
    trend = section(data_session, "trend", flt=one_day, by="week")
    rows = [(r.period, r.new, r.qualified, r.won, r.revenue_cents) for r in trend.rows]
    assert rows == [("2026-W41", 0, 0, 1, 20000)]


# --- customers -------------------------------------------------------------------------


def test_customers(data_session: Session) -> None:
    c = section(data_session, "customers")
    # Sales: 10 x3 (1350.24), 1 x2 (230.50), 2 x1 (200.00).
    assert (c.customers, c.repeat_customers, c.sales, c.revenue_cents) == (3, 2, 6, 178074)
    assert c.sales_per_customer == 2.0
    assert c.distribution == [(1, 1, 20000), (2, 1, 23050), (3, 1, 135024)]
    assert [(x.lead_id, x.name, x.sales, x.revenue_cents) for x in c.top_repeat] == [
        (10, "Wei Chen", 3, 135024),
        (1, "Maria Santos", 2, 23050),
    ]
    assert (c.top_repeat[0].first, c.top_repeat[0].last) == (date(2026, 6, 10), date(2026, 11, 2))
    assert [(m, n, cents) for m, n, cents in c.by_month if n] == [
        ("2026-06", 1, 100000),
        ("2026-08", 1, 25025),
        ("2026-09", 1, 15000),
        ("2026-10", 2, 28050),
        ("2026-11", 1, 9999),
    ]
    assert len(c.by_month) == 12
    assert c.as_dict()["revenue"] == "1780.74"


def test_customers_in_a_period(data_session: Session) -> None:
    c = section(data_session, "customers", flt=ReportFilter(since=date(2026, 10, 1)))
    # Sales from October: 2 (200.00), 1 (80.50), 10 (99.99): nobody bought twice.
    assert (c.customers, c.repeat_customers, c.sales, c.revenue_cents) == (3, 0, 3, 38049)
    assert c.top_repeat == []
    assert [m for m, _, _ in c.by_month] == ["2026-10", "2026-11"]


# --- the whole report ------------------------------------------------------------------


def test_sections_agree_with_each_other(data_session: Session) -> None:
    r = build_report(data_session, today=TODAY).sections
    assert sum(s.leads for s in r["sources"].rows) == r["funnel"].leads
    assert sum(s.won for s in r["sources"].rows) == r["funnel"].rows[4].reached
    assert sum(s.revenue_cents for s in r["sources"].rows) == r["customers"].revenue_cents
    assert sum(t.revenue_cents for t in r["trend"].rows) == r["customers"].revenue_cents
    assert sum(t.qualified for t in r["trend"].rows) == r["funnel"].rows[1].reached


def test_an_empty_database_reports_zeros(session: Session) -> None:
    r = build_report(session, today=TODAY).sections
    assert r["funnel"].leads == 0
    assert [row.reached for row in r["funnel"].rows] == [0] * 8
    assert r["funnel"].rows[0].to_next is None
    assert r["sources"].rows == []
    assert all(row.stays == 0 for row in r["velocity"].rows)
    assert (r["stale"].total, r["lost"].total, r["customers"].customers) == (0, 0, 0)
    assert len(r["trend"].rows) == 12


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sections": ["nope"]}, "unknown report section"),
        ({"by": "year"}, "month or week"),
        ({"flt": ReportFilter(since=date(2026, 2, 1), until=date(2026, 1, 1))}, "after"),
    ],
)
def test_bad_report_requests(session: Session, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        build_report(session, today=TODAY, **kwargs)


def test_the_report_leaves_no_table_behind(data_session: Session) -> None:
    from sqlalchemy import inspect

    build_report(data_session, today=TODAY)
    assert inspect(data_session.connection()).get_temp_table_names() == []

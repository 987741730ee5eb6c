"""A report's temporary tables: one name per live table on a connection, reused after.

Two reports open at once on one connection must not clash; a report that ends
frees its names, so the next report's SQL is the same text (and the same
compiled statement) as the last one's.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from prospectr.db import session_scope
from prospectr.domain.report_base import FactsSums, report_data

from .dataset import TODAY, build


def test_two_reports_at_once_on_one_connection_get_their_own_tables(
    data_session: Session,
) -> None:
    with (
        report_data(data_session, today=TODAY) as whole,
        report_data(data_session, today=TODAY, lead_ids=(None, 7)) as low,
        report_data(data_session, today=TODAY, lead_ids=(7, None)) as high,
    ):
        names = [whole.facts.name, low.facts.name, high.facts.name]
        assert names == ["report_facts_0", "report_facts_1", "report_facts_2"]
        both = FactsSums()
        both.add(low.facts_sums("funnel"))
        both.add(high.facts_sums("funnel"))
        assert both == whole.facts_sums("funnel")
        assert whole.open_leads(last=True).name == "report_open_last_0"


def test_a_report_that_ended_frees_its_table_for_the_next(data_session: Session) -> None:
    with report_data(data_session, today=TODAY) as first:
        table = first.facts
        sums = first.facts_sums("sources")
    with report_data(data_session, today=TODAY) as second:
        # The same table object (and so the same compiled statements), built anew.
        assert second.facts is table
        assert second.facts_sums("sources") == sums


def test_an_error_in_a_report_is_the_one_raised_and_its_names_are_freed(engine: Engine) -> None:
    with session_scope(engine) as s:
        build(s)
    with Session(engine) as s:
        with (  # noqa: PT012
            pytest.raises(ValueError, match="stopped mid-way"),
            report_data(s, today=TODAY) as data,
        ):
            # A read still open on the table: on SQLite its drop then fails.
            reading = data.run(select(data.facts.c.lead_id))
            reading.fetchone()
            raise ValueError("stopped mid-way")
        reading.close()
        s.rollback()  # as the caller's unit of work does after an error
        with report_data(s, today=TODAY) as again:
            assert again.facts.name == "report_facts_0"
            assert again.facts_sums("funnel").cells

"""The one business layer: capture, qualification, notes, reminders, stages.

Plain functions that take a SQLModel ``Session`` (keyword ``session`` or first
argument) and, where dates matter, ``today``/``now``. They never commit and
never print; the CLI and the TUI call them inside ``db.session_scope``.
This package imports neither typer, textual nor rich.

Names are loaded lazily (PEP 562) so a quick command imports only the modules
it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prospectr.domain.activity import (
        FollowUpCancelled,
        InteractionRemoved,
        SaleRemoved,
        add_followup,
        cancel_followup,
        complete_followup,
        customer_status,
        delete_interaction,
        delete_sale,
        due_followups,
        get_followup,
        get_interaction,
        get_sale,
        log_interaction,
        money,
        open_followups,
        overdue_note,
        record_sale,
        snooze_followup,
    )
    from prospectr.domain.amounts import parse_amount
    from prospectr.domain.bant import (
        BANT,
        TEMPERATURES,
        lead_temperature,
        parse_answer,
        qualify,
        temperature,
    )
    from prospectr.domain.dates import Birthday, parse_birthday, parse_date
    from prospectr.domain.leads import (
        add_lead,
        delete_lead,
        display_name,
        edit_lead,
        find_duplicate,
        get_lead,
        resolve_lead,
        resolve_stage,
        update_lead,
    )
    from prospectr.domain.reminders import Agenda, agenda, hot_without_next_step, upcoming_birthdays
    from prospectr.domain.search import LeadQuery, LeadRow, count_matching, list_leads
    from prospectr.domain.stages import (
        Move,
        add_stage,
        list_stages,
        move_lead,
        neighbour_stage,
        rename_stage,
        reorder_stage,
        restore_stage,
        retire_stage,
        stage_counts,
    )
    from prospectr.domain.views import LeadDetail, lead_detail

_LAZY: dict[str, str] = {
    "Agenda": "reminders",
    "BANT": "bant",
    "Birthday": "dates",
    "FollowUpCancelled": "activity",
    "InteractionRemoved": "activity",
    "LeadDetail": "views",
    "Move": "stages",
    "LeadQuery": "search",
    "LeadRow": "search",
    "SaleRemoved": "activity",
    "TEMPERATURES": "bant",
    "add_followup": "activity",
    "add_lead": "leads",
    "add_stage": "stages",
    "agenda": "reminders",
    "cancel_followup": "activity",
    "complete_followup": "activity",
    "count_matching": "search",
    "customer_status": "activity",
    "delete_interaction": "activity",
    "delete_lead": "leads",
    "delete_sale": "activity",
    "display_name": "leads",
    "due_followups": "activity",
    "find_duplicate": "leads",
    "get_followup": "activity",
    "get_interaction": "activity",
    "get_lead": "leads",
    "get_sale": "activity",
    "hot_without_next_step": "reminders",
    "lead_detail": "views",
    "lead_temperature": "bant",
    "list_leads": "search",
    "list_stages": "stages",
    "log_interaction": "activity",
    "money": "activity",
    "move_lead": "stages",
    "neighbour_stage": "stages",
    "open_followups": "activity",
    "overdue_note": "activity",
    "parse_amount": "amounts",
    "parse_answer": "bant",
    "parse_birthday": "dates",
    "parse_date": "dates",
    "qualify": "bant",
    "record_sale": "activity",
    "rename_stage": "stages",
    "reorder_stage": "stages",
    "resolve_lead": "leads",
    "resolve_stage": "leads",
    "restore_stage": "stages",
    "retire_stage": "stages",
    "snooze_followup": "activity",
    "stage_counts": "stages",
    "temperature": "bant",
    "upcoming_birthdays": "reminders",
    "update_lead": "leads",
    "edit_lead": "leads",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'prospectr.domain' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"prospectr.domain.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BANT",
    "TEMPERATURES",
    "Agenda",
    "Birthday",
    "FollowUpCancelled",
    "InteractionRemoved",
    "LeadDetail",
    "LeadQuery",
    "LeadRow",
    "Move",
    "SaleRemoved",
    "add_followup",
    "add_lead",
    "add_stage",
    "agenda",
    "cancel_followup",
    "complete_followup",
    "count_matching",
    "customer_status",
    "delete_interaction",
    "delete_lead",
    "delete_sale",
    "display_name",
    "due_followups",
    "edit_lead",
    "find_duplicate",
    "get_followup",
    "get_interaction",
    "get_lead",
    "get_sale",
    "hot_without_next_step",
    "lead_detail",
    "lead_temperature",
    "list_leads",
    "list_stages",
    "log_interaction",
    "money",
    "move_lead",
    "neighbour_stage",
    "open_followups",
    "overdue_note",
    "parse_amount",
    "parse_answer",
    "parse_birthday",
    "parse_date",
    "qualify",
    "record_sale",
    "rename_stage",
    "reorder_stage",
    "resolve_lead",
    "resolve_stage",
    "restore_stage",
    "retire_stage",
    "snooze_followup",
    "stage_counts",
    "temperature",
    "upcoming_birthdays",
    "update_lead",
]

"""The add and edit lead forms (a FormScreen with the domain's field checks)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from prospectr import domain
from prospectr.domain.leads import normalize_fields
from prospectr.domain.views import birthday_words
from prospectr.tui.screens.form import Field, FormScreen, OpenLead

if TYPE_CHECKING:
    from prospectr.tui.app import ProspectrApp

# (key, label, placeholder) in form order; "note" only when adding.
LEAD_FIELDS = (
    ("name", "Name", "as they write it"),
    ("company", "Company", ""),
    ("email", "Email", "name@example.com"),
    ("phone", "Phone", "+63 917 123 4567"),
    ("source", "Source", "referral, event, facebook, website…"),
    ("tags", "Tags", "comma-separated"),
    ("birthday", "Birthday", "03-15, 1986-03-15 or 15 March"),
    ("city", "City", ""),
    ("title", "Job title", ""),
)


def _check(key: str, today: date) -> Any:
    """A live check that runs the domain's normalisation of one field."""

    def check(value: str) -> str:
        if not value.strip():
            return ""
        out = normalize_fields({key: [value] if key == "tags" else value}, today=today)
        if key == "birthday":
            bday = domain.parse_birthday(value, today=today)
            return f"birthday {birthday_words(bday.month, bday.day, bday.year)}"
        if key == "tags":
            return "tags: " + ", ".join(out["tags"])
        return ""

    return check


def _fields(values: dict[str, str], *, with_note: bool, today: date) -> list[Field]:
    fields = [
        Field(
            key,
            label,
            value=values.get(key, ""),
            placeholder=placeholder,
            check=_check(key, today) if key in ("email", "phone", "birthday", "tags") else None,
        )
        for key, label, placeholder in LEAD_FIELDS
    ]
    if with_note:
        fields.append(Field("note", "Note", placeholder="a first note (optional)"))
    return fields


def _lead_values(values: dict[str, str], *, keep_empty: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, _, _ in LEAD_FIELDS:
        value = values.get(key, "")
        if not value.strip() and not keep_empty and key != "name":
            continue
        out[key] = [value] if key == "tags" else value
    return out


def add_lead_form(app: ProspectrApp) -> FormScreen:
    """The add form; saving returns ``OpenLead(new_id)``."""

    def submit(values: dict[str, str], force: bool) -> OpenLead:
        with app.unit() as s:
            lead = domain.add_lead(
                s,
                now=app.now(),
                force=force,
                note=values.get("note") or None,
                **_lead_values(values, keep_empty=False),
            )
            detail = domain.lead_detail(s, lead)
        assert lead.id is not None
        app.say(f"added #{lead.id} {domain.display_name(lead)} [{detail.stage.name}]")
        return OpenLead(lead.id)

    return FormScreen(
        "Add a lead", _fields({}, with_note=True, today=app.today()), submit, save_label="Add"
    )


def edit_lead_form(app: ProspectrApp, lead_id: int) -> FormScreen | None:
    """The edit form for one lead, filled with its values; saving returns True."""
    with app.unit(write=False) as s:
        detail = domain.lead_detail(s, domain.get_lead(s, lead_id))
    lead = detail.lead
    values = {key: str(getattr(lead, key, "") or "") for key, _, _ in LEAD_FIELDS}
    values["tags"] = ", ".join(detail.tags)
    values["birthday"] = detail.birthday or ""

    def submit(values: dict[str, str], force: bool) -> bool:
        with app.unit() as s:
            current = domain.get_lead(s, lead_id)
            domain.update_lead(
                s, current, now=app.now(), force=force, **_lead_values(values, keep_empty=True)
            )
        app.say(f"saved #{lead_id}")
        return True

    return FormScreen(
        f"Edit #{lead_id} {domain.display_name(lead)}",
        _fields(values, with_note=False, today=app.today()),
        submit,
    )

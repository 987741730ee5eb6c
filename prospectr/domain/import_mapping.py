"""Which CSV column feeds which lead field.

Headers are matched after normalising (case, accents, punctuation, the numbers
of Google's ``E-mail 1 - Value``, Pipedrive's ``Person -`` prefix) against the
headers that Google Contacts, Outlook, LinkedIn, HubSpot, Pipedrive and
prospectr's own export write, plus a list of generic synonyms. ``--map
"Column=field"`` overrides a column. Several columns may feed one field: for a
single-value field the first non-empty one wins (in the order listed below);
extra emails and phones are kept as custom fields. Google's multi-value cells
(``a ::: b``) are split. A ``do_not_contact`` cell stays text here: the importer
reads it as yes or no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from prospectr.domain.text import clean, fold
from prospectr.errors import InvalidInput

MULTI_SEPARATOR = " ::: "
CUSTOM = "custom"
IGNORE = "ignore"

# fmt: off
# field -> normalised headers, most wanted first (the order picks among filled columns).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "full name", "display name", "contact name", "person name", "formatted name",
        "customer name", "lead name", "your name", "contact", "fn",
    ),
    "given_name": (
        "first name", "given name", "firstname", "first", "forename", "given", "fname",
    ),
    "middle_name": ("middle name", "additional name", "middle", "middle names"),
    "family_name": ("last name", "family name", "surname", "lastname", "last", "lname"),
    "email": (
        "email", "email address", "email # value", "email # address", "primary email",
        "email work", "work email", "email home", "home email", "email other", "other email",
        "emails", "mail",
    ),
    "phone": (
        "mobile phone", "mobile phone number", "phone mobile", "mobile", "mobile number",
        "cell", "cell phone", "cellphone", "whatsapp", "phone", "phone number",
        "phone # value", "telephone", "tel", "primary phone", "phone work", "work phone",
        "business phone", "business phone #", "phone home", "home phone", "home phone #",
        "phone other", "other phone", "car phone", "company main phone",
    ),
    "company": (
        "company", "company name", "organization", "organisation", "organization name",
        "organization # name", "org", "account name", "account", "business name", "employer",
    ),
    "title": (
        "job title", "title", "position", "role", "organization title", "organization # title",
        "occupation", "designation",
    ),
    "city": (
        "city", "town", "locality", "address # city", "business city", "home city",
        "other city", "mailing city", "postal address city town", "city town",
    ),
    "country": (
        "country", "country region", "address # country", "business country region",
        "home country region", "other country region", "mailing country",
        "postal address country",
    ),
    "source": (
        "source", "lead source", "original source", "channel", "utm source",
        "referral source", "how did you hear about us",
    ),
    "tags": (
        "tags", "tag", "labels", "label", "group membership", "groups", "categories",
        "category",
    ),
    "birthday": (
        "birthday", "birth date", "birthdate", "date of birth", "dob", "bday", "born",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks", "message", "description"),
    "stage": ("stage",),
    # What prospectr's own export writes beside the stage (so a round trip keeps them).
    "lost_reason": ("lost reason", "reason lost"),
    "next_followup": ("next followup", "next follow up", "followup date", "follow up date"),
    # Not "opt out", "unsubscribed" or "do not call": those name one channel
    # (email, phone) and often hold dates; map one with --map "Column=do_not_contact".
    "do_not_contact": ("do not contact", "dnc", "donotcontact"),
}
# Columns that carry nothing for a lead: labels of other columns, photos,
# phonetic spellings, ids, and the derived columns of prospectr's own export.
KNOWN_IGNORED = frozenset(
    {
        "id", "record id", "email # label", "email # type", "phone # label", "phone # type",
        "address # label", "address # type", "website # label", "website # type",
        "relation # label", "event # label", "event # type", "im # label", "im # type",
        "photo", "file as", "phonetic first name", "phonetic middle name",
        "phonetic last name", "given yomi", "surname yomi", "company yomi", "yomi name",
        "given name yomi", "additional name yomi", "family name yomi",
        "organization # yomi name", "organization # type", "name prefix", "name suffix",
        "suffix", "initials", "temperature", "budget", "authority", "need", "timeline",
        "created at", "updated at", "last contact",
        "sales", "line", "reason",
    }
)
TARGETS = (*SYNONYMS, CUSTOM, IGNORE)
# Google's custom fields come as pairs of columns: the label is the key of the value.
_CUSTOM_PAIR = {"custom field # label": "label", "custom field # value": "value"}
_TARGET_ALIASES = {
    "first": "given_name", "given": "given_name", "first_name": "given_name",
    "last": "family_name", "family": "family_name", "last_name": "family_name",
    "surname": "family_name", "middle": "middle_name", "note": "notes", "tag": "tags",
    "bday": "birthday", "org": "company", "organization": "company", "-": IGNORE,
    "skip": IGNORE, "none": IGNORE, "dnc": "do_not_contact",
}
# fmt: on
_LOOKUP: dict[str, tuple[str, int]] = {
    key: (target, rank) for target, keys in SYNONYMS.items() for rank, key in enumerate(keys)
}
SINGLE_FIELDS = (
    "name",
    "given_name",
    "middle_name",
    "family_name",
    "company",
    "title",
    "city",
    "country",
    "source",
    "birthday",
    "stage",
    "lost_reason",
    "next_followup",
    "do_not_contact",
)


def header_key(header: str) -> str:
    """A header normalised for matching: ``E-mail 1 - Value`` -> ``email # value``."""
    key = fold(header).strip()
    key = re.sub(r"^(person|contact|people|lead)\s+-\s+", "", key)
    key = key.replace("e-mail", "email")
    key = re.sub(r"[\W_]+", " ", key).strip()
    return re.sub(r"\b\d+\b", "#", key)


def known_score(cells: list[str]) -> int:
    """How many cells look like known column names (to find the header line)."""
    return sum(1 for cell in cells if header_key(cell) in _LOOKUP)


class _Overrides(dict[str, str]):
    """{folded column: target}, with each column as the user typed it (for errors)."""

    def __init__(self) -> None:
        super().__init__()
        self.typed: dict[str, str] = {}


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``["Column Name=field", ...]`` -> {folded column: target}. Raises InvalidInput."""
    out = _Overrides()
    for item in items:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip():
            raise InvalidInput(f"--map needs 'Column Name=field', not {item!r}")
        out.typed.setdefault(fold(clean(column)), clean(column))
        target = target.strip()
        if target.lower().startswith(("custom.", "custom:")) and clean(target[7:]):
            out[fold(clean(column))] = f"{CUSTOM}:{clean(target[7:])}"
            continue
        target = target.lower() if target == "-" else re.sub(r"[\s-]+", "_", target.lower())
        target = _TARGET_ALIASES.get(target, target)
        if target not in TARGETS:
            raise InvalidInput(
                f"--map {item!r}: unknown field {target!r} (fields: {', '.join(TARGETS)},"
                " custom:NAME)"
            )
        out[fold(clean(column))] = target
    return out


@dataclass
class ColumnMap:
    """The mapping of one header: per field, the column indexes feeding it."""

    header: list[str]
    fields: dict[str, list[int]] = field(default_factory=dict)
    custom: list[tuple[int, str]] = field(default_factory=list)
    # Google's "Custom Field N - Label" / "- Value" pairs: (label column, value
    # column, the key when the label cell is empty).
    labelled: list[tuple[int, int, str]] = field(default_factory=list)
    described: list[tuple[str, str]] = field(default_factory=list)
    unmapped: list[int] = field(default_factory=list)
    _singles: list[tuple[str, list[int]]] = field(default_factory=list)
    _multis: list[tuple[str, str, list[int]]] = field(default_factory=list)
    _tags: list[int] = field(default_factory=list)
    _notes: list[int] = field(default_factory=list)
    _bdays: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, header: list[str], overrides: dict[str, str]) -> ColumnMap:
        """Map each column of ``header``; ``overrides`` come from ``parse_overrides``."""
        cmap = cls(header=header)
        keys = [header_key(h) for h in header]
        outlook_honorific = "title" in keys and "job title" in keys
        ranked: dict[str, list[tuple[int, int]]] = {}
        used: set[str] = set()
        paired = cmap._pair_custom_fields(keys, overrides)
        for index, (raw, key) in enumerate(zip(header, keys, strict=True)):
            folded = fold(clean(raw))
            target: str | None
            rank = 0
            if index in paired:
                continue
            if folded in overrides:
                target = overrides[folded]
                used.add(folded)
            elif raw.lower().startswith(("custom.", "custom:")) and raw[7:].strip():
                target = f"{CUSTOM}:{clean(raw[7:])}"
            elif key == "title" and outlook_honorific:
                target = IGNORE  # Outlook's "Title" is Mr./Ms.; "Job Title" is the job
            elif key in _LOOKUP:
                target, rank = _LOOKUP[key]
            elif key in KNOWN_IGNORED or not key:
                target = IGNORE
            else:
                target = None
            if target is None:
                cmap.unmapped.append(index)
            elif target == IGNORE:
                continue
            elif target == CUSTOM or target.startswith(f"{CUSTOM}:"):
                name = target.partition(":")[2] or clean(raw)
                cmap.custom.append((index, name))
                cmap.described.append((raw, f"custom:{name}"))
            else:
                ranked.setdefault(target, []).append((rank, index))
                cmap.described.append((raw, target))
        missing = [col for col in overrides if col not in used]
        if missing:
            typed = getattr(overrides, "typed", {})
            raise InvalidInput(
                f"--map: no column {typed.get(missing[0], missing[0])!r} in the header"
                f" (columns: {shown_columns(header)})"
            )
        for target, items in ranked.items():
            cmap.fields[target] = [index for _, index in sorted(items)]
        cmap.compile()
        if not cmap.fields and not cmap.custom:
            raise InvalidInput(
                f"no column of the header is known ({shown_columns(header)});"
                " map them with --map 'Column=field' (or is the --encoding wrong?)"
            )
        return cmap

    def _pair_custom_fields(self, keys: list[str], overrides: dict[str, str]) -> set[int]:
        """Pair Google's ``Custom Field N - Label`` and ``- Value`` columns; their indexes."""
        halves: dict[str, dict[str, int]] = {}
        for index, (raw, key) in enumerate(zip(self.header, keys, strict=True)):
            if key in _CUSTOM_PAIR and fold(clean(raw)) not in overrides:
                number = re.search(r"\d+", raw)
                group = number.group() if number else ""
                halves.setdefault(group, {})[_CUSTOM_PAIR[key]] = index
        paired: set[int] = set()
        for group, half in halves.items():
            if "label" in half and "value" in half:
                label, value = half["label"], half["value"]
                self.labelled.append((label, value, f"custom field {group}".strip()))
                self.described.append((self.header[value], f"custom:<{self.header[label]}>"))
                paired.update((label, value))
        return paired

    def column_values(self, rows: list[tuple[int, list[str]]], index: int) -> list[str]:
        """The non-empty cells of one column."""
        return [cells[index] for _, cells in rows if index < len(cells) and cells[index].strip()]

    def compile(self) -> None:
        """Precompute the per-row plan (called once the mapping is final)."""
        fields = self.fields
        self._singles = [
            (name, fields[name]) for name in SINGLE_FIELDS if name in fields and name != "birthday"
        ]
        self._multis = [
            (name, extra, fields[name])
            for name, extra in (("email", "other emails"), ("phone", "other phones"))
            if name in fields
        ]
        self._tags = fields.get("tags", [])
        self._notes = fields.get("notes", [])
        self._bdays = fields.get("birthday", [])

    def extract(self, cells: list[str]) -> tuple[dict[str, Any], list[tuple[int, str]]]:
        """Raw field values of one row, and its birthday cells as (column, text).

        Single-value fields take the first filled column; ``tags`` collect all;
        extra emails and phones go to custom fields.
        """
        n = len(cells)
        out: dict[str, Any] = {}
        for name, idxs in self._singles:
            for i in idxs:
                if i < n and (value := cells[i].strip()):
                    if value[0] == "'":
                        value = _unneutralise(value)
                    if MULTI_SEPARATOR in value:
                        value = value.split(MULTI_SEPARATOR, 1)[0].strip()
                    out[name] = value
                    break
        custom: dict[str, str] = {}
        for name, extra, idxs in self._multis:
            values = _values(cells, idxs, n, _LIST_SPLIT[name])
            if values:
                out[name] = values[0]
                if len(values) > 1:
                    custom[extra] = ", ".join(values[1:])
        if self._tags:
            # Outlook separates categories with ";" (commas split later, as for --tag).
            tags = [
                tag
                for value in _values(cells, self._tags, n)
                for tag in (part.strip() for part in value.split(";"))
                if tag and not tag.startswith("* ")
            ]
            if tags:
                out["tags"] = tags
        if self._notes:
            notes = [_unneutralise(cells[i]) for i in self._notes if i < n and cells[i].strip()]
            if notes:
                out["notes"] = "\n".join(notes)
        for i, key in self.custom:
            if i < n and (value := cells[i].strip()):
                custom[key] = _unneutralise(value)
        for label, i, key in self.labelled:
            if i < n and (value := cells[i].strip()):
                name = clean(cells[label]) if label < n else ""
                custom[name or key] = _unneutralise(value)
        if custom:
            out["custom"] = custom
        bdays = [
            (i, _unneutralise(cells[i].strip())) for i in self._bdays if i < n and cells[i].strip()
        ]
        return out, bdays

    @property
    def unmapped_names(self) -> list[str]:
        """Headers of the columns nothing was mapped to."""
        return [self.header[i] for i in self.unmapped]


def shown_columns(header: list[str], limit: int = 12) -> str:
    """The header's names for a message: cleaned, each cut at 40 characters, at most ``limit``."""
    names = [clean(h) for h in header]
    names = [n if len(n) <= 40 else n[:39] + "…" for n in names if n]
    more = f", and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _unneutralise(value: str) -> str:
    """Undo the spreadsheet guard of an exported cell: ``'=x`` -> ``=x``."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


# Lists inside one email or phone cell: Google's " ::: ", and the commas or
# semicolons of Pipedrive and Outlook ("a@x.com, b@y.com"). A comma alone does
# not split phones (a dialling pause), a comma and a space does.
_LIST_SPLIT = {
    "email": re.compile(r"\s*(?::::|[,;])\s*"),
    "phone": re.compile(r"\s*(?::::|;|,\s)\s*"),
}


def _values(
    cells: list[str], idxs: list[int], n: int, split: re.Pattern[str] | None = None
) -> list[str]:
    """All filled values of these columns, multi-value cells split, in order, de-duplicated.

    Cells split on ``split`` when given, else on Google's `` ::: ``.
    """
    if len(idxs) == 1:  # the common case, kept cheap
        value = cells[idxs[0]].strip() if idxs[0] < n else ""
        if not value:
            return []
        if value[0] == "'":
            value = _unneutralise(value)
        if MULTI_SEPARATOR not in value and (split is None or not split.search(value)):
            return [value]
    found: dict[str, str] = {}  # by the case-folded value: emails differ only in case
    for i in idxs:
        if i < n and (value := cells[i].strip()):
            value = _unneutralise(value)
            parts = split.split(value) if split else value.split(MULTI_SEPARATOR)
            for part in parts:
                if part := part.strip():
                    found.setdefault(part.casefold(), part)
    return list(found.values())

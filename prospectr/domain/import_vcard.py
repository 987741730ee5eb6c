"""vCard (2.1, 3.0, 4.0) and JSON import files as raw lead records.

vCards are parsed with ``vobject``, one card at a time, so a broken card is
rejected alone with the line it starts on. vCard 2.1 quoted-printable soft line
breaks are joined first (vobject decodes the quoted-printable text itself).
Apple's ``BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15`` and vCard 4's ``--0315``
mean a birthday without a year. prospectr's own ``X-PROSPECTR-DNC:yes`` is the
do-not-contact flag.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prospectr.domain.import_mapping import SINGLE_FIELDS
from prospectr.errors import InvalidInput

_BEGIN_RE = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END_RE = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
_QP_RE = re.compile(r"^[^:]*ENCODING=QUOTED-PRINTABLE[^:]*:", re.IGNORECASE)
_QP_BARE_RE = re.compile(r"^[^:]*;QUOTED-PRINTABLE[;:]", re.IGNORECASE)
_VERSION21_RE = re.compile(r"^\s*VERSION\s*:\s*2\.1\s*$", re.IGNORECASE)
_UNESCAPED_COMMA_RE = re.compile(r"(?<!\\),")
# vobject's messages: "At line 7: ...", "Skipped line 7, message: ..."
_AT_LINE_RE = re.compile(r"^At line \d+: ")
_SKIPPED_RE = re.compile(r"^Skipped (?:line (\d+)|a line), message: (.*)$", re.DOTALL)
_FAILED_LINE = "Failed to parse line: "
# Single text values in every vCard version; CATEGORIES (and NICKNAME) are lists.
_TEXT_PROPS = frozenset({"FN", "NOTE", "TITLE", "ROLE", "ORG"})
_LIST_PROPS = frozenset({"CATEGORIES", "NICKNAME"})
_PREFERRED_PHONE = ("cell", "mobile", "iphone", "pref")
# The keys of prospectr's own JSON export that an import reads.
JSON_FIELDS = (*SINGLE_FIELDS, "email", "phone", "tags", "notes", "custom")
JSON_KNOWN = frozenset(
    {
        "id", "temperature", "bant", "created_at", "updated_at",
        "last_contact", "next_followup", "sales", "score", "customer",
    }
)  # fmt: skip
# What each vCard property becomes, in the order a dry run's mapping shows them.
PROPERTY_FIELDS = {
    "FN": "name",
    "N": "given_name, middle_name, family_name",
    "ORG": "company",
    "X-ABSHOWAS": "a company's card (its name is the company)",
    "TITLE": "title",
    "EMAIL": "email (the others: custom:other emails)",
    "TEL": "phone (the others: custom:other phones)",
    "ADR": "city, country",
    "BDAY": "birthday",
    "CATEGORIES": "tags",
    "NOTE": "notes",
    "X-PROSPECTR-SOURCE": "source",
    "X-PROSPECTR-STAGE": "stage",
    "X-PROSPECTR-LOST-REASON": "lost_reason",
    "X-PROSPECTR-NEXT-FOLLOWUP": "next_followup",
    "X-PROSPECTR-DNC": "do_not_contact",
    "X-PROSPECTR-CUSTOM": "custom",
}
# Properties about the file or the card rather than the person, and Apple's labels
# of another property (``item1.X-ABLabel``): never listed as "not imported".
_NOT_LISTED = frozenset({"VERSION", "PRODID", "UID", "REV", "X-ABLABEL"})


@dataclass
class RawCard:
    """One record of a vCard or JSON file, before validation."""

    line: int
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    birthday: str = ""
    problem: str | None = None
    # (file line, text): lines of the card that vobject could not read and skipped.
    warnings: list[tuple[int, str]] = field(default_factory=list)
    # The card's property names, upper-cased (what the dry run's mapping lists).
    properties: list[str] = field(default_factory=list)


def split_cards(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each ``BEGIN:VCARD`` .. ``END:VCARD`` block's lines with the line it starts on."""
    start: int | None = None
    block: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if start is None:
            if _BEGIN_RE.match(line):
                start, block = number, [line]
            continue
        block.append(line)
        if _END_RE.match(line):
            yield start, block
            start, block = None, []
    if start is not None:
        yield start, block


def _prepared(block: list[str]) -> str:
    lines = _join_soft_breaks(block)
    v21 = any(_VERSION21_RE.match(line) for line in lines)
    return "\r\n".join(_escape_commas(line, v21) for line in lines) + "\r\n"


def _escape_commas(line: str, v21: bool) -> str:
    """Escape the commas that vobject would take as list separators in plain text.

    vCard 2.1 never escapes them, and exporters of 3.0 often forget to in NOTE,
    TITLE or ORG; vobject would keep only the text before the first comma.
    """
    head, sep, value = line.partition(":")
    if not sep or "," not in value:
        return line
    name = re.split(r"[;:]", head, maxsplit=1)[0].rsplit(".", 1)[-1].strip().upper()
    if name in _TEXT_PROPS or (v21 and name not in _LIST_PROPS):
        value = _UNESCAPED_COMMA_RE.sub(r"\\,", value)
    return f"{head}:{value}"


def _join_soft_breaks(lines: list[str], origins: list[int] | None = None) -> list[str]:
    """Quoted-printable values continue on the next line after a trailing ``=``.

    ``origins`` receives, per line returned, the index in ``lines`` it starts at.
    """
    out: list[str] = []
    joining = False
    for index, line in enumerate(lines):
        if joining:
            out[-1] = out[-1][:-1] + line.lstrip()
        else:
            out.append(line)
            if origins is not None:
                origins.append(index)
        current = out[-1]
        is_qp = bool(_QP_RE.match(current) or _QP_BARE_RE.match(current))
        joining = is_qp and current.endswith("=")
    return out


def read_vcards(text: str) -> Iterator[RawCard]:
    """Raw lead records of a vCard file (a card that cannot be parsed has ``problem``)."""
    import vobject  # type: ignore[import-untyped]

    found = False
    # vobject logs each line it skips to stderr: keep those records for the summary
    # instead, with a filter on its own logger while it reads (other logging is untouched).
    logger = logging.getLogger("vobject.base")
    skipped: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        skipped.append(record)
        return False  # not printed

    for line, raw in split_cards(text):
        found = True
        block = _prepared(raw)
        card = RawCard(line=line, text=block)
        skipped.clear()
        logger.addFilter(keep)
        try:
            component = vobject.readOne(block, ignoreUnreadable=True)
            card.fields, card.birthday = _card_fields(component)
            card.properties = [str(name).upper() for name in component.contents]
        except Exception as exc:  # vobject raises many kinds on bad input
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            detail = _AT_LINE_RE.sub("", detail)
            where = _file_line(line, raw, block, getattr(exc, "lineNumber", None))
            card.problem = f"unreadable vCard: {detail}" + (f" (at line {where})" if where else "")
        finally:
            logger.removeFilter(keep)
        for record in skipped:
            card.warnings.append(_skipped_line(line, raw, block, record.getMessage()))
        yield card
    if not found:
        raise InvalidInput("no BEGIN:VCARD found: not a vCard file")


def property_mapping(cards: Iterable[RawCard]) -> tuple[list[tuple[str, str]], list[str]]:
    """The properties met in ``cards``: (property, field) for those read, and the others."""
    seen: dict[str, None] = {}
    for card in cards:
        seen.update(dict.fromkeys(card.properties))
    mapping = [(name, target) for name, target in PROPERTY_FIELDS.items() if name in seen]
    others = [name for name in seen if name not in PROPERTY_FIELDS and name not in _NOT_LISTED]
    return mapping, others


def _skipped_line(start: int, raw: list[str], block: str, message: str) -> tuple[int, str]:
    """A line vobject skipped (its log message) as (file line, warning)."""
    found = _SKIPPED_RE.match(message)
    number = int(found.group(1)) if found and found.group(1) else None
    detail = _AT_LINE_RE.sub("", found.group(2) if found else message)
    if detail.startswith(_FAILED_LINE):
        detail = f"unreadable vCard line skipped: {detail[len(_FAILED_LINE) :]}"
    else:
        detail = f"vCard: {detail}"
    return _file_line(start, raw, block, number) or start, detail


def _file_line(start: int, raw: list[str], block: str, number: int | None) -> int | None:
    """The file line of vobject's line ``number`` in the card ``raw`` (``block`` as parsed).

    vobject numbers its logical lines by the line ends it has read, not by lines:
    its logical lines are matched in order with the card's own lines instead.
    """
    if number is None:
        return None
    import vobject

    origins: list[int] = []
    _join_soft_breaks(raw, origins)
    lines = block.split("\r\n")[:-1]
    starts = [i for i, s in enumerate(lines) if s.strip() and (i == 0 or s[:1] not in " \t")]
    numbers = [n for _, n in vobject.base.getLogicalLines(io.StringIO(block), False)]
    if len(numbers) != len(starts) or len(lines) != len(origins) or number not in numbers:
        return None
    return start + origins[starts[numbers.index(number)]]


def _params(prop: Any) -> set[str]:
    """All TYPE values and bare parameters of a property, lower-cased."""
    out = {str(p).lower() for p in getattr(prop, "singletonparams", [])}
    for key, values in getattr(prop, "params", {}).items():
        if key.upper() in ("TYPE", "PREF"):
            out.update(str(v).lower() for v in values)
            if key.upper() == "PREF":
                out.add("pref")
    return out


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if str(v).strip())
    return str(value or "").strip()


def _card_fields(card: Any) -> tuple[dict[str, Any], str]:
    contents: dict[str, list[Any]] = card.contents
    out: dict[str, Any] = {}

    def first(name: str) -> Any | None:
        props = contents.get(name)
        return props[0] if props else None

    if fn := first("fn"):
        out["name"] = _text(fn.value)
    if (n := first("n")) is not None and hasattr(n.value, "given"):
        given, family = _text(n.value.given), _text(n.value.family)
        middle = _text(n.value.additional)
        # An N that only repeats FN as the given name (as prospectr exports a name
        # captured whole) adds no parts.
        if family or middle or given != out.get("name"):
            out["given_name"] = given
            out["middle_name"] = middle
            out["family_name"] = family
    if (org := first("org")) is not None:
        org_value = org.value if isinstance(org.value, list) else [org.value]
        out["company"] = _text(org_value[0] if org_value else "")
    show_as = first("x-abshowas")
    company_card = show_as is not None and _text(show_as.value).upper() == "COMPANY"
    if company_card and out.get("company") and out.get("name") == out["company"]:
        # Apple's company card: the name shown is the company's, not a person's.
        out["name"] = ""
    if (title := first("title")) is not None:
        out["title"] = _text(title.value)
    emails = _ranked(contents.get("email", []), ("pref",))
    phones = _ranked(contents.get("tel", []), _PREFERRED_PHONE)
    phones = [p.removeprefix("tel:") for p in phones]
    custom: dict[str, str] = {}
    if emails:
        out["email"] = emails[0]
        if len(emails) > 1:
            custom["other emails"] = ", ".join(emails[1:])
    if phones:
        out["phone"] = phones[0]
        if len(phones) > 1:
            custom["other phones"] = ", ".join(phones[1:])
    if (adr := first("adr")) is not None and hasattr(adr.value, "city"):
        out["city"] = _text(adr.value.city)
        out["country"] = _text(adr.value.country)
    tags: list[str] = []
    for prop in contents.get("categories", []):
        values = prop.value if isinstance(prop.value, list) else str(prop.value).split(",")
        tags.extend(str(v) for v in values if str(v).strip())
    if tags:
        out["tags"] = tags
    notes = [_text(p.value) for p in contents.get("note", []) if _text(p.value)]
    if notes:
        out["notes"] = "\n".join(notes)
    if (source := first("x-prospectr-source")) is not None:
        out["source"] = _text(source.value)
    if (stage := first("x-prospectr-stage")) is not None:
        out["stage"] = _text(stage.value)
    if (lost := first("x-prospectr-lost-reason")) is not None:
        out["lost_reason"] = _text(lost.value)
    if (follow := first("x-prospectr-next-followup")) is not None:
        out["next_followup"] = _text(follow.value)
    if (dnc := first("x-prospectr-dnc")) is not None:
        out["do_not_contact"] = _text(dnc.value)  # yes or no: read by the importer
    if (extra := first("x-prospectr-custom")) is not None:
        custom.update(_custom_json(_text(extra.value)))
    if custom:
        out["custom"] = custom
    birthday = ""
    if (bday := first("bday")) is not None:
        birthday = _birthday_text(bday)
    return {k: v for k, v in out.items() if v not in ("", None, [])}, birthday


def _custom_json(value: str) -> dict[str, str]:
    """prospectr's own custom fields, written as one JSON object."""
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _ranked(props: list[Any], preferred: tuple[str, ...]) -> list[str]:
    """Values of repeated properties, preferred types first, de-duplicated."""

    def rank(prop: Any) -> int:
        params = _params(prop)
        for i, want in enumerate(preferred):
            if want in params:
                return i
        return len(preferred)

    seen: dict[str, None] = {}
    for prop in sorted(props, key=rank):
        if value := _text(prop.value):
            seen.setdefault(value, None)
    return list(seen)


def _birthday_text(prop: Any) -> str:
    """The BDAY value as text; Apple's omitted year becomes ``--MM-DD``."""
    value = _text(prop.value)
    omit = prop.params.get("X-APPLE-OMIT-YEAR") if hasattr(prop, "params") else None
    if omit and value.startswith(f"{omit[0]}-"):
        return "--" + value[len(str(omit[0])) + 1 :][:5]
    return value


# --- JSON ---------------------------------------------------------------------------


def read_json(text: str) -> tuple[list[RawCard], list[str]]:
    """Raw records of a JSON file: a list of objects with prospectr's export keys.

    Returns the records and the unknown keys met (listed in the summary).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("leads"), list):
        data = data["leads"]
    if not isinstance(data, list):
        raise InvalidInput("a JSON import must be a list of lead objects")
    records: list[RawCard] = []
    unknown: dict[str, None] = {}
    for number, item in enumerate(data, start=1):
        card = RawCard(line=number, text=json.dumps(item, ensure_ascii=False))
        if not isinstance(item, dict):
            card.problem = "not an object"
            records.append(card)
            continue
        for key, value in item.items():
            if key == "birthday":
                card.birthday = str(value or "")
            elif key in JSON_FIELDS:
                _json_field(card, key, value)
            elif key not in JSON_KNOWN:
                unknown.setdefault(str(key), None)
        records.append(card)
    return records, list(unknown)


def _json_field(card: RawCard, key: str, value: Any) -> None:
    if value in (None, "", [], {}):
        return
    if key == "tags":
        card.fields["tags"] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    elif key == "custom":
        if isinstance(value, dict):
            card.fields["custom"] = {str(k): str(v) for k, v in value.items()}
        else:
            card.problem = "custom must be an object"
    elif isinstance(value, dict | list):
        card.problem = f"{key} must be text"
    else:
        card.fields[key] = str(value)

"""The fixed report dataset: twelve leads, built through the domain, every moment at 10:00.

Today is 2026-11-24. The answers the tests expect were worked out by hand from
this table (stages in order: new, qualified, contacted, nurturing, won | lost,
not-now, cold):

 #  lead            source    tags       moves (2026)                    sales (the first one wins)
 1  Maria Santos    referral  vip        new 08-03, qualified 08-05,     150.00 on 09-01,
                                         contacted 08-10, nurturing      80.50 on 10-15
                                         08-20, won 09-01
 2  Nguyễn Văn An   referral             new 09-01, qualified 09-03,     200.00 on 10-08
                                         contacted 09-08, won 10-08
 3  Иван Петров     referral             new 10-01, qualified 10-02,
                                         contacted 10-06
 4  Lilit Sargsyan  facebook             new 07-01, contacted 07-15,
                                         lost 08-01 "price"
 5  Ana Reyes       facebook             new 09-15
 6  Juan Cruz       facebook             new 11-20
 7  Grace Lim       event     fair-2026  new 10-10, qualified 10-12,
                                         nurturing 10-20
 8  Mark Tan        event     fair-2026  new 10-10, lost 10-25 "Price"
 9  Hana Kim        event                new 06-01, qualified 06-03,
                                         not-now 06-20
10  Wei Chen        (none)               new 05-04, qualified 05-06,     1000.00 on 06-10,
                                         contacted 05-11, nurturing      250.25 on 08-10,
                                         05-25, won 06-10                99.99 on 11-02
11  Sofia Lopez     (none)               new 11-03
12  Omar Haddad     website              new 04-01, qualified 04-10,
                                         lost 04-20 "no budget"

Interactions: Maria call 08-10, email 08-20; An call 09-08; Ivan call 10-06,
note 10-20; Ana sms 09-20; Grace meeting 11-05; Sofia note 11-10.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from prospectr.domain.activity import log_interaction, record_sale
from prospectr.domain.leads import add_lead, resolve_stage
from prospectr.domain.stages import move_lead
from prospectr.models import Lead

TODAY = date(2026, 11, 24)


def at(month_day: str) -> datetime:
    """``"08-03"`` -> 2026-08-03 10:00."""
    month, day = (int(x) for x in month_day.split("-"))
    return datetime(2026, month, day, 10, 0)


LEADS: list[dict[str, object]] = [
    {"name": "Maria Santos", "source": "referral", "tags": ["vip"]},
    {"name": "Nguyễn Văn An", "source": "referral"},
    {"name": "Иван Петров", "source": "Referral"},  # folded to "referral"
    {"name": "Lilit Sargsyan", "source": "facebook"},
    {"name": "Ana Reyes", "source": "facebook"},
    {"name": "Juan Cruz", "source": "facebook"},
    {"name": "Grace Lim", "source": "event", "tags": ["fair-2026"]},
    {"name": "Mark Tan", "source": "event", "tags": ["fair-2026"]},
    {"name": "Hana Kim", "source": "event"},
    {"name": "Wei Chen"},
    {"name": "Sofia Lopez"},
    {"name": "Omar Haddad", "source": "website"},
]
CREATED = [
    "08-03",
    "09-01",
    "10-01",
    "07-01",
    "09-15",
    "11-20",
    "10-10",
    "10-10",
    "06-01",
    "05-04",
    "11-03",
    "04-01",
]
# (lead number, stage, day, reason)
MOVES: list[tuple[int, str, str, str | None]] = [
    (1, "qualified", "08-05", None),
    (1, "contacted", "08-10", None),
    (1, "nurturing", "08-20", None),
    (2, "qualified", "09-03", None),
    (2, "contacted", "09-08", None),
    (3, "qualified", "10-02", None),
    (3, "contacted", "10-06", None),
    (4, "contacted", "07-15", None),
    (4, "lost", "08-01", "price"),
    (7, "qualified", "10-12", None),
    (7, "nurturing", "10-20", None),
    (8, "lost", "10-25", "Price"),
    (9, "qualified", "06-03", None),
    (9, "not-now", "06-20", None),
    (10, "qualified", "05-06", None),
    (10, "contacted", "05-11", None),
    (10, "nurturing", "05-25", None),
    (12, "qualified", "04-10", None),
    (12, "lost", "04-20", "no budget"),
]
# (lead number, amount, day): the first sale of a lead moves it to won that day.
SALES: list[tuple[int, str, str]] = [
    (10, "1000.00", "06-10"),
    (10, "250.25", "08-10"),
    (1, "150.00", "09-01"),
    (2, "200.00", "10-08"),
    (1, "80.50", "10-15"),
    (10, "99.99", "11-02"),
]
INTERACTIONS: list[tuple[int, str, str]] = [
    (1, "call", "08-10"),
    (1, "email", "08-20"),
    (2, "call", "09-08"),
    (3, "call", "10-06"),
    (3, "note", "10-20"),
    (5, "sms", "09-20"),
    (7, "meeting", "11-05"),
    (11, "note", "11-10"),
]


def build(session: Session) -> list[Lead]:
    """Create the dataset in time order, as the owner would have; returns the leads."""
    leads = [
        add_lead(session, now=at(day), **fields) for fields, day in zip(LEADS, CREATED, strict=True)
    ]
    events: list[tuple[datetime, int, str, tuple[object, ...]]] = []
    for n, (number, stage, day, reason) in enumerate(MOVES):
        events.append((at(day), n, "move", (number, stage, reason)))
    for n, (number, amount, day) in enumerate(SALES):
        events.append((at(day), 100 + n, "sale", (number, amount)))
    for n, (number, kind, day) in enumerate(INTERACTIONS):
        events.append((at(day), 200 + n, "log", (number, kind)))
    for when, _, what, args in sorted(events, key=lambda e: (e[0], e[1])):
        lead = leads[int(str(args[0])) - 1]
        if what == "move":
            stage = resolve_stage(session, str(args[1]))
            reason = args[2] if isinstance(args[2], str) else None
            followup = date(2027, 1, 8) if stage.requires_followup else None
            move_lead(session, lead, stage, now=when, reason=reason, followup_due=followup)
        elif what == "sale":
            record_sale(session, lead, amount=str(args[1]), on=when.date(), now=when)
        else:
            log_interaction(
                session, lead, text=f"{args[1]} with {lead.name}", at=when, kind=str(args[1])
            )
    session.flush()
    return leads

"""Jobs the server tests run in separate processes: ``python -m tests.server.pg_worker JOB ...``.

Each job prints one final JSON line with what it did and the errors it met.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

from prospectr.db import open_database, session_scope

NOW = datetime(2026, 11, 24, 10, 0, 0)
TODAY = date(2026, 11, 24)


def write(url: str, n: str, prefix: str) -> None:
    """N rounds of: add an own lead, then add "Shared Person" or log a call on it."""
    from prospectr.domain import add_lead, get_lead, log_interaction
    from prospectr.errors import DuplicateLead

    engine = open_database(url, now=NOW)  # both writers race to create the schema
    errors: list[str] = []
    done = shared_created = calls = 0
    for i in range(int(n)):
        try:
            with session_scope(engine) as s:
                add_lead(s, now=NOW, name=f"{prefix} {i}", email=f"{prefix}.{i}@example.com")
            done += 1
            try:
                with session_scope(engine) as s:
                    add_lead(s, now=NOW, name="Shared Person", email="shared@example.com")
                shared_created += 1
            except DuplicateLead as dup:
                with session_scope(engine) as s:
                    shared = get_lead(s, dup.existing_id)
                    log_interaction(s, shared, text=f"{prefix} {i}", at=NOW, kind="call")
                calls += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    engine.dispose()
    print(json.dumps({"done": done, "shared": shared_created, "calls": calls, "errors": errors}))


def read(url: str, stopfile: str) -> None:
    """Count and list in short read-only units until ``stopfile`` appears."""
    from prospectr.domain import LeadQuery, count_matching, list_leads

    engine = open_database(url, now=NOW)
    errors: list[str] = []
    rounds = 0
    stop = Path(stopfile)
    while not stop.exists():
        try:
            with session_scope(engine, write=False) as s:
                count_matching(s, LeadQuery(), today=TODAY)
                list_leads(s, LeadQuery(text="shared"), today=TODAY, limit=20)
            rounds += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    engine.dispose()
    print(json.dumps({"rounds": rounds, "errors": errors}))


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](*sys.argv[2:])

"""Jobs the safety tests run in separate processes: ``python -m tests.safety.workers JOB ...``.

Each job prints one line per acknowledged step (``ack ...``, flushed) and a
final JSON line, so the parent can kill it at any moment and then check that
every acknowledged write survived.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from datetime import date, datetime
from pathlib import Path

from prospectr.db import open_database, session_scope

NOW = datetime(2026, 11, 24, 10, 0, 0)
TODAY = date(2026, 11, 24)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def add(db: str, n: str, prefix: str) -> None:
    """Add N leads, one unit of work each; report errors instead of stopping."""
    from prospectr.domain import add_lead

    engine = open_database(f"sqlite:///{db}", now=NOW)
    errors: list[str] = []
    done = 0
    for i in range(int(n)):
        try:
            with session_scope(engine) as s:
                add_lead(s, now=NOW, name=f"{prefix} {i}", email=f"{prefix}.{i}@example.com")
            done += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    engine.dispose()
    say(json.dumps({"done": done, "errors": errors[:5], "error_count": len(errors)}))


def read(db: str, stopfile: str) -> None:
    """Read in a loop (count, a page of the list, a search) until ``stopfile`` appears."""
    from prospectr.domain import LeadQuery, count_matching, list_leads

    engine = open_database(f"sqlite:///{db}", now=NOW)
    errors: list[str] = []
    rounds = 0
    stop = Path(stopfile)
    while not stop.exists():
        try:
            with session_scope(engine, write=False) as s:
                count_matching(s, LeadQuery(), today=TODAY)
                list_leads(s, LeadQuery(sort="created", descending=True), today=TODAY, limit=50)
                list_leads(s, LeadQuery(text="w1 1"), today=TODAY, limit=20)
            rounds += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    engine.dispose()
    say(json.dumps({"rounds": rounds, "errors": errors[:5], "error_count": len(errors)}))


def hold(db: str, stopfile: str) -> None:
    """Behave like an open TUI: one short read per "keystroke", connection kept warm."""
    from prospectr.domain import LeadQuery, list_leads

    engine = open_database(f"sqlite:///{db}", now=NOW)
    stop = Path(stopfile)
    rounds = 0
    errors: list[str] = []
    with engine.connect() as warm:
        while not stop.exists():
            try:
                with session_scope(engine, write=False) as s:
                    list_leads(s, LeadQuery(), today=TODAY, limit=30)
                rounds += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)
        warm.close()
    engine.dispose()
    say(json.dumps({"rounds": rounds, "errors": errors[:5], "error_count": len(errors)}))


def edit(db: str, leads: str) -> None:
    """Edit forever: each step sets custom v=k on a lead AND logs note "v=k", atomically.

    Prints ``ack LEAD K`` after each commit. The invariant a crash must keep: a
    lead's ``v`` equals its number of notes, and no acknowledged step is missing.
    """
    from prospectr.domain import get_lead, log_interaction, update_lead

    engine = open_database(f"sqlite:///{db}", now=NOW)
    ids = [int(x) for x in leads.split(",")]
    versions = dict.fromkeys(ids, 0)
    with session_scope(engine, write=False) as s:
        for lead_id in ids:
            versions[lead_id] = int(get_lead(s, lead_id).custom.get("v", "0"))
    say("ready")
    k = 0
    while True:
        lead_id = ids[k % len(ids)]
        k += 1
        v = versions[lead_id] + 1
        with session_scope(engine) as s:
            lead = get_lead(s, lead_id)
            update_lead(s, lead, now=NOW, custom={"v": str(v)}, city=f"City {v}")
            log_interaction(s, lead, text=f"v={v}", at=NOW)
        versions[lead_id] = v
        say(f"ack {lead_id} {v}")


def import_csv(db: str, csv_path: str) -> None:
    """Import one CSV file as one batch (one transaction); prints the counts at the end."""
    from prospectr.domain.importer import ImportOptions, import_file

    engine = open_database(f"sqlite:///{db}", now=NOW)
    say("ready")
    with session_scope(engine) as s:
        report = import_file(s, Path(csv_path), ImportOptions(), now=NOW, today=TODAY)
    say(json.dumps({"batch": report.batch_id, "imported": report.imported}))


def backup_loop(db: str, target: str) -> None:
    """Back the database up into ``target`` again and again."""
    from prospectr.domain.backup import make_backup

    engine = open_database(f"sqlite:///{db}", now=NOW)
    say("ready")
    n = 0
    while True:
        make_backup(engine, Path(db), now=NOW, target=Path(target), force=True)
        n += 1
        say(f"ack {n}")


def restore_loop(db: str, first: str, second: str) -> None:
    """Restore two backups alternately, forever."""
    from prospectr.domain.backup import restore

    say("ready")
    n = 0
    while True:
        restore(Path(db), Path(first if n % 2 == 0 else second), now=NOW)
        n += 1
        say(f"ack {n}")


JOBS = {
    "add": add,
    "read": read,
    "hold": hold,
    "edit": edit,
    "import": import_csv,
    "backup": backup_loop,
    "restore": restore_loop,
}


if __name__ == "__main__":
    try:
        JOBS[sys.argv[1]](*sys.argv[2:])
    except Exception:
        traceback.print_exc()
        sys.exit(1)

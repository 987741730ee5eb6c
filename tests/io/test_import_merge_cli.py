"""``prospectr import --on-duplicate update|merge``: the summary, --json, dry run and list."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]

FIRST = (
    "Name,Email,Phone,City,Title,Tags\n"
    "Maria Santos,maria@example.com,,Manila,,vip\n"
    "Bo Chan,,555 0100 300,Davao,Owner,\n"
)
AGAIN = (
    "Name,Email,Phone,City,Title,Tags\n"
    "Maria Santos,maria@example.com,,Manila,,vip\n"  # 2: nothing new
    "Bo Chan,,5550100300,Cebu,Owner,\n"  # 3: a new city (update only)
    "Maria S.,maria@example.com,,,Baker,fair\n"  # 4: a title to fill and a tag
    "Cy Diaz,cy@example.com,,Iloilo,,\n"  # 5: new
    "Cy Diaz,cy@example.com,,Iloilo,,\n"  # 6: the same as line 5
)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    first.write_text(FIRST, encoding="utf-8")
    again.write_text(AGAIN, encoding="utf-8")
    return first, again


def test_update_summary_says_updated_and_lists_unchanged_rows(
    cli: Cli, tmp_path: Path, db_path: Path
) -> None:
    first, again = _files(tmp_path)
    cli("import", str(first))
    result = cli("import", str(again), "--on-duplicate", "update")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "imported 1, updated 2, unchanged 2, skipped 0, rejected 0 (5 records) - batch #2",
        "unchanged: 2 duplicates had nothing new for their lead",
        "  line 2: duplicate of lead #1 (email maria@example.com): no change",
        "  line 6: duplicate of line 5 (email cy@example.com): no change",
        "undo with: prospectr import undo 2",
    ]


def test_merge_summary_says_merged(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    first, again = _files(tmp_path)
    cli("import", str(first))
    result = cli("import", str(again), "--on-duplicate", "merge")
    assert result.stdout.splitlines()[0] == (
        "imported 1, merged 1, unchanged 3, skipped 0, rejected 0 (5 records) - batch #2"
    )
    assert "  line 3: duplicate of lead #2 (phone 5550100300): no change" in result.stdout


def test_json_has_updated_unchanged_and_their_rows(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    first, again = _files(tmp_path)
    cli("import", str(first))
    data = json.loads(cli("import", str(again), "--on-duplicate", "update", "--json").stdout)
    keys = ("records", "imported", "merged", "updated", "unchanged", "skipped", "rejected")
    assert {k: data[k] for k in keys} == {
        "records": 5,
        "imported": 1,
        "merged": 0,
        "updated": 2,
        "unchanged": 2,
        "skipped": 0,
        "rejected": 0,
    }
    assert data["unchanged_rows"] == [
        {"line": 2, "reason": "duplicate of lead #1 (email maria@example.com): no change"},
        {"line": 6, "reason": "duplicate of line 5 (email cy@example.com): no change"},
    ]
    assert data["skipped_rows"] == []


def test_dry_run_shows_what_would_change(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    first, again = _files(tmp_path)
    cli("import", str(first))
    result = cli("import", str(again), "--on-duplicate", "update", "--dry-run")
    assert "would import 1, update 2, unchanged 2, skip 0, reject 0 (5 records)" in (
        result.stdout.splitlines()
    )
    assert "  line 6: duplicate of line 5 (email cy@example.com): no change" in result.stdout
    data = json.loads(cli("import", str(again), "--on-duplicate", "merge", "-n", "--json").stdout)
    assert (data["batch"], data["merged"], data["unchanged"]) == (None, 1, 3)
    listed = json.loads(cli("import", "list", "--json").stdout)
    assert [b["id"] for b in listed] == [1]  # nothing was written


def test_list_shows_updated_and_unchanged(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    first, again = _files(tmp_path)
    cli("import", str(first))
    cli("import", str(again), "--on-duplicate", "update")
    cli("import", "undo", "2")
    cli("import", str(again), "--on-duplicate", "merge")
    lines = cli("import", "list").stdout.splitlines()
    assert [line.split("  ", 3)[3] for line in lines] == [
        "imported 1, merged 1, unchanged 3, skipped 0, rejected 0",
        "imported 1, updated 2, unchanged 2, skipped 0, rejected 0  undone 2026-11-24 10:00",
        "imported 2, merged 0, skipped 0, rejected 0",
    ]
    listed = json.loads(cli("import", "list", "--json").stdout)
    assert [(b["merged"], b["updated"], b["unchanged"]) for b in listed] == [
        (1, 0, 3),
        (0, 2, 2),
        (0, 0, 0),
    ]


def test_update_keeps_a_replaced_email_and_phone_with_the_others(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    from prospectr.db import open_database
    from tests.io.conftest import stored

    def leads() -> dict[str, dict[str, Any]]:
        engine = open_database(db_url)
        try:
            return stored(engine)
        finally:
            engine.dispose()

    added = cli("add", "Maria Luz Santos", "-e", "maria@example.com", "-p", "+63 917 123 4567")
    assert added.exit_code == 0
    before = leads()
    path = tmp_path / "upd.csv"
    # The same email in other case: the phone is replaced.
    path.write_text("Name,Email,Phone\nMaria Luz Santos,MARIA@example.com,+63 917 999 0000\n")
    assert cli("import", str(path), "--on-duplicate", "update").exit_code == 0
    # The same phone: the email is replaced.
    path.write_text("Name,Email,Phone\nMaria Luz Santos,maria.s@example.ph,+63 917 999 0000\n")
    assert cli("import", str(path), "--on-duplicate", "update").exit_code == 0
    maria = leads()["Maria Luz Santos"]
    assert (maria["email"], maria["phone"]) == ("maria.s@example.ph", "+63 917 999 0000")
    assert maria["custom"] == {
        "other phones": "+63 917 123 4567",
        "other emails": "maria@example.com",
    }
    assert cli("import", "undo", "2").exit_code == 0
    assert cli("import", "undo", "1").exit_code == 0
    assert leads() == before

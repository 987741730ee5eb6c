"""Stored text never acts on the terminal: no raw ESC or control byte, no markup, no bidi trick.

Two sources of hostile text: the normal capture (``prospectr add``), which strips
control, zero-width and bidi characters, and rows written behind prospectr's back
(another tool, an old file), which the output layer must still show inertly.
Every command is run with its output piped and on a pseudo-terminal.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import sqlite3
import struct
import subprocess
import sys
import termios
import unicodedata
from contextlib import closing
from pathlib import Path

import pytest

from prospectr.db import open_database

from .conftest import ROOT, Tally, cli_env, run_cli

pytestmark = pytest.mark.sqlite_only

ESCAPES = [
    "\x1b[31mRED\x1b[0m",  # colour
    "\x1b]0;PWNED\x07",  # window title (OSC)
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1bc",  # full reset
    "\x9b6n",  # C1 CSI: cursor position report
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",  # hyperlink
    "\x07\x08\x08\r",  # bell, backspaces, carriage return
]
MARKUP = ["[bold red]Boss[/]", "[link=http://evil.example]click[/link]", "[/]", ":smile:"]
INVISIBLE = [
    "A\u200bB",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    "\ufeffbom",
    "x\u200d\u200cy",
    "\u061c",
]

HOSTILE_NAME = " ".join(["Raw", *ESCAPES[:4], MARKUP[0], *INVISIBLE[:3]])
HOSTILE_NOTE = " ".join(["note", *ESCAPES, *MARKUP, *INVISIBLE])

# Byte sequences that must never reach the terminal as such.
DATA_SEQUENCES = [
    b"\x1b[31mRED",
    b"\x1b]0;PWNED",
    b"\x1b[2J",
    b"\x1bc",
    b"\xc2\x9b6n",
    b"\x1b]8;;http://evil",
    b"\x07",
    b"\x08",
]
INVISIBLE_CHARS = {ch for text in INVISIBLE for ch in text if unicodedata.category(ch) == "Cf"}
SGR = re.compile(rb"\x1b\[[0-9;]*m")  # rich's own styling


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Lead 1 written behind prospectr's back; lead 2 captured by ``prospectr add``."""
    db = tmp_path_factory.mktemp("hostile") / "prospectr.db"
    open_database(f"sqlite:///{db}").dispose()
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(
            "INSERT INTO lead (id, name, name_key, company, email, city, source, stage_id,"
            " budget, authority, need, timeline, do_not_contact, search_text, created_at,"
            " updated_at, lost_reason, budget_note)"
            " VALUES (1, ?, 'raw', ?, ?, ?, ?, 1, 'yes', 'unknown', 'yes', 'yes', 0,"
            " 'raw boss', '2026-11-01 09:00:00', '2026-11-01 09:00:00', ?, ?)",
            (
                HOSTILE_NAME,
                "Co" + ESCAPES[2] + MARKUP[1],
                "e\x1b[5m@x.org",
                "City" + INVISIBLE[2],
                "fb\x1b[8m",
                "price" + ESCAPES[1],
                "budget" + ESCAPES[0],
            ),
        )
        conn.execute("INSERT INTO lead_tag VALUES (1, ?)", ("vip" + ESCAPES[0],))
        conn.execute(
            "INSERT INTO interaction (lead_id, kind, at, text) VALUES (1, 'call', ?, ?)",
            ("2026-11-20 10:00:00", HOSTILE_NOTE),
        )
        conn.execute(
            "INSERT INTO follow_up (lead_id, due, text, created_at) VALUES (1, ?, ?, ?)",
            ("2026-11-24", "call back " + ESCAPES[0] + INVISIBLE[1], "2026-11-20 10:00:00"),
        )
        conn.commit()
    added = run_cli(
        db,
        "add",
        HOSTILE_NAME,
        "--company",
        "Co" + ESCAPES[2] + MARKUP[1],
        "--city",
        "City" + INVISIBLE[2],
        "--source",
        "fb\x1b[8m",
        "--tag",
        "vip" + ESCAPES[0],
        "--note",
        HOSTILE_NOTE,
    )
    assert added.returncode == 0, added.stderr
    return db


def test_capture_strips_controls_and_keeps_markup_as_text(hostile_db: Path) -> None:
    with closing(sqlite3.connect(hostile_db)) as conn:
        name, company, city = conn.execute(
            "SELECT name, company, city FROM lead WHERE id = 2"
        ).fetchone()
        (note,) = conn.execute("SELECT text FROM interaction WHERE lead_id = 2").fetchone()
    for value in (name, company, city, note):
        bad = [ch for ch in value if unicodedata.category(ch)[0] == "C" and ch not in "\n\t"]
        assert bad == [], value
    assert "[bold red]Boss[/]" in name
    assert "AB" in name  # the zero-width space is gone, the letters are not
    assert "[link=http://evil.example]click[/link]" in company


COMMANDS = [
    ["list", "--all"],
    ["list", "--json"],
    ["show", "1"],
    ["show", "1", "--json"],
    ["show", "2"],
    ["search", "boss"],
    ["today"],
    ["today", "--json"],
    ["show", "\x1b]0;PWNED\x07 \u202enobody"],  # an error that repeats what was typed
]


def run_on_pty(db: Path, *args: str) -> bytes:
    """Run ``prospectr ARGS`` attached to a 120x40 pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = cli_env(db, TERM="xterm-256color")
    env.pop("CI", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prospectr", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=ROOT,
        close_fds=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks)


def assert_inert(output: bytes, where: str) -> None:
    for seq in DATA_SEQUENCES:
        assert seq not in output, (where, seq, output[:2000])
    rest = SGR.sub(b"", output).replace(b"\r\n", b"\n")
    assert b"\x1b" not in rest, (where, rest[:2000])
    text = rest.decode("utf-8")
    controls = [ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n"]
    assert controls == [], (where, controls)
    assert not INVISIBLE_CHARS & set(text), (where, INVISIBLE_CHARS & set(text))


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_output_is_inert_piped_and_on_a_terminal(
    hostile_db: Path, command: list[str], tally: Tally
) -> None:
    piped = run_cli(hostile_db, *command)
    assert b"Traceback" not in piped.stderr, piped.stderr.decode()
    assert_inert(piped.stdout + piped.stderr, "piped")
    on_tty = run_on_pty(hostile_db, *command)
    assert b"Traceback" not in on_tty, on_tty.decode()
    assert_inert(on_tty, "pty")
    tally.add("inputs generated", len(ESCAPES) + len(MARKUP) + len(INVISIBLE))
    if command[-1] == "--json":
        json.loads(piped.stdout)  # still valid JSON, escapes and all


def test_markup_is_shown_literally(hostile_db: Path) -> None:
    for lead in ("1", "2"):
        shown = run_cli(hostile_db, "show", lead)
        assert shown.returncode == 0, shown.stderr
        assert "[bold red]Boss[/]" in shown.stdout.decode()
    as_json = json.loads(run_cli(hostile_db, "show", "1", "--json").stdout)
    assert as_json["name"] == HOSTILE_NAME  # JSON keeps the stored value exactly


def test_the_terminal_output_is_really_styled(hostile_db: Path) -> None:
    """The pty runs above exercise rich's colour path (else they would prove less)."""
    assert SGR.search(run_on_pty(hostile_db, "list"))


@pytest.mark.parametrize(
    "command",
    [["export"], ["export", "--format", "json"], ["export", "--format", "vcf"], ["list", "--csv"]],
    ids=" ".join,
)
def test_data_exports_to_the_terminal_are_inert(hostile_db: Path, command: list[str]) -> None:
    piped = run_cli(hostile_db, *command)
    assert piped.returncode == 0, piped.stderr
    assert_inert(piped.stdout + piped.stderr, "piped")

"""Layering checked in fresh interpreters: the domain loads no UI library, `add` no TUI."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

UI_PREFIXES = ("typer", "textual", "rich", "click")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the modules loaded when it exits."""
    probe = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: sys.__stderr__.write("
        "'MODULES=' + json.dumps(sorted(sys.modules)) + '\\n'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("MODULES=")]
    assert lines, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return list(json.loads(lines[-1].removeprefix("MODULES=")))


def _family(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in prefixes or m.startswith(prefixes)]


def test_domain_loads_no_ui_library() -> None:
    modules = _loaded_after(
        "import prospectr.domain\n"
        "from prospectr.domain import *  # noqa\n"
        "import prospectr.domain.activity, prospectr.domain.reminders, prospectr.domain.dates\n"
        "import prospectr.domain.leads, prospectr.domain.bant, prospectr.domain.search\n"
        "import prospectr.domain.stages, prospectr.domain.text, prospectr.domain.views\n"
    )
    assert "prospectr.domain.views" in modules  # the probe saw the whole domain load
    assert _family(modules, UI_PREFIXES) == []


def test_domain_exports_stay_functions_whatever_the_import_order() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import prospectr.domain.search, prospectr.domain.reminders\n"
            "from prospectr.domain import qualify, agenda\n"
            "print(callable(qualify), qualify.__name__, callable(agenda), agenda.__name__)\n",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == ["True", "qualify", "True", "agenda"]


def test_cli_add_loads_no_textual(tmp_path: Path) -> None:
    env = {**os.environ, "PROSPECTR_DB": str(tmp_path / "data" / "prospectr.db")}
    env.pop("NO_COLOR", None)
    modules = _loaded_after(
        "from prospectr.cli import main\nsys.argv = ['prospectr', 'add', 'X']\nmain()\n",
        env=env,
    )
    assert "prospectr.cli" in modules
    assert "typer" in modules  # the probe ran through the real CLI
    with sqlite3.connect(tmp_path / "data" / "prospectr.db") as conn:
        assert conn.execute("SELECT name FROM lead").fetchall() == [("X",)]
    assert _family(modules, ("textual",)) == []

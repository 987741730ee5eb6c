"""The report layers: counting loads no UI library; the CLI report loads no TUI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def loaded_after(code: str) -> list[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


def family(modules: list[str], *prefixes: str) -> list[str]:
    return [m for m in modules if m.split(".")[0] in prefixes]


def test_report_domain_and_charts_load_no_ui_library() -> None:
    modules = loaded_after("import prospectr.domain.reports, prospectr.charts")
    assert "prospectr.domain.report_money" in modules
    assert family(modules, "typer", "click", "rich", "textual") == []


def test_cli_report_loads_no_textual(db_path: Path) -> None:
    code = (
        "import sys, contextlib, io\n"
        "from prospectr.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        app(['report'], standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    modules = loaded_after(code)
    assert "prospectr.report_view" in modules  # the report really ran
    assert family(modules, "textual") == []

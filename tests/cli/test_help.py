"""Every command explains itself with an example; help stays in step with the domain."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import typer.main

from prospectr.cli import app
from prospectr.domain.search import SORTS
from prospectr.models import INTERACTION_KINDS

Run = Callable[..., Any]


def command_paths() -> Iterator[tuple[str, ...]]:
    """Every command and sub-command of the app, as argument paths."""

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield (*path, name)
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


PATHS = list(command_paths())


def test_the_everyday_commands_are_all_there() -> None:
    expected = {
        ("add",),
        ("list",),
        ("search",),
        ("show",),
        ("edit",),
        ("delete",),
        ("qualify",),
        ("note",),
        ("log",),
        ("move",),
        ("sale",),
        ("today",),
        ("where",),
        ("followup", "add"),
        ("followup", "done"),
        ("followup", "snooze"),
        ("followup", "list"),
        ("stages", "list"),
        ("stages", "add"),
        ("stages", "rename"),
        ("stages", "reorder"),
        ("stages", "retire"),
        ("stages", "restore"),
    }
    assert expected <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_has_help_with_an_example(cli: Run, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0
    assert re.search(rf"Examples?:\s+prospectr {path[0]}\b", result.stdout), result.stdout


def test_root_help_lists_every_command(cli: Run) -> None:
    out = cli("--help").stdout
    for path in PATHS:
        if len(path) == 1:
            assert f"\n  {path[0]} " in out


def test_list_help_names_every_sort_key(cli: Run) -> None:
    out = " ".join(cli("list", "--help").stdout.split())
    for key in SORTS:
        assert key in out


def test_log_help_names_every_contact_kind(cli: Run) -> None:
    out = " ".join(cli("log", "--help").stdout.split())
    for kind in INTERACTION_KINDS[1:]:
        assert kind in out


def test_loading_the_commands_loads_neither_rich_nor_textual() -> None:
    code = (
        "import sys, prospectr.cli\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'textual'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "[]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch"], "error: No such command 'nosuch'. (see 'prospectr --help')\n"),
        (
            ["report", "nosuch"],
            "error: no report section 'nosuch' (sections: funnel, sources, velocity, stale,"
            " lost, trend, customers)\n",
        ),
        (["list", "--bogus"], "error: No such option: --bogus (see 'prospectr list --help')\n"),
        (
            ["list", "--limit", "0"],
            "error: Invalid value for '--limit' / '-l': Input should be greater than or equal"
            " to 1 (see 'prospectr list --help')\n",
        ),
        (["note"], "error: Missing argument 'LEAD'. (see 'prospectr note --help')\n"),
    ],
)
def test_usage_errors_are_one_line_with_the_help_to_read(
    cli: Callable[..., Any], args: list[str], message: str
) -> None:
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_the_installed_command_gives_one_line_too(db_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prospectr", "list", "--bogus"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr == "error: No such option: --bogus (see 'python -m prospectr list --help')\n"
    )


def test_help_names_the_default_database_file() -> None:
    import tempfile
    from pathlib import Path

    # A short folder: the help wraps at 80 columns, cutting a long path.
    with tempfile.TemporaryDirectory() as home:
        data = Path(home) / "d"
        env = {"PATH": "", "HOME": home, "XDG_DATA_HOME": str(data)}
        out = subprocess.run(
            [sys.executable, "-m", "prospectr", "--help"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        words = " ".join(out.stdout.split())
        assert f"else {data / 'prospectr' / 'prospectr.db'}; see 'prospectr where'" in words
        assert not data.exists()  # the help creates nothing


@pytest.mark.parametrize("group", [[], ["report"], ["stages"], ["followup"], ["db"]])
def test_command_lists_show_whole_first_sentences(
    cli: Callable[..., Any], group: list[str]
) -> None:
    out = cli(*group, "--help").stdout
    commands = out.split("Commands:", 1)[1]
    assert "..." not in commands
    if not group:
        assert 'List leads as a table, filtered and sorted; ends with "N of M leads".' in " ".join(
            commands.split()
        )

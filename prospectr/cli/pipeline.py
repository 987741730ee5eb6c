"""Pipeline commands: qualify (BANT), move, the stages sub-app, and where the data lives.

Typer reads these signatures on every run; without ``from __future__ import
annotations`` the ``Annotated`` hints are objects already, not strings to evaluate,
which keeps start-up quick.
"""

from typing import Annotated, Any

import typer

from prospectr import domain
from prospectr.cli.app import (
    WholeSentences,
    app,
    console,
    db_url,
    echo,
    fail,
    is_tty,
    now,
    print_json,
    run_default,
    state,
    today,
    unit,
    warn,
)
from prospectr.cli.leads import LeadArg
from prospectr.domain.text import plural
from prospectr.errors import InvalidInput

QUESTIONS = {
    "budget": "Budget: can and will they spend money?",
    "authority": "Authority: do they make the decision themselves?",
    "need": "Need: do they have a problem the product solves?",
    "timeline": "Timeline: ready to buy now, is there urgency?",
}
SHORT = {"yes": "y", "no": "n", "unknown": "?"}


def _answer_opt(name: str, short: str) -> Any:
    return typer.Option(
        f"--{name}", short, help=f"{name.capitalize()}: y, n, or u / '?' for unknown."
    )


def _note_opt(name: str) -> Any:
    return typer.Option(f"--{name}-note", help=f"A short note on {name}.")


def _ask(question: str, current: str) -> str:
    """One y/n/? prompt; asks again until the answer is understood."""
    while True:
        raw = typer.prompt(f"{question} [y/n/?]", default=SHORT.get(current, "?"))
        try:
            return domain.parse_answer(raw)
        except InvalidInput as exc:
            typer.echo(f"  {exc}", err=True)


@app.command("qualify")
def qualify(
    lead: LeadArg,
    budget: Annotated[str | None, _answer_opt("budget", "-B")] = None,
    authority: Annotated[str | None, _answer_opt("authority", "-A")] = None,
    need: Annotated[str | None, _answer_opt("need", "-N")] = None,
    timeline: Annotated[str | None, _answer_opt("timeline", "-T")] = None,
    budget_note: Annotated[str | None, _note_opt("budget")] = None,
    authority_note: Annotated[str | None, _note_opt("authority")] = None,
    need_note: Annotated[str | None, _note_opt("need")] = None,
    timeline_note: Annotated[str | None, _note_opt("timeline")] = None,
) -> None:
    """Answer the four BANT questions (y/n/?); prints the temperature, score and why.

    With no answer or note option on a terminal, asks the four questions in turn.
    Three "yes" move a new lead to qualified; two "no" move an open lead to cold.

    \b
    Example: prospectr qualify maria -B y -A u -N y -T y --budget-note "about 5000"
    """
    answers = _given(budget=budget, authority=authority, need=need, timeline=timeline)
    notes = _given(
        budget=budget_note, authority=authority_note, need=need_note, timeline=timeline_note
    )
    with unit(write=False) as s:
        found = domain.resolve_lead(s, lead)
        lead_id = found.id or 0
        current = {key: str(getattr(found, key)) for key in domain.BANT}
        label = domain.display_name(found)
    if not answers and not notes:
        if not is_tty():
            fail(
                "give at least one answer: --budget/-B, --authority/-A, --need/-N, "
                "--timeline/-T (y, n or ?)",
                2,
            )
        echo(f"Qualify #{lead_id} {label} (y = yes, n = no, ? = unknown)")
        answers = {key: _ask(QUESTIONS[key], current[key]) for key in domain.BANT}
    from prospectr.domain.bant import answers_of, explain
    from prospectr.models import Stage

    with unit() as s:
        target = domain.get_lead(s, lead_id)
        before = s.get(Stage, target.stage_id)
        result = domain.qualify(s, target, now=now(), answers=answers, notes=notes)
        why = explain(answers_of(target))
    echo(f"#{lead_id}  {label}: {result.temperature}, score {result.score}")
    echo(f"why: {why}")
    if result.moved_to:
        echo(f"moved: {before.name if before else '?'} -> {result.moved_to}")


def _given(**values: str | None) -> dict[str, str]:
    return {key: value for key, value in values.items() if value is not None}


@app.command("move")
def move(
    lead: LeadArg,
    stage: Annotated[
        str, typer.Argument(metavar="STAGE", help="Stage name (see prospectr stages list).")
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", "-r", help="Why (required for lost).")
    ] = None,
    followup: Annotated[
        str | None,
        typer.Option("--followup", "-f", help="Follow-up date (required for not-now): jan 8, +2w."),
    ] = None,
    followup_text: Annotated[
        str | None, typer.Option("--followup-text", help="What the follow-up is about.")
    ] = None,
) -> None:
    """Move a lead to another stage; the move is recorded with its date and reason.

    \b
    Example: prospectr move maria not-now --followup "jan 8" --reason "after the holidays"
    """
    from prospectr.models import Stage

    day = today()
    with unit(write=False) as s:
        due = domain.parse_date(followup, day) if followup is not None else None
        target = domain.resolve_stage(s, stage)
        found = domain.resolve_lead(s, lead)
        lead_id = found.id or 0
    if is_tty() and found.stage_id != target.id:
        if target.requires_reason and not (reason or "").strip():
            reason = typer.prompt(f"Reason for {target.name}")
        while target.requires_followup and due is None:
            try:
                due = domain.parse_date(typer.prompt("Follow-up date (e.g. 'jan 8', '+2w')"), day)
            except InvalidInput as exc:
                typer.echo(f"  {exc}", err=True)
    with unit() as s:
        found = domain.get_lead(s, lead_id)
        dest = domain.resolve_stage(s, stage)
        before = s.get(Stage, found.stage_id)
        move = domain.move_lead(
            s, found, dest, now=now(), reason=reason, followup_due=due, followup_text=followup_text
        )
        label = domain.display_name(found)
    if not move.moved:
        echo(f"#{lead_id}  {label} is already in {dest.name}")
    else:
        why = f"  ({(reason or '').strip()})" if (reason or "").strip() else ""
        echo(f"#{lead_id}  {label}: {before.name if before else '?'} -> {dest.name}{why}")
    if move.closed_followups:
        echo(f"closed {plural(move.closed_followups, 'open follow-up')}")
    if due is not None:
        was = f" (moved from {move.followup_was.isoformat()})" if move.followup_was else ""
        echo(f"follow-up on {due.isoformat()}{was}")
        if note := domain.overdue_note(due, day):
            warn(note)


# --- stages -----------------------------------------------------------------------

stages_app = typer.Typer(
    cls=WholeSentences,
    help="Configure the pipeline: list, add, rename, reorder, retire and restore stages.\n\n\b\n"
    "Example: prospectr stages add demo --before won",
    epilog="Without a command: the same as 'prospectr stages list'.",
    rich_markup_mode=None,
)
app.add_typer(stages_app, name="stages")


@stages_app.callback(invoke_without_command=True)
def _stages_default(ctx: typer.Context) -> None:
    run_default(ctx, "list")


StageArg = Annotated[str, typer.Argument(metavar="STAGE", help="Stage name.")]


@stages_app.command("list")
def stages_list(
    show_all: Annotated[bool, typer.Option("--all", "-a", help="Include retired stages.")] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the stages as JSON (see docs/json.md).")
    ] = False,
) -> None:
    """The pipeline in order: position, name, kind, lead count, retired.

    \b
    Example: prospectr stages list --all
    """
    with unit(write=False) as s:
        stages = domain.list_stages(s, include_retired=show_all)
        counts = domain.stage_counts(s)
    rows = [
        {
            "position": st.position + 1,
            "name": st.name,
            "kind": st.kind,
            "leads": counts.get(st.id or 0, 0),
            "retired": st.retired,
            "requires_reason": st.requires_reason,
            "requires_followup": st.requires_followup,
        }
        for st in stages
    ]
    if json_out:
        print_json(rows)
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from prospectr.cli.app import literal

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header in ("#", "stage", "kind", "leads", "needs", "retired"):
        table.add_column(header, justify="right" if header in ("#", "leads") else "left")
    for row in rows:
        needs = [
            w
            for w, on in (
                ("reason", row["requires_reason"]),
                ("follow-up", row["requires_followup"]),
            )
            if on
        ]
        table.add_row(
            Text(str(row["position"])),
            literal(row["name"]),
            Text(str(row["kind"])),
            Text(str(row["leads"])),
            Text(", ".join(needs)),
            Text("retired" if row["retired"] else ""),
        )
    console().print(table)


@stages_app.command("add")
def stages_add(
    name: StageArg,
    kind: Annotated[str, typer.Option("--kind", "-k", help="open, won, lost or parked.")] = "open",
    before: Annotated[
        str | None, typer.Option("--before", help="Put it before this stage.")
    ] = None,
    requires_reason: Annotated[
        bool, typer.Option("--requires-reason", help="Moves into it need a --reason.")
    ] = False,
    requires_followup: Annotated[
        bool, typer.Option("--requires-followup", help="Moves into it need a --followup date.")
    ] = False,
) -> None:
    """Add a stage (open stages go after the last open one unless --before is given).

    \b
    Example: prospectr stages add meeting --before won
    """
    with unit() as s:
        stage = domain.add_stage(
            s,
            name,
            kind=kind.strip().lower(),
            before=before,
            requires_reason=requires_reason,
            requires_followup=requires_followup,
        )
    echo(f"added stage {stage.name} ({stage.kind}) at position {stage.position + 1}")


@stages_app.command("rename")
def stages_rename(
    old: StageArg, new: Annotated[str, typer.Argument(metavar="NEW", help="The new name.")]
) -> None:
    """Rename a stage; its leads and history follow.

    \b
    Example: prospectr stages rename contacted called
    """
    with unit() as s:
        stage = domain.resolve_stage(s, old)
        before = stage.name
        domain.rename_stage(s, stage, new)
    echo(f"renamed stage {before} to {stage.name}")


@stages_app.command("reorder")
def stages_reorder(
    name: StageArg,
    position: Annotated[int, typer.Argument(metavar="POSITION", help="New position, 1 = first.")],
) -> None:
    """Move a stage to another position in the pipeline.

    \b
    Example: prospectr stages reorder nurturing 3
    """
    with unit() as s:
        ordered = domain.reorder_stage(s, domain.resolve_stage(s, name), position)
        names = [f"{i}. {st.name}" for i, st in enumerate(ordered, start=1) if not st.retired]
    echo("  ".join(names))


@stages_app.command("retire")
def stages_retire(name: StageArg) -> None:
    """Retire a stage (hidden from the board; refused while leads are in it).

    \b
    Example: prospectr stages retire nurturing
    """
    with unit() as s:
        stage = domain.retire_stage(s, domain.resolve_stage(s, name))
    echo(f"retired stage {stage.name}")


@stages_app.command("restore")
def stages_restore(name: StageArg) -> None:
    """Bring a retired stage back.

    \b
    Example: prospectr stages restore nurturing
    """
    with unit() as s:
        stage = domain.restore_stage(s, domain.resolve_stage(s, name))
    echo(f"restored stage {stage.name}")


# --- where ------------------------------------------------------------------------


@app.command("where")
def where() -> None:
    """Print the database in use (path or URL), whether it exists, and why this one.

    \b
    Example: prospectr where
    """
    import os

    from prospectr import config

    url = db_url()
    origin = (
        "--db"
        if (state.db or "").strip()
        else (config.ENV_DB if os.environ.get(config.ENV_DB, "").strip() else "default")
    )
    path = config.sqlite_path(url)
    if path is None:
        from sqlalchemy.engine import make_url

        echo(make_url(url).render_as_string(hide_password=True))
        echo(f"server or in-memory database (from {origin})")
        return
    echo(str(path))
    status = "exists" if path.exists() else "not created yet; the first command creates it"
    echo(f"{status} (from {origin})")

"""The lead filters that ``list``, ``search`` and ``export`` share, and their query.

Typer reads these ``Annotated`` hints on every run; they are objects (no ``from
__future__ import annotations``), and nothing here loads the database layer.
"""

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from prospectr.domain.search import LeadQuery

# The sort keys of prospectr.domain.search.SORTS (a test keeps them in step), written
# out so that loading the commands does not load the database layer.
SORT_HELP = "name, created, updated, stage, last-contact, followup, source, company"

StageFilter = Annotated[str | None, typer.Option("--stage", "-S", help="Only this stage.")]
TempFilter = Annotated[
    str | None,
    typer.Option(
        "--temp", "--temperature", help="Only this temperature: hot, warm, cold, unknown."
    ),
]
SourceFilter = Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")]
TagFilter = Annotated[str | None, typer.Option("--tag", "-t", help="Only leads with this tag.")]
CityFilter = Annotated[str | None, typer.Option("--city", help="Only this city.")]
DueFilter = Annotated[
    bool, typer.Option("--due", help="Only leads with a follow-up due today or overdue.")
]
QueryFilter = Annotated[
    str, typer.Option("--query", "-q", help="Text to find (name, email, notes...).")
]
SortOpt = Annotated[str, typer.Option("--sort", help=f"Sort by: {SORT_HELP}.")]
DescOpt = Annotated[bool, typer.Option("--desc", help="Sort in descending order.")]


def lead_query(
    text: str,
    stage: str | None,
    temperature: str | None,
    source: str | None,
    tag: str | None,
    city: str | None,
    due: bool,
    sort: str,
    desc: bool,
) -> "LeadQuery":
    """The query of the filter options, given in the order the commands declare them."""
    from prospectr.domain.search import LeadQuery

    return LeadQuery(
        text=text,
        stage=stage,
        temperature=temperature,
        source=source,
        tag=tag,
        city=city,
        due=due,
        sort=sort,
        descending=desc,
    )

"""SQLite beside PostgreSQL: import throughput, `today` and `search` latency at 100,000 leads.

    python bench/pg_compare.py --url postgresql://postgres@127.0.0.1:5433/postgres
        [--leads 100000] [--rows 100000] [--runs 9]

``--url`` names a running server and a database to connect to as a user who may
CREATE DATABASE; the script makes its own databases (``prospectr_bench_*``) and
drops them at the end. Each figure is measured end to end, in its own process:

- ``prospectr import FILE``: the same 100,000-row contacts CSV as
  bench/import_throughput.py, into an empty database (rows per second);
- ``prospectr today`` on a 100,000-lead database built by bench/dataset.py
  (median wall time, interleaved runs, beside ``python -c "import typer, sqlmodel"``);
- ``prospectr search WORD`` for a common word and a rare one, and the same
  ``LIKE`` on ``lead.search_text`` timed inside the database, on PostgreSQL both
  without and with a pg_trgm GIN index, to show what such an index buys.

Prints one column per backend and the PostgreSQL / SQLite ratio.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import NOW, build, sqlite_url
from import_throughput import generate
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from prospectr.db import open_database
from prospectr.server import server_url

PREFIX = "prospectr_bench"
COMMON, RARE = "nguyen", "lead12345@"


def wall(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds one command takes, end to end; it must succeed."""
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:])} failed: {done.stderr.decode()[-400:]}")
    return time.perf_counter() - started


def median_of(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


class Server:
    """Databases made for the benchmark on the server at ``url``; all dropped at the end."""

    def __init__(self, url: str) -> None:
        self.base = server_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.made: list[str] = []

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def database(self, name: str) -> str:
        """A new empty database; its URL."""
        full = f"{PREFIX}_{name}"
        self._sql(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{full}"')
        self.made.append(full)
        return self.base.set(database=full).render_as_string(hide_password=False)

    def close(self) -> None:
        for name in self.made:
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@contextmanager
def server(url: str) -> Iterator[Server]:
    srv = Server(url)
    try:
        yield srv
    finally:
        srv.close()


def like_sqlite(path: Path, word: str, runs: int) -> float:
    """Median seconds of the search ``LIKE`` inside SQLite."""
    with closing(sqlite3.connect(path)) as conn:

        def once() -> float:
            started = time.perf_counter()
            conn.execute(
                "SELECT count(*) FROM lead WHERE search_text LIKE ? ESCAPE '\\'", (f"%{word}%",)
            ).fetchone()
            return time.perf_counter() - started

        return median_of(once, runs)


def like_pg(engine: Engine, word: str, runs: int) -> tuple[float, str]:
    """Median server-side milliseconds of the search ``LIKE`` (EXPLAIN ANALYZE), and the plan."""
    sql = text(
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM lead"
        " WHERE search_text LIKE :w ESCAPE '\\'"
    )
    times: list[float] = []
    plan = ""
    with engine.connect() as conn:
        for _ in range(runs):
            doc = conn.execute(sql, {"w": f"%{word}%"}).scalar_one()
            times.append(float(doc[0]["Execution Time"]) / 1000)
            node = doc[0]["Plan"]
            while node.get("Plans"):
                node = node["Plans"][0]
            plan = node["Node Type"]
    return statistics.median(times), plan


def row(label: str, lite: float, pg: float, unit: str = "s", better: str = "lower") -> None:
    fmt = "{:>12,.0f}" if unit == "rows/s" else "{:>12.3f}"
    ratio = pg / lite if lite else float("nan")
    note = "(higher is better)" if better == "higher" else ""
    print(f"{label:<40}{fmt.format(lite)}{fmt.format(pg)}{ratio:>9.2f}  {unit} {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", required=True, help="PostgreSQL server URL (user may CREATE DATABASE)"
    )
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows to import")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    py = sys.executable
    app = [py, "-m", "prospectr"]
    base_env = {k: v for k, v in os.environ.items() if k != "PROSPECTR_DB"}
    base_env["PROSPECTR_NOW"] = NOW.isoformat()

    with tempfile.TemporaryDirectory() as tmp, server(args.url) as srv:
        work = Path(tmp)
        # --- import throughput: the same CSV into an empty database on each backend.
        csv_path = work / "contacts.csv"
        generate(csv_path, args.rows)
        imports: dict[str, float] = {}
        for backend, url in (
            ("sqlite", sqlite_url(work / "import.db")),
            ("postgresql", srv.database("import")),
        ):
            open_database(url).dispose()  # the owner's database exists already
            print(f"importing {args.rows:,} rows into {backend} ...", flush=True)
            imports[backend] = wall([*app, "--db", url, "import", str(csv_path)], base_env)

        # --- today and search at N leads.
        lite_path = work / "bench.db"
        urls = {"sqlite": sqlite_url(lite_path), "postgresql": srv.database("today")}
        for backend, url in urls.items():
            print(f"building {args.leads:,} leads in {backend} ...", flush=True)
            build(url, leads=args.leads)
        env = {b: dict(base_env, PROSPECTR_DB=u) for b, u in urls.items()}
        base_cmd = [py, "-c", "import typer, sqlmodel"]
        samples: dict[str, list[float]] = {}
        for backend in urls:
            wall([*app, "today"], env[backend])  # warm caches once
        for _ in range(args.runs):
            samples.setdefault("imports", []).append(wall(base_cmd, base_env))
            for backend in urls:
                for name, cmd in (
                    ("today", ["today"]),
                    ("search common", ["search", COMMON]),
                    ("search rare", ["search", RARE]),
                ):
                    samples.setdefault(f"{name}/{backend}", []).append(
                        wall([*app, *cmd], env[backend])
                    )
        med = {k: statistics.median(v) for k, v in samples.items()}

        pg = open_database(urls["postgresql"])
        in_db: dict[str, float] = {}
        plans: dict[str, str] = {}
        for word in (COMMON, RARE):
            in_db[f"{word}/sqlite"] = like_sqlite(lite_path, word, args.runs)
            in_db[f"{word}/plain"], plans[f"{word}/plain"] = like_pg(pg, word, args.runs)
        with pg.begin() as conn:
            started = time.perf_counter()
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            conn.execute(
                text(
                    "CREATE INDEX ix_lead_search_trgm ON lead USING gin (search_text gin_trgm_ops)"
                )
            )
            conn.execute(text("ANALYZE lead"))
            index_build = time.perf_counter() - started
        with pg.connect() as conn:
            index_mib = (
                conn.execute(text("SELECT pg_relation_size('ix_lead_search_trgm')")).scalar_one()
                / 1024
                / 1024
            )
        for word in (COMMON, RARE):
            in_db[f"{word}/trgm"], plans[f"{word}/trgm"] = like_pg(pg, word, args.runs)
        trgm: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for name, word in (("search common", COMMON), ("search rare", RARE)):
                trgm.setdefault(name, []).append(wall([*app, "search", word], env["postgresql"]))
        pg.dispose()

    print(f"\nleads: {args.leads:,}   import rows: {args.rows:,}   runs: {args.runs}")
    print(f"{'':<40}{'SQLite':>12}{'PostgreSQL':>12}{'PG/SQL':>9}")
    row(
        "prospectr import (rows/s)",
        args.rows / imports["sqlite"],
        args.rows / imports["postgresql"],
        "rows/s",
        "higher",
    )
    row("prospectr import (seconds)", imports["sqlite"], imports["postgresql"])
    print(f"{'python -c import typer, sqlmodel':<40}{med['imports']:>12.3f}{med['imports']:>12.3f}")
    for name in ("today", "search common", "search rare"):
        row(f"prospectr {name}", med[f"{name}/sqlite"], med[f"{name}/postgresql"])
    print(f"\nsearch LIKE inside the database (median ms), '{COMMON}' and '{RARE}':")
    print(f"{'':<40}{'SQLite':>12}{'PG plain':>12}{'PG trgm':>12}")
    for word in (COMMON, RARE):
        print(
            f"{'LIKE %' + word + '%':<40}{in_db[f'{word}/sqlite'] * 1000:>12.1f}"
            f"{in_db[f'{word}/plain'] * 1000:>12.1f}{in_db[f'{word}/trgm'] * 1000:>12.1f}"
            f"   plans: {plans[f'{word}/plain']} -> {plans[f'{word}/trgm']}"
        )
    for name in ("search common", "search rare"):
        print(
            f"{'prospectr ' + name + ' (wall s)':<40}{med[f'{name}/sqlite']:>12.3f}"
            f"{med[f'{name}/postgresql']:>12.3f}{statistics.median(trgm[name]):>12.3f}"
        )
    print(f"pg_trgm GIN index: built in {index_build:.1f}s, {index_mib:.1f} MiB")


if __name__ == "__main__":
    main()

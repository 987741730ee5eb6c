"""Copy a whole database to another one: SQLite -> PostgreSQL and back.

The target is opened (created and migrated to the newest schema if needed), then
filled in ONE transaction: every table is emptied and refilled from the source,
table by table in foreign-key order, keeping the ids. Before committing, each
table's row count is compared with the source's; any difference, or any error,
rolls the target back to exactly what it was.

The source is read from one consistent snapshot (a read transaction on SQLite,
REPEATABLE READ on PostgreSQL), so a copy taken while others work is coherent.

Values are copied as they are stored: JSON columns keep SQL NULL apart from a
JSON ``null``; naive timestamps stay naive. After inserting explicit ids on
PostgreSQL, each table's id sequence is moved past the largest id so that the
next lead gets a fresh number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from prospectr.errors import Conflict, InvalidInput, StorageError
from prospectr.migrations import DEFAULT_STAGES

CHUNK = 5_000
# Tables a freshly created database already fills: their rows do not make it "non-empty".
_SEEDED = ("schema_version", "stage")


@dataclass
class CopyResult:
    """What a copy did: rows per table (source = target, checked) and what it replaced."""

    rows: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)

    @property
    def leads(self) -> int:
        """Leads copied."""
        return self.rows.get("lead", 0)

    def as_dict(self) -> dict[str, Any]:
        """The stable ``--json`` shape."""
        return {"tables": dict(self.rows), "replaced": dict(self.replaced)}


def copy_database(source: Engine, target: Engine, *, replace: bool = False) -> CopyResult:
    """Copy every row of ``source`` into ``target`` atomically; returns per-table counts.

    Both databases must already have the newest schema (``db.open_database``).
    Raises Conflict when the target holds data and ``replace`` is False, and
    StorageError when the counts do not match after the copy (nothing is kept).
    """
    if _same_database(source, target):
        raise InvalidInput("the target is the database in use: choose another one")
    with _snapshot(source) as src:
        tables = _tables(src)
        with _write_transaction(target) as dst:
            into = {t.name: t for t in _tables(dst)}
            missing = [t.name for t in tables if t.name not in into]
            if missing:
                raise StorageError(f"the target lacks tables {', '.join(missing)}")
            if _schema_versions(dst) != _schema_versions(src):
                raise StorageError("the target's schema version differs from the source's")
            held = _user_rows(dst, [into[t.name] for t in tables])
            if held and not replace:
                raise Conflict(
                    f"the target already holds data ({describe(held)});"
                    " use --replace to overwrite it"
                )
            result = CopyResult(replaced=held)
            for table in reversed(tables):
                dst.execute(delete(into[table.name]))
            for table in tables:
                result.rows[table.name] = _copy_table(src, dst, table, into[table.name])
            _reset_sequences(dst, [into[t.name] for t in tables])
            for table in tables:
                want, got = _count(src, table), _count(dst, into[table.name])
                if not want == got == result.rows[table.name]:
                    raise StorageError(
                        f"copy check failed for table {table.name}: source {want:,} rows,"
                        f" target {got:,}; the target was left unchanged"
                    )
    return result


def describe(rows: dict[str, int]) -> str:
    """What a set of tables holds, in a few words: 2,000 leads, 11,134 rows in all."""
    leads = rows.get("lead", 0)
    total = sum(rows.values())
    plural = ("" if leads == 1 else "s", "" if total == 1 else "s")
    return f"{leads:,} lead{plural[0]}, {total:,} row{plural[1]} in all"


# --- reading and writing --------------------------------------------------------


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection on one consistent view of the source database."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        try:
            yield conn
        finally:
            conn.rollback()


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction on the target (it takes the write lock at once); commits on success."""
    with engine.execution_options(prospectr_begin="IMMEDIATE").connect() as conn, conn.begin():
        yield conn


def _same_database(a: Engine, b: Engine) -> bool:
    ua, ub = a.url, b.url
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() == "sqlite":
        return bool(ua.database) and ua.database == ub.database
    return (ua.host, ua.port or 5432, ua.database) == (ub.host, ub.port or 5432, ub.database)


def _tables(conn: Connection) -> list[Table]:
    """The database's tables, parents before children (foreign-key order)."""
    md = MetaData()
    md.reflect(bind=conn)
    return [t for t in md.sorted_tables if not t.name.startswith("sqlite_")]


def _schema_versions(conn: Connection) -> list[int]:
    rows = conn.execute(text("SELECT version FROM schema_version ORDER BY version"))
    return [int(v) for (v,) in rows]


def _user_rows(conn: Connection, tables: list[Table]) -> dict[str, int]:
    """Rows the owner would lose, by table; empty for a freshly created database."""
    held: dict[str, int] = {}
    for table in tables:
        if table.name in _SEEDED:
            continue
        n = _count(conn, table)
        if n:
            held[table.name] = n
    if "stage" in {t.name for t in tables} and not _default_stages_only(conn):
        held = {"stage": _count(conn, next(t for t in tables if t.name == "stage")), **held}
    return held


def _default_stages_only(conn: Connection) -> bool:
    """True when the pipeline is exactly the one a new database starts with."""
    rows = conn.execute(text("SELECT name, key, kind, retired FROM stage ORDER BY position, id"))
    found = [(name, key, kind, bool(retired)) for name, key, kind, retired in rows]
    default = [(s["name"], s["key"], s["kind"], False) for s in DEFAULT_STAGES]
    return found == default


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _read_columns(table: Table) -> list[ColumnElement[Any]]:
    """JSON is read as its stored text, so SQL NULL and JSON null stay apart."""
    return [cast(c, String).label(c.name) if _is_json(c) else c for c in table.columns]


def _write_table(table: Table) -> Table:
    """The target table with JSON columns that store SQL NULL for None."""
    cols = [
        Column(c.name, JSON(none_as_null=True) if _is_json(c) else c.type, key=c.key)
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *cols)


def _rows(src: Connection, table: Table, *, decode: bool) -> Iterator[list[dict[str, Any]]]:
    """The source rows in primary-key order, a chunk at a time.

    JSON comes as stored text; with ``decode`` it is parsed for an INSERT, with
    JSON ``null`` kept apart from SQL NULL.
    """
    order = list(table.primary_key.columns) or list(table.columns)
    json_cols = [c.name for c in table.columns if _is_json(c)] if decode else []
    result = src.execution_options(yield_per=CHUNK).execute(
        select(*_read_columns(table)).order_by(*order)
    )
    for part in result.mappings().partitions(CHUNK):
        chunk = [dict(row) for row in part]
        for row in chunk:
            for name in json_cols:
                raw = row[name]
                if raw is not None:
                    value = json.loads(raw)
                    row[name] = JSON.NULL if value is None else value
        yield chunk


def _self_references(table: Table) -> list[str]:
    """Columns pointing at the same table (set after all its rows exist)."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == table.name]


def _copy_table(src: Connection, dst: Connection, table: Table, target: Table) -> int:
    """Copy every source row of ``table`` into ``target``; returns the number copied."""
    unknown = [c.name for c in table.columns if c.name not in target.c]
    if unknown:
        raise StorageError(f"the target's table {table.name} lacks columns {', '.join(unknown)}")
    if dst.dialect.name == "postgresql":
        return _copy_in(src, dst, table)
    return _insert(src, dst, table, target)


def _copy_in(src: Connection, dst: Connection, table: Table) -> int:
    """PostgreSQL: stream the rows through COPY (several times faster than INSERTs).

    Foreign keys are checked at the end of the statement, so a lead may point at
    a lead that comes later in the same table.
    """
    names = [c.name for c in table.columns]
    quote = dst.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    copied = 0
    cursor = dst.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for chunk in _rows(src, table, decode=False):
                for row in chunk:
                    copy.write_row([row[n] for n in names])
                copied += len(chunk)
    finally:
        cursor.close()
    return copied


def _insert(src: Connection, dst: Connection, table: Table, target: Table) -> int:
    """INSERT the rows in chunks, ids included.

    A column pointing at its own table (a lead referred by another lead) is
    filled in a second pass, once every row it may point at exists.
    """
    out = _write_table(target)
    pk = [c.name for c in table.primary_key.columns]
    later = _self_references(table)
    links: dict[str, list[dict[str, Any]]] = {name: [] for name in later}
    copied = 0
    for chunk in _rows(src, table, decode=True):
        for row in chunk:
            for name in later:
                if row[name] is not None:
                    links[name].append({**{f"k_{k}": row[k] for k in pk}, "v": row[name]})
                    row[name] = None
        dst.execute(insert(out), chunk)
        copied += len(chunk)
    for name, params in links.items():
        if params:
            match = [out.c[k] == bindparam(f"k_{k}") for k in pk]
            dst.execute(update(out).where(*match).values({name: bindparam("v")}), params)
    return copied


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: move each id sequence past the largest copied id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if seq is None:
            continue
        top = conn.execute(select(func.max(pk[0]))).scalar()
        if top is None:
            conn.execute(text("SELECT setval(CAST(:s AS regclass), 1, false)"), {"s": seq})
        else:
            conn.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, true)"), {"s": seq, "v": int(top)}
            )


def copy_to_url(source: Engine, url: str, *, replace: bool = False) -> CopyResult:
    """Open (create or migrate) the database at ``url`` and copy ``source`` into it.

    A SQLite file that this call created is removed again when the copy fails,
    so a refused or broken copy leaves nothing behind.
    """
    from sqlalchemy.engine import make_url

    from prospectr.db import open_database

    parsed = make_url(url)
    name = parsed.database if parsed.get_backend_name() == "sqlite" else None
    path = Path(name) if name and name != ":memory:" else None
    existed = path is None or path.exists()
    target: Engine | None = None
    try:
        target = open_database(url)
        return copy_database(source, target, replace=replace)
    except BaseException:
        if target is not None:
            target.dispose()
            target = None
        if path is not None and not existed:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        if target is not None:
            target.dispose()


__all__ = ["CopyResult", "copy_database", "copy_to_url", "describe"]

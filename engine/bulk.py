"""Statements the services write with: one UPDATE for many rows, and the few statements of
the manual step path with their text built once per process.

One UPDATE statement for many rows, each with its own values.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN .. WHEN id = 2 THEN .. END` for
every field, and building those expressions costs about 3 ms of CPU per row for a work item's
twelve fields: more than the rest of a batched completion together. This writes the standard
form instead, `UPDATE t SET f = v.f FROM (VALUES (..), (..)) AS v WHERE t.id = v.id`, which
PostgreSQL and SQLite (3.33 and later) both run. Values go through each field's own
`get_db_prep_save` (JSON, UUIDs, datetimes), so what is stored is what `save()` would store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin

T = TypeVar("T")


def bulk_update_rows(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of each of `objs` (rows that exist; matched on the primary key)."""
    if not objs:
        return 0
    alias = router.db_for_write(model)
    conn = connections[alias]
    meta = model._meta
    pk = meta.pk
    cols = [meta.get_field(name) for name in fields]
    qn = conn.ops.quote_name
    postgres = conn.vendor == "postgresql"
    # PostgreSQL types a VALUES list by its first row: cast each placeholder to the column type
    casts = [f"::{f.db_type(conn)}" if postgres else "" for f in [pk, *cols]]
    row_sql = "(" + ", ".join(f"%s{c}" for c in casts) + ")"
    params: list[object] = []
    for obj in objs:
        params.append(pk.get_db_prep_value(obj.pk, conn))
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), conn) for f in cols)
    table = qn(meta.db_table)
    if postgres:
        names = [qn(f.column) for f in [pk, *cols]]
        source = f"(VALUES {', '.join([row_sql] * len(objs))}) AS v({', '.join(names)})"
        value = {f.column: f"v.{qn(f.column)}" for f in [pk, *cols]}
    else:  # SQLite names the columns of a VALUES list column1, column2, ...
        source = f"(VALUES {', '.join([row_sql] * len(objs))}) AS v"
        value = {f.column: f"v.column{n}" for n, f in enumerate([pk, *cols], start=1)}
    sets = ", ".join(f"{qn(f.column)} = {value[f.column]}" for f in cols)
    sql = f"UPDATE {table} SET {sets} FROM {source} WHERE {table}.{qn(pk.column)} = {value[pk.column]}"
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# ---------------------------------------------------------------------- statements built once
# The manual step path runs the same few statements on every call. Django's query compiler
# rebuilds each one from its queryset every time (about half of a step's CPU, issue 12): these
# build the SQL text once per process and connection vendor and keep it, and each call passes only
# its values. Values go through each field's own `get_db_prep_save` and what is read comes back
# through the same converters Django applies, so rows are stored and loaded as the ORM does it.

Statement = tuple[str, tuple[object, ...]]

_built: dict[tuple[object, ...], Any] = {}
_built_lock = threading.Lock()


def built(conn: BaseDatabaseWrapper, key: tuple[object, ...], build: Callable[[BaseDatabaseWrapper], T]) -> T:
    """`build(conn)`, made once per connection alias, vendor and `key`, then kept: SQL text and
    what goes with it depend on nothing else (the models and the vendor's dialect)."""
    k = (conn.alias, conn.vendor, *key)
    found = _built.get(k)
    if found is None:
        found = build(conn)
        with _built_lock:
            _built[k] = found
    return found


class Columns:
    """A model's concrete columns (less `exclude`) as one SELECT lists them under `alias`, and the
    row values turned into model instances as Django's iterables turn them (the backend's and the
    fields' converters, `Model.from_db`)."""

    __slots__ = ("model", "attnames", "sql", "width", "_converters")

    def __init__(self, conn: BaseDatabaseWrapper, model: type[Model], alias: str, exclude: Sequence[str] = ()) -> None:
        fields = [f for f in model._meta.concrete_fields if f.name not in exclude]
        qn = conn.ops.quote_name
        self.model = model
        self.attnames = tuple(f.attname for f in fields)
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in fields)
        self.width = len(fields)
        converters = []
        for n, f in enumerate(fields):
            col = f.get_col(alias)
            fns = (*conn.ops.get_db_converters(col), *col.get_db_converters(conn))
            if fns:
                converters.append((n, fns, col))
        self._converters = tuple(converters)

    def instance(self, conn: BaseDatabaseWrapper, row: Sequence[object]) -> Any:
        values = list(row)
        for n, fns, col in self._converters:
            value = values[n]
            for fn in fns:
                value = fn(value, col, conn)
            values[n] = value
        return self.model.from_db(conn.alias, self.attnames, values)


def column(conn: BaseDatabaseWrapper, model: type[Model], name: str = "pk") -> str:
    """The quoted column of the field `name` ("pk": the primary key) of `model`."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return conn.ops.quote_name(field.column)


def table(conn: BaseDatabaseWrapper, model: type[Model]) -> str:
    return conn.ops.quote_name(model._meta.db_table)


def fetch(conn: BaseDatabaseWrapper, sql: str, params: Sequence[object]) -> list[tuple[object, ...]]:
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _prep(field: Field, value: object, conn: BaseDatabaseWrapper) -> object:
    return field.get_db_prep_save(value, conn)


def update_statement(model: type[Model], pk: object, values: dict[str, object], using: str = "default") -> Statement:
    """`UPDATE <table> SET <values> WHERE pk = <pk>` (not run); its text built once per set of
    columns."""
    conn = connections[using]
    names = tuple(values)

    def build(c: BaseDatabaseWrapper) -> tuple[str, list[Field]]:
        meta = model._meta
        qn = c.ops.quote_name
        fields = [meta.get_field(n) for n in names]
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        return f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s", fields

    sql, fields = built(conn, ("update", model, names), build)
    params = [_prep(f, v, conn) for f, v in zip(fields, values.values(), strict=True)]
    params.append(model._meta.pk.get_db_prep_value(pk, conn))
    return sql, tuple(params)


def insert_statement(
    model: type[Model],
    objs: Sequence[Any],
    *,
    update_fields: Sequence[str] = (),
    using: str = "default",
) -> Statement:
    """A multi-row `INSERT` of `objs` (instances of `model`, or anything with its fields'
    attnames as attributes: every concrete column but an auto-numbered key), without RETURNING;
    with `update_fields`, `ON CONFLICT (pk) DO UPDATE SET` those (an upsert). Not run. An
    `auto_now(_add)` field left unset is stamped, as `save()` does; one already set is kept."""
    conn = connections[using]
    update = tuple(update_fields)

    def build(c: BaseDatabaseWrapper) -> tuple[str, str, str, list[Field], list[Field]]:
        meta = model._meta
        qn = c.ops.quote_name
        fields = [f for f in meta.concrete_fields if not (isinstance(f, AutoFieldMixin) and f.primary_key)]
        head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
        conflict = ""
        if update:
            cols = [qn(meta.get_field(n).column) for n in update]
            sets = ", ".join(f"{col} = EXCLUDED.{col}" for col in cols)
            conflict = f" ON CONFLICT ({qn(meta.pk.column)}) DO UPDATE SET {sets}"
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        return head, row, conflict, fields, stamped

    head, row, conflict, fields, stamped = built(conn, ("insert", model, update), build)
    if any(
        isinstance(model._meta.pk, AutoFieldMixin) and getattr(o, "pk", None) is not None for o in objs
    ):  # pragma: no cover
        raise ValueError("insert_statement writes new auto-numbered rows only")
    sql = built(conn, ("insert", model, update, len(objs)), lambda c: head + ", ".join([row] * len(objs)) + conflict)
    params: list[object] = []
    for obj in objs:
        for f in stamped:
            if getattr(obj, f.attname) is None:
                f.pre_save(obj, add=True)
        params.extend(_prep(f, getattr(obj, f.attname), conn) for f in fields)
    return sql, tuple(params)


def execute_as_one(statements: Sequence[Statement], using: str = "default") -> None:
    """Run data-changing statements in one round trip: PostgreSQL runs
    `WITH s0 AS (<first>), s1 AS (<second>) <last>` as one statement (each part sees the same
    snapshot, so the parts must not touch the same rows). Elsewhere, one after another."""
    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor != "postgresql" or len(statements) == 1:
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        *first, (last_sql, last_params) = statements
        ctes = ", ".join(f"s{n} AS ({sql})" for n, (sql, _) in enumerate(first))
        params = tuple(p for _, ps in first for p in ps) + tuple(last_params)
        cursor.execute(f"WITH {ctes} {last_sql}", params)

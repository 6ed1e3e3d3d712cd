"""One UPDATE statement for many rows, each with its own values.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN .. WHEN id = 2 THEN .. END` for
every field, and building those expressions costs about 3 ms of CPU per row for a work item's
twelve fields: more than the rest of a batched completion together. This writes the standard
form instead, `UPDATE t SET f = v.f FROM (VALUES (..), (..)) AS v WHERE t.id = v.id`, which
PostgreSQL and SQLite (3.33 and later) both run. Values go through each field's own
`get_db_prep_save` (JSON, UUIDs, datetimes), so what is stored is what `save()` would store.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model


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


# ---------------------------------------------------------------------- several statements as one

Statement = tuple[str, tuple[object, ...]]


def update_statement(model: type[Model], pk: object, values: dict[str, object], using: str = "default") -> Statement:
    """`UPDATE <table> SET <values> WHERE pk = <pk>` as Django compiles it (not run)."""
    from django.db.models import Q
    from django.db.models.sql.subqueries import UpdateQuery

    query = UpdateQuery(model)
    query.add_update_values(values)
    query.add_q(Q(pk=pk))
    sql, params = query.get_compiler(using=using).as_sql()
    return sql, tuple(params)


def insert_statement(
    model: type[Model],
    objs: Sequence[Model],
    *,
    update_fields: Sequence[str] = (),
    using: str = "default",
) -> Statement:
    """A multi-row `INSERT` of `objs` as Django's `bulk_create` compiles it, without RETURNING;
    with `update_fields`, `ON CONFLICT (pk) DO UPDATE SET` those (an upsert). Not run. Django's
    `pre_save` stamps `auto_now(_add)` fields on the objects, as `bulk_create` does."""
    from django.db.models import AutoField
    from django.db.models.constants import OnConflict
    from django.db.models.sql.subqueries import InsertQuery

    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (isinstance(f, AutoField) and f.primary_key)]
    if any(isinstance(meta.pk, AutoField) and o.pk is not None for o in objs):  # pragma: no cover
        raise ValueError("insert_statement writes new auto-numbered rows only")
    query = InsertQuery(
        model,
        on_conflict=OnConflict.UPDATE if update_fields else None,
        update_fields=[meta.get_field(f) for f in update_fields],
        unique_fields=[meta.pk] if update_fields else [],
    )
    query.insert_values(fields, list(objs))
    ((sql, params),) = query.get_compiler(using=using).as_sql()
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

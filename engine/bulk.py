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

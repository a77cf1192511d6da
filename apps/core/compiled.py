"""Querysets of a fixed shape whose SQL is compiled once, for the API's hottest reads.

Django compiles a queryset to SQL every time it is evaluated: for the API key's lookup
(three tables) that took ~0.3 ms of a request's ~2 ms, several times the query itself
on a warm connection (benchmarks/README.md, api.py). `CompiledShape.fetch(queryset)`
compiles only the queryset's WHERE clause; when this shape (model, related objects,
ordering, limits, columns...) has been seen with the same WHERE SQL on this database,
the rest of the statement is the one compiled then, run with the new parameters
through Django's own model iterable: instances, `select_related` objects and field
conversions are Django's.

The contract: one `CompiledShape` per call site, whose querysets differ only in the
values they filter on. A statement whose parameters are not exactly its WHERE clause's
(an annotation or join with parameters of its own) is never reused: it is compiled
every time, as Django would.

This reaches into Django's SQL compiler (the attributes `as_sql` sets up for the
iterable, `_STATE`, and the query's `get_compiler`); tests/core/test_compiled.py checks
the results against plain Django's, and must pass again after a Django upgrade.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import QuerySet

_STATE = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    state: dict


def _shape(queryset: QuerySet) -> str:
    """What, besides the WHERE clause, makes a queryset's statement: a second guard on
    the contract below."""
    query = queryset.query
    return repr((query.model, query.select_related, query.order_by, query.extra_order_by,
                 query.default_ordering, query.low_mark, query.high_mark,
                 query.deferred_loading, tuple(query.annotations), query.values_select,
                 query.distinct, query.distinct_fields, query.select_for_update,
                 tuple(query.extra), query.combinator, queryset._iterable_class))


class CompiledShape:
    # Statements kept per call site: a WHERE clause that writes values into its SQL
    # (`pk__in` of a list: one placeholder each) would otherwise keep one per length.
    MAX_STATEMENTS = 32

    def __init__(self, name: str) -> None:
        self.name = name
        self._compiled: dict[tuple[str, str, str], _Compiled | None] = {}
        self._lock = threading.Lock()

    def fetch(self, queryset: QuerySet) -> list:
        """The queryset's rows as Django gives them (a list)."""
        query, db = queryset.query, queryset.db
        compiler = query.get_compiler(using=db)
        try:
            where_sql, where_params = compiler.compile(query.where)
        except (EmptyResultSet, FullResultSet):
            return list(queryset)
        key = (db, _shape(queryset), where_sql)
        compiled = self._compiled.get(key)
        if compiled is None:
            if key in self._compiled or len(self._compiled) >= self.MAX_STATEMENTS:
                return list(queryset)  # seen and not reusable, or too many kept
            sql, params = compiler.as_sql()
            compiled = (_Compiled(sql, {name: getattr(compiler, name) for name in _STATE})
                        if list(params) == list(where_params) else None)
            with self._lock:
                self._compiled[key] = compiled
            if compiled is None:
                return list(queryset)
        else:
            compiler.__dict__.update(compiled.state)
        params = tuple(where_params)
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        # The iterable asks the query for its compiler: this one, already set up.
        queryset = queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

"""CQL2 filters (OGC API – Features Part 3) turned into SQLAlchemy expressions.

pygeofilter (a well-kept parser used by pygeoapi) reads CQL2 text or JSON into an AST; the
evaluator below maps each node to a SQLAlchemy expression over the collection's own column
expressions (constants of :mod:`pks_geo.feature_sql.features`). Every literal of the filter
becomes a bound parameter (``:cql_0``, ``:cql_1`` ...), so nothing a client writes is ever
part of the SQL text. Supported: ``AND``/``OR``/``NOT``, comparisons, ``LIKE`` (``%`` and
``_``), ``BETWEEN``, ``IN``, ``IS NULL``, the spatial predicates (``S_INTERSECTS``,
``S_WITHIN``, ``S_CONTAINS``, ``S_DISJOINT``, ``S_TOUCHES``, ``S_CROSSES``, ``S_OVERLAPS``,
``S_EQUALS``) against WKT/GeoJSON geometries and ``BBOX(...)``, and the temporal ``t_after``,
``t_before``, ``t_equals``, ``t_during`` (pygeofilter reads these from CQL2 JSON; in text, plain
comparisons with ``DATE('...')`` do the same). Anything else is refused with a message.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pygeofilter import ast, values
from pygeofilter.backends.evaluator import Evaluator, handle
from sqlalchemy import Boolean, Date, Float, Integer, String, and_, bindparam, func, literal_column, not_, or_
from sqlalchemy.dialects.postgresql import psycopg2
from sqlalchemy.sql.elements import ColumnElement

from pks_geo.feature_sql.features import PROPERTY_TYPES, CollectionSpec

SQL_TYPES = {"integer": Integer, "number": Float, "boolean": Boolean, "date": Date, "string": String}
LANGUAGES = ("cql2-text", "cql2-json")


class FilterError(ValueError):
    """The filter cannot be read or uses something this server does not support."""


def parse_filter(text: str, lang: str) -> ast.Node:
    """The AST of a CQL2 text or JSON filter; :class:`FilterError` with the parser's reason."""
    try:
        if lang == "cql2-json":
            from pygeofilter.parsers.cql2_json import parse as parse_json

            return parse_json(json.loads(text))
        from pygeofilter.parsers.cql2_text import parse as parse_text

        return parse_text(text)
    except FilterError:
        raise
    except Exception as exc:  # the parsers raise lark, JSON and value errors of many kinds
        raise FilterError(f"filter is not valid {lang}: {str(exc).splitlines()[0][:200]}") from None


def queryable_columns(spec: CollectionSpec) -> dict[str, ColumnElement[Any]]:
    """Property name -> typed SQL column expression (constants of the collection spec)."""
    columns: dict[str, ColumnElement[Any]] = {
        name: literal_column(expr, SQL_TYPES[PROPERTY_TYPES.get(name, "string")]())
        for name, expr in spec.properties}
    columns["id"] = literal_column(spec.id_sql, Integer() if spec.id_type == "bigint" else String())
    return columns


class _ToSQL(Evaluator):
    """AST -> SQLAlchemy expression. Literals become numbered bound parameters."""

    def __init__(self, spec: CollectionSpec) -> None:
        self.columns = queryable_columns(spec)
        self.geometry: Any = literal_column(spec.geom_column)
        self.count = 0

    def _bind(self, value: Any, type_: Any = None) -> ColumnElement[Any]:
        name = f"cql_{self.count}"
        self.count += 1
        return bindparam(name, value, type_=type_)

    @handle(ast.Attribute)
    def attribute(self, node: ast.Attribute) -> ColumnElement[Any]:
        if node.name in ("geometry", "geom"):
            return self.geometry
        if node.name not in self.columns:
            raise FilterError(f"unknown property {node.name!r}; queryables: {', '.join(self.columns)}")
        return self.columns[node.name]

    @handle(str, int, float, bool, date, datetime)
    def literal(self, node: Any) -> ColumnElement[Any]:
        return self._bind(node)

    @handle(values.Geometry)
    def geometry_literal(self, node: values.Geometry) -> ColumnElement[Any]:
        return func.ST_SetSRID(func.ST_GeomFromGeoJSON(self._bind(json.dumps(node.geometry))),
                               literal_column("4326"))

    @handle(values.Envelope)
    def envelope(self, node: values.Envelope) -> ColumnElement[Any]:
        corners = [self._bind(float(v)) for v in (node.x1, node.y1, node.x2, node.y2)]
        return func.ST_MakeEnvelope(*corners, literal_column("4326"))

    @handle(ast.Function)
    def function(self, node: ast.Function, *args: Any) -> ColumnElement[Any]:
        if node.name.lower() == "bbox" and len(node.arguments) in (4, 6):
            a = [float(v) for v in node.arguments]
            x1, y1, x2, y2 = (a[0], a[1], a[2], a[3]) if len(a) == 4 else (a[0], a[1], a[3], a[4])
            return self.envelope(values.Envelope(x1, x2, y1, y2))
        raise FilterError(f"function {node.name!r} is not supported")

    @handle(ast.And)
    def and_(self, node: ast.And, lhs: Any, rhs: Any) -> ColumnElement[Any]:
        return and_(lhs, rhs)

    @handle(ast.Or)
    def or_(self, node: ast.Or, lhs: Any, rhs: Any) -> ColumnElement[Any]:
        return or_(lhs, rhs)

    @handle(ast.Not)
    def not_(self, node: ast.Not, sub: Any) -> ColumnElement[Any]:
        return not_(sub)

    @handle(ast.Equal, ast.NotEqual, ast.LessThan, ast.LessEqual, ast.GreaterThan, ast.GreaterEqual)
    def comparison(self, node: ast.Comparison, lhs: Any, rhs: Any) -> ColumnElement[Any]:
        op = {ast.Equal: "__eq__", ast.NotEqual: "__ne__", ast.LessThan: "__lt__",
              ast.LessEqual: "__le__", ast.GreaterThan: "__gt__", ast.GreaterEqual: "__ge__"}[type(node)]
        return getattr(lhs, op)(rhs)

    @handle(ast.Between)
    def between(self, node: ast.Between, lhs: Any, low: Any, high: Any) -> ColumnElement[Any]:
        expr = lhs.between(low, high)
        return not_(expr) if node.not_ else expr

    @handle(ast.Like)
    def like(self, node: ast.Like, lhs: Any) -> ColumnElement[Any]:
        pattern = self._bind(str(node.pattern))
        expr = lhs.ilike(pattern) if node.nocase else lhs.like(pattern)
        return not_(expr) if node.not_ else expr

    @handle(ast.In)
    def in_(self, node: ast.In, lhs: Any, *options: Any) -> ColumnElement[Any]:
        expr = lhs.in_(list(options))
        return not_(expr) if node.not_ else expr

    @handle(ast.IsNull)
    def is_null(self, node: ast.IsNull, lhs: Any) -> ColumnElement[Any]:
        return lhs.is_not(None) if node.not_ else lhs.is_(None)

    @handle(ast.GeometryIntersects, ast.GeometryDisjoint, ast.GeometryContains, ast.GeometryWithin,
            ast.GeometryTouches, ast.GeometryCrosses, ast.GeometryOverlaps, ast.GeometryEquals)
    def spatial(self, node: ast.SpatialComparisonPredicate, lhs: Any, rhs: Any) -> ColumnElement[Any]:
        name = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
                ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
                ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
                ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals"}[type(node)]
        return getattr(func, name)(lhs, rhs)

    @handle(ast.TimeAfter, ast.TimeBefore, ast.TimeEquals)
    def temporal(self, node: ast.TemporalPredicate, lhs: Any, rhs: Any) -> ColumnElement[Any]:
        op = {ast.TimeAfter: "__gt__", ast.TimeBefore: "__lt__", ast.TimeEquals: "__eq__"}[type(node)]
        return getattr(lhs, op)(rhs)

    @handle(ast.TimeDuring)
    def during(self, node: ast.TimeDuring, lhs: Any, rhs: Any) -> ColumnElement[Any]:
        return rhs(lhs)

    @handle(values.Interval)
    def interval(self, node: values.Interval) -> Any:
        start = self._bind(node.start) if node.start is not None else None
        end = self._bind(node.end) if node.end is not None else None

        def within(column: Any) -> ColumnElement[Any]:
            parts = [column >= start] if start is not None else []
            parts += [column <= end] if end is not None else []
            return and_(*parts) if parts else literal_column("TRUE", Boolean())
        return within

    def adopt(self, node: Any, *sub_args: Any) -> Any:
        raise FilterError(f"{type(node).__name__} is not supported in filters here")


def filter_sql(spec: CollectionSpec, node: ast.Node) -> tuple[str, dict[str, Any]]:
    """The filter as a SQL fragment with named bound parameters, and their values."""
    expression = _ToSQL(spec).evaluate(node)
    if not isinstance(expression, ColumnElement):
        raise FilterError("filter must be a condition")
    # psycopg2's compiler writes plain ":name" binds (psycopg 3's adds "::TYPE" casts, which
    # text() would not recognise as parameters); only the SQL text is used, never that driver
    compiled = expression.compile(dialect=psycopg2.dialect(paramstyle="named"))
    return f"({compiled})", dict(compiled.params)


def sort_sql(spec: CollectionSpec, sortby: str) -> str:
    """``ORDER BY`` items for ``sortby=-event_date,kategori``: only queryable names, each mapped
    to its constant column expression (never the client's text)."""
    columns = dict(spec.properties) | {"id": spec.id_sql}
    items = []
    for raw in sortby.split(","):
        name = raw.strip()
        direction = "ASC"
        if name.startswith(("-", "+")):
            direction = "DESC" if name[0] == "-" else "ASC"
            name = name[1:]
        if name not in columns:
            raise FilterError(f"cannot sort by {name!r}; queryables: {', '.join(columns)}")
        items.append(f"{columns[name]} {direction} NULLS LAST")
    return ", ".join(items)

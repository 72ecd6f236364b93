"""SCIM filters (RFC 7644 3.4.2.2) as SQL: parsed by scim2-models, translated here.

Only attributes the directory keeps can be filtered on; anything else is `invalidFilter`.
Strings compare case-insensitively unless the attribute is case-exact (`id`, `externalId`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models import ScimFilter
from scim2_models.path.expressions import (
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from scim2_models.path.visitor import FilterVisitor
from sqlalchemy import ColumnElement, String, and_, cast, func, not_, or_, true
from sqlalchemy.orm import QueryableAttribute

from gateway.scim.errors import ScimError

MAX_FILTER_CHARS = 2000


@dataclass(frozen=True)
class Column:
    """A filterable attribute: its SQL expression and how it compares."""

    expression: ColumnElement[Any] | QueryableAttribute[Any]
    case_exact: bool = False
    boolean: bool = False


def _invalid(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


class _ToSql(FilterVisitor[ColumnElement[bool]]):
    def __init__(self, columns: Mapping[str, Column]) -> None:
        self._columns = {name.lower(): column for name, column in columns.items()}
        self._prefix: str | None = None

    def _column(self, attr: str, sub_attr: str | None) -> Column:
        if self._prefix is not None:
            attr, sub_attr = self._prefix, attr
        name = attr if sub_attr is None else f"{attr}.{sub_attr}"
        column = self._columns.get(name.lower())
        if column is None:
            raise _invalid(f"Filtering on {name} is not supported.")
        return column

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        column = self._column(node.attr_path.attr, node.attr_path.sub_attr)
        if column.boolean:
            if not isinstance(node.value, bool) or node.op not in (
                CompareOperator.eq,
                CompareOperator.ne,
            ):
                raise _invalid("A boolean attribute compares with eq or ne to true or false.")
            expression = column.expression == node.value
            return expression if node.op == CompareOperator.eq else not_(expression)
        if not isinstance(node.value, str):
            raise _invalid("This attribute compares with strings.")
        left: ColumnElement[str] = cast(column.expression, String)
        value = node.value
        if not column.case_exact:
            left, value = func.lower(left), value.lower()
        like = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        op = node.op
        if op == CompareOperator.eq:
            return left == value
        if op == CompareOperator.ne:
            return or_(left.is_(None), left != value)
        if op == CompareOperator.co:
            return left.like(f"%{like}%", escape="\\")
        if op == CompareOperator.sw:
            return left.like(f"{like}%", escape="\\")
        if op == CompareOperator.ew:
            return left.like(f"%{like}", escape="\\")
        if op == CompareOperator.gt:
            return left > value
        if op == CompareOperator.ge:
            return left >= value
        if op == CompareOperator.lt:
            return left < value
        if op == CompareOperator.le:
            return left <= value
        raise _invalid(f"The operator {op} is not supported.")

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        column = self._column(node.attr_path.attr, node.attr_path.sub_attr)
        if column.boolean:
            return column.expression.is_not(None)
        return and_(column.expression.is_not(None), cast(column.expression, String) != "")

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        return not_(self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        # emails[type eq "work" and value eq "x"]: inner names are sub-attributes of emails.
        if self._prefix is not None:
            raise _invalid("Value filters do not nest.")
        self._prefix = node.attr_path.attr
        try:
            return self.visit(node.val_filter)
        finally:
            self._prefix = None


def filter_clause(text: str | None, columns: Mapping[str, Column]) -> ColumnElement[bool]:
    """The SQL condition a filter expresses (true when there is none); refuse what we cannot."""
    if text is None or not text.strip():
        return true()
    if len(text) > MAX_FILTER_CHARS:
        raise _invalid("The filter is too long.")
    try:
        parsed: ScimFilter[Any] = ScimFilter(text)
    except Exception:
        raise _invalid("The filter is not valid SCIM filter syntax.") from None
    return _ToSql(columns).visit(parsed.ast)

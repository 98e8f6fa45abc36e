"""The reports' rules besides the figures: reading a period or a month from the query
string (junk falls back, never a 500), the labels of breakdown keys, the stores a report
covers, and setting a consultant's monthly targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, tenancy
from ..customers.models import SOURCES
from ..domain import DomainError
from ..extensions import db
from ..inventory.models import VehicleModel
from ..tenancy import Membership, Role, Store, User
from .metrics import DIMENSIONS, MAX_DAYS, Period
from .models import SalesTarget

MAX_UNITS = 10_000
MAX_MARGIN = Decimal("9999999999.99")


class ReportError(DomainError):
    """A target the rules refuse."""


# --------------------------------------------------------------------------- query arguments


def _date(value: Any) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else None


def period_from_args(args: Mapping[str, Any], today: dt.date) -> Period:
    """``start``/``end`` (YYYY-MM-DD) from the query string; missing or junk means this
    month so far; ends the wrong way round are swapped; a range longer than MAX_DAYS is cut."""
    start, end = _date(args.get("start")), _date(args.get("end"))
    if start is None and end is None:
        return Period(today.replace(day=1), today)
    if start is None:
        start = end.replace(day=1)
    if end is None:
        end = max(start, today) if start.replace(day=1) == today.replace(day=1) else Period.month_of(start).end
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        end = start + dt.timedelta(days=MAX_DAYS - 1)
    return Period(start, end)


def month_from_args(args: Mapping[str, Any], today: dt.date) -> Period:
    """``month`` (YYYY-MM) from the query string, this month when missing or junk."""
    raw = str(args.get("month") or "").strip()[:7]
    try:
        first = dt.date(int(raw[:4]), int(raw[5:7]), 1) if len(raw) == 7 and raw[4] == "-" else None
    except ValueError:
        first = None
    if first is None or not dt.date(2000, 1, 1) <= first <= dt.date(2100, 12, 1):
        first = today.replace(day=1)
    return Period.month_of(first)


def dimension_from_args(args: Mapping[str, Any]) -> str:
    value = str(args.get("by") or "")
    return value if value in DIMENSIONS else "source"


def stores_from_args(args: Mapping[str, Any]) -> tuple[int, ...] | None:
    """The one store a roll-up report is narrowed to (``store``), or None for every store.
    A store outside the context is simply not counted (``metrics.scope``)."""
    raw = str(args.get("store") or "").strip()
    if not raw.isdigit() or len(raw) > 12:
        return None
    return (int(raw),)


# --------------------------------------------------------------------------- labels


def store_names() -> dict[int | None, str]:
    """The names of the context's stores (and None: all stores). In a request from the
    signed-in user's ``Access`` (no statement); in a job from the stores themselves."""
    access = g.get("access") if has_app_context() else None
    names: dict[int | None, str] = {}
    if access is not None:
        names.update({s.id: s.name for s in access.stores})
    else:
        names.update({s.id: s.name for s in readable_stores()})
    names[None] = _("全部门店")
    return names


def readable_stores() -> list[Store]:
    """The stores of the context (one, or the roll-up's), by code."""
    ids = tenancy.current().store_ids
    if not ids:
        return []
    return sorted(tenancy.stores_by_id(ids).values(), key=lambda s: (s.code, s.id))


def key_labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """What a breakdown key is called: a source's name, a consultant's, a model's label."""
    keys = {k for k in keys if k is not None}
    labels: dict[Any, str] = {None: _("未指定")}
    if by == "source":
        labels.update({k: str(SOURCES.get(k, k)) for k in keys})
    elif by == "consultant":
        labels.update(user_names(keys))
    elif by == "model" and keys:
        for model in db.session.execute(select(VehicleModel).where(VehicleModel.id.in_(keys))).scalars():
            labels[model.id] = model.label
    return labels


def user_names(ids: Iterable[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    org_id = tenancy.current().org_id
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids), User.org_id == org_id))
    return dict(rows.all())


# --------------------------------------------------------------------------- targets


def store_consultants() -> list[User]:
    """The active store's sales consultants (the people targets are set for), by name."""
    store = tenancy.writable_store()
    return list(
        db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(
                Membership.store_id == store.id,
                Role.code == "sales_consultant",
                Role.org_id.is_(None),
                User.is_active.is_(True),
            )
            .order_by(User.name, User.id)
            .distinct()
        ).scalars()
    )


def month_targets(month: Period) -> dict[int, SalesTarget]:
    """The month's targets of the active store(s), by consultant id."""
    stmt = select(SalesTarget).where(SalesTarget.month == month.start)
    return {t.consultant_id: t for t in db.session.execute(stmt).scalars()}


@dataclass
class TargetInput:
    units: int
    deliveries: int
    gross_margin: Decimal


def parse_target(data: Mapping[str, Any], consultant_id: int) -> TargetInput:
    """One consultant's three figures from the targets form (blank means 0). Raises
    ReportError naming the field."""

    def number(name: str, kind: type) -> Any:
        key = f"{name}_{consultant_id}"
        raw = str(data.get(key) or "").strip().replace(",", "")
        if not raw:
            return kind(0)
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ReportError(_("请输入数字。"), key) from None
        if not value.is_finite() or value < 0:
            raise ReportError(_("不能为负数。"), key)
        if kind is int:
            if value != value.to_integral_value() or value > MAX_UNITS:
                raise ReportError(_("请输入 0 到 10000 之间的整数。"), key)
            return int(value)
        if value > MAX_MARGIN:
            raise ReportError(_("金额过大。"), key)
        return value.quantize(Decimal("0.01"))

    return TargetInput(number("units", int), number("deliveries", int), number("margin", Decimal))


def save_targets(month: Period, data: Mapping[str, Any]) -> int:
    """Set the month's targets of every consultant of the active store from the form; a
    consultant's row is created, updated or left alone, and each change is audit-logged.
    Returns how many rows changed. Raises ReportError (nothing saved) for a bad figure."""
    consultants = store_consultants()
    parsed = {c.id: parse_target(data, c.id) for c in consultants}
    existing = month_targets(month)
    user_id = tenancy.current().user_id
    changed = 0
    for consultant in consultants:
        wanted = parsed[consultant.id]
        target = existing.get(consultant.id)
        if target is None:
            if not (wanted.units or wanted.deliveries or wanted.gross_margin):
                continue
            target = SalesTarget(consultant_id=consultant.id, month=month.start)
            db.session.add(target)
            before: dict[str, Any] = {}
        else:
            before = audit.snapshot(target, ("units", "deliveries", "gross_margin"))
            if (target.units, target.deliveries, Decimal(target.gross_margin)) == (
                wanted.units,
                wanted.deliveries,
                wanted.gross_margin,
            ):
                continue
        target.units, target.deliveries, target.gross_margin = wanted.units, wanted.deliveries, wanted.gross_margin
        target.updated_by_id = user_id
        db.session.flush()
        audit.record(
            "update" if before else "create",
            target,
            before=before or None,
            after=audit.snapshot(target, ("units", "deliveries", "gross_margin")),
            summary=_("%(name)s %(month)s 销售目标", name=consultant.name, month=f"{month.start:%Y-%m}"),
        )
        changed += 1
    return changed
